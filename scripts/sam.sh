#!/usr/bin/env bash
# SAM chores without Docker: validate, build, cold-start timing, layer size.
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
  if ! { [ -x "$sam" ] && "$sam" --version 2>/dev/null | grep -q "$SAM_VERSION"; }; then
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
cmd_build() {
  local sam start
  sam=$(sam_bin)
  start=$(date +%s)
  UV="$(uv_bin)" PATH="$PWD/.venv/bin:$PATH" "$sam" build --parallel --cached
  echo "sam build took $(( $(date +%s) - start )) s"
}

# Median time to import one Kafka function module and build its OrderService in a fresh interpreter:
# what a Lambda cold start pays before the first record. No network: the connection and the producer
# open at first use, and the settings point nowhere. Measured with bytecode (warmed by one uncounted run),
# the best case: sam build's python3.12 BuildMethod unzips wheels without compiling them.
cmd_coldstart() {
  local app="${1:-functions/payments_succeeded/app.py}" runs="${RUNS:-7}"
  # LAMBDA_TASK_ROOT makes the X-Ray SDK take its Lambda path (local sampler), as it does in AWS.
  LAMBDA_TASK_ROOT="$PWD/$(dirname "$app")" AWS_LAMBDA_FUNCTION_NAME=coldstart \
  DB_DSN="postgresql://coldstart@127.0.0.1:1/none" KAFKA_BROKERS="127.0.0.1:1" \
  POWERTOOLS_SERVICE_NAME=order-service POWERTOOLS_METRICS_NAMESPACE=OrderService AWS_REGION=eu-west-1 \
  PYTHONPATH="$PWD/layers/order_core" env -u PYTHONDONTWRITEBYTECODE .venv/bin/python - "$app" "$runs" <<'PY'
import statistics, subprocess, sys

app, runs = sys.argv[1], int(sys.argv[2])
probe = (
    "import runpy, time\n"
    "t = time.perf_counter()\n"
    f"runpy.run_path({app!r})\n"
    "from order_core.bootstrap import get_service\n"
    "get_service()\n"
    "print((time.perf_counter() - t) * 1000)\n"
)
def once() -> float:
    return float(subprocess.check_output([sys.executable, "-c", probe], text=True))

once()
samples = sorted(once() for _ in range(runs))
print(f"cold start of {app}: median {statistics.median(samples):.0f} ms over {runs} runs "
      f"(min {samples[0]:.0f}, max {samples[-1]:.0f}; target <= 300 ms)")
PY
}

cmd_layer_size() {
  local dir=.aws-sam/build/OrderCoreLayer
  [ -d "$dir" ] || { echo "sam.sh: $dir missing; run 'make sam-build' first" >&2; exit 1; }
  find "$dir" -type f -printf '%s\n' | awk '{s += $1} END {printf "OrderCoreLayer unzipped: %.1f MiB (%d bytes; budget 25 MiB)\n", s/1048576, s}'
}

case "${1:-}" in
  validate) cmd_validate ;;
  build) cmd_build ;;
  coldstart) shift; cmd_coldstart "$@" ;;
  layer-size) cmd_layer_size ;;
  sam) shift; "$(sam_bin)" "$@" ;;
  *) echo "usage: scripts/sam.sh validate|build|coldstart [function app.py]|layer-size|sam ARGS..." >&2; exit 2 ;;
esac
