#!/usr/bin/env bash
# make run: private Redis and PostgreSQL, a build, a sandbox PixStor site with sample data, and the hub and
# one worker running on it. Prints where the API is and what to try. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PATH="$PATH:/opt/swift/usr/bin"
run="$root/.run"
hub_port=${HUB_PORT:-8000}
mkdir -p "$run"

# Stop the servers afterwards only if this script started them (a developer may be using them).
started_here=0
status=$(scripts/services.sh status)
case "$status" in *"redis: up"*"postgres: up"*) ;; *) started_here=1 ;; esac
eval "$(scripts/services.sh start)"

echo "building (first build takes a few minutes)..."
swift build
bin=$(swift build --show-bin-path)

# A sandbox site "london" with one filesystem, one fileset, a pool and a cloud target, plus sample files.
site="$run/sites/london"
if [ ! -f "$site/ngsim-site.conf" ]; then
    "$bin/ngsim" init "$site" --site london --filesystem mmfs1 --fileset data --pool system=10G \
        --target cloud="$run/targets/cloud"
    mkdir -p "$site/mmfs1/data/projects/alpha" "$site/mmfs1/data/projects/beta"
    for i in $(seq 1 20); do head -c $((i * 4096)) /dev/urandom > "$site/mmfs1/data/projects/alpha/file$i.bin"; done
    echo "hello from the sandbox" > "$site/mmfs1/data/projects/beta/readme.txt"
fi
mkdir -p "$run/bin"
"$bin/ngsim" install-links "$run/bin" >/dev/null

cat > "$run/worker.conf" <<CONF
[settings]
site = london
api_host = 127.0.0.1
api_port = $hub_port
api_secure = false
broker_url = $NGENEA_REDIS_URL
threads = 4
node_name = sandbox-node1
commands = {"ngmigrate": "$run/bin/ngmigrate", "ngrecall": "$run/bin/ngrecall", "ngunmanage": "$run/bin/ngunmanage"}
CONF

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "$started_here" -eq 1 ]; then scripts/services.sh stop; fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM

NGENEAHUB_PORT=$hub_port NGENEAHUB_PUBLIC_URL="http://127.0.0.1:$hub_port" "$bin/ngeneahub" serve >"$run/hub.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$hub_port/api/health/" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$hub_port/api/health/" >/dev/null || { echo "the hub did not start; see $run/hub.log" >&2; exit 1; }

NGSIM_SITE="$site" CONFIG="$run/worker.conf" "$bin/ngenea-worker" run >"$run/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$hub_port/api/health/" 2>/dev/null | grep -q '"online":true' && break
    sleep 0.2
done

cat <<MSG

Ngenea Hub is running.
  API:          http://127.0.0.1:$hub_port/api/
  Health:       curl -s http://127.0.0.1:$hub_port/api/health/ | python3 -m json.tool
  Sandbox site: london, filesystem $site/mmfs1 (sample files under data/projects)
  Tools:        $run/bin (ngmigrate, ngrecall, mm* as the sandbox provides them)
  Logs:         $run/hub.log, $run/worker.log
  Credentials:  none yet (authentication lands with the auth issue)

Try the sandbox by hand:
  NGSIM_SITE=$site $run/bin/ngmigrate $site/mmfs1/data/projects/alpha/file1.bin
  NGSIM_SITE=$site $bin/ngsim state $site/mmfs1/data/projects/alpha/file1.bin

Ctrl-C stops hub, worker$( [ "$started_here" -eq 1 ] && echo ", Redis and PostgreSQL").
MSG
wait
