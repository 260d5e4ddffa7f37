#!/usr/bin/env bash
# Private Redis and PostgreSQL for development and tests, on loopback, with data under $NG_DEV_DIR
# (default: .dev/ in the project, git-ignored) and on ports that do not collide with system servers.
#   scripts/services.sh start   start both (idempotent) and print the environment to use
#   scripts/services.sh stop    stop both
#   scripts/services.sh env     print the environment (export lines)
#   scripts/services.sh status
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${NG_DEV_DIR:-$root/.dev}
redis_port=${NG_REDIS_PORT:-56379}
pg_port=${NG_PG_PORT:-55432}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pg_user=ngenea
pg_dir="$dir/pg"
# The postgres user must reach the data folder; a clone under a private home (e.g. /root) is not
# reachable, so PostgreSQL then keeps its data in a folder of its own under /var/tmp.
if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
    mkdir -p "$dir"
    if ! (cd / && runuser -u postgres -- test -x "$dir"); then
        pg_dir="/var/tmp/ngenea-dev-$(printf '%s' "$root" | md5sum | cut -c1-12)/pg"
    fi
fi

as_postgres() {
    # PostgreSQL refuses to run as root: run its tools as the postgres user when we are root.
    # (from / : the postgres user may not be allowed into the current directory)
    if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

print_env() {
    echo "export NGENEA_REDIS_URL=redis://127.0.0.1:$redis_port/0"
    echo "export NGENEA_DATABASE_URL=postgres://$pg_user@127.0.0.1:$pg_port/ngeneahub"
    echo "export NGENEA_TEST_REDIS_URL=redis://127.0.0.1:$redis_port/0"
    echo "export NGENEA_TEST_DATABASE_URL=postgres://$pg_user@127.0.0.1:$pg_port/ngenea_test"
}

redis_up() { redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; }
pg_up() { "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" >/dev/null 2>&1; }

start_redis() {
    redis_up && return 0
    mkdir -p "$dir/redis"
    # Append-only file with fsync every second: a restarted Redis keeps the queued tasks.
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --databases 64 \
        --appendonly yes --appendfsync everysec --save '' \
        --daemonize yes --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log"
    for _ in $(seq 1 50); do redis_up && return 0; sleep 0.1; done
    echo "redis-server did not start; see $dir/redis/redis.log" >&2
    return 1
}

start_pg() {
    pg_up && return 0
    [ -n "$pg_bin" ] || { echo "PostgreSQL server binaries not found (run scripts/deps.sh)" >&2; return 1; }
    mkdir -p "$pg_dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$pg_dir"; fi
    if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
        as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U "$pg_user" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    mkdir -p "$pg_dir/socket"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$pg_dir/socket"; fi
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/data/server.log" -w -t 60 \
        -o "-p $pg_port -k $pg_dir/socket -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null
    for db in ngeneahub ngenea_test; do
        "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U "$pg_user" -d postgres -tAc \
            "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
            "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U "$pg_user" "$db"
    done
}

stop_all() {
    if redis_up; then redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true; fi
    if [ -f "$pg_dir/data/postmaster.pid" ]; then
        as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

case "${1:-}" in
    start) start_redis; start_pg; print_env ;;
    stop) stop_all ;;
    env) print_env ;;
    status)
        redis_up && echo "redis: up on $redis_port" || echo "redis: down"
        pg_up && echo "postgres: up on $pg_port" || echo "postgres: down" ;;
    *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
