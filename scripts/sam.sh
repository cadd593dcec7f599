#!/usr/bin/env bash
# SAM chores without Docker: validate, build, layer size (make coldstart and make invoke live in artifact/).
# The sam CLI lives in its own tool venv under .tools/sam (its pins conflict with the project's venv);
# it is installed on first use, so a clean clone in CI needs nothing beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."

SAM_VERSION="1.170.0"
TOOLS="$PWD/.tools/sam"
export SAM_CLI_TELEMETRY=0

uv_bin() {
  if command -v uv >/dev/null 2>&1; then command -v uv; return; fi
  [ -x .tools/bin/uv ] || scripts/bootstrap.sh >&2
  echo "$PWD/.tools/bin/uv"
}

sam_bin() {
  local sam="$TOOLS/bin/sam"
  # the installed version from its metadata: asking `sam --version` costs a SAM CLI start-up (seconds) per call
  if ! { [ -x "$sam" ] && compgen -G "$TOOLS/tools/aws-sam-cli/lib/python3.*/site-packages/aws_sam_cli-$SAM_VERSION.dist-info" >/dev/null; }; then
    echo "sam.sh: installing aws-sam-cli==$SAM_VERSION into .tools/sam" >&2
    UV_TOOL_DIR="$TOOLS/tools" UV_TOOL_BIN_DIR="$TOOLS/bin" UV_PYTHON_DOWNLOADS=never \
      "$(uv_bin)" tool install --force --python "$PWD/.venv/bin/python" "aws-sam-cli==$SAM_VERSION" >&2
  fi
  echo "$sam"
}

cmd_validate() {
  local sam
  sam=$(sam_bin)
  "$sam" validate --lint
  "$sam" validate --region "${AWS_REGION:-eu-west-1}"
}

# The layer and function Makefiles (BuildMethod: makefile) need uv and a python3.12: the project's own.
# Everything goes to stderr: make invoke keeps stdout for the function's response.
# --cached keys the layer on its own folder, blind to the layers/python312.mk it includes: a change drops the cache.
cmd_build() {
  local sam start recipe
  sam=$(sam_bin)
  start=$(date +%s)
  recipe=$(cat layers/*.mk | sha256sum)
  [ "$(cat .aws-sam/build-recipe 2>/dev/null)" = "$recipe" ] || rm -rf .aws-sam/cache
  UV="$(uv_bin)" PATH="$PWD/.venv/bin:$PATH" "$sam" build --parallel --cached >&2
  echo "$recipe" > .aws-sam/build-recipe
  echo "sam build took $(( $(date +%s) - start )) s" >&2
}

cmd_layer_size() {
  local dir=.aws-sam/build/OrderCoreLayer
  [ -d "$dir" ] || { echo "sam.sh: $dir missing; run 'make sam-build' first" >&2; exit 1; }
  find "$dir" -type f -printf '%s\n' | awk '{s += $1} END {printf "OrderCoreLayer unzipped: %.1f MiB (%d bytes; budget 25 MiB)\n", s/1048576, s}'
}

case "${1:-}" in
  validate) cmd_validate ;;
  build) cmd_build ;;
  layer-size) cmd_layer_size ;;
  sam) shift; "$(sam_bin)" "$@" ;;
  *) echo "usage: scripts/sam.sh validate|build|layer-size|sam ARGS..." >&2; exit 2 ;;
esac
