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
cleanup() { if [ "$started_here" -eq 1 ]; then scripts/services.sh stop; fi; }
trap cleanup EXIT

swift build --build-tests
# The integration tests run the built executables (ngsim, ngeneahub, ngenea-worker) from here.
NGENEA_BIN_DIR="$(swift build --show-bin-path)"
export NGENEA_BIN_DIR
if [ $# -gt 0 ]; then
    swift test --skip-build "$@"
    exit
fi
# Suites whose assertions involve wall-clock time (leases, blocking, back-off, login lockouts, timeouts) or that measure throughput
# run in a second phase, one test at a time: on 2 cores, CPU-heavy suites running beside them would make
# a time bound say nothing about the code. The Redis restart suite goes there too: it restarts its own
# redis-server on the same port, which the hubs and workers that other suites start on free ports could
# take in between. Everything else runs first, in parallel.
timed='RedisQueueTests\.(RedisConnectionTests|ReliableQueueTests|ExactlyOnceDeliveryTests|ThroughputTests|RedisRestartTests)|PostgresTests\.ThroughputTests|SandboxTests\.StartupTimeTests|WorkerTests\.(PluginProcessTests|SiteSettingsTimeoutTests)|IntegrationTests\.LoginThrottleTests'
# Each phase's output also goes to a log; when a phase fails, its failing tests and their recorded issues
# are printed again at the end, so that the last lines of a CI log say what failed.
mkdir -p .run
run_phase() {
    local log=".run/test-$1.log"; shift
    if swift test --skip-build "$@" 2>&1 | tee "$log"; then return 0; fi
    echo "== failed in this phase:"
    # Each recorded issue with the lines that follow it (its comment: the job, the tasks, the logs), cut
    # short, so that CI's tail shows why a test failed and not only where.
    awk '
        /recorded an issue|Fatal error/ { print substr($0, 1, 600); follow = 12; next }
        /error:/ { print substr($0, 1, 600); follow = 0; next }
        /^(\033\[[0-9;]*m)*(✔|✘|◇|􀟈|􀢄|􀙟)/ { follow = 0; if ($0 ~ /✘/ && $0 !~ /✘ Test run with/) print substr($0, 1, 600); next }
        follow > 0 { print "    " substr($0, 1, 400); follow-- }
    ' "$log" | head -150 || true
    return 1
}
echo "== phase 1: all suites but the timed ones, in parallel"
run_phase 1 --skip "$timed"
echo "== phase 2: timed and throughput suites, one test at a time"
run_phase 2 --no-parallel --filter "$timed"
