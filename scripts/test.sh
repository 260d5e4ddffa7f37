#!/usr/bin/env bash
# make test: start private Redis and PostgreSQL (stopping them afterwards if this script started them),
# build everything, and run the whole suite against the real servers and the real built executables.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

# Stop the servers afterwards only if this script started them (a developer may be using them).
started_here=0
status=$(scripts/services.sh status)
case "$status" in *"redis: up"*"postgres: up"*) ;; *) started_here=1 ;; esac
eval "$(scripts/services.sh start)"
cleanup() { [ "$started_here" -eq 1 ] && scripts/services.sh stop; }
trap cleanup EXIT

swift build --build-tests
# The integration tests run the built executables (ngsim, ngeneahub, ngenea-worker) from here.
NGENEA_BIN_DIR="$(swift build --show-bin-path)"
export NGENEA_BIN_DIR
swift test --skip-build "$@"
