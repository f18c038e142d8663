"""The security baseline (DESIGN §7): login everywhere, server-side permissions, CSRF,
safe redirects, generic login errors, throttling, headers and cookie flags."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, url_for
from sqlalchemy import select

from models import Base, Order, db
from tests.conftest import build_app, login
from tests.factories import PASSWORD, make_order

GENERIC_LOGIN_ERROR = "Invalid email or password."
# What any logged-in user may write for themselves: making an API token of their own (its
# tests are in tests/functional/api/test_token_pages.py).
# A viewer's own preferences and tokens: they write rows, but only the viewer's own.
VIEWERS_OWN_WRITES = {
    "account_tokens.index",
    "orders.grid_view_save",
    "orders.grid_view_rename",
    "orders.grid_view_delete",
    "orders.grid_view_default",
    "orders.grid_view_share",
}


def _admin_rules(app: Flask, method: str) -> list[Any]:
    """Every rule under /admin answering `method`, except static files (public by design)."""
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/admin") and method in r.methods and not r.endpoint.endswith("static")
    ]
    assert rules, f"no {method} rules under /admin"
    return sorted(rules, key=lambda r: r.rule)


def _url(app: Flask, rule: Any, object_id: int = 1) -> str:
    """Build a rule's URL with a dummy value for each parameter, plus ?id= for model views."""
    values = {arg: ("csv" if arg == "export_type" else str(object_id)) for arg in rule.arguments}
    with app.test_request_context():
        return url_for(rule.endpoint, id=object_id, **values)


