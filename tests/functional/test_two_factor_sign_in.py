"""Two-factor sign-in through the panel: the code step after the password, enrolment when the
policy requires it, the user's own account page, an admin's reset, and wrong codes counted
with wrong passwords.

Each app here is used without a pushed app context, so every request loads its user afresh.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from actions.two_factor import enrol_two_factor, new_secret
from models import User, db
from tests import factories
from tests.conftest import build_app, flashed_messages, login


def _serve(database_url: str, **config: Any) -> Flask:
    app = build_app(database_url, **config)
    with app.app_context():
        factories.make_users(db.session)
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture
def served(clean_db, database_url) -> Iterator[Flask]:
    yield _serve(database_url)


def _with_user(app: Flask, email: str, change: Callable[[User], Any]) -> Any:
    with app.app_context():
        result = change(db.session.query(User).filter_by(email=email).one())
        db.session.commit()
        db.session.remove()
        return result


def _enrol(app: Flask, email: str) -> tuple[str, list[str]]:
    """Turn two-factor on for a user as of 90 s ago, so that the current code is still unused."""
    secret = new_secret()
    past = time.time() - 90
    codes = _with_user(
        app,
        email,
        lambda user: enrol_two_factor(db.session, user, secret, pyotp.TOTP(secret).at(past), now=past),
    )
    return secret, codes


def _opens_the_panel(client: FlaskClient) -> bool:
    return client.get("/admin/orders/").status_code == 200


def test_after_the_password_a_user_with_two_factor_is_asked_for_the_code_before_the_panel_opens(served):
    secret, _ = _enrol(served, "sales@example.com")
    client = served.test_client()
    response = client.post(
        "/login?next=/admin/customers/", data={"email": "sales@example.com", "password": factories.PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    assert not _opens_the_panel(client)
    page = client.get("/login/code").get_data(as_text=True)
    assert "Authentication code" in page and "sales@example.com" in page
    verified = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert verified.status_code == 302 and verified.headers["Location"] == "/admin/customers/"
    assert _opens_the_panel(client)


def test_a_wrong_code_is_refused_with_a_message_and_does_not_log_in(served):
    _enrol(served, "sales@example.com")
    client = served.test_client()
    login(client, "sales@example.com")
    response = client.post("/login/code", data={"code": "12345x"})
    assert response.status_code == 200
    assert "That code is not valid" in response.get_data(as_text=True)
    assert not _opens_the_panel(client)


def test_a_recovery_code_signs_in_once(served):
    _, codes = _enrol(served, "sales@example.com")
    first = served.test_client()
    login(first, "sales@example.com")
    assert first.post("/login/code", data={"code": codes[3]}).status_code == 302
    assert _opens_the_panel(first)
    second = served.test_client()
    login(second, "sales@example.com")
    assert "not valid" in second.post("/login/code", data={"code": codes[3]}).get_data(as_text=True)


def test_the_code_step_expires_and_needs_the_password_again(served):
    secret, _ = _enrol(served, "sales@example.com")
    client = served.test_client()
    login(client, "sales@example.com")
    with client.session_transaction() as flask_session:
        flask_session["pending_login"]["since"] -= 301
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not _opens_the_panel(client)


def test_the_code_step_without_a_password_first_sends_to_the_login(served):
    response = served.test_client().get("/login/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_a_user_without_two_factor_logs_in_with_the_password_alone(served):
    client = served.test_client()
    assert login(client, "sales@example.com").status_code == 302
    assert _opens_the_panel(client)


def _enrolment_secret(page: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert match, "the enrolment page shows no key"
    return match.group(1).replace(" ", "")


def test_when_required_an_admin_sets_it_up_at_login_with_a_qr_code_and_gets_recovery_codes(
    clean_db, database_url
):
    app = _serve(database_url, ORDERDESK_REQUIRE_2FA="admin")
    client = app.test_client()
    response = login(client, "admin@example.com")
    assert response.headers["Location"].endswith("/login/two-factor-setup")
    assert not _opens_the_panel(client)
    page = client.get("/login/two-factor-setup").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = _enrolment_secret(page)
    wrong = client.post("/login/two-factor-setup", data={"code": "000000"}).get_data(as_text=True)
    assert "does not match" in wrong and _enrolment_secret(wrong) == secret
    done = client.post("/login/two-factor-setup", data={"code": pyotp.TOTP(secret).now()}).get_data(
        as_text=True
    )
    assert len(re.findall(r"<li>[a-z2-9]{5}-[a-z2-9]{5}</li>", done)) == 10
    assert _opens_the_panel(client)
    assert _with_user(app, "admin@example.com", lambda user: user.totp_secret) == secret


def test_when_required_for_admins_other_roles_log_in_with_the_password_alone(clean_db, database_url):
    app = _serve(database_url, ORDERDESK_REQUIRE_2FA="admin")
    client = app.test_client()
    assert login(client, "manager@example.com").headers["Location"].endswith("/admin/")
    assert _opens_the_panel(client)


def test_required_for_all_asks_every_role_to_set_it_up(clean_db, database_url):
    app = _serve(database_url, ORDERDESK_REQUIRE_2FA="all")
    assert (
        login(app.test_client(), "viewer@example.com").headers["Location"].endswith("/login/two-factor-setup")
    )


def test_an_unknown_policy_stops_the_app_from_starting(clean_db, database_url):
    with pytest.raises(RuntimeError, match="ORDERDESK_REQUIRE_2FA must be one of off, admin, all"):
        build_app(database_url, ORDERDESK_REQUIRE_2FA="sometimes")


def test_wrong_codes_count_toward_the_login_limit_of_the_account(clean_db, database_url):
    app = _serve(database_url, RATELIMIT_ENABLED=True)
    secret, _ = _enrol(app, "sales@example.com")
    client = app.test_client()
    login(client, "sales@example.com")  # the right password: not a failure
    statuses = [client.post("/login/code", data={"code": "000000"}).status_code for _ in range(10)]
    refused = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert statuses == [200] * 10
    assert refused.status_code == 429
    assert "Too many login attempts" in refused.get_data(as_text=True)
    # The account stays locked for its password too, from another address.
    other = app.test_client()
    again = other.post(
        "/login",
        data={"email": "sales@example.com", "password": factories.PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert again.status_code == 429


def test_a_user_turns_it_on_from_their_account_page_and_can_turn_it_off(served):
    client = served.test_client()
    login(client, "manager@example.com")
    assert "Two-factor sign-in is <strong>off</strong>" in client.get("/admin/account/").get_data(
        as_text=True
    )
    secret = _enrolment_secret(client.get("/admin/account/two-factor/setup").get_data(as_text=True))
    page = client.post("/admin/account/two-factor/setup", data={"code": pyotp.TOTP(secret).now()}).get_data(
        as_text=True
    )
    assert "Two-factor sign-in is <strong>on</strong>" in page
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", page)
    assert len(codes) == 10 and "10 unused recovery codes left" in page
    renewed = client.post("/admin/account/two-factor/recovery-codes", data={"code": codes[0]}).get_data(
        as_text=True
    )
    assert "the old ones no longer work" in renewed
    new_codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", renewed)
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    off = client.post("/admin/account/two-factor/off", data={"code": new_codes[0]})
    assert off.status_code == 302
    assert flashed_messages(client) == ["Two-factor sign-in is off."]
    assert _with_user(served, "manager@example.com", lambda user: user.two_factor_enabled) is False


def test_turning_it_off_is_refused_where_it_is_required(clean_db, database_url):
    app = _serve(database_url, ORDERDESK_REQUIRE_2FA="all")
    _, codes = _enrol(app, "sales@example.com")
    client = app.test_client()
    login(client, "sales@example.com")
    client.post("/login/code", data={"code": codes[0]})
    page = client.get("/admin/account/").get_data(as_text=True)
    assert "Turn off" not in page
    refused = client.post("/admin/account/two-factor/off", data={"code": codes[1]}).get_data(as_text=True)
    assert "cannot be turned off" in refused
    assert _with_user(app, "sales@example.com", lambda user: user.two_factor_enabled) is True


def test_the_account_page_needs_a_login(served):
    response = served.test_client().get("/admin/account/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_admin_resets_a_users_two_factor_which_ends_their_sessions(served):
    _, codes = _enrol(served, "sales@example.com")
    seller = served.test_client()
    login(seller, "sales@example.com")
    seller.post("/login/code", data={"code": codes[0]})
    assert _opens_the_panel(seller)
    sales_id = _with_user(served, "sales@example.com", lambda user: user.id)
    manager_id = _with_user(served, "manager@example.com", lambda user: user.id)
    admin = served.test_client()
    login(admin, "admin@example.com")
    assert "Two-factor" in admin.get("/admin/users/").get_data(as_text=True)
    admin.post(
        "/admin/users/action/", data={"action": "reset_two_factor", "rowid": [str(sales_id), str(manager_id)]}
    )
    assert flashed_messages(admin) == ["Two-factor sign-in reset for 1 user; 1 had none."]
    assert _with_user(served, "sales@example.com", lambda user: user.two_factor_enabled) is False
    assert not _opens_the_panel(seller)
    login(seller, "sales@example.com")
    assert _opens_the_panel(seller)


def test_managers_cannot_reset_anyones_two_factor(served):
    _enrol(served, "sales@example.com")
    sales_id = _with_user(served, "sales@example.com", lambda user: user.id)
    manager = served.test_client()
    login(manager, "manager@example.com")
    manager.post("/admin/users/action/", data={"action": "reset_two_factor", "rowid": [str(sales_id)]})
    assert _with_user(served, "sales@example.com", lambda user: user.two_factor_enabled) is True
