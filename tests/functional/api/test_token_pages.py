"""Account > API Tokens: every user makes their own tokens (the secret shown once, in the answer
to the form), sees them with their status, and revokes them; administrators see and revoke a
user's tokens on the user's page in System > Users."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from actions.api_tokens import create_api_token
from models import ApiToken, db, utcnow
from tests.conftest import build_app, flashed_messages
from tests.factories import PASSWORD

PAGE = "/admin/account/api-tokens/"
OUT_OF_RANGE = "A token expires after 1 to 3650 days, or never."
SECRET = re.compile(r'id="new-token" value="(odk_[^"]+)"')


def _tokens() -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))


def _make(user: Any, name: str = "sync", days: int | None = None) -> ApiToken:
    token = create_api_token(db.session, user, name=name, expires_days=days, now=utcnow()).token
    db.session.commit()
    return token


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def csrf_client(app: Flask, users: dict[str, Any]) -> Iterator[FlaskClient]:
    """A client of an app with CSRF protection on, logged in as the sales user through the form."""
    protected = build_app(app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": "sales@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    yield client
    with protected.app_context():
        db.engine.dispose()


# --- making a token -------------------------------------------------------------------------


def test_the_account_page_leads_to_the_api_tokens_page(login_as):
    client = login_as("viewer")
    account = client.get("/admin/account/").get_data(as_text=True)
    assert f'href="{PAGE}" id="api-tokens-link"' in account

    page = client.get(PAGE)
    assert page.status_code == 200
    assert "No API tokens." in page.get_data(as_text=True)


def test_a_new_token_is_shown_once_in_the_answer_to_the_form_and_never_again(csrf_client):
    # Given the sales user on their tokens page, with CSRF protection on
    form = csrf_client.get(PAGE).get_data(as_text=True)

    # When they make a token for 90 days
    response = csrf_client.post(
        PAGE, data={"name": "Warehouse sync", "expires": "90", "csrf_token": _csrf_token(form)}
    )

    # Then the answer itself (no redirect) shows the secret, with the warning and a copy button
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    secret = SECRET.search(html).group(1)
    assert "it will not be shown again" in html
    assert 'data-copy="#new-token"' in html
    # and only its hash is stored; the list shows its prefix, expiry and status
    [token] = _tokens()
    assert token.name == "Warehouse sync" and token.user.email == "sales@example.com"
    assert token.token_hash != secret and secret.startswith(token.prefix)
    assert token.expires_at - token.created_at == timedelta(days=90)
    assert f"{token.prefix}…</code>" in html
    # The secret is in no cookie or session, and the page, read again, no longer shows it
    with csrf_client.session_transaction() as browser_session:
        assert secret not in repr(dict(browser_session))
    assert "Set-Cookie" not in response.headers or secret not in response.headers["Set-Cookie"]
    again = csrf_client.get(PAGE).get_data(as_text=True)
    assert secret not in again and 'id="new-token"' not in again
    assert token.prefix in again


@pytest.mark.parametrize(
    ("form", "days"),
    [
        ({"expires": "30"}, 30),
        ({"expires": "365"}, 365),
        ({"expires": "never"}, None),
        ({"expires": "other", "days": "7"}, 7),
        ({"expires": "never", "days": "7"}, None),  # the number counts only with "other"
    ],
)
def test_a_token_expires_after_the_days_chosen(login_as, form, days):
    client = login_as("viewer")
    response = client.post(PAGE, data={"name": "report", **form})

    assert response.status_code == 200 and SECRET.search(response.get_data(as_text=True))
    [token] = _tokens()
    if days is None:
        assert token.expires_at is None
    else:
        assert token.expires_at - token.created_at == timedelta(days=days)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "expires": "90"}, "Give the token a name that says what uses it."),
        ({"name": "x" * 101, "expires": "90"}, "A token's name has at most 100 characters."),
        ({"name": "sync", "expires": "other"}, "Enter after how many days the token expires (1 to 3650)."),
        ({"name": "sync", "expires": "other", "days": "soon"}, "Not a valid integer value."),
        (
            {"name": "sync", "expires": "other", "days": "0"},
            "A token expires after 1 to 3650 days, or never.",
        ),
        (
            {"name": "sync", "expires": "other", "days": "99999"},
            "A token expires after 1 to 3650 days, or never.",
        ),
        ({"name": "sync", "expires": "forever"}, "Not a valid choice."),
    ],
)
def test_bad_input_makes_no_token_and_says_why(login_as, form, message):
    client = login_as("sales")
    response = client.post(PAGE, data=form)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message.replace("'", "&#39;") in html
    assert not SECRET.search(html)
    assert _tokens() == []


# --- the list and revoking --------------------------------------------------------------------


def test_the_list_shows_only_the_users_own_tokens_with_their_status(login_as, users):
    # Given an active, an expired and a revoked token of the sales user, and the viewer's token
    _make(users["sales"], "active one")
    expired = _make(users["sales"], "expired one", days=1)
    db.session.execute(
        update(ApiToken).where(ApiToken.id == expired.id).values(expires_at=utcnow() - timedelta(hours=1))
    )
    revoked = _make(users["sales"], "revoked one")
    db.session.execute(update(ApiToken).where(ApiToken.id == revoked.id).values(revoked_at=utcnow()))
    _make(users["viewer"], "the viewer's")
    db.session.commit()

    html = login_as("sales").get(PAGE).get_data(as_text=True)

    rows = re.findall(r'<tr class="api-token".*?</tr>', html, re.S)
    assert len(rows) == 3
    statuses = {re.search(r"<td>([^<]+)</td>", row).group(1): row for row in rows}
    assert "Active" in statuses["active one"] and "Revoke" in statuses["active one"]
    assert "Expired" in statuses["expired one"]
    assert "Revoked" in statuses["revoked one"] and "Revoke</button>" not in statuses["revoked one"]
    assert "the viewer" not in html


def test_revoking_asks_first_and_stops_the_token_at_once(csrf_client, users):
    # Given the sales user's token in use
    token = _make(users["sales"])
    page = csrf_client.get(PAGE).get_data(as_text=True)
    assert "Revoke the token “sync”? Scripts using it stop working at once." in page

    # When a forged form without the CSRF token posts the revoke, it is refused
    url = f"{PAGE}{token.id}/revoke"
    assert csrf_client.post(url).status_code == 400
    assert _tokens()[0].revoked_at is None

    # When they press Revoke (the form carries the token)
    response = csrf_client.post(url, data={"csrf_token": _csrf_token(page)})

    # Then the token is revoked and the list says so
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert _tokens()[0].revoked_at is not None
    assert "The token &#39;sync&#39; no longer works." in csrf_client.get(PAGE).get_data(as_text=True)


def test_a_user_cannot_revoke_someone_elses_token(login_as, users):
    token = _make(users["manager"])
    client = login_as("sales")

    response = client.post(f"{PAGE}{token.id}/revoke")

    assert response.status_code == 302
    assert flashed_messages(client) == ["You can revoke only your own API tokens."]
    assert _tokens()[0].revoked_at is None


@pytest.mark.parametrize("token_id", ["999", "abc", "1,2", "²"])
def test_revoking_a_token_that_is_not_there_says_so(login_as, users, token_id):
    _make(users["sales"])
    client = login_as("sales")

    response = client.post(f"{PAGE}{token_id}/revoke")

    assert response.status_code == 302
    assert flashed_messages(client) == [
        "There is no such API token: it may have been removed, or the link is incomplete."
    ]
    assert _tokens()[0].revoked_at is None


def test_revoking_a_token_twice_says_it_was_already_revoked(login_as, users):
    token = _make(users["sales"])
    client = login_as("sales")
    client.post(f"{PAGE}{token.id}/revoke")
    flashed_messages(client)

    client.post(f"{PAGE}{token.id}/revoke")

    assert flashed_messages(client) == ["The token 'sync' was already revoked."]


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login_page(client, users):
    assert client.get(PAGE).headers["Location"].startswith("/login?next=")
    assert client.post(PAGE, data={"name": "sync", "expires": "never"}).status_code == 302
    assert _tokens() == []


# --- administrators, on the user's page ------------------------------------------------------


def test_an_administrator_sees_and_revokes_a_users_tokens_on_the_users_page(login_as, users):
    # Given a sales user's token
    token = _make(users["sales"], "Nightly export")
    client = login_as("admin")

    # When the administrator opens the user in System > Users
    page = client.get(f"/admin/users/details/?id={users['sales'].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Nightly export" in html and f"{token.prefix}…" in html

    # and revokes the token there
    response = client.post(f"/admin/users/tokens/{token.id}/revoke")

    # Then it is revoked and they are back on the user's page
    assert response.status_code == 302
    assert f"/admin/users/details/?id={users['sales'].id}" in response.headers["Location"]
    assert _tokens()[0].revoked_at is not None


def test_only_administrators_reach_the_revoke_on_the_users_page(login_as, users):
    token = _make(users["sales"])
    client = login_as("manager")

    assert client.post(f"/admin/users/tokens/{token.id}/revoke").status_code == 302
    assert _tokens()[0].revoked_at is None
