#!/usr/bin/env bash
# The API against its own contract: serves a fresh demo (SQLite, jobs inline in a worker,
# webhooks may call 127.0.0.1) and runs Schemathesis over every operation of
# /api/v1/openapi.json with an admin's token: no 5xx, every response as documented.
# Usage: tests/contract/run.sh [--max-examples N] (default 10: CI size; more finds more).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

max_examples=10
while (($#)); do
    case "$1" in
        --max-examples) max_examples="$2"; shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

work="$(mktemp -d /tmp/orderdesk-contract.XXXXXX)"
port="$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DATABASE_URL="sqlite:///$work/contract.db" SECRET_KEY="contract-$RANDOM" PORT="$port"
export ORDERDESK_UPLOAD_DIR="$work/uploads" ORDERDESK_QUEUE_FILE="$work/queue.db"
export ORDERDESK_WEBHOOKS_ALLOW_PRIVATE=1 ORDERDESK_API_RATE_LIMIT="100000 per minute"
# Schemathesis calls every operation without a token, from one address, and expects 401s.
export ORDERDESK_API_REFUSED_TOKEN_LIMIT="100000 per minute"
server=""
stop() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop EXIT

flask=(.venv/bin/flask --app app)
"${flask[@]}" db upgrade >"$work/setup.log" 2>&1
"${flask[@]}" seed-demo --orders 60 >>"$work/setup.log" 2>&1
token="$("${flask[@]}" create-token admin@orderdesk.test --name contract 2>>"$work/setup.log")"
# The demo records schemathesis.toml names (by id) must still be there, as it describes them.
.venv/bin/python tests/contract/check_demo_ids.py tests/contract/schemathesis.toml "$work/contract.db"

.venv/bin/honcho --no-colour start --procfile Procfile --port "$port" >"$work/server.log" 2>&1 &
server=$!
.venv/bin/python - "$port" <<'WAIT'
import sys, time, urllib.request
for _ in range(150):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=2)
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit("contract: the server did not answer /healthz")
WAIT
# Job 1, for the jobs' operation to read (schemathesis.toml): order 10 (closed) archived in bulk.
.venv/bin/python - "$port" "$token" <<'JOB'
import json, sys, urllib.request
request = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/api/v1/orders/bulk-transitions",
    data=json.dumps({"transition": "archive", "order_ids": [10]}).encode(),
    headers={"Authorization": f"Bearer {sys.argv[2]}", "Content-Type": "application/json"},
)
if json.load(urllib.request.urlopen(request, timeout=10))["job_id"] != 1:
    sys.exit("contract: the demo had jobs already; the one started here is not job 1")
JOB

status=0
# Every check runs (Schemathesis' default; max_response_time needs a limit). `--checks all` would
# also override schemathesis.toml's exemption of one operation from one check: a check named on
# the command line wins over an operation's settings in the file.
.venv/bin/schemathesis --config-file tests/contract/schemathesis.toml run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --max-examples "$max_examples" \
    --workers 1 \
    --no-color \
    || status=$?
if [ "$status" -ne 0 ]; then
    echo "contract: the server's log follows" >&2
    tail -n 80 "$work/server.log" >&2
fi
exit "$status"
