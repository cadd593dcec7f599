#!/usr/bin/env bash
# Local infrastructure of the order service: PostgreSQL 15 and a single-node Apache Kafka 4 (KRaft),
# both on 127.0.0.1, run from the machine's own binaries (no Docker needed).
#
#   scripts/stack.sh up                     start both (idempotent), create the database and the topics
#   scripts/stack.sh down                   stop both (state is kept)
#   scripts/stack.sh env                    print DB_DSN=... and KAFKA_BROKERS=... (eval "$(scripts/stack.sh env)")
#   scripts/stack.sh migrate                apply db/migrations with yoyo (MIGRATIONS=dir to use another one)
#   scripts/stack.sh stop|start postgres|kafka   for fault-injection tests; each waits until stopped / ready
#   scripts/stack.sh destroy                stop both and delete their data
#
# Ports: PG_PORT (55432), KAFKA_PORT (59092), KAFKA_CONTROLLER_PORT (59093); they are recorded at the first
# `up` and stay until `destroy`. STACK=docker runs the same services with docker compose (docker-compose.yml).
#
# State lives in .local/ (gitignored): .local/kafka/ (log dir, server.log, pid file), .local/kafka.classpath,
# .local/stack.ports and .local/postgres, a symlink to /var/tmp/order-service-<hash of the repo path>/ (data
# dir, postgres.log, socket, tls/). Postgres lives outside the repo because, run as root, it runs as the `postgres`
# user, which cannot traverse a 0700 checkout such as a `mktemp -d` clone.
#
# Postgres serves TLS with a self-signed certificate made here (.local/postgres/tls/server.crt), so clients that
# insist on it (`sslmode=require`, as the functions do in AWS) connect unchanged; plain connections still work.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
LOCAL=$ROOT/.local
PY=$ROOT/.venv/bin/python
READY=$ROOT/scripts/stack/ready.py
# ready.py takes the topic names from order_core, the one place they are declared.
export PYTHONPATH=$ROOT/layers/order_core${PYTHONPATH:+:$PYTHONPATH}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_LINK=$LOCAL/postgres
PG_HOME=/var/tmp/order-service-$(printf %s "$ROOT" | sha256sum | cut -c1-12)
PG_DATA=$PG_HOME/data
PG_LOG=$PG_HOME/postgres.log
PG_TLS=$PG_HOME/tls
PG_TLS_MARK="# --- scripts/stack.sh: TLS ---"
DB_NAME=orders DB_USER=orders DB_PASSWORD=orders
KAFKA_HOME=$LOCAL/kafka
KAFKA_PID=$KAFKA_HOME/kafka.pid
KAFKA_LOG=$KAFKA_HOME/server.log
KAFKA_POM=$ROOT/infra/kafka/pom.xml
KAFKA_CLASSPATH=$LOCAL/kafka.classpath
KAFKA_STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}
PORTS_FILE=$LOCAL/stack.ports
COMPOSE_FILE=$ROOT/docker-compose.yml

log() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }
# Prints the last 30 lines of a log file, for the error that follows.
show_log() { [[ -r $1 ]] && { log "last lines of $1:"; tail -n 30 "$1" >&2; }; return 0; }

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2; exit 2; }

# --- ports -------------------------------------------------------------------------------------------

# The Kafka controller port is written into the KRaft metadata at format time, so ports are fixed per state.
load_ports() {
  local name recorded wanted
  declare -A rec=()
  if [[ -f $PORTS_FILE ]]; then
    while IFS='=' read -r name recorded; do rec[$name]=$recorded; done <"$PORTS_FILE"
  fi
  for name in PG_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT; do
    wanted=${!name:-}
    recorded=${rec[$name]:-}
    if [[ -n $wanted && -n $recorded && $wanted != "$recorded" ]]; then
      die "$name=$wanted but this stack was created with $name=$recorded; run 'scripts/stack.sh destroy' first to change ports"
    fi
    printf -v "$name" %s "${recorded:-$wanted}"
  done
  PG_PORT=${PG_PORT:-55432} KAFKA_PORT=${KAFKA_PORT:-59092} KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-59093}
}

record_ports() {
  [[ -f $PORTS_FILE ]] && return
  printf 'PG_PORT=%s\nKAFKA_PORT=%s\nKAFKA_CONTROLLER_PORT=%s\n' "$PG_PORT" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" >"$PORTS_FILE"
}

