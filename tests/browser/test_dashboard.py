"""The dashboard in a browser: Chart.js (served from this origin) draws every chart under the
page's CSP, the 30/90-day switch works, and axe-core finds nothing serious."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import axe_violations
from tests.browser.test_content_security_policy import RECORD_VIOLATIONS
from tests.browser.test_order_grid_flow import log_in

DRAWN = """() => Array.from(document.querySelectorAll("#dashboard canvas")).map(
  (canvas) => Boolean(window.Chart && Chart.getChart(canvas)) && canvas.width > 0)"""


def test_the_dashboard_draws_its_charts_under_the_csp_and_switches_to_90_days(
    page: Page, live_server: Any
) -> None:
    base = live_server.url
    console: list[str] = []
    failed: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on(
        "response",
        lambda r: failed.append(r.url) if r.status >= 400 and r.request.resource_type == "script" else None,
    )
    page.add_init_script(RECORD_VIOLATIONS)

    log_in(page, base, "admin@example.com", factories.PASSWORD)
    expect(page.locator("#chart-statuses")).to_be_visible()
    page.wait_for_load_state("load")
    drawn = page.evaluate(DRAWN)
    assert len(drawn) >= 2 and all(drawn), drawn  # the status chart and one per currency

    violations = axe_violations(page)
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []

    # Without touching the charts, the 90-day link reloads the page with the longer window
    page.get_by_role("link", name="90 days").click()
    expect(page.locator("#per-day-heading")).to_have_text("Orders and revenue per day, last 90 days")
    page.wait_for_load_state("load")  # the new page's chart scripts (at the end of its body) have run
    assert all(page.evaluate(DRAWN))
    assert page.evaluate("window.__cspViolations") == [] and failed == []
    assert not [line for line in console if "Content Security Policy" in line or "Error" in line]
