#!/usr/bin/env bash
# Stop the HAPI FHIR server started by docker/hapi/start.sh (pid in docker/hapi/run/hapi.pid).
set -euo pipefail
RUN="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/run"
PIDFILE="$RUN/hapi.pid"
if [ ! -f "$PIDFILE" ]; then
  echo "hapi: not running (no $PIDFILE)" >&2
  exit 0
fi
PID="$(cat "$PIDFILE")"
if kill -0 "$PID" 2>/dev/null && tr '\0' ' ' <"/proc/$PID/cmdline" 2>/dev/null | grep -q lus-hapi-server.jar; then
  kill "$PID"
  for _ in $(seq 1 30); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$PID" 2>/dev/null; then
    echo "hapi: pid $PID did not stop within 30s; killing it" >&2
    kill -9 "$PID" 2>/dev/null || true
  fi
  echo "hapi: stopped pid $PID" >&2
else
  echo "hapi: pid $PID is not running (stale pid file)" >&2
fi
rm -f "$PIDFILE" "$RUN/hapi.port"
