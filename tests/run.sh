#!/usr/bin/env bash
# Runs all the tests of the PPID Suite.
#   tests/run.sh                       start PostgreSQL + RabbitMQ, build, run every test project
#   tests/run.sh --filter Registry     extra arguments go to `dotnet test`
# Starts the local infrastructure (deploy/local/infra.sh, idempotent), builds the solution once in
# Release, runs `dotnet test` with a TRX logger, then sums the TRX files. The last line printed is
# always `N passed, N failed, N skipped`; the exit code is non-zero when anything failed.
#
# Environment (all optional):
#   PPID_TEST_POSTGRES, PPID_TEST_RABBITMQ, PPID_TEST_RABBITMQ_MANAGEMENT
#                             what the tests connect to (defaults: the local development infra)
#   PPID_TEST_HANG_TIMEOUT    a test host silent this long is killed and its run counted as
#                             failed (default 20m; "off" disables)
#   PPID_SOLUTION             solution to build and test (default Ppid.sln, else Ppid.slnx)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[tests] %s\n' "$*"; }
warn() { printf '[tests] %s\n' "$*" >&2; }
summary() { printf '%s passed, %s failed, %s skipped\n' "$1" "$2" "$3"; }
# A run that cannot even start still ends with an honest count line.
abort_run() { warn "$*"; summary 0 1 0; exit 1; }

# Quiet, reproducible dotnet: no telemetry, no long-lived build servers that outlive the run.
export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"
export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"
export MSBUILDDISABLENODEREUSE="${MSBUILDDISABLENODEREUSE:-1}"
export DOTNET_CLI_USE_MSBUILD_SERVER="${DOTNET_CLI_USE_MSBUILD_SERVER:-0}"

command -v dotnet >/dev/null || abort_run "dotnet is not on PATH: install the .NET SDK 10 (see README.md)"

if [ -n "${PPID_SOLUTION:-}" ]; then
  SLN="$PPID_SOLUTION"
elif [ -f Ppid.sln ]; then
  SLN=Ppid.sln
elif [ -f Ppid.slnx ]; then
  SLN=Ppid.slnx
else
  abort_run "no solution found (Ppid.sln or Ppid.slnx) in $ROOT"
fi
[ -f "$SLN" ] || abort_run "solution $SLN not found"

# 1. Infrastructure: PostgreSQL 15 and RabbitMQ on loopback (installs them on a fresh machine).
log "starting PostgreSQL and RabbitMQ (deploy/local/infra.sh start)"
if ! bash deploy/local/infra.sh start </dev/null; then
  abort_run "deploy/local/infra.sh start failed: PostgreSQL and RabbitMQ are required by the tests"
fi

