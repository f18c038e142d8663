#!/usr/bin/env bash
# OrderDesk as a team runs it, on one machine, under load: a throwaway PostgreSQL cluster and
# Debian's redis-server on 127.0.0.1, N seeded orders (the volume mode), gunicorn with 4 workers
# and 2 job workers, then a headless Locust run of bench/locustfile.py (sales users working the
# grid and their orders, one manager archiving up to 100,000 closed orders filter-wide).
# Prints Locust's tables, the job's duration and the SQL check that every order of the job is
# archived with its audit row; exits non-zero on any failed request (apart from those a --faults
# run kills on purpose) or failed check. Everything it starts is stopped, and its files removed,
# however it ends.
#
#   bench/scale.sh [--orders 1000000] [--users 20] [--duration 5m] [--faults]
#
# --faults, during the run: kill -9 of the job worker running the archive (the other one must
# finish it), kill -9 of one gunicorn worker, and Redis stopped for 10 seconds.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
orders=1000000 users=20 duration=5m faults=0 redis_port=""
while (($#)); do
    case "$1" in
        --orders) orders="$2"; shift 2 ;;
        --users) users="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --faults) faults=1; shift ;;
        *) sed -n 's/^#   \(bench\/scale.sh .*\)/usage: \1/p' "$0" >&2; exit 2 ;;
    esac
done

