#!/usr/bin/env bash
# Container health check without curl or wget (the aspnet runtime image has neither):
# a plain HTTP/1.0 GET over bash's /dev/tcp; healthy only on status 200.
#   ppid-healthcheck /health/ready [port]
set -euo pipefail
path="${1:-/health/ready}"
port="${2:-8080}"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 3 status <&3
case "$status" in
  "HTTP/1."?" 200 "*) exit 0 ;;
  *) echo "unhealthy: ${status:-no answer}" >&2; exit 1 ;;
esac
