#!/usr/bin/env bash
# Runs issue 9's fault scenarios (tests/Ppid.Faults.Tests) and writes their report to docs/faults.md.
#   tests/faults/run.sh                      every scenario (about 10 minutes), rewrites docs/faults.md
#   tests/faults/run.sh kill-registry        one scenario (by name), report in tests/faults/out/faults.md
# The scenarios start a PostgreSQL server and a RabbitMQ node of their own (private ports and data),
# so they never disturb the shared servers; tests/run.sh (which this calls) installs and starts what
# they need. PPID_FAULT_ITEMS (items per tenant, default 24) and PPID_FAULT_RATE (commands/s,
# default 30) size the load; CI runs the same scenarios with the defaults as part of tests/run.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

filter="FullyQualifiedName~Ppid.Faults.Tests"
output="$ROOT/docs/faults.md"
if [ $# -gt 0 ]; then
  filter="$filter&DisplayName~$1"
  output="$ROOT/tests/faults/out/faults.md"
fi

sections="$(mktemp -d)"
trap 'rm -rf "$sections"' EXIT
export PPID_FAULT_REPORT_DIR="$sections"

set +e
bash tests/run.sh --filter "$filter" --logger "console;verbosity=normal"
rc=$?
set -e

mkdir -p "$(dirname "$output")"
{
  echo "# Faults under load"
  echo
  echo "Written by \`tests/faults/run.sh\` from the run below; do not edit by hand. Each section is one scenario of"
  echo "\`tests/Ppid.Faults.Tests/FaultScenarioTests.cs\`: the whole suite as processes on a private PostgreSQL server and RabbitMQ"
  echo "node, the SOP load driver (\`tests/Ppid.Testing/Load/SopLoad.cs\`) through the gateway, one fault while it runs, then the"
  echo "reconciliation (\`SopReconciliation\`): every accepted command has exactly one effect in every service and in the archive's ledger."
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| date (UTC) | $(date -u '+%Y-%m-%d %H:%M:%S') |"
  echo "| git commit | $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown) |"
  echo "| machine | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') memory |"
  echo "| OS | $(grep -m1 '^PRETTY_NAME=' /etc/os-release | cut -d= -f2 | tr -d '"') |"
  echo "| PostgreSQL / RabbitMQ | $(/usr/lib/postgresql/15/bin/postgres --version 2>/dev/null || echo unknown) / $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo unknown) |"
  echo "| load | PPID_FAULT_ITEMS=${PPID_FAULT_ITEMS:-24} items per tenant, 2 tenants, PPID_FAULT_RATE=${PPID_FAULT_RATE:-30} commands/s |"
  echo "| exit code of the run | $rc |"
  echo
  found=0
  for f in "$sections"/*.md; do
    [ -e "$f" ] || continue
    found=1
    cat "$f"
    echo
  done
  [ "$found" = 1 ] || echo "No scenario wrote a report: see TestResults/dotnet-test.log."
} > "$output"
echo "[faults] report written to $output"
exit "$rc"