bin="$PWD/.venv/bin"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
work="$(mktemp -d /tmp/orderdesk-scale.XXXXXX)"
chmod 755 "$work"
say() { printf 'scale [%4d s] %s\n' "$SECONDS" "$*"; }
free_port() { "$bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# initdb refuses to run as root: the server runs as `postgres` then (as .ci/run does).
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    mkdir "$work/pg" && chown postgres "$work/pg"
    as_pg=(runuser -u postgres --)
else
    mkdir "$work/pg"
fi

started=()  # pids to stop at the end, in reverse order
cleanup() {
    trap - EXIT INT TERM
    for ((i = ${#started[@]} - 1; i >= 0; i--)); do kill "${started[i]}" 2>/dev/null || true; done
    for pid in "${started[@]}"; do wait "$pid" 2>/dev/null || true; done
    # The fault run's restarted Redis is no child of this shell.
    [ -z "$redis_port" ] || redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- PostgreSQL and Redis ------------------------------------------------------------------
pg_port="$(free_port)"
say "PostgreSQL ($pg_bin) on 127.0.0.1:$pg_port, Redis on the next free port; files in $work"
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log"; exit 1; }
# A scratch cluster: durability off (it is thrown away), a little more memory than the default.
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $work/pg -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c shared_buffers=512MB -c max_connections=200" start >/dev/null \
    || { cat "$work/pg/server.log"; exit 1; }
psql_() { "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d orderdesk -v ON_ERROR_STOP=1 -Atq "$@"; }
"$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres orderdesk

redis_port="$(free_port)"
mkdir "$work/redis"
start_redis() {
    redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work/redis" \
        --daemonize no >>"$work/redis.log" 2>&1 &
    redis_pid=$!
    started+=("$redis_pid")
    until redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG; do sleep 0.1; done
}
start_redis

export DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/orderdesk"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
export SECRET_KEY="scale-$RANDOM$RANDOM"
export ORDERDESK_UPLOAD_DIR="$work/uploads" ORDERDESK_JOB_FILES_DIR="$work/job-files"

# --- schema, the team's processes, data ------------------------------------------------------
"$bin/flask" --app app db upgrade >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log"; exit 1; }
# The web and job workers need only the schema: they start while the seed runs, which leaves
# a core idle for most of a small seed (on a big one their start-up is a rounding error).
web_port="$(free_port)"
"$bin/gunicorn" --workers 4 --bind "127.0.0.1:$web_port" --no-control-socket 'app:create_web_app()' \
    >"$work/gunicorn.log" 2>&1 &
gunicorn_pid=$!
started+=("$gunicorn_pid")
workers=()
for i in 1 2; do
    "$bin/flask" --app app worker >"$work/worker-$i.log" 2>&1 &
    workers+=($!)
    started+=($!)
done
"$bin/python" bench/scale_accounts.py "$users" &
accounts_pid=$!
say "schema migrated; gunicorn (4 workers) on 127.0.0.1:$web_port and job workers ${workers[*]} starting"

seed_started=$SECONDS
"$bin/flask" --app app seed-demo --orders "$orders" >"$work/seed.log" 2>&1 || { cat "$work/seed.log"; exit 1; }
say "seed-demo --orders $orders: $((SECONDS - seed_started)) s"
sed -n '/^Demo ready/,/^Internal status/p' "$work/seed.log" | sed 's/^/  /'
psql_ -c 'ANALYZE'
wait "$accounts_pid"  # an account per sales user

# The manager archives the newest closed orders, up to 100,000: Internal Status = Closed and
# Created At after the 100,001st newest closed order (every closed order when there are fewer).
since="$(psql_ -c "SELECT to_char(created_at, 'YYYY-MM-DD HH24:MI:SS') FROM orders
    WHERE internal_status = 'closed' ORDER BY created_at DESC LIMIT 1 OFFSET 100000")"
export SCALE_ARCHIVE_FILTER="flt0_internal_status_equals=closed${since:+&flt1_created_at_greater_than=$since}"
# Ready when /healthz answers 200: the database, Redis and the file storage all answer.
until "$bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
    "http://127.0.0.1:$web_port/healthz" 2>/dev/null; do
    kill -0 "$gunicorn_pid" 2>/dev/null || { cat "$work/gunicorn.log"; exit 1; }
    sleep 0.5
done
say "Locust: $users users for $duration"

# --- faults (with --faults), beside the Locust run -----------------------------------------
export SCALE_JOB_FILE="$work/job-id" SCALE_REQUESTS_FILE="$work/requests.jsonl"
fault() { printf '%s %s\n' "$(date +%s.%N)" "$*" >>"$work/faults.log"; say "fault: $*"; }
job_column() { psql_ -c "SELECT $1 FROM jobs WHERE id = $(cat "$SCALE_JOB_FILE")"; }
seconds() { "$bin/python" -c "import re, sys; n, u = re.fullmatch(r'(\d+)([smh]?)', sys.argv[1]).groups(); \
print(int(n) * {'': 1, 's': 1, 'm': 60, 'h': 3600}[u])" "$1"; }
kill_job_worker() {
    # The job worker holding the archive, once it has done a fifth of it; then who takes over.
    local claimed pid
    until [ -s "$SCALE_JOB_FILE" ] \
        && [ "$(job_column "state = 'running' AND done > 0 AND done * 5 >= total")" = t ]; do sleep 1; done
    claimed="$(job_column "split_part(claim, ':', 2)")"
    fault "kill -9 job worker $claimed at $(job_column done) of $(job_column total) orders"
    kill -9 "$claimed"
    local killed_at=$SECONDS
    until pid="$(job_column "split_part(claim, ':', 2)")"; [ -n "$pid" ] && [ "$pid" != "$claimed" ]; do
        sleep 1
    done
    # Expected within about 25 s: ORDERDESK_JOB_STALE_SECONDS (20) and a look every 5 s.
    fault "job taken over by job worker $pid at $(job_column done) orders, $((SECONDS - killed_at)) s after the kill"
}
in_flight_worker() {
    ss -Htnp state established "( sport = :$web_port )" 2>/dev/null \
        | sed -n 's/.*"gunicorn",pid=\([0-9]*\),.*/\1/p' | head -n 1
}
kill_web_worker_then_stop_redis() {
    local total pid
    total="$(seconds "$duration")"
    sleep $((total * 2 / 5))
    # A worker with a request in flight: it holds an accepted connection (sync workers keep none
    # between requests). Looked for over 10 s; failing that, the first worker booted.
    local tries=200
    until pid="$(in_flight_worker)"; [ -n "$pid" ] || ((--tries == 0)); do sleep 0.05; done
    if [ -n "$pid" ]; then
        fault "kill -9 gunicorn worker $pid, a request in flight"
    else
        pid="$(sed -n 's/.*Booting worker with pid: //p' "$work/gunicorn.log" | head -n 1)"
        fault "kill -9 gunicorn worker $pid, no request seen in flight"
    fi
    kill -9 "$pid"
    sleep $((total / 4))
    # Saved on the way down and loaded again on the way up: a restart, not a loss of data.
    fault "redis stopped"
    redis-cli -p "$redis_port" shutdown save >/dev/null
    sleep 10
    start_redis
    fault "redis started again"
}
if ((faults)); then
    kill_job_worker &
    started+=($!)
    kill_web_worker_then_stop_redis &
    started+=($!)
fi

# --- the run -------------------------------------------------------------------------------
locust_rc=0
PYTHONPATH="$PWD" "$bin/locust" --headless -f bench/locustfile.py -u "$users" -r "$users" -t "$duration" \
    --host "http://127.0.0.1:$web_port" --only-summary --stop-timeout 10 \
    --loglevel WARNING || locust_rc=$?

# --- the job's end, then the checks ---------------------------------------------------------
[ -s "$SCALE_JOB_FILE" ] || { say "the manager started no archive job"; exit 1; }
say "waiting for job $(cat "$SCALE_JOB_FILE") to finish (Locust exited with $locust_rc)"
deadline=$((SECONDS + 1800))
until [ "$(job_column "state IN ('done', 'failed', 'cancelled')")" = t ]; do
    ((SECONDS < deadline)) || { say "the job did not finish within 30 minutes"; exit 1; }
    sleep 2
done
report_rc=0
"$bin/python" bench/scale_report.py --requests "$SCALE_REQUESTS_FILE" --faults "$work/faults.log" \
    --job "$(cat "$SCALE_JOB_FILE")" || report_rc=$?
for log in gunicorn worker-1 worker-2; do
    errors="$(grep -cE 'ERROR|Traceback' "$work/$log.log" || true)"
    first="$(grep -m1 -E 'ERROR|Traceback' "$work/$log.log" || true)"
    say "$log.log: $errors error lines${first:+; the first: $first}"
done
# Locust exits with 1 when a request failed (the report says which were expected); more is a crash.
((locust_rc <= 1)) || { say "Locust failed ($locust_rc)"; exit 1; }
exit "$report_rc"
