#!/usr/bin/env bash
# The application deployed onto an AWS-compatible emulator, without Docker: the same template.yaml and the same
# built artifact (.aws-sam/build, from `make sam-build`) that go to AWS, deployed by `sam deploy --config-env
# emulator` (samconfig.toml). The Makefile's aws-* targets call it once Postgres and Kafka are up and migrated.
#
#   scripts/aws.sh up              start the emulator (idempotent), put the database secret into it, deploy
#   scripts/aws.sh deploy [ARGS]   sam deploy again (ARGS go to sam deploy; SAM_TEMPLATE picks another build)
#   scripts/aws.sh down            stop the emulator (it keeps its state in memory: the stack goes with it)
#   scripts/aws.sh env             print AWS_ENDPOINT_URL=, STACK_NAME=, API_URL= (and region, credentials)
#   scripts/aws.sh run [ARGS]      the runner in invoke mode: Kafka records -> Lambda Invoke of the deployed functions
#   scripts/aws.sh demo [ARGS]     the demo lifecycle through the deployed stack, API calls SigV4-signed
#
# EMULATOR=ministack (default): MiniStack, pinned in infra/ministack/requirements.txt, in a Python 3.12 venv of
# its own (.tools/ministack), on 127.0.0.1:EMULATOR_PORT (54566), started with a clean environment; its log
# and scratch space (the functions' unpacked code) in .local/emulator/.
# EMULATOR=localstack: docker-compose.yml's LocalStack service on the same port; it runs the functions in
# containers, so it needs Docker and STACK=docker (Postgres and Kafka on the compose network).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
PY=$ROOT/.venv/bin/python
EMULATOR=${EMULATOR:-ministack}
STATE=$ROOT/.local/emulator
PID_FILE=$STATE/ministack.pid
PORT_FILE=$STATE/port
DEPLOYED_FILE=$STATE/deployed
LOG_FILE=$STATE/ministack.log
VENV=$ROOT/.tools/ministack
REQUIREMENTS=$ROOT/infra/ministack/requirements.txt
SAM_TEMPLATE=${SAM_TEMPLATE:-.aws-sam/build/template.yaml}
# Any identity and region do for an emulator; the region matches samconfig.toml's cluster ARN.
export AWS_DEFAULT_REGION=eu-west-1 AWS_REGION=eu-west-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export EMULATOR PYTHONPATH=$ROOT/layers/order_core:$ROOT SAM_CLI_TELEMETRY=0

