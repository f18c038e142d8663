"""Two-factor sign-in in a real browser: an administrator obliged to use it scans the QR code
(it renders under the CSP), enters the app's code, keeps the recovery codes and lands in the
panel; at the next login the code is asked for after the password."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from models import db
from tests import factories
from tests.browser.conftest import serve
from tests.browser.test_content_security_policy import RECORD_VIOLATIONS
from tests.browser.test_order_grid_flow import log_in
from tests.conftest import build_app


@pytest.fixture
def strict_server(clean_db: Engine, database_url: str) -> Iterator[str]:
    """OrderDesk with ORDERDESK_REQUIRE_2FA=admin and one user per role."""
    app = build_app(database_url)
    with app.app_context():
        factories.make_users(db.session)
        db.session.commit()
        db.session.remove()
    with serve(database_url, ORDERDESK_REQUIRE_2FA="admin") as url:
        yield url


def test_an_admin_sets_up_two_factor_at_login_and_is_asked_for_a_code_next_time(
    page: Page, strict_server: Any
) -> None:
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, strict_server, "admin@example.com", factories.PASSWORD)
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    qr = page.get_by_role("img", name="QR code to add OrderDesk to an authenticator app")
    expect(qr).to_be_visible()
    expect(qr).to_have_js_property("complete", True)  # its width and height show it before it loads
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)

    page.get_by_label("Authentication code").fill(totp.now())
    page.get_by_role("button", name="Turn on and sign in").click()
    recovery_codes = page.locator("#recovery-codes li")
    expect(recovery_codes).to_have_count(10)
    codes = recovery_codes.all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved them — continue").click()
    expect(page.locator("#dashboard")).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{strict_server}/login")
    log_in(page, strict_server, "admin@example.com", factories.PASSWORD)
    page.get_by_label("Authentication code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#dashboard")).to_be_visible()
    page.locator("#current-user").click()
    expect(page.locator("#two-factor-status")).to_contain_text("9 unused recovery codes left")
