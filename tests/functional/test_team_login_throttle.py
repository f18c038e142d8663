"""Served as a team runs it (deploy/gunicorn.conf.py, two worker processes, REDIS_URL): the
11th failed login in a minute is refused whichever worker answers it, since the counts are in
Redis. Each worker counting for itself would let the 11th through on a worker that saw fewer
than 10 of the failures.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy.orm import Session

from tests import factories
from tests.functional.web_servers import Reply, WebServer, csrf_token, running_web_server
from tests.redis_server import flush

EMAIL = "sales@example.com"
TOO_MANY = "Too many login attempts"


def _attempts(server: WebServer, passwords: list[str]) -> list[Reply]:
    """Login attempts sent at the same time, each on its own connection (so both workers get
    some), each with a session and CSRF token of its own."""

    def attempt(password: str) -> Reply:
        page = server.request("GET", "/login")
        form = {"csrf_token": csrf_token(page), "email": EMAIL, "password": password}
        return server.request("POST", "/login", form=form, cookie=page.cookie)

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(attempt, passwords))


def test_the_eleventh_failed_login_is_refused_by_whichever_web_worker_answers(
    session: Session, database_url: str, redis_url: str, tmp_path: Path
):
    # Given two web workers sharing one Redis, and a user
    factories.make_users(session)
    session.commit()
    flush(redis_url)
    with running_web_server(database_url, tmp_path, REDIS_URL=redis_url) as server:
        # When ten wrong passwords arrive at once
        failures = _attempts(server, [f"guess-{i}" for i in range(10)])
        assert [reply.status for reply in failures] == [200] * 10
        assert all("Invalid email or password." in reply.body for reply in failures)

        # Then every later attempt, even with the right password, is refused, by each worker
        refusals: list[Reply] = []
        for _round in range(10):
            refusals += _attempts(server, [factories.PASSWORD] * 2)
            if len(set(server.workers_of(refusals))) == 2:
                break
        assert len(set(server.workers_of(refusals))) == 2, "one worker answered every attempt"
        assert [reply.status for reply in refusals] == [429] * len(refusals)
        assert all(TOO_MANY in reply.body for reply in refusals)
    flush(redis_url)