port_open() { (: <>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_port() {
  port_open "$1" || return 0
  local holder=""
  command -v ss >/dev/null && holder=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:.*' | head -n 1)
  die "port $1 ($2) is already in use by something that is not this checkout's stack ${holder:+($holder)}; stop it or set $3 to a free port"
}

dsn() { printf 'postgresql://%s:%s@127.0.0.1:%s/%s' "$DB_USER" "$DB_PASSWORD" "$PG_PORT" "$DB_NAME"; }
brokers() { printf '127.0.0.1:%s' "$KAFKA_PORT"; }

# --- prerequisites -------------------------------------------------------------------------------------

require_venv() { [[ -x $PY ]] || die "$PY not found: run 'make install' first"; }

require_postgres_tools() {
  local tool
  for tool in initdb pg_ctl postgres psql; do
    [[ -x $PG_BIN/$tool ]] || die "PostgreSQL 15 server binaries not found ($PG_BIN/$tool missing): apt-get install postgresql-15, or set PG_BIN"
  done
  if ((EUID == 0)); then
    id -u postgres >/dev/null 2>&1 || die "running as root, Postgres must run as the 'postgres' OS user, which does not exist (apt-get install postgresql-15 creates it)"
    command -v runuser >/dev/null || die "runuser not found (util-linux)"
  fi
}

require_java() {
  command -v java >/dev/null || die "java not found on PATH: Kafka 4 needs Java 17+ (apt-get install openjdk-17-jre-headless)"
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  ((${major:-0} >= 17)) || die "java is version ${major:-unknown}; Kafka 4 needs Java 17+"
}

classpath_fresh() {
  [[ -s $KAFKA_CLASSPATH && $KAFKA_CLASSPATH -nt $KAFKA_POM ]] || return 1
  local jar
  local -a jars
  IFS=: read -ra jars <"$KAFKA_CLASSPATH"
  for jar in "${jars[@]}"; do [[ -f $jar ]] || return 1; done
}

# Resolves the broker's jars into ~/.m2 once; later runs reuse the cached classpath file.
ensure_kafka_classpath() {
  classpath_fresh && return
  command -v mvn >/dev/null || die "mvn not found on PATH: it resolves the Kafka jars (apt-get install maven)"
  log "resolving the Kafka jars with Maven (first run only)"
  local out=$LOCAL/mvn.log
  if ! mvn -q -B -f "$KAFKA_POM" dependency:build-classpath -Dmdep.outputFile="$KAFKA_CLASSPATH.tmp" >"$out" 2>&1; then
    show_log "$out"
    die "Maven could not resolve the Kafka jars of $KAFKA_POM"
  fi
  mv "$KAFKA_CLASSPATH.tmp" "$KAFKA_CLASSPATH"
}

# --- postgres ------------------------------------------------------------------------------------------

# Runs a Postgres tool as the user that owns the cluster, from a directory that user can read.
as_pg() {
  if ((EUID == 0)); then
    (cd "$PG_HOME" && runuser -u postgres -- "$@")
  else
    (cd "$PG_HOME" && "$@")
  fi
}

pg_running() { [[ -f $PG_DATA/PG_VERSION ]] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

# A state dir without its .local/postgres link is left over from a deleted .local: it is ours, drop it.
pg_drop_orphan() {
  [[ -L $PG_LINK || ! -e $PG_HOME ]] && return
  log "removing Postgres state left over from a deleted .local: $PG_HOME"
  pg_running && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
  rm -rf "$PG_HOME"
}

pg_init() {
  [[ -f $PG_DATA/PG_VERSION ]] && return
  log "creating the Postgres cluster in $PG_HOME"
  if ((EUID == 0)); then
    install -d -m 0700 -o postgres -g postgres "$PG_HOME"
  else
    install -d -m 0700 "$PG_HOME"
  fi
  ln -sfn "$PG_HOME" "$PG_LINK"
  if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --no-locale --no-instructions >"$PG_HOME/initdb.log" 2>&1; then
    show_log "$PG_HOME/initdb.log"
    die "initdb failed"
  fi
  # Local throwaway data: no fsync. The socket sits in PG_HOME, readable only by the cluster's owner.
  as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF

# --- scripts/stack.sh ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_HOME'
max_connections = 200
fsync = off
full_page_writes = off
EOF
}

# A self-signed certificate for 127.0.0.1/localhost, and the settings that serve it. Idempotent, also for a
# cluster made before TLS was added: a running server picks the settings up with a reload.
pg_tls() {
  if [[ ! -s $PG_TLS/server.crt || ! -s $PG_TLS/server.key ]]; then
    log "making a self-signed TLS certificate for Postgres in $PG_TLS"
    command -v openssl >/dev/null || die "openssl not found on PATH: it makes Postgres's TLS certificate (apt-get install openssl)"
    mkdir -p "$PG_TLS"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$PG_TLS/server.key" -out "$PG_TLS/server.crt" >"$PG_HOME/openssl.log" 2>&1 \
      || { show_log "$PG_HOME/openssl.log"; die "openssl could not make the certificate"; }
    # Postgres refuses a key that others can read.
    chmod 0600 "$PG_TLS/server.key"
    if ((EUID == 0)); then chown -R postgres:postgres "$PG_TLS"; fi
  fi
  grep -qxF "$PG_TLS_MARK" "$PG_DATA/postgresql.conf" && return
  as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF

$PG_TLS_MARK
ssl = on
ssl_cert_file = '$PG_TLS/server.crt'
ssl_key_file = '$PG_TLS/server.key'
EOF
  if pg_running; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" reload >/dev/null || die "Postgres did not reload its TLS settings"
  fi
}

pg_start() {
  pg_running && return
  log "starting Postgres on 127.0.0.1:$PG_PORT"
  # 9>&- : the server must not inherit the stack lock.
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null 9>&-; then
    show_log "$PG_LOG"
    die "Postgres did not start"
  fi
}

pg_provision() {
  as_pg "$PG_BIN/psql" -h "$PG_HOME" -p "$PG_PORT" -U postgres -d postgres -qAtX -v ON_ERROR_STOP=1 >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME')
\gexec
SQL
}

pg_wait_ready() {
  "$PY" "$READY" postgres "$(dsn)" --timeout 30 || { show_log "$PG_LOG"; die "Postgres does not answer queries"; }
  "$PY" "$READY" postgres "$(dsn)?sslmode=require" --timeout 10 || { show_log "$PG_LOG"; die "Postgres does not accept TLS connections"; }
}

pg_stop() {
  pg_running || return 0
  log "stopping Postgres"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null || { show_log "$PG_LOG"; die "Postgres did not stop"; }
}

# --- kafka ---------------------------------------------------------------------------------------------

kafka_pid() { [[ -f $KAFKA_PID ]] && cat "$KAFKA_PID"; }

# Running means: the recorded pid is alive and is the broker started with this checkout's config.
kafka_running() {
  local pid
  pid=$(kafka_pid) || return 1
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $KAFKA_HOME/server.properties"
}

storage_tool() {
  java -cp "$(<"$KAFKA_CLASSPATH")" -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.properties" \
    -Dkafka.logs.dir="$KAFKA_HOME" kafka.tools.StorageTool "$@"
}

sed_escape() { printf '%s' "$1" | sed 's/[&|\\]/\\&/g'; }

kafka_configure() {
  mkdir -p "$KAFKA_HOME"
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    -e "s|@LOG_DIR@|$(sed_escape "$KAFKA_HOME/data")|g" \
    "$ROOT/infra/kafka/server.properties.template" >"$KAFKA_HOME/server.properties"
  [[ -f $KAFKA_HOME/data/meta.properties ]] && return
  local cluster_id
  cluster_id=$(storage_tool random-uuid) || die "kafka.tools.StorageTool random-uuid failed"
  log "formatting the Kafka log dir (cluster id $cluster_id)"
  if ! storage_tool format --standalone -t "$cluster_id" -c "$KAFKA_HOME/server.properties" \
    >"$KAFKA_HOME/format.log" 2>&1; then
    show_log "$KAFKA_HOME/format.log"
    die "formatting the Kafka storage failed"
  fi
}

# Starts the broker in the background, in its own session so a Ctrl-C of the caller does not reach it.
kafka_launch() {
  kafka_running && return
  log "starting Kafka on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)"
  # 9>&- : the broker must not inherit the stack lock.
  setsid nohup java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.properties" \
    -Dkafka.logs.dir="$KAFKA_HOME" -cp "$(<"$KAFKA_CLASSPATH")" \
    kafka.Kafka "$KAFKA_HOME/server.properties" >"$KAFKA_HOME/kafka.out" 2>&1 </dev/null 9>&- &
  echo $! >"$KAFKA_PID"
}

# Waits until the broker serves metadata, creating the topics that are missing.
kafka_wait_ready() {
  if ! "$PY" "$READY" kafka "$(brokers)" --timeout 120 --pid "$(kafka_pid)"; then
    show_log "$KAFKA_LOG"
    show_log "$KAFKA_HOME/kafka.out"
    die "Kafka is not ready"
  fi
}

kafka_stop() {
  kafka_running || { rm -f "$KAFKA_PID"; return 0; }
  local pid waited=0
  pid=$(kafka_pid)
  log "stopping Kafka (pid $pid)"
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= KAFKA_STOP_TIMEOUT * 10)); then
      log "Kafka did not stop within ${KAFKA_STOP_TIMEOUT}s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$KAFKA_PID"
}

# --- docker (STACK=docker) -----------------------------------------------------------------------------

compose() {
  docker compose version >/dev/null 2>&1 || die "STACK=docker needs Docker with the compose plugin ('docker compose')"
  PG_PORT=$PG_PORT KAFKA_PORT=$KAFKA_PORT docker compose -f "$COMPOSE_FILE" "$@"
}

docker_wait_ready() {
  "$PY" "$READY" postgres "$(dsn)" --timeout 60 || die "Postgres (docker) does not answer queries"
  "$PY" "$READY" kafka "$(brokers)" --timeout 120 || die "Kafka (docker) is not ready"
}

# --- commands ------------------------------------------------------------------------------------------

cmd_up() {
  require_venv
  if [[ ${STACK:-} == docker ]]; then
    compose up -d --wait
    docker_wait_ready
    return
  fi
  # Everything that can be missing is checked before anything starts.
  require_postgres_tools
  kafka_running || require_java
  pg_drop_orphan
  pg_running || require_free_port "$PG_PORT" Postgres PG_PORT
  if ! kafka_running; then
    require_free_port "$KAFKA_PORT" Kafka KAFKA_PORT
    require_free_port "$KAFKA_CONTROLLER_PORT" "Kafka controller" KAFKA_CONTROLLER_PORT
    ensure_kafka_classpath
  fi
  record_ports
  # Kafka's JVM warms up while Postgres starts.
  if ! kafka_running; then
    kafka_configure
    kafka_launch
  fi
  pg_init
  pg_tls
  pg_start
  pg_provision
  pg_wait_ready
  kafka_wait_ready
  log "up: DB_DSN=$(dsn) KAFKA_BROKERS=$(brokers)"
}

cmd_down() {
  if [[ ${STACK:-} == docker ]]; then
    compose down
    return
  fi
  kafka_stop
  pg_stop
  log "down"
}

cmd_destroy() {
  if [[ ${STACK:-} == docker ]]; then
    compose down --volumes
    return
  fi
  cmd_down
  rm -rf "$KAFKA_HOME" "$PORTS_FILE" "$PG_LINK"
  [[ -e $PG_HOME ]] && rm -rf "$PG_HOME"
  log "destroyed the local Postgres and Kafka data"
}

cmd_start() {
  require_venv
  if [[ ${STACK:-} == docker ]]; then
    compose start "$1"
    docker_wait_ready
    return
  fi
  case $1 in
    postgres)
      require_postgres_tools
      [[ -f $PG_DATA/PG_VERSION ]] || die "no Postgres cluster yet: run 'scripts/stack.sh up' first"
      pg_running || require_free_port "$PG_PORT" Postgres PG_PORT
      pg_start
      pg_wait_ready
      ;;
    kafka)
      [[ -f $KAFKA_HOME/data/meta.properties ]] || die "no Kafka log dir yet: run 'scripts/stack.sh up' first"
      if ! kafka_running; then
        require_java
        require_free_port "$KAFKA_PORT" Kafka KAFKA_PORT
        require_free_port "$KAFKA_CONTROLLER_PORT" "Kafka controller" KAFKA_CONTROLLER_PORT
        ensure_kafka_classpath
        kafka_configure
        kafka_launch
      fi
      kafka_wait_ready
      ;;
  esac
}

