"""Gunicorn settings for OrderDesk in production: `gunicorn -c deploy/gunicorn.conf.py
'app:create_web_app()'` (deploy/Procfile, deploy/systemd/orderdesk-web.service).

Each setting can be changed through the environment variable named beside it. `kill -HUP`
on the master restarts the workers one by one with the code on disk, without dropping
requests (no preload: each worker builds the app, and its database pool, after the fork).
"""

import os


def _cores() -> int:
    """CPUs this process may run on (a container's or cgroup's share, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# Where to listen. Behind a load balancer on another machine: BIND=0.0.0.0:8000.
bind = [os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"]

# Web workers: the classic 2 × cores + 1, capped so that workers × threads database
# connections stay well inside PostgreSQL's default max_connections (100) on a big machine.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * _cores() + 1, 12))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A request taking longer than this is killed (the longest pages answer in well under a
# second; bulk work runs as jobs). A restarting worker gets graceful_timeout to finish.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))

# The longest request line gunicorn reads (its most): grid and API URLs with many filters and
# a cursor stay well inside it, and a longer one gets a plain 414 (the API's contract says so).
limit_request_line = 8190
# Seconds an idle connection stays open for the browser's or the balancer's next request.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Each worker is replaced after about this many requests (jitter: not all at once), which
# bounds any slow growth of its memory.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))

# Logs to stdout/stderr (journald or the process manager keeps them). Each access line ends
# with the request id (the X-Request-ID the app answers with, also on its own log lines) and
# the worker's pid.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms '
    "request_id=%({x-request-id}o)s pid=%(p)s"
)

proc_name = "orderdesk-web"
# Workers' heartbeat files in memory: a slow or full disk must not get them killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# gunicornc's control socket is not needed: HUP and TERM do what it would.
control_socket_disable = True
