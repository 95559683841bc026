#!/usr/bin/env bash
# Starts the whole PPID Suite on this machine: PostgreSQL + RabbitMQ (infra.sh), then the four
# services and the gateway from their Release builds, each in the background on loopback.
#   deploy/local/suite.sh start [--no-build]   start infra, build, start services, wait until ready
#   deploy/local/suite.sh stop [--all]         stop the services (--all: PostgreSQL and RabbitMQ too)
#   deploy/local/suite.sh status               what runs, and each service's /health/ready
#   deploy/local/suite.sh logs [name]          follow one service's log (all logs without a name)
# Logs: .run/logs/<name>.log, pid files: .run/pids/<name>.pid (PPID_RUN_DIR moves .run). Re-running is harmless. Each service
# runs under a small supervisor (the pid in its pid file) that starts it again when it exits with 70
# (its bus watchdog gave up on a stuck RabbitMQ connection), as Compose and Kubernetes do.
# Ports: PPID_GATEWAY_PORT (8080), PPID_REGISTRY_PORT (8081), PPID_CLASSIFICATION_PORT (8082),
# PPID_PUBLICATION_PORT (8083), PPID_ARCHIVE_PORT (8084). PPID_SUITE_TIMEOUT: seconds to wait
# for readiness (180). Once ready, start seeds a demo tenant and key (seed_demo; PPID_DEMO=0 skips it). Credentials are the DEVELOPMENT DEFAULTS of infra.sh (same override
# variables); never use them for a real system.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

RUN_DIR="${PPID_RUN_DIR:-$ROOT/.run}"
LOG_DIR="$RUN_DIR/logs"
PID_DIR="$RUN_DIR/pids"
READY_TIMEOUT="${PPID_SUITE_TIMEOUT:-180}"

PG_PORT="${PPID_PG_PORT:-5432}"
PG_USER="${PPID_PG_USER:-ppid}"
PG_PASSWORD="${PPID_PG_PASSWORD:-ppid-dev-password}"
RABBIT_USER="${PPID_RABBIT_USER:-ppid}"
RABBIT_PASSWORD="${PPID_RABBIT_PASSWORD:-ppid-dev-password}"

# Start order: the gateway last, once the services it routes to are launched.
SERVICES=(registry classification publication archive gateway)
BACKENDS=(registry classification publication archive)

export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"
export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"

log() { printf '[suite] %s\n' "$*"; }
die() { printf '[suite] %s\n' "$*" >&2; exit 1; }
usage() {
  cat >&2 <<USAGE
usage: deploy/local/suite.sh start [--no-build]
       deploy/local/suite.sh stop [--all]
       deploy/local/suite.sh status
       deploy/local/suite.sh logs [registry|classification|publication|archive|gateway]
USAGE
  exit 2
}

is_service() {
  local s
  for s in "${SERVICES[@]}"; do [ "$s" = "$1" ] && return 0; done
  return 1
}

svc_dll() {
  case "$1" in
    registry) echo "$ROOT/services/registry/bin/Release/net10.0/Ppid.Registry.dll" ;;
    classification) echo "$ROOT/services/classification/bin/Release/net10.0/Ppid.Classification.dll" ;;
    publication) echo "$ROOT/services/publication/bin/Release/net10.0/Ppid.Publication.dll" ;;
    archive) echo "$ROOT/services/archive/bin/Release/net10.0/Ppid.Archive.dll" ;;
    gateway) echo "$ROOT/gateway/bin/Release/net10.0/Ppid.Gateway.dll" ;;
  esac
}

svc_port() {
  case "$1" in
    registry) echo "${PPID_REGISTRY_PORT:-8081}" ;;
    classification) echo "${PPID_CLASSIFICATION_PORT:-8082}" ;;
    publication) echo "${PPID_PUBLICATION_PORT:-8083}" ;;
    archive) echo "${PPID_ARCHIVE_PORT:-8084}" ;;
    gateway) echo "${PPID_GATEWAY_PORT:-8080}" ;;
  esac
}

svc_db() { echo "ppid_$1"; }
svc_url() { echo "http://127.0.0.1:$(svc_port "$1")"; }
pid_file() { echo "$PID_DIR/$1.pid"; }
log_file() { echo "$LOG_DIR/$1.log"; }

