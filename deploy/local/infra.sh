#!/usr/bin/env bash
# Installs (Debian packages) and starts PostgreSQL 15 and RabbitMQ on loopback, idempotently.
#   deploy/local/infra.sh start   install if missing, start if stopped, create role, databases, vhost, user
#   deploy/local/infra.sh stop    stop both
#   deploy/local/infra.sh status  print what runs
# Re-running is harmless. Credentials are DEVELOPMENT DEFAULTS (override with the env vars below);
# never use them for a real system.
set -euo pipefail

PG_VERSION=15
PG_PORT="${PPID_PG_PORT:-5432}"
PG_USER="${PPID_PG_USER:-ppid}"
PG_PASSWORD="${PPID_PG_PASSWORD:-ppid-dev-password}"
RABBIT_USER="${PPID_RABBIT_USER:-ppid}"
RABBIT_PASSWORD="${PPID_RABBIT_PASSWORD:-ppid-dev-password}"
DATABASES=(ppid_registry ppid_classification ppid_publication ppid_archive ppid_gateway)

log() { printf '[infra] %s\n' "$*"; }
need_root() { [ "$(id -u)" -eq 0 ] || { echo "[infra] run as root (installs Debian packages, starts system services)" >&2; exit 1; }; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"; apt-get update -qq >/dev/null; apt_updated=1
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_start() {
  if ! command -v pg_ctlcluster >/dev/null || [ ! -d "/etc/postgresql/$PG_VERSION/main" ]; then
    apt_install "postgresql-$PG_VERSION" postgresql-client
  fi
  local conf="/etc/postgresql/$PG_VERSION/main"
  # Tests run in parallel, each class with its own database and pool: allow enough connections.
  # The marker carries the settings' version: a machine set up by an older infra.sh gets the new ones.
  if ! grep -q '^# ppid-local v3' "$conf/conf.d/ppid.conf" 2>/dev/null; then
    mkdir -p "$conf/conf.d"
    cat > "$conf/conf.d/ppid.conf" <<CONF
# ppid-local v3: development settings written by deploy/local/infra.sh
listen_addresses = '127.0.0.1'
port = $PG_PORT
max_connections = 400
shared_buffers = 512MB
# Loopback only, so no TLS: it protects nothing between processes of one machine and cost about a
# tenth of the machine's CPU under the SOP load (docs/benchmarks.md). A database on another host is
# reached with TLS (SSL Mode=VerifyFull in the connection string; docs/operations.md).
ssl = off
# When each transaction committed (pg_xact_commit_timestamp): the suite benchmark splits its slowest
# ratification-to-public samples at the commits with it; an operator can ask when an event committed.
track_commit_timestamp = on
CONF
    pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main stop >/dev/null 2>&1 || true
  fi
  if ! pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main status >/dev/null 2>&1; then
    log "starting PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT"
    pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || { echo "[infra] PostgreSQL did not become ready" >&2; exit 1; }
  local psql=(runuser -u postgres -- psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qtAX)
  if [ "$("${psql[@]}" -c "select 1 from pg_roles where rolname = '$PG_USER'")" != "1" ]; then
    "${psql[@]}" -c "create role \"$PG_USER\" login createdb password '$PG_PASSWORD'"
  else
    "${psql[@]}" -c "alter role \"$PG_USER\" login createdb password '$PG_PASSWORD'"
  fi
  # Tests drop their databases WITH (FORCE), which must end every session in them, whoever opened it.
  "${psql[@]}" -c "grant pg_signal_backend to \"$PG_USER\"" >/dev/null
  for db in "${DATABASES[@]}"; do
    if [ "$("${psql[@]}" -c "select 1 from pg_database where datname = '$db'")" != "1" ]; then
      log "creating database $db"
      "${psql[@]}" -c "create database \"$db\" owner \"$PG_USER\""
    fi
  done
}

rabbit_running() { rabbitmq-diagnostics -q ping >/dev/null 2>&1; }

rabbit_start() {
  if ! command -v rabbitmq-server >/dev/null; then
    apt_install rabbitmq-server
    # The package may start a broker through its init script; we manage it ourselves below.
  fi
  mkdir -p /etc/rabbitmq
  if ! grep -q 'ppid-local' /etc/rabbitmq/rabbitmq.conf 2>/dev/null; then
    cat > /etc/rabbitmq/rabbitmq.conf <<CONF
# ppid-local: development settings written by deploy/local/infra.sh
listeners.tcp.1 = 127.0.0.1:5672
management.tcp.ip = 127.0.0.1
management.tcp.port = 15672
loopback_users.guest = true
CONF
  fi
  if ! rabbitmq-plugins list -e -m 2>/dev/null | grep -qx rabbitmq_management; then
    rabbitmq-plugins enable --offline rabbitmq_management >/dev/null
  fi
  if ! rabbit_running; then
    log "starting RabbitMQ on 127.0.0.1:5672 (management on 15672)"
    rabbitmq-server -detached
  fi
  # -detached returns before the node registers with epmd; await_startup needs it registered.
  for _ in $(seq 1 120); do rabbit_running && break; sleep 1; done
  rabbitmqctl -q await_startup --timeout 120 >/dev/null || { echo "[infra] RabbitMQ did not start; see /var/log/rabbitmq" >&2; exit 1; }
  if ! rabbitmqctl -q list_users | awk '{print $1}' | grep -qx "$RABBIT_USER"; then
    rabbitmqctl -q add_user "$RABBIT_USER" "$RABBIT_PASSWORD" >/dev/null
  else
    rabbitmqctl -q change_password "$RABBIT_USER" "$RABBIT_PASSWORD" >/dev/null
  fi
  rabbitmqctl -q set_user_tags "$RABBIT_USER" administrator >/dev/null
  rabbitmqctl -q set_permissions -p / "$RABBIT_USER" '.*' '.*' '.*' >/dev/null
}

case "${1:-start}" in
  start)
    need_root
    pg_start
    rabbit_start
    log "PostgreSQL: Host=127.0.0.1;Port=$PG_PORT;Username=$PG_USER (databases: ${DATABASES[*]})"
    log "RabbitMQ:   amqp://$RABBIT_USER@127.0.0.1:5672/ (management http://127.0.0.1:15672/)"
    ;;
  stop)
    need_root
    if command -v rabbitmqctl >/dev/null && rabbit_running; then log "stopping RabbitMQ"; rabbitmqctl -q stop >/dev/null || true; fi
    if command -v pg_ctlcluster >/dev/null; then
      log "stopping PostgreSQL"; pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main stop >/dev/null 2>&1 || true
    fi
    ;;
  status)
    if command -v pg_isready >/dev/null; then pg_isready -h 127.0.0.1 -p "$PG_PORT" || true; else echo "PostgreSQL: not installed"; fi
    if command -v rabbitmq-diagnostics >/dev/null && rabbit_running; then echo "RabbitMQ: running"; else echo "RabbitMQ: not running"; fi
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
