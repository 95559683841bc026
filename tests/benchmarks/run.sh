#!/usr/bin/env bash
# Runs the PPID Suite benchmarks and writes docs/benchmarks.md (see that file for what is measured).
#   tests/benchmarks/run.sh                 full run (about 10 minutes), rewrites docs/benchmarks.md
#   tests/benchmarks/run.sh --quick         smoke run (about 2.5 minutes), writes tests/benchmarks/out/benchmarks-quick.md
#   tests/benchmarks/run.sh --only latency  some sections only (append, latency, rebuild, publication, gateway, suite; also
#                                           writes to out/ unless --output docs/benchmarks.md, which keeps the other sections' results)
#   tests/benchmarks/run.sh --output FILE   write the report elsewhere
# PPID_BENCH_QUICK=1 is the same as --quick. Starts PostgreSQL and RabbitMQ (deploy/local/infra.sh,
# idempotent), builds tests/benchmarks and the services it runs as processes (all four and the
# gateway) in Release, then runs the harness. `--rate N` sets the suite section's commands per second (default 50),
# `--tenants 1,10` and `--items N` its tenant counts and items, `--warmup-items N` the warm-up before each run (default 40, 0 = cold). Numbers are only as good as
# the machine is quiet: the report records the load average; run it when nothing else is busy.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

log() { printf '[bench] %s\n' "$*"; }

export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"
export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"
export MSBUILDDISABLENODEREUSE="${MSBUILDDISABLENODEREUSE:-1}"
export DOTNET_CLI_USE_MSBUILD_SERVER="${DOTNET_CLI_USE_MSBUILD_SERVER:-0}"

command -v dotnet >/dev/null || { echo "[bench] dotnet is not on PATH: install the .NET SDK 10 (see README.md)" >&2; exit 1; }

log "starting PostgreSQL and RabbitMQ (deploy/local/infra.sh start)"
bash deploy/local/infra.sh start </dev/null

# Same development defaults (and overrides) as infra.sh and tests/run.sh.
pg_port="${PPID_PG_PORT:-5432}"
pg_user="${PPID_PG_USER:-ppid}"
pg_password="${PPID_PG_PASSWORD:-ppid-dev-password}"
rabbit_user="${PPID_RABBIT_USER:-ppid}"
rabbit_password="${PPID_RABBIT_PASSWORD:-ppid-dev-password}"
export PPID_TEST_POSTGRES="${PPID_TEST_POSTGRES:-Host=127.0.0.1;Port=$pg_port;Username=$pg_user;Password=$pg_password}"
export PPID_TEST_RABBITMQ="${PPID_TEST_RABBITMQ:-amqp://$rabbit_user:$rabbit_password@127.0.0.1:5672/}"
export PPID_TEST_RABBITMQ_MANAGEMENT="${PPID_TEST_RABBITMQ_MANAGEMENT:-http://$rabbit_user:$rabbit_password@127.0.0.1:15672/}"

log "building tests/benchmarks and the services it starts (Release)"
for project in tests/benchmarks/Ppid.Benchmarks.csproj services/publication/Ppid.Publication.csproj services/registry/Ppid.Registry.csproj \
  services/classification/Ppid.Classification.csproj services/archive/Ppid.Archive.csproj gateway/Ppid.Gateway.csproj; do
  dotnet build "$project" -c Release -nologo -v quiet
done

load1="$(cut -d' ' -f1 /proc/loadavg)"
if awk -v l="$load1" 'BEGIN { exit !(l > 1.0) }'; then
  log "warning: load average is $load1; other work on this machine will skew the numbers (the report records it)"
fi

log "running the benchmarks"
exec dotnet tests/benchmarks/bin/Release/net10.0/Ppid.Benchmarks.dll --repo "$ROOT" "$@"
