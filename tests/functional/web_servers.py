"""Real web workers for the tests that prove what several of them share: the production
gunicorn settings (deploy/gunicorn.conf.py) with two worker processes on a free port, over the
test database, and a plain HTTP client that says which worker answered each request.

Every request carries an X-Request-ID of the test's choosing; the access log prints it with
the pid of the worker that answered, so a test can tell that both workers took part.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from urllib.parse import urlencode

from tests.conftest import UPLOAD_DIR

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
_ACCESS_LINE = re.compile(r"request_id=(\S+) pid=<(\d+)>")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_ids = count(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    location: str
    cookie: str | None  # the session cookie the reply set, if any
    request_id: str


class WebServer:
    """`gunicorn -c deploy/gunicorn.conf.py 'app:create_web_app()'` with two workers; its access and
    error logs go to files in `folder`."""

    def __init__(self, database_url: str, folder: Path, **environment: str | None) -> None:
        self.port = free_port()
        self.access_log = folder / "access.log"
        self.error_log = folder / "error.log"
        Path(UPLOAD_DIR).mkdir(parents=True, exist_ok=True)
        settings = {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "web-servers-test-secret",
            "ORDERDESK_UPLOAD_DIR": UPLOAD_DIR,
            "ORDERDESK_QUEUE_FILE": str(folder / "queue.db"),
            "REDIS_URL": None,
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_ACCESS_LOG": str(self.access_log),
            "GUNICORN_ERROR_LOG": str(self.error_log),
            **environment,
        }
        self.env = {name: value for name, value in os.environ.items() if name not in settings}
        self.env.update({name: value for name, value in settings.items() if value is not None})
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "deploy/gunicorn.conf.py",
                "app:create_web_app()",
            ],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not self._both_workers_answer():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start both workers:\n{self.log()[-4000:]}")
            time.sleep(0.2)

    def _both_workers_answer(self) -> bool:
        """Four /healthz requests at once: both workers are up once both have answered one."""
        try:
            with ThreadPoolExecutor(4) as pool:
                replies = list(pool.map(lambda _: self.request("GET", "/healthz"), range(4)))
        except OSError:
            return False
        return all(reply.status == 200 for reply in replies) and len(set(self.workers_of(replies))) == 2

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.error_log.read_text(errors="replace") if self.error_log.exists() else ""

    def request(
        self, method: str, path: str, *, form: dict[str, str] | None = None, cookie: str | None = None
    ) -> Reply:
        """One request on a connection of its own (so either worker may take it)."""
        request_id = f"test-{next(_ids)}"
        headers = {"X-Request-ID": request_id}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookie:
            headers["Cookie"] = cookie
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            set_cookie = response.getheader("Set-Cookie") or ""
            return Reply(
                status=response.status,
                body=text,
                location=response.getheader("Location") or "",
                cookie=set_cookie.split(";", 1)[0] if set_cookie.startswith("session=") else None,
                request_id=response.getheader("X-Request-ID") or "",
            )
        finally:
            connection.close()

    def workers_of(self, replies: list[Reply]) -> list[int]:
        """The pid of the worker that answered each reply, from the access log (a line is written
        just after its response is sent: wait a moment for the last ones)."""
        deadline = time.monotonic() + 10
        while True:
            text = self.access_log.read_text() if self.access_log.exists() else ""
            pids = dict(_ACCESS_LINE.findall(text))
            if all(reply.request_id in pids for reply in replies) or time.monotonic() > deadline:
                return [int(pids[reply.request_id]) for reply in replies]
            time.sleep(0.05)


@contextmanager
def running_web_server(database_url: str, folder: Path, **environment: str | None) -> Iterator[WebServer]:
    """Two web workers, both answering /healthz with 200 when the block starts; stopped after."""
    server = WebServer(database_url, folder, **environment)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def csrf_token(reply: Reply) -> str:
    match = _CSRF.search(reply.body)
    assert match, f"no CSRF token on the page (status {reply.status})"
    return match[1]


def logged_in(server: WebServer, email: str, password: str) -> tuple[str, str]:
    """Log in through the real form; return the session cookie and a CSRF token for it."""
    page = server.request("GET", "/login")
    assert page.cookie is not None
    reply = server.request(
        "POST",
        "/login",
        form={"csrf_token": csrf_token(page), "email": email, "password": password},
        cookie=page.cookie,
    )
    assert reply.status == 302 and reply.cookie is not None, f"login failed ({reply.status})"
    # The first page after the login puts the CSRF secret in the session: keep that cookie.
    page = server.request("GET", "/admin/account/", cookie=reply.cookie)
    return page.cookie or reply.cookie, csrf_token(page)