# Prints the pid of a running service; fails when it does not run. The command line must still
# name the service's dll, so a recycled pid is never mistaken for the service.
svc_pid() {
  local file pid
  file="$(pid_file "$1")"
  [ -f "$file" ] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$(basename "$(svc_dll "$1")")" || return 1
  echo "$pid"
}

# The last lines a service wrote since its latest start.
tail_log() {
  awk '/^===== .* starting /{n = 0} {lines[n++] = $0} END {for (i = (n > 60 ? n - 60 : 0); i < n; i++) print lines[i]}' \
    "$(log_file "$1")" >&2 2>/dev/null || true
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ready_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$(svc_url "$1")/health/ready" 2>/dev/null || true
}

solution() {
  if [ -f Ppid.sln ]; then echo Ppid.sln
  elif [ -f Ppid.slnx ]; then echo Ppid.slnx
  else die "no solution (Ppid.sln or Ppid.slnx) in $ROOT"
  fi
}

ensure_curl() {
  command -v curl >/dev/null && return 0
  [ "$(id -u)" -eq 0 ] || die "curl is required (apt-get install curl)"
  log "installing curl"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
}

# The shared secret by which the services know a call came through the gateway: a random
# DEVELOPMENT secret made once per checkout (.run/gateway-secret), so even locally the services
# refuse calls that bypass the gateway.
gateway_secret() {
  local file="$RUN_DIR/gateway-secret"
  if [ ! -s "$file" ]; then
    mkdir -p "$RUN_DIR"
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$file")
  fi
  cat "$file"
}

launch() {
  local name="$1" dll port pid db
  dll="$(svc_dll "$name")"
  port="$(svc_port "$name")"
  db="$(svc_db "$name")"
  if pid="$(svc_pid "$name")"; then
    log "$name already running (pid $pid) on $(svc_url "$name")"
    return 0
  fi
  rm -f "$(pid_file "$name")"
  [ -f "$dll" ] || die "$name: $dll not found; build first (run start without --no-build)"
  port_in_use "$port" && die "$name: port $port is already in use by another process (set PPID_${name^^}_PORT)"

  local env_vars=(
    "ASPNETCORE_ENVIRONMENT=Development"
    "ConnectionStrings__Postgres=Host=127.0.0.1;Port=$PG_PORT;Database=$db;Username=$PG_USER;Password=$PG_PASSWORD"
    "ConnectionStrings__RabbitMq=amqp://$RABBIT_USER:$RABBIT_PASSWORD@127.0.0.1:5672/"
  )
  if [ "$name" != gateway ]; then
    env_vars+=("Platform__GatewaySecret=$(gateway_secret)")
  fi
  if [ "$name" = gateway ]; then
    env_vars+=("Gateway__Secret=$(gateway_secret)")
    local backend
    for backend in "${BACKENDS[@]}"; do env_vars+=("Gateway__Services__$backend=$(svc_url "$backend")"); done
  fi

  {
    echo
    echo "===== $(date -Is) starting $name: dotnet $dll --urls $(svc_url "$name")"
  } >>"$(log_file "$name")"
  # The supervisor's command line names the dll (svc_pid recognizes it); the settings travel in its environment.
  env "${env_vars[@]}" nohup bash "$ROOT/deploy/local/suite.sh" supervise "$name" "$dll" </dev/null >/dev/null 2>&1 &
  echo "$!" >"$(pid_file "$name")"
  log "started $name (pid $!) on $(svc_url "$name"), log .run/logs/$name.log"
}

# `suite.sh supervise NAME DLL` (internal, started by launch): runs one service as its supervisor (the pid in .run/pids), with the
# settings of its environment. Starts the service again when it
# exits with 70, the code of a service whose bus watchdog gave up on a faulted RabbitMQ connection
# (BusWatchdog.GaveUpExitCode: a new process always connects; Compose and Kubernetes restart it the
# same way); any other exit ends the supervisor with that code. SIGTERM/SIGINT are passed on to the
# service and waited for; SIGHUP is ignored, as nohup did, so closing the terminal stops nothing.
cmd_supervise() {
  [ "$#" -eq 2 ] || usage
  local name="$1" dll="$2" child=0 code
  trap '' HUP
  trap 'if [ "$child" -gt 0 ]; then kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi; exit 0' TERM INT
  mkdir -p "$LOG_DIR"
  # The content root (appsettings*.json) is the working directory, so run from the build output.
  cd "$(dirname "$dll")"
  while :; do
    dotnet "$dll" --urls "$(svc_url "$name")" </dev/null >>"$(log_file "$name")" 2>&1 &
    child=$!
    code=0
    wait "$child" || code=$?
    [ "$code" -eq 70 ] || exit "$code"
    echo "===== $(date -Is) $name exited with code 70 (its bus watchdog gave up); starting it again" >>"$(log_file "$name")"
    sleep 2
  done
}

