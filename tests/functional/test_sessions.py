"""Sessions end when they should: at logout (a replayed cookie opens nothing), when an admin
changes the user's password or role or deactivates them, and after the idle time.

The app here is not kept in an app context between requests, so that each request loads its
user afresh, as in production (the shared `app` fixture would keep Flask-Login's cached user).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from actions.users import deactivate_user, set_password, update_user
from models import User, db
from tests import factories
from tests.conftest import build_app, login


@pytest.fixture
def served(clean_db, database_url) -> Iterator[Flask]:
    app = build_app(database_url)
    with app.app_context():
        factories.make_users(db.session)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _change_user(app: Flask, email: str, change: Callable[[User], Any]) -> None:
    with app.app_context():
        change(db.session.query(User).filter_by(email=email).one())
        db.session.commit()
        db.session.remove()


def _opens_the_panel(client) -> bool:
    return client.get("/admin/orders/").status_code == 200


def test_a_session_cookie_replayed_after_logout_opens_nothing(served):
    client = served.test_client()
    login(client, "sales@example.com")
    cookie = client.get_cookie("session").value
    assert _opens_the_panel(client)
    client.post("/logout")
    replayed = served.test_client()
    replayed.set_cookie("session", cookie)
    response = replayed.get("/admin/orders/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "change",
    [
        lambda user: set_password(db.session, user, "a-brand-new-one-9"),
        lambda user: update_user(
            db.session, user, email=user.email, full_name=user.full_name, role="viewer", active=True
        ),
        lambda user: deactivate_user(db.session, user),
    ],
    ids=["password", "role", "deactivation"],
)
def test_a_new_password_role_or_a_deactivation_ends_the_users_sessions(served, change):
    client = served.test_client()
    login(client, "sales@example.com")
    assert _opens_the_panel(client)
    _change_user(served, "sales@example.com", change)
    assert not _opens_the_panel(client)


def test_other_users_sessions_go_on(served):
    client = served.test_client()
    login(client, "manager@example.com")
    _change_user(
        served, "sales@example.com", lambda user: set_password(db.session, user, "a-brand-new-one-9")
    )
    assert _opens_the_panel(client)


def test_logging_out_ends_the_users_sessions_on_other_devices_too(served):
    laptop, phone = served.test_client(), served.test_client()
    login(laptop, "sales@example.com")
    login(phone, "sales@example.com")
    laptop.post("/logout")
    assert not _opens_the_panel(phone)


def test_the_session_changes_at_login_and_keeps_nothing_from_before(served):
    client = served.test_client()
    client.get("/login")
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    login(client, "sales@example.com")
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["_user_id"].split(":")[1]


def test_a_session_ends_after_the_idle_time(served):
    served.config["PERMANENT_SESSION_LIFETIME"] = 1
    client = served.test_client()
    login(client, "sales@example.com")
    assert _opens_the_panel(client)
    time.sleep(2.2)
    assert not _opens_the_panel(client)
