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
commands = {"ngmigrate": "$run/bin/ngmigrate", "ngrecall": "$run/bin/ngrecall", "ngunmanage": "$run/bin/ngunmanage", "mmlsfs": "$run/bin/mmlsfs", "mmlsfileset": "$run/bin/mmlsfileset", "mmcrsnapshot": "$run/bin/mmcrsnapshot", "mmdelsnapshot": "$run/bin/mmdelsnapshot", "mmlssnapshot": "$run/bin/mmlssnapshot", "ngsim": "$bin/ngsim"}
CONF

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "$started_here" -eq 1 ]; then scripts/services.sh stop; fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# The first administrator: "admin", with a password generated on the first run, printed once and kept in
# the git-ignored run folder for later runs (which reuse it).
admin_file="$run/admin-password"
new_password=0
if [ ! -s "$admin_file" ]; then
    random=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    (umask 077 && printf '%s\n' "${random:0:20}-Aa1" >"$admin_file")
    new_password=1
fi
chmod 600 "$admin_file"
admin_output=$("$bin/ngeneahub" createsuperuser --username admin --email admin@localhost --if-missing <"$admin_file" 2>&1) || {
    echo "could not create the administrator:" >&2
    echo "$admin_output" >&2
    exit 1
}
admin_note="password in $admin_file"
if [ "$new_password" -eq 1 ]; then
    case "$admin_output" in
        *"already exists"*) admin_note="already existed before $admin_file was made: its password is not that file's (reset it with PATCH /api/users/admin/)" ;;
        *) admin_note="password $(cat "$admin_file") (generated now, shown once; kept in $admin_file)" ;;
    esac
fi

NGENEAHUB_PORT=$hub_port NGENEAHUB_PUBLIC_URL="http://127.0.0.1:$hub_port" "$bin/ngeneahub" serve >"$run/hub.log" 2>&1 &
pids+=($!)
api="http://127.0.0.1:$hub_port/api"
for _ in $(seq 1 100); do curl -fsS "$api/schema/" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$api/schema/" >/dev/null || { echo "the hub did not start; see $run/hub.log" >&2; exit 1; }
# An access token for the checks below (the password goes on stdin, never on a command line).
token=$(printf '{"username": "admin", "password": "%s"}' "$(cat "$admin_file")" |
    curl -sS -X POST "$api/auth/token/" -H 'Content-Type: application/json' --data-binary @- |
    sed -n 's/.*"access":"\([^"]*\)".*/\1/p') || token=""

NGSIM_SITE="$site" CONFIG="$run/worker.conf" "$bin/ngenea-worker" run >"$run/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
    curl -fsS -H "Authorization: Bearer $token" "$api/health/" 2>/dev/null | grep -q '"online":true' && break
    sleep 0.2
done

cat <<MSG

Ngenea Hub is running.
  API:          $api/   (described at $api/docs/ and $api/schema/)
  Administrator: admin, $admin_note
  Token:        printf '{"username": "admin", "password": "%s"}' "\$(cat $admin_file)" |
                  curl -s -X POST $api/auth/token/ -H 'Content-Type: application/json' --data-binary @-
  Health:       curl -s -H "Authorization: Bearer <access>" $api/health/ | python3 -m json.tool
  Sandbox site: london, filesystem $site/mmfs1 (sample files under data/projects)
  Tools:        $run/bin (ngmigrate, ngrecall, mm* as the sandbox provides them)
  Logs:         $run/hub.log, $run/worker.log

Run a workflow (migrate the sample projects, then watch the job):
  curl -s -X POST $api/file/workflow/ -H "Authorization: Bearer <access>" -H 'Content-Type: application/json' \\
       -d '{"workflow": "migrate", "site": "london", "paths": ["$site/mmfs1/data/projects"]}'
  curl -s -H "Authorization: Bearer <access>" $api/jobs/1/ | python3 -m json.tool
  curl -s -H "Authorization: Bearer <access>" "$api/jobs/1/files/?page_size=0" | python3 -m json.tool

Try the sandbox by hand:
  NGSIM_SITE=$site $run/bin/ngmigrate $site/mmfs1/data/projects/alpha/file1.bin
  NGSIM_SITE=$site $bin/ngsim state $site/mmfs1/data/projects/alpha/file1.bin

Ctrl-C stops hub, worker$( [ "$started_here" -eq 1 ] && echo ", Redis and PostgreSQL").
MSG
wait
