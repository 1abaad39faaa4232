#!/usr/bin/env bash
# Start the LUS interop HAPI FHIR JPA server in the background on 127.0.0.1:PORT, with the LUS guide
# package installed, and wait until GET /fhir/metadata answers 200. Prints the FHIR base URL on
# stdout (everything else goes to stderr), so:
#   export LUS_FHIR_TEST_HAPI_URL="$(docker/hapi/start.sh 8090 build/ig/se.lusfhir.ig-0.1.0.tgz)"
#   docker/hapi/start.sh [PORT] [PACKAGE_TGZ]
# PORT defaults to 8090. Without PACKAGE_TGZ the guide is packed with `.venv/bin/lus-fhir ig pack`.
# Builds the server first when needed (build.sh). State: docker/hapi/run/ (pid, port, log, install
# report). Env: HAPI_XMX (heap, default 1g, at most 2g), HAPI_JAVA_OPTS (extra JVM options),
# HAPI_START_TIMEOUT (seconds, default 300), HAPI_DB_URL (JDBC URL; default H2 in memory).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RUN="$HERE/run"
JAR="$HERE/target/lus-hapi-server.jar"
PORT="${1:-8090}"
PACKAGE="${2:-}"
TIMEOUT="${HAPI_START_TIMEOUT:-300}"
BASE="http://127.0.0.1:$PORT/fhir"
mkdir -p "$RUN"

http_ok() {  # true when GET $1 answers 200
  if command -v curl >/dev/null; then
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1" || true)" = 200 ]
  else
    python3 -c 'import sys,urllib.request; sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=10).status == 200 else 1)' "$1" 2>/dev/null
  fi
}

is_ours() {  # true when pid $1 is a running lus-hapi-server
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q lus-hapi-server.jar
}

if [ -f "$RUN/hapi.pid" ] && is_ours "$(cat "$RUN/hapi.pid")"; then
  if [ "$(cat "$RUN/hapi.port" 2>/dev/null)" = "$PORT" ] && http_ok "$BASE/metadata"; then
    echo "hapi: already running (pid $(cat "$RUN/hapi.pid"))" >&2
    echo "$BASE"
    exit 0
  fi
  echo "hapi: another instance runs (pid $(cat "$RUN/hapi.pid"), port $(cat "$RUN/hapi.port" 2>/dev/null)); run $HERE/stop.sh first" >&2
  exit 1
fi
if http_ok "$BASE/metadata"; then
  echo "hapi: something else already answers on port $PORT" >&2
  exit 1
fi

if [ -z "$PACKAGE" ]; then
  PACKAGE="$RUN/ig/se.lusfhir.ig-0.1.0.tgz"
  echo "hapi: packing the guide into $RUN/ig" >&2
  "$ROOT/.venv/bin/lus-fhir" ig pack --out "$RUN/ig" >&2
fi
[ -f "$PACKAGE" ] || { echo "hapi: package $PACKAGE not found (lus-fhir ig pack --out DIR writes it)" >&2; exit 1; }
PACKAGE="$(cd "$(dirname "$PACKAGE")" && pwd)/$(basename "$PACKAGE")"

"$HERE/build.sh" >&2  # Maven writes colour codes to stdout even with -q -B

rm -f "$RUN/install.json"
DB_ARGS=()
if [ -n "${HAPI_DB_URL:-}" ]; then DB_ARGS=("--lus.db.url=$HAPI_DB_URL"); fi
started=$(date +%s)
# shellcheck disable=SC2086  # HAPI_JAVA_OPTS is a list of words on purpose
nohup java -Xmx"${HAPI_XMX:-1g}" -XX:+UseSerialGC ${HAPI_JAVA_OPTS:-} -jar "$JAR" \
  --server.address=127.0.0.1 --server.port="$PORT" \
  --lus.ig.package="$PACKAGE" --lus.ig.report="$RUN/install.json" "${DB_ARGS[@]}" \
  >"$RUN/hapi.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$RUN/hapi.pid"
echo "$PORT" >"$RUN/hapi.port"
echo "hapi: started pid $PID, log $RUN/hapi.log; waiting for $BASE/metadata (up to ${TIMEOUT}s)" >&2

fail() {
  echo "hapi: $1; last lines of $RUN/hapi.log:" >&2
  tail -n 60 "$RUN/hapi.log" >&2 || true
  if kill -0 "$PID" 2>/dev/null; then kill "$PID" 2>/dev/null || true; fi
  rm -f "$RUN/hapi.pid" "$RUN/hapi.port"
  exit 1
}

while ! http_ok "$BASE/metadata"; do
  kill -0 "$PID" 2>/dev/null || fail "the server exited during start-up"
  [ $(( $(date +%s) - started )) -lt "$TIMEOUT" ] || fail "no answer within ${TIMEOUT}s"
  sleep 2
done

echo "hapi: up in $(( $(date +%s) - started ))s, RSS $(( $(ps -o rss= -p "$PID") / 1024 )) MiB" >&2
if [ -f "$RUN/install.json" ] && ! grep -q '"ok": true' "$RUN/install.json"; then
  echo "hapi: WARNING: some guide resources were not installed, see $RUN/install.json:" >&2
  grep -A50 '"problems"' "$RUN/install.json" | sed -n '/"problems"/,/\]/p' >&2
fi
echo "$BASE"