wait_ready() {
  local start now waiting=("${SERVICES[@]}") still name code last_report
  start="$(date +%s)"
  last_report="$start"
  log "waiting up to ${READY_TIMEOUT}s for /health/ready of: ${waiting[*]}"
  while [ "${#waiting[@]}" -gt 0 ]; do
    still=()
    for name in "${waiting[@]}"; do
      if ! svc_pid "$name" >/dev/null; then
        printf '[suite] %s exited during start-up; last lines of .run/logs/%s.log:\n' "$name" "$name" >&2
        tail_log "$name"
        die "$name did not start; the other services are left running (deploy/local/suite.sh stop)"
      fi
      code="$(ready_code "$name")"
      if [ "$code" = 200 ]; then
        log "$name ready ($(( $(date +%s) - start ))s)"
      else
        still+=("$name")
      fi
    done
    waiting=("${still[@]}")
    [ "${#waiting[@]}" -gt 0 ] || break
    now="$(date +%s)"
    if [ $((now - start)) -ge "$READY_TIMEOUT" ]; then
      for name in "${waiting[@]}"; do
        printf '[suite] %s not ready after %ss (/health/ready: %s); last lines of .run/logs/%s.log:\n' \
          "$name" "$READY_TIMEOUT" "$(ready_code "$name")" "$name" >&2
        tail_log "$name"
      done
      die "the suite did not become ready; services are left running for inspection (deploy/local/suite.sh stop)"
    fi
    if [ $((now - last_report)) -ge 10 ]; then
      log "still waiting for: ${waiting[*]} ($((now - start))s)"
      last_report="$now"
    fi
    sleep 1
  done
}

print_endpoints() {
  local name
  echo
  echo "PPID Suite is running."
  printf '  %-16s %s\n' "gateway" "$(svc_url gateway)"
  if curl -sf -o /dev/null "$(svc_url gateway)/docs"; then printf '  %-16s %s\n' "API docs" "$(svc_url gateway)/docs"; fi
  for name in "${BACKENDS[@]}"; do printf '  %-16s %s\n' "$name" "$(svc_url "$name")"; done
  echo "  logs             $LOG_DIR/<name>.log   (deploy/local/suite.sh logs <name>)"
  echo "  stop             deploy/local/suite.sh stop   (--all also stops PostgreSQL and RabbitMQ)"
  if [ -f "$RUN_DIR/demo.txt" ]; then
    echo
    echo "Demo ($RUN_DIR/demo.txt):"
    sed 's/^/  /' "$RUN_DIR/demo.txt"
  fi
}

# The demo tenant (kota-contoh unless PPID_DEMO_TENANT; PPID_DEMO=0 skips it): a small DIP taken
# through the real SOP via the gateway and a demo API key, written to .run/demo.txt
# (deploy/local/demo/Ppid.Demo). Idempotent; a failure is reported and the suite keeps running.
seed_demo() {
  if [ "${PPID_DEMO:-1}" = 0 ]; then
    log "demo seeding skipped (PPID_DEMO=0)"
    return 0
  fi
  local project="$ROOT/deploy/local/demo/Ppid.Demo.csproj"
  local dll="$ROOT/deploy/local/demo/bin/Release/net10.0/Ppid.Demo.dll"
  if [ ! -f "$dll" ]; then
    log "building the demo seeder"
    if ! dotnet build "$project" -c Release -nologo -v quiet >/dev/null; then
      printf '[suite] DEMO NOT SEEDED: building %s failed; the suite is running without demo data\n' "$project" >&2
      return 0
    fi
  fi
  if ! ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Database=$(svc_db gateway);Username=$PG_USER;Password=$PG_PASSWORD" \
    dotnet "$dll" --gateway "$(svc_url gateway)" --gateway-dll "$(svc_dll gateway)" \
    --tenant "${PPID_DEMO_TENANT:-kota-contoh}" --out "$RUN_DIR/demo.txt" </dev/null; then
    printf '[suite] DEMO NOT SEEDED (see the message above); the suite is running without demo data; retry with deploy/local/suite.sh start --no-build\n' >&2
  fi
  return 0
}

