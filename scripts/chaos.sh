#!/usr/bin/env bash
# make chaos: release build, private Redis and PostgreSQL, then scripts/chaos.py (kills workers while a
# job runs; prints tasks lost, results committed twice, longest kill -> re-delivery). Bounded: it stops by
# itself (--limit, default 600 s) and cleans up on exit or Ctrl-C. CHAOS_ARGS="--tasks 300" for a short run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin:$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
eval "$(scripts/services.sh start)"
swift build -c release --product ngeneahub
swift build -c release --product ngenea-worker
swift build -c release --product ngsim
bin="$(swift build -c release --show-bin-path)"
# Python cleans up its hub and workers itself (signal handlers + finally); the trap forwards a Ctrl-C or
# TERM to it and waits, so the shell never leaves before the processes it started are gone.
python3 scripts/chaos.py --bin "$bin" "$@" &
chaos=$!
trap 'kill -TERM "$chaos" 2>/dev/null || true; wait "$chaos" 2>/dev/null || true; exit 130' INT TERM HUP
set +e
wait "$chaos"
exit $?
