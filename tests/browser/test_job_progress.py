"""A manager archives every closed order from the grid's "all matching orders" menu; a real
worker does it chunk by chunk while the job's page shows the progress bar moving, then the
report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from actions.job_chunks import STATUS_ONLY_FACTOR
from models import db
from tests import factories
from tests.browser.conftest import serve
from tests.browser.test_order_grid_flow import log_in
from tests.conftest import build_app
from tests.functional.job_worker import SharedQueue, copy_order, running_worker

ORDERS = 2_000
# Small chunks, so that the page sees the job part-way through: 40 commits of 50 orders (an
# archive's chunk is STATUS_ONLY_FACTOR times the configured size).
CHUNK = 50 // STATUS_ONLY_FACTOR
# The bar's value and its text, read at one moment (the page updates both every second).
BAR_PART_WAY = """() => {
  const bar = document.getElementById("job-bar");
  const percent = Number(bar.getAttribute("aria-valuenow"));
  return percent > 0 && percent < 100 ? {percent: percent, text: bar.textContent.trim()} : null;
}"""


def _seed_closed_orders() -> None:
    users = factories.make_users(db.session)
    catalog = factories.make_catalog(db.session)
    template = factories.order_in_status(db.session, catalog, "closed", actor=users["manager"])
    db.session.commit()
    copy_order(db.session, template, ORDERS - 1)


@pytest.fixture
def jobs_server(clean_db: Engine, database_url: str, tmp_path: Path) -> Iterator[str]:
    """The live server queueing jobs into a SQLite queue file that a real worker consumes."""
    app = build_app(database_url)
    with app.app_context():
        _seed_closed_orders()
        db.session.remove()
        db.engine.dispose()
    queue = SharedQueue(file=str(tmp_path / "queue.db"))
    with (
        running_worker(database_url, queue, tmp_path / "worker.log", chunk=CHUNK),
        serve(database_url, ORDERDESK_JOBS_IMMEDIATE=False, **queue.config) as url,
    ):
        yield url


def test_archiving_every_closed_order_shows_the_bar_moving_then_the_report(
    page: Page, jobs_server: str, screenshot_dir: Path
) -> None:
    base = jobs_server
    log_in(page, base, "manager@example.com", factories.PASSWORD)
    expect(page).to_have_url(f"{base}/admin/")  # signed in before leaving the login page

    # Given the grid filtered on closed orders
    page.goto(f"{base}/admin/orders/?flt1_internal_status_equals=closed")

    # When the manager archives all matching orders and confirms on the review page
    page.get_by_label("All orders matching the current filter:").select_option(label="Archive")
    page.get_by_role("button", name="Review…").click()
    expect(page.locator("#filtered-count")).to_have_text("The filter matches 2,000 orders.")
    page.get_by_role("button", name="Archive 2,000 orders").click()

    # Then the job's page opens at once and its bar moves while the worker goes through them
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/admin/jobs/1/\?back="))
    expect(page.get_by_role("heading", name="Archive 2,000 orders")).to_be_visible()
    bar = page.locator("#job-bar")
    part_way: Any = page.wait_for_function(BAR_PART_WAY, timeout=60_000).json_value()
    assert part_way["text"] == f"{part_way['percent']}%", part_way
    page.screenshot(path=str(screenshot_dir / "job-progress-running.png"))

    # And once the job is done the page shows the report
    expect(page.locator("#job-summary")).to_have_text("2,000 orders archived.", timeout=120_000)
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("#job-state")).to_have_text("Done")
    page.screenshot(path=str(screenshot_dir / "job-progress-done.png"))