# Debian's Chromium for the browser tests (the public website in headless Chromium, driven by
# Microsoft.Playwright with ExecutablePath). Installed when missing and we may; PPID_CHROMIUM
# points the tests at another binary.
if [ -z "${PPID_CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    log "installing Chromium for the browser tests (apt-get install chromium)"
    if ! { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
      abort_run "apt-get install chromium failed: the browser tests need it"
    fi
  else
    abort_run "Chromium is missing: install Debian's chromium package (as root: apt-get install chromium) or set PPID_CHROMIUM"
  fi
fi

# Debian's docker-compose lets the deployment tests validate deploy/compose with Docker's own
# parser (no engine needed). Installed when neither Compose v1 nor the v2 plugin is present.
if ! command -v docker-compose >/dev/null && ! docker compose version >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    log "installing docker-compose for the Compose file check (apt-get install docker-compose)"
    if ! { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; }; then
      abort_run "apt-get install docker-compose failed: the deployment tests need it"
    fi
  else
    abort_run "docker-compose is missing: install Debian's docker-compose package (as root: apt-get install docker-compose)"
  fi
fi

# Same development defaults (and overrides) as infra.sh.
pg_port="${PPID_PG_PORT:-5432}"
pg_user="${PPID_PG_USER:-ppid}"
pg_password="${PPID_PG_PASSWORD:-ppid-dev-password}"
rabbit_user="${PPID_RABBIT_USER:-ppid}"
rabbit_password="${PPID_RABBIT_PASSWORD:-ppid-dev-password}"
export PPID_TEST_POSTGRES="${PPID_TEST_POSTGRES:-Host=127.0.0.1;Port=$pg_port;Username=$pg_user;Password=$pg_password}"
export PPID_TEST_RABBITMQ="${PPID_TEST_RABBITMQ:-amqp://$rabbit_user:$rabbit_password@127.0.0.1:5672/}"
export PPID_TEST_RABBITMQ_MANAGEMENT="${PPID_TEST_RABBITMQ_MANAGEMENT:-http://$rabbit_user:$rabbit_password@127.0.0.1:15672/}"

# 2. Fresh results: the root TestResults/ and each project's own TestResults/.
# Each test project writes its TRX into <project>/TestResults/ (dotnet test's default), so
# projects running in parallel never race for one file name; the files are gathered afterwards.
results="$ROOT/TestResults"
rm -rf "$results"
while IFS= read -r dir; do
  if compgen -G "$(dirname "$dir")/*.csproj" >/dev/null; then rm -rf "$dir"; fi
done < <(find "$ROOT" -path "$ROOT/.git" -prune -o -type d -name TestResults -prune -print)
mkdir -p "$results"
marker="$results/.run-started"
touch "$marker"

# 3. Build once.
log "building $SLN (Release)"
if ! dotnet build "$SLN" -c Release -nologo; then
  abort_run "build failed (dotnet build $SLN -c Release)"
fi

# 4. Test.
test_args=(test "$SLN" -c Release --no-build --logger trx)
hang_timeout="${PPID_TEST_HANG_TIMEOUT:-20m}"
if [ "$hang_timeout" != "off" ] && [ -n "$hang_timeout" ]; then
  test_args+=(--blame-hang-timeout "$hang_timeout" --blame-hang-dump-type none)
fi
test_args+=("$@")

# Results may also go wherever the caller points --results-directory (outside the repo).
search_dirs=("$ROOT")
add_search_dir() {
  local dir
  dir="$(realpath -m "$1")"
  case "$dir" in "$ROOT" | "$ROOT"/*) ;; *) search_dirs+=("$dir") ;; esac
}
prev=""
for arg in "$@"; do
  case "$arg" in --results-directory=*) add_search_dir "${arg#--results-directory=}" ;; esac
  if [ "$prev" = "--results-directory" ]; then add_search_dir "$arg"; fi
  prev="$arg"
done

log "dotnet ${test_args[*]}"
set +e
dotnet "${test_args[@]}" 2>&1 | tee "$results/dotnet-test.log"
rc=${PIPESTATUS[0]}
set -e
log "dotnet test exited with code $rc"

# 5. Gather the TRX files written by this run and sum their counters.
mapfile -t written < <(find "${search_dirs[@]}" -path "$ROOT/.git" -prune -o -type f -name '*.trx' -newer "$marker" -print 2>/dev/null | sort -u)
rm -f "$marker"
trx_files=()
for f in "${written[@]}"; do
  case "$f" in
    "$results"/*) trx_files+=("$f") ;;
    *)
      # <project>/TestResults/<name>.trx -> TestResults/<project>.trx
      name="$(basename "$f" .trx)"
      project_dir="$(dirname "$(dirname "$f")")"
      if [ "$(basename "$(dirname "$f")")" = TestResults ] && compgen -G "$project_dir/*.csproj" >/dev/null; then
        name="$(basename "$project_dir")"
      fi
      project="$name"
      dest="$results/$project.trx"
      n=2
      while [ -e "$dest" ]; do dest="$results/$project.$n.trx"; n=$((n + 1)); done
      cp "$f" "$dest"
      trx_files+=("$dest")
      ;;
  esac
done

if [ "${#trx_files[@]}" -eq 0 ]; then
  warn "no test results (TRX) were produced; see $results/dotnet-test.log"
  summary 0 1 0
  exit 1
fi

# One line per file: "<file> <outcome> <Counters .../>"; awk sums them.
# Skipped tests are counted in total but not in executed. A run that ended Failed/Aborted
# without a failed test (a crashed or hung test host) counts as one failure.
counts="$(
  for f in "${trx_files[@]}"; do
    outcome="$(grep -o '<ResultSummary outcome="[^"]*"' "$f" | head -n 1 | sed 's/.*outcome="//; s/"$//')"
    counters="$(grep -o '<Counters [^>]*>' "$f" | head -n 1)"
    printf '%s %s %s\n' "$(basename "$f")" "${outcome:-Unknown}" "${counters:-<Counters/>}"
  done | awk '
    function attr(name,   s) {
      if (match($0, " " name "=\"[0-9]+\"")) { s = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", s); return s + 0 }
      return 0
    }
    {
      total = attr("total"); executed = attr("executed"); passed = attr("passed")
      failed = attr("failed") + attr("error") + attr("timeout") + attr("aborted")
      skipped = total - executed; if (skipped < attr("notExecuted")) skipped = attr("notExecuted")
      if (skipped < 0) skipped = 0
      note = ""
      if (($2 == "Failed" || $2 == "Aborted" || $2 == "Error" || $2 == "Timeout" || $2 == "Unknown") && failed == 0) {
        failed = 1; note = " (run " $2 ": test host crashed, hung or was aborted; counted as 1 failure)"
      }
      if (total == 0 && failed == 0) note = " (no test matched)"
      printf "[tests] %s: %d passed, %d failed, %d skipped%s\n", $1, passed, failed, skipped, note > "/dev/stderr"
      P += passed; F += failed; S += skipped; E += executed
    }
    END { printf "%d %d %d %d\n", P, F, S, E }'
)"
read -r passed failed skipped executed <<<"$counts"

status=0
if [ "$executed" -eq 0 ]; then
  warn "no test was executed (wrong --filter, or no test project in $SLN?)"
  [ "$failed" -gt 0 ] || failed=1
  status=1
fi
if [ "$rc" -ne 0 ]; then
  status=1
  if [ "$failed" -eq 0 ]; then
    warn "dotnet test failed (exit code $rc) although no test reported a failure; counted as 1 failure"
    failed=1
  fi
fi
[ "$failed" -eq 0 ] || status=1

log "results: $results (dotnet-test.log and one .trx per test project)"
summary "$passed" "$failed" "$skipped"
exit "$status"
