"""The Content Security Policy allows scripts from this origin and with the request's nonce
only; the main pages work under it without a single violation (no inline handlers left)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.test_order_grid_flow import log_in

# Records every violation the page reports, from before any script of the page runs.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(
    e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def _violations(page: Page) -> list[str]:
    return list(page.evaluate("window.__cspViolations"))


def test_the_main_pages_and_their_menus_run_without_a_csp_violation(page: Page, live_server: Any) -> None:
    base = live_server.url
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    number = sorted(live_server.numbers_with_status("open"))[0]

    log_in(page, base, "admin@example.com", factories.PASSWORD)
    expect(page.locator("#dashboard")).to_be_visible()
    response = page.goto(f"{base}/admin/orders/")
    csp = response.headers["content-security-policy"]
    assert (
        "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )

    # The filter menu, the "With selected" menu and a row's delete confirmation still work
    page.get_by_role("link", name="Add Filter").click()
    page.locator(".field-filters a.filter", has_text="Internal Status").click()
    expect(page.locator("#filter_form table.filters tr").filter(has_text="Internal Status")).to_have_count(1)
    assert page.url.endswith("/admin/orders/")  # the menu entry did not navigate
    page.locator("input.action-checkbox").first.check()
    page.get_by_role("button", name="With selected").click()
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("[data-model-action='close']").click()
    expect(page.locator("input.action-checkbox").first).to_be_checked()  # dismissed: nothing sent
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("table.model-list button[title='Delete']").first.click()
    assert page.url.endswith("/admin/orders/")

    order_id = page.locator("table.model-list td.col-identifier a", has_text=number).get_attribute("href")
    for path in (
        "/admin/",
        order_id,
        "/admin/orders/new/",
        "/admin/customers/",
        "/admin/audit/",
        "/admin/users/",
        "/admin/promotions/",
    ):
        page.goto(base + path if path.startswith("/") else path)
        page.wait_for_load_state("load")

    # An inline list's "Add" button (customer addresses) works without an inline handler
    page.goto(base + order_id)
    customer_details = page.locator("#section-general a[href*='/admin/customers/details/']").get_attribute(
        "href"
    )
    page.goto(base + customer_details.replace("/details/", "/edit/"))
    added = page.locator("#addresses > .inline-field-list > .inline-field")
    before = added.count()
    page.locator("#addresses-button").click()
    expect(added).to_have_count(before + 1)

    assert _violations(page) == []
    assert not [line for line in console if "Content Security Policy" in line]