def _database_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read through a fresh connection (no session cache)."""
    with db.engine.connect() as conn:
        return {
            table.name: [
                tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def order(catalog, users) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


@pytest.fixture
def csrf_app(app: Flask) -> Iterator[Flask]:
    """A second app on the same database with CSRF protection on, as in production."""
    protected = build_app(app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True)
    yield protected
    with protected.app_context():
        db.engine.dispose()


# --- login required -------------------------------------------------------------------------


def test_every_admin_page_redirects_an_anonymous_visitor_to_the_login_page(app, client, order):
    # Given an anonymous visitor; when they GET every /admin URL
    for rule in _admin_rules(app, "GET"):
        url = _url(app, rule, order.id)
        response = client.get(url)

        # Then each one redirects to /login, remembering where they were going
        assert response.status_code == 302, f"{url} answered {response.status_code}"
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login", f"{url} redirected to {location}"
        assert parse_qs(location.query).get("next"), f"{url} lost the next parameter"


def test_an_anonymous_post_to_any_admin_url_changes_nothing(app, client, order):
    # Given the database as it is
    before = _database_rows()
    # When an anonymous visitor POSTs to every admin URL
    for rule in _admin_rules(app, "POST"):
        url = _url(app, rule, order.id)
        response = client.post(
            url, data={"id": order.id, "rowid": [order.id], "action": "delete", "po_number": "HACKED"}
        )
        # Then each is sent to the login page
        assert response.status_code == 302, f"{url} answered {response.status_code}"
        assert urlsplit(response.headers["Location"]).path == "/login"
    # and nothing changed
    assert _database_rows() == before


def test_a_viewer_posting_to_every_admin_endpoint_changes_nothing(app, login_as, order):
    # Given a logged-in viewer and the database as it is
    client = login_as("viewer")
    before = _database_rows()
    actions = {
        view.endpoint: [name for name, _ in getattr(view, "_actions", [])]
        for view in app.extensions["admin"][0]._views
    }

    # When they POST to every admin endpoint (every bulk action too), with plausible data
    for rule in _admin_rules(app, "POST"):
        if rule.endpoint in VIEWERS_OWN_WRITES:
            continue
        url = _url(app, rule, order.id)
        view_actions = actions.get(rule.endpoint.split(".")[0]) or ["delete"]
        for action in view_actions if rule.endpoint.endswith("action_view") else [None]:
            data = {
                "id": order.id,
                "rowid": [order.id],
                "action": action or "",
                "list_form_pk": order.id,
                "po_number": "HACKED",
                "name": "HACKED",
                "email": "hacker@example.com",
                "role": "admin",
                "value": "HACKED",
                "url": "/admin/",
            }
            response = client.post(url, data=data)

            # Then none fails with a server error, and nothing in the database changed
            assert response.status_code < 500, f"{url} {action}: {response.status_code}"
            assert _database_rows() == before, f"{url} {action} changed the database"


# --- CSRF -----------------------------------------------------------------------------------


def test_a_login_post_without_a_csrf_token_is_refused(csrf_app, users):
    # Given CSRF protection on; when the login form is posted without its token
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})

    # Then it is refused and the visitor is still anonymous
    assert response.status_code == 400
    assert urlsplit(client.get("/admin/").headers["Location"]).path == "/login"


def test_a_login_post_with_its_csrf_token_succeeds(csrf_app, users):
    # Given the token from the login page; when the form is posted with it; then it logs in
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_an_admin_post_without_a_csrf_token_is_refused_and_changes_nothing(csrf_app, users, order):
    # Given an admin logged in through the real, token-carrying form
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    assert (
        client.post(
            "/login", data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 302
    )
    before = _database_rows()

    # When they post a bulk delete and a delete without the token (a forged cross-site form)
    bulk = client.post("/admin/orders/action/", data={"action": "delete", "rowid": [order.id]})
    single = client.post("/admin/orders/delete/", data={"id": order.id})

    # Then both are refused and the order is still there
    assert (bulk.status_code, single.status_code) == (400, 400)
    assert _database_rows() == before


# --- logout ---------------------------------------------------------------------------------


def test_logging_out_by_get_is_not_allowed(login_as):
    client = login_as("viewer")
    assert client.get("/logout").status_code == 405
    assert client.get("/admin/").status_code == 200  # still logged in


def test_logging_out_by_post_ends_the_session(login_as):
    # Given a logged-in viewer; when they log out
    client = login_as("viewer")
    response = client.post("/logout")
    # Then they are sent to the login page and /admin asks for a login again
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert urlsplit(client.get("/admin/").headers["Location"]).path == "/login"


# --- redirects after login ------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example/",
        "/\\evil",
        "\\\\evil.example",
        "http:evil",
        "javascript:alert(1)",
    ],
)
def test_login_never_redirects_to_another_site(app, users, target):
    # Given a login link carrying a foreign next=
    client = app.test_client()
    # When the user logs in
    response = client.post(
        "/login", query_string={"next": target}, data={"email": "viewer@example.com", "password": PASSWORD}
    )
    # Then they land on a local path of this site
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location
    assert "evil" not in location


def test_login_redirects_to_a_local_next_path(app, users):
    client = app.test_client()
    response = client.post(
        "/login",
        query_string={"next": "/admin/orders/"},
        data={"email": "viewer@example.com", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/orders/"


# --- login errors and throttling ------------------------------------------------------------


def test_a_wrong_password_and_an_unknown_email_get_the_same_generic_message(client, users):
    # When one attempt has a wrong password and another an unknown email
    wrong_password = login(client, "viewer@example.com", "not-the-password")
    unknown_email = login(client, "nobody@example.com", PASSWORD)

    # Then both stay on the form with the same message, which says nothing about which failed
    for response in (wrong_password, unknown_email):
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert page.count(GENERIC_LOGIN_ERROR) == 1
        assert "not found" not in page.lower() and "unknown" not in page.lower()
    assert urlsplit(client.get("/admin/").headers["Location"]).path == "/login"


def test_an_inactive_user_gets_the_same_generic_message(client, users):
    users["sales"].active = False
    db.session.commit()
    response = login(client, "sales@example.com", PASSWORD)
    assert GENERIC_LOGIN_ERROR in response.get_data(as_text=True)


def test_login_attempts_are_throttled_after_ten_a_minute(app, users):
    # Given the login throttle on
    throttled = build_app(app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True)
    client = throttled.test_client()
    try:
        # When an attacker posts eleven guesses within a minute
        statuses = [login(client, "admin@example.com", f"guess-{i}").status_code for i in range(11)]
    finally:
        with throttled.app_context():
            db.engine.dispose()

    # Then the first ten are answered and the eleventh is refused with 429
    assert statuses == [200] * 10 + [429]


def test_successful_logins_do_not_count_toward_the_throttle(app, users):
    # Given the login throttle on, and a team signing in from one office address
    throttled = build_app(app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True)
    try:
        # When twelve sign-ins succeed within a minute, then one person mistypes
        signed_in = [login(throttled.test_client(), "sales@example.com").status_code for _ in range(12)]
        mistyped = login(throttled.test_client(), "sales@example.com", "wrong").status_code
    finally:
        with throttled.app_context():
            db.engine.dispose()

    # Then none of them is refused
    assert (signed_in, mistyped) == ([302] * 12, 200)


# --- headers and cookies --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/admin/"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


def test_the_session_cookie_is_httponly_and_samesite_lax(client, users):
    # When a user logs in
    response = login(client, "viewer@example.com")
    # Then the session cookie is out of reach of scripts and of cross-site posts
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie was set"
    flags = [part.strip().lower() for part in cookies[0].split(";")]
    assert "httponly" in flags
    assert "samesite=lax" in flags


def _session_cookies(response: Any) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]


def test_a_pages_scripts_get_the_session_cookie_back_only_from_answers_that_changed_it(client, users):
    # When a page's script logs in (a request that changes the session), the cookie is set
    logged_in = client.post(
        "/login",
        data={"email": "viewer@example.com", "password": PASSWORD},
        headers={"Sec-Fetch-Mode": "cors"},
    )
    assert _session_cookies(logged_in)

    # When the person opens a page, the cookie is written again (the idle timeout counts from
    # there)
    opened = client.get("/admin/", headers={"Sec-Fetch-Mode": "navigate"})
    assert opened.status_code == 200
    assert _session_cookies(opened)

    # When that page's script asks for something that leaves the session as it was
    background = client.get("/admin/", headers={"Sec-Fetch-Mode": "cors"})

    # Then its answer sets no cookie: a slow one would put back a session from before it
    assert background.status_code == 200
    assert _session_cookies(background) == []


def test_login_failures_for_one_account_are_throttled_whatever_address_they_come_from(app, users):
    # Given the login throttle on
    throttled = build_app(app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True)
    try:
        # When ten wrong guesses for one account come from one address
        first = throttled.test_client()
        for i in range(10):
            first.post("/login", data={"email": "admin@example.com", "password": f"guess-{i}"})
        # Then the right password from another address is refused too, and says why
        other = throttled.test_client()
        refused = other.post(
            "/login",
            data={"email": "Admin@Example.com", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "10.9.8.7"},
        )
        # While another account from that other address still logs in
        allowed = other.post(
            "/login",
            data={"email": "sales@example.com", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "10.9.8.7"},
        )
    finally:
        with throttled.app_context():
            db.engine.dispose()
    assert refused.status_code == 429
    assert "Too many login attempts" in refused.get_data(as_text=True)
    assert allowed.status_code == 302
