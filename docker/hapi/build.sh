#!/usr/bin/env bash
# Build the LUS interop HAPI FHIR JPA server (docker/hapi) into target/lus-hapi-server.jar with Maven.
# Idempotent: does nothing when the jar is newer than pom.xml and everything under src/.
#   docker/hapi/build.sh [--force]
# Env: MVN (default mvn), MVN_ARGS (extra Maven arguments, e.g. -Dmaven.repo.local=...).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR="$HERE/target/lus-hapi-server.jar"
MVN="${MVN:-mvn}"

if [ "${1:-}" != "--force" ] && [ -f "$JAR" ] \
  && [ -z "$(find "$HERE/pom.xml" "$HERE/src" -newer "$JAR" -print -quit)" ]; then
  echo "hapi: $JAR is up to date" >&2
  exit 0
fi

command -v "$MVN" >/dev/null || { echo "hapi: Maven ($MVN) not found; apt-get install maven" >&2; exit 1; }
command -v java >/dev/null || { echo "hapi: java not found; a JDK 17+ is needed" >&2; exit 1; }

echo "hapi: building $JAR" >&2
start=$(date +%s)
# shellcheck disable=SC2086  # MVN_ARGS is a list of words on purpose
"$MVN" -q -B -f "$HERE/pom.xml" ${MVN_ARGS:-} package -DskipTests
touch "$JAR"
echo "hapi: built in $(( $(date +%s) - start ))s" >&2
