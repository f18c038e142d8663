"""In a real browser: the API's docs render their operations under the Content-Security-Policy,
and a user makes a token (shown once, copied), then revokes it after confirming."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.test_content_security_policy import RECORD_VIOLATIONS


def test_the_api_docs_render_the_order_operations_without_a_csp_violation(
    page: Page, live_server: Any
) -> None:
    # Given a visitor with no token and no session
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.add_init_script(RECORD_VIOLATIONS)

    # When they open the docs
    response = page.goto(f"{live_server.url}/api/v1/docs")

    # Then Swagger UI draws the contract's order operations, with no script or style refused
    assert response is not None and response.status == 200
    assert "'nonce-" in response.headers["content-security-policy"]
    expect(page.locator(".opblock-tag", has_text="orders").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/orders/").first).to_be_visible()
    expect(page.locator(".opblock-post").first).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []
    assert [line for line in console if "Content Security Policy" in line or "Refused to" in line] == []


def test_a_user_makes_a_token_sees_it_once_and_revokes_it(page: Page, live_server: Any, sign_in: Any) -> None:
    base = live_server.url
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, base, "viewer")

    # From the account page to the tokens page
    page.locator("#current-user").click()
    page.get_by_role("link", name="Manage your API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()

    # Make a token that expires after 7 days
    page.get_by_label("Name").fill("Nightly report")
    page.get_by_label("Expires").select_option("other")
    page.get_by_label("Number of days").fill("7")
    page.get_by_role("button", name="Create token").click()

    # The token is shown once, with the warning, and the Copy button selects and copies it
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("odk_")
    expect(page.locator("#new-token-box")).to_contain_text("it will not be shown again")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    row = page.locator("tr.api-token", has_text="Nightly report")
    expect(row.locator(".token-status")).to_have_text("Active")
    # The page passes axe-core (no serious or critical WCAG violation), the token box shown
    found = axe_violations(page)
    serious = [v for v in found if v["impact"] in ("serious", "critical")]
    assert [(v["id"], [node["html"][:200] for node in v["nodes"]]) for v in serious] == []

    # Reloading the page (a GET) no longer shows it
    page.goto(f"{base}/admin/account/api-tokens/")
    expect(page.locator("#new-token")).to_have_count(0)
    assert secret not in page.content()

    # Revoke asks first: dismissed, nothing happens; accepted, the token is revoked
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="Revoke the token Nightly report").click()
    expect(row.locator(".token-status")).to_have_text("Active")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke the token Nightly report").click()
    expect(page.locator(".alert-success")).to_contain_text("no longer works")
    expect(page.locator("tr.api-token", has_text="Nightly report").locator(".token-status")).to_have_text(
        "Revoked"
    )
    assert page.evaluate("window.__cspViolations") == []
