"""The dashboard page: its figures, tables and links, the 30/90-day switch without scripts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from actions.lifecycle import apply_transition
from models import Order, db, utcnow
from tests.factories import make_order


@pytest.fixture
def orders(app, catalog, users):
    manager = users["manager"]
    today = utcnow().date()
    late = make_order(db.session, catalog, actor=manager, ship_until=today - timedelta(days=2))
    old = make_order(db.session, catalog, actor=manager)
    old.created_at = utcnow() - timedelta(days=60)
    apply_transition(db.session, make_order(db.session, catalog, actor=manager), "cancel", actor=manager)
    db.session.commit()
    return {"late": late, "old": old}


def test_the_dashboard_shows_each_figure_with_its_table_and_links(login_as, orders):
    page = login_as("viewer").get("/admin/").get_data(as_text=True)
    late = orders["late"]
    # The charts' data travels in a JSON block, each chart followed by its table
    assert '<script type="application/json" id="dashboard-data">' in page
    assert 'id="chart-revenue-USD"' in page and 'id="chart-statuses"' in page
    assert "Orders and revenue per day in USD, last 30 days" in page
    assert "Days are UTC days" in page and "except cancelled ones" in page
    assert 'id="figure-open-orders">2<' in page
    # The overdue order links to its page, and the grid filtered the same way
    assert f'href="/admin/orders/details/?id={late.id}">{late.identifier}</a>' in page
    today = utcnow().date().isoformat()
    assert f"flt2_ship_until_smaller_than={today}" in page and "flt1_internal_status_equals=open" in page
    assert f'href="/admin/customers/details/?id={late.customer_id}">Acme Industrial</a>' in page
    assert 'id="overdue-count">1<' in page
    # The switch to 90 days is a plain link
    assert 'href="/admin/?days=90"' in page


def test_90_days_reach_older_orders_and_an_unknown_window_falls_back_to_30(login_as, orders):
    client = login_as("viewer")
    ninety = client.get("/admin/?days=90").get_data(as_text=True)
    # The 60-day-old order is in; the cancelled one is never revenue
    assert "last 90 days" in ninety and "USD: 2 orders" in ninety
    for bad in ("7", "abc", "-1", "90000000000000000000000"):
        response = client.get(f"/admin/?days={bad}")
        assert response.status_code == 200
        assert "USD: 1 order," in response.get_data(as_text=True), bad


def test_an_empty_database_shows_an_empty_dashboard(login_as):
    page = login_as("viewer").get("/admin/").get_data(as_text=True)
    assert "No orders in the last 30 days." in page and "No overdue open orders." in page


def test_rebuild_dashboard_brings_the_totals_back_in_line_after_a_write_that_bypassed_them(
    app, login_as, orders
):
    # Given a plain UPDATE (as a bulk load does) that the running totals never saw
    db.session.execute(update(Order).values(currency="EUR").execution_options(synchronize_session=False))
    db.session.commit()
    client = login_as("viewer")
    assert "USD: 1 order," in client.get("/admin/").get_data(as_text=True)
    # When the command computes them again
    result = app.test_cli_runner().invoke(args=["rebuild-dashboard"])
    # Then the page shows the orders as they are
    assert (result.exit_code, result.output) == (0, "Dashboard totals rebuilt from 3 orders.\n")
    page = client.get("/admin/").get_data(as_text=True)
    assert "EUR: 1 order," in page and "USD:" not in page