cmd_start() {
  local build=1 arg name
  for arg in "$@"; do
    case "$arg" in
      --no-build) build=0 ;;
      *) usage ;;
    esac
  done
  command -v dotnet >/dev/null || die "dotnet is not on PATH: install the .NET SDK 10 (see README.md)"
  ensure_curl
  mkdir -p "$LOG_DIR" "$PID_DIR"

  bash "$ROOT/deploy/local/infra.sh" start

  if [ "$build" -eq 1 ]; then
    local running=()
    for name in "${SERVICES[@]}"; do svc_pid "$name" >/dev/null && running+=("$name"); done
    if [ "${#running[@]}" -gt 0 ]; then
      # Rebuilding would overwrite the dlls under running processes.
      log "not building: already running (${running[*]}); run 'deploy/local/suite.sh stop' first to pick up changes"
    else
      local sln
      sln="$(solution)"
      log "building $sln (Release)"
      dotnet build "$sln" -c Release -nologo -v quiet || die "build failed (dotnet build $sln -c Release)"
    fi
  fi

  for name in "${SERVICES[@]}"; do launch "$name"; done
  wait_ready
  seed_demo
  print_endpoints
}

cmd_stop() {
  local all=0 arg name pid
  for arg in "$@"; do
    case "$arg" in
      --all) all=1 ;;
      *) usage ;;
    esac
  done
  local pids=() names=()
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    name="${SERVICES[$i]}"
    if pid="$(svc_pid "$name")"; then
      log "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
      names+=("$name")
    fi
  done
  if [ "${#pids[@]}" -gt 0 ]; then
    local deadline=$(($(date +%s) + 10)) alive
    while :; do
      alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      if [ "$alive" -eq 0 ] || [ "$(date +%s)" -ge "$deadline" ]; then break; fi
      sleep 0.5
    done
    for i in "${!pids[@]}"; do
      if kill -0 "${pids[$i]}" 2>/dev/null; then
        log "${names[$i]} did not stop within 10s; killing (pid ${pids[$i]})"
        pkill -KILL -P "${pids[$i]}" 2>/dev/null || true # the service under its supervisor
        kill -KILL "${pids[$i]}" 2>/dev/null || true
      fi
    done
    log "services stopped"
  else
    log "no service is running"
  fi
  rm -f "$PID_DIR"/*.pid
  if [ "$all" -eq 1 ]; then bash "$ROOT/deploy/local/infra.sh" stop; fi
}

cmd_status() {
  [ "$#" -eq 0 ] || usage
  local name pid code
  for name in "${SERVICES[@]}"; do
    if pid="$(svc_pid "$name")"; then
      if command -v curl >/dev/null; then code="$(ready_code "$name")"; else code="? (no curl)"; fi
      if [ "$code" = 200 ]; then code="200 ready"; else code="${code:-000} not ready"; fi
      printf '%-16s running (pid %s)  %s/health/ready: %s\n' "$name" "$pid" "$(svc_url "$name")" "$code"
    elif [ -f "$(pid_file "$name")" ]; then
      printf '%-16s not running (stale pid file; see .run/logs/%s.log)\n' "$name" "$name"
    else
      printf '%-16s not running\n' "$name"
    fi
  done
  bash "$ROOT/deploy/local/infra.sh" status
}

cmd_logs() {
  [ "$#" -le 1 ] || usage
  if [ "$#" -eq 0 ]; then
    compgen -G "$LOG_DIR/*.log" >/dev/null || die "no logs yet in $LOG_DIR"
    exec tail -n 50 -F "$LOG_DIR"/*.log
  fi
  is_service "$1" || usage
  [ -f "$(log_file "$1")" ] || die "no log yet for $1 ($(log_file "$1"))"
  exec tail -n 100 -F "$(log_file "$1")"
}

[ "$#" -ge 1 ] || usage
command="$1"
shift
case "$command" in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status "$@" ;;
  supervise) cmd_supervise "$@" ;;
  logs) cmd_logs "$@" ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