cmd_stop() {
  if [[ ${STACK:-} == docker ]]; then
    compose stop "$1"
    return
  fi
  case $1 in
    postgres) pg_stop ;;
    kafka) kafka_stop ;;
  esac
}

cmd_migrate() {
  require_venv
  local dir=${MIGRATIONS:-$ROOT/db/migrations}
  [[ -d $dir ]] || die "no migrations directory: $dir"
  "$ROOT/.venv/bin/yoyo" apply --batch --no-config-file \
    --database "postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME" "$dir"
}

main() {
  local cmd=${1:-}
  case $cmd in
    up | down | destroy | env | migrate) (($# == 1)) || usage ;;
    start | stop) [[ $# == 2 && ${2:-} =~ ^(postgres|kafka)$ ]] || usage ;;
    *) usage ;;
  esac
  mkdir -p "$LOCAL"
  load_ports
  if [[ $cmd == env ]]; then
    printf 'DB_DSN=%s\nKAFKA_BROKERS=%s\n' "$(dsn)" "$(brokers)"
    return
  fi
  # One stack command at a time per checkout (several `make test` may run at once).
  exec 9>"$LOCAL/stack.lock"
  flock -w 300 9 || die "another scripts/stack.sh is still running after 300 s (lock $LOCAL/stack.lock)"
  "cmd_$cmd" "${@:2}"
}

main "$@"
