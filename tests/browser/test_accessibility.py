"""WCAG 2.1 AA, measured with axe-core (issue #11): the panel's main pages have no violation of
impact "serious" or "critical". axe-core's script ships inside axe-playwright-python (no CDN).

Every page is checked with axe-core's default rule set (WCAG 2.0 / 2.1 A and AA plus its best
practices); a failure lists each page's serious and critical violations with their first nodes.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import OrderServer, axe_violations

FAILING_IMPACTS = ("serious", "critical")
NODES_SHOWN = 3
# Rows that scripts add (cloned lines, the discount template, tracking rows) are checked too.
ADD_ROWS = {"create form": ("#add-line", "#add-discount"), "mark as shipped": ("#add-tracking",)}


def _describe(name: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{name}:"]
    for violation in violations:
        nodes = violation["nodes"]
        lines.append(f"  {violation['id']} ({violation['impact']}, {len(nodes)} nodes): {violation['help']}")
        for node in nodes[:NODES_SHOWN]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)


def _count(name: str, violations: list[dict[str, Any]]) -> str:
    failing = sum(v["impact"] in FAILING_IMPACTS for v in violations)
    rules = ", ".join(f"{v['id']} {v['impact']} x{len(v['nodes'])}" for v in violations) or "none"
    return f"  {name}: {failing} serious/critical, {len(violations)} in all ({rules})"


def _order_id(page: Page, base: str, number: str) -> str:
    page.goto(f"{base}/admin/orders/")
    href = page.locator("table.model-list td.col-identifier a", has_text=number).get_attribute("href")
    match = re.search(r"[?&]id=(\d+)", href or "")
    assert match, href
    return match.group(1)


def test_the_main_pages_have_no_serious_or_critical_axe_violation(
    page: Page, order_server: OrderServer, sign_in: Any
) -> None:
    base = order_server.url
    results: dict[str, list[dict[str, Any]]] = {}

    page.goto(f"{base}/login")
    results["login"] = axe_violations(page)

    sign_in(page, base, "admin")
    open_id = _order_id(page, base, order_server.numbers_with_status("open")[0])
    pages = {
        "dashboard": "/admin/",
        "order grid": "/admin/orders/",
        "order page": f"/admin/orders/details/?id={open_id}",
        "create form": "/admin/orders/new/",
        "edit form": f"/admin/orders/edit/?id={open_id}",
        "mark as shipped": f"/admin/orders/ship/?id={open_id}",
        "coupon dialog": f"/admin/orders/coupon/?id={open_id}",
        "discount dialog": f"/admin/orders/discount/?id={open_id}",
        "audit log": "/admin/audit/",
        "customers": "/admin/customers/",
    }
    for name, path in pages.items():
        response = page.goto(base + path)
        assert response is not None and response.ok, (name, path, response and response.status)
        expect(page.locator("body")).to_be_visible()
        for button in ADD_ROWS.get(name, ()):
            page.locator(button).click()
        if name == "edit form":  # its live totals are fetched by script: checked once shown
            expect(page.locator("#totals-preview tr.grand-total")).to_be_visible()
        results[name] = axe_violations(page)

    # The grid with a search and filters (one from the URL, one added from the menu)
    page.goto(f"{base}/admin/orders/?flt1_internal_status_equals=open&search=SO")
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Add Filter").click()
    page.locator(".field-filters a.filter", has_text="Shipping Status").click()
    expect(page.locator("#filter_form .remove-filter")).to_have_count(2)
    results["order grid, filtered and searched"] = axe_violations(page)

    # A page with a flashed message (a special discount applied: the order changes, so last)
    page.goto(f"{base}/admin/orders/discount/?id={open_id}")
    page.get_by_label("Discount *").fill("5")
    page.locator("#apply-discount").click()
    expect(page.locator(".alert")).to_contain_text("Special Discount successfully added")
    results["order page with a message"] = axe_violations(page)

    summary = "\n".join(_count(name, found) for name, found in results.items())
    print(f"axe-core violations per page:\n{summary}")
    failing = {name: [v for v in found if v["impact"] in FAILING_IMPACTS] for name, found in results.items()}
    report = "\n".join(_describe(name, found) for name, found in failing.items() if found)
    assert not report, f"serious or critical axe-core violations:\n{report}"


def test_skip_to_content_is_the_first_stop_and_leads_to_the_main_region(
    page: Page, live_server: Any, sign_in: Any
) -> None:
    base = live_server.url
    sign_in(page, base, "sales")
    page.goto(f"{base}/admin/orders/")
    page.wait_for_load_state("load")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to content")
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()
    expect(page.get_by_role("main").get_by_role("heading", level=1)).to_have_text("Orders")
    assert page.locator("html").get_attribute("lang") == "en"


def test_choosing_a_grid_filter_puts_the_focus_in_its_value(
    page: Page, live_server: Any, sign_in: Any
) -> None:
    base = live_server.url
    sign_in(page, base, "manager")
    for name in ("Internal Status", "PO Number"):
        page.goto(f"{base}/admin/orders/")
        page.get_by_role("link", name="Add Filter").click()
        page.locator(".field-filters a.filter", has_text=name).first.click()
        row = page.locator("#filter_form table.filters tr").last
        expect(row).to_contain_text(name)
        page.wait_for_function(
            "() => document.activeElement && document.activeElement !== document.body"
            " && document.activeElement.closest('#filter_form table.filters tr:last-child') !== null"
        )