log() { printf 'aws: %s\n' "$*" >&2; }
die() { printf 'aws: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2; exit 2; }

[[ $EMULATOR =~ ^(ministack|localstack)$ ]] || die "EMULATOR=$EMULATOR is not known: use ministack (default) or localstack"

port_in_use() { (: <>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- ministack -----------------------------------------------------------------------------------------

ministack_pid() { [[ -f $PID_FILE ]] && cat "$PID_FILE"; }

# Running means: the recorded pid is alive and is this checkout's MiniStack (not a recycled pid).
ministack_running() { grep -qsF "$VENV/bin/ministack" "/proc/$(ministack_pid || echo none)/cmdline"; }

# A running emulator keeps the port it started on; asking for another one is a mistake worth saying.
resolve_port() {
  local recorded=""
  ministack_running && recorded=$(<"$PORT_FILE")
  if [[ -n $recorded && -n ${EMULATOR_PORT:-} && $EMULATOR_PORT != "$recorded" ]]; then
    die "EMULATOR_PORT=$EMULATOR_PORT but the emulator runs on $recorded; run 'make aws-down' first to change it"
  fi
  PORT=${recorded:-${EMULATOR_PORT:-54566}}
  URL=http://127.0.0.1:$PORT
}

ministack_install() {
  [[ -x $VENV/bin/ministack && $VENV/.installed -nt $REQUIREMENTS ]] && return
  local uv
  uv=$(command -v uv || echo "$ROOT/.tools/bin/uv")
  [[ -x $uv ]] || die "uv not found: run 'make install' first"
  log "installing the emulator (MiniStack, infra/ministack/requirements.txt) into .tools/ministack"
  rm -rf "$VENV"
  # Python 3.12 like the project's venv: the emulator runs the functions with its own interpreter.
  UV_PYTHON_DOWNLOADS=never "$uv" venv -q --python "$PY" "$VENV" >&2
  UV_PYTHON_DOWNLOADS=never "$uv" pip install -q --python "$VENV/bin/python" -r "$REQUIREMENTS" >&2 \
    || die "installing MiniStack into .tools/ministack failed (see above)"
  touch "$VENV/.installed"
}

ministack_start() {
  ministack_running && return
  ministack_install
  port_in_use "$PORT" && die "port $PORT is already in use by something that is not this checkout's emulator; stop it or set EMULATOR_PORT to a free port"
  mkdir -p "$STATE/tmp"
  log "starting MiniStack on $URL (log: .local/emulator/ministack.log)"
  # A clean environment: the functions' workers inherit the emulator's, and a DB_DSN, PYTHONPATH or VIRTUAL_ENV
  # of this shell would change what the deployed code does. Its own session, so Ctrl-C here does not reach it.
  env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$HOME" LANG=C.UTF-8 TMPDIR="$STATE/tmp" \
    GATEWAY_PORT="$PORT" BIND_HOST=127.0.0.1 MINISTACK_REGION="$AWS_DEFAULT_REGION" \
    setsid nohup "$VENV/bin/ministack" >"$LOG_FILE" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  echo "$PORT" >"$PORT_FILE"
  if ! "$PY" scripts/emulator.py wait "$URL" --pid "$(ministack_pid)" --timeout 60; then
    tail -n 20 "$LOG_FILE" >&2
    die "MiniStack did not start (log: $LOG_FILE)"
  fi
}

ministack_stop() {
  if ministack_running; then
    local pid waited=0
    pid=$(ministack_pid)
    log "stopping MiniStack (pid $pid)"
    # The function workers are its children, in the process group setsid gave it.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do
      ((waited++ < 150)) || { kill -KILL -- "-$pid" 2>/dev/null || true; }
      sleep 0.1
    done
  fi
  rm -f "$PID_FILE" "$PORT_FILE" "$DEPLOYED_FILE"
}

# --- localstack (Docker) -------------------------------------------------------------------------------

compose() {
  docker compose version >/dev/null 2>&1 || die "EMULATOR=localstack needs Docker with the compose plugin; without Docker use the default emulator"
  EMULATOR_PORT=$PORT docker compose -f "$ROOT/docker-compose.yml" "$@"
}

localstack_start() {
  [[ ${STACK:-} == docker ]] || die "EMULATOR=localstack runs the functions in containers that reach Postgres and Kafka only on the compose network: use STACK=docker for make up and make aws-up"
  compose up -d --wait localstack
  "$PY" scripts/emulator.py wait "$URL" --timeout 120 || die "LocalStack does not answer at $URL"
}

# --- commands ------------------------------------------------------------------------------------------

require_emulator() {
  "$PY" scripts/emulator.py wait "$URL" --timeout 1 2>/dev/null || die "no emulator answers at $URL: run 'make aws-up' first"
}

cmd_up() {
  "${EMULATOR}_start"
  cmd_deploy
}

# What a deploy is made of: every file of the build and the parameter values.
deploy_digest() {
  {
    (cd "$(dirname "$SAM_TEMPLATE")" && find . -type f ! -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum)
    printf '%s\n' "$1"
  } | sha256sum | cut -c1-64
}

# The deploy this very emulator process already has (a restarted MiniStack has none: its state is in memory).
deployed_marker() { printf '%s %s %s' "$EMULATOR" "$(ministack_pid || echo none)" "$1"; }

cmd_deploy() {
  [[ -f $SAM_TEMPLATE ]] || die "$SAM_TEMPLATE missing: run 'make sam-build' first"
  require_emulator
  local overrides marker
  set -a
  eval "$(scripts/stack.sh env)"
  set +a
  overrides=$(AWS_ENDPOINT_URL=$URL "$PY" scripts/emulator.py deploy-parameters) || die "could not put the database secret into the emulator"
  marker=$(deployed_marker "$(deploy_digest "$overrides")")
  # sam deploy takes ~10 s to find out there is nothing to change; the same build and parameters need none.
  if [[ $EMULATOR == ministack && $# == 0 && -f $DEPLOYED_FILE && $(<"$DEPLOYED_FILE") == "$marker" ]]; then
    log "the emulator already runs this build ($SAM_TEMPLATE) with these parameters: nothing to deploy"
    return
  fi
  rm -f "$DEPLOYED_FILE"
  log "sam deploy --config-env emulator onto $URL ($SAM_TEMPLATE)"
  AWS_ENDPOINT_URL=$URL scripts/sam.sh sam deploy --config-env emulator --config-file "$ROOT/samconfig.toml" \
    --template-file "$SAM_TEMPLATE" --parameter-overrides "$overrides" "$@"
  printf '%s' "$marker" >"$DEPLOYED_FILE"
}

cmd_down() {
  if [[ $EMULATOR == localstack ]]; then
    compose stop localstack
  else
    ministack_stop
  fi
}

# AWS_ENDPOINT_URL, STACK_NAME, API_URL and the emulator's identity into this shell.
load_env() {
  require_emulator
  local lines
  lines=$(AWS_ENDPOINT_URL=$URL "$PY" scripts/emulator.py env) || exit 1
  set -a
  eval "$lines"
  set +a
}

cmd_env() {
  require_emulator
  AWS_ENDPOINT_URL=$URL "$PY" scripts/emulator.py env
}

cmd_run() {
  load_env
  exec "$PY" -m localrun --invoke lambda --endpoint-url "$AWS_ENDPOINT_URL" --stack-name "$STACK_NAME" "$@"
}

cmd_demo() {
  load_env
  exec "$PY" -m localrun.demo --aws --stack-name "$STACK_NAME" "$@"
}

main() {
  local cmd=${1:-}
  case $cmd in
    up | down | env) (($# == 1)) || usage ;;
    deploy | run | demo) ;;
    *) usage ;;
  esac
  [[ $cmd == down || -x $PY ]] || die "$PY not found: run 'make install' first"
  if [[ $EMULATOR == localstack ]]; then
    PORT=${EMULATOR_PORT:-54566} URL=http://127.0.0.1:${EMULATOR_PORT:-54566}
  else
    resolve_port
  fi
  "cmd_$cmd" "${@:2}"
}

main "$@"
