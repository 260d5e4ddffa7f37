#!/usr/bin/env bash
# make bench: release build, private Redis and PostgreSQL, then scripts/bench.py (figures, not a test).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
eval "$(scripts/services.sh start)"
swift build -c release --product ngeneahub
swift build -c release --product ngenea-worker
swift build -c release --product ngsim
exec python3 scripts/bench.py --bin "$(swift build -c release --show-bin-path)" "$@"
