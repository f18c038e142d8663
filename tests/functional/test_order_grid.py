"""The order grid: filters, sort, search, views, CSV export, and its SQL budget."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from actions.order_input import LineData
from admin.orders.grid import DEFAULT_COLUMNS
from models import Customer, Order, db, utcnow
from tests.factories import make_order, reach_status

ROW_LINK = re.compile(r'<a href="/admin/orders/details/\?id=\d+">(SO-\d+)</a>')


def grid_numbers(client, query: str = "") -> list[str]:
    response = client.get("/admin/orders/" + (f"?{query}" if query else ""))
    assert response.status_code == 200
    return ROW_LINK.findall(response.get_data(as_text=True))


@pytest.fixture
def orders(app, catalog, users):
    """Four orders: two open (USD), one cancelled, one closed in EUR from another customer."""
    other = Customer(name="Zenith Foods")
    db.session.add(other)
    db.session.flush()
    first = make_order(db.session, catalog, actor=users["sales"], po_number="PO-ALPHA")
    second = make_order(
        db.session,
        catalog,
        actor=users["manager"],
        po_number="=HYPERLINK(1)",
        ship_until=date.today() - timedelta(days=3),
    )
    cancelled = make_order(db.session, catalog, actor=users["sales"], po_number="PO-BETA")
    reach_status(db.session, cancelled, "cancelled", actor=users["manager"])
    euro = make_order(
        db.session,
        catalog,
        actor=users["sales"],
        po_number="PO-GAMMA",
        currency="EUR",
        customer_id=other.id,
        customer_user_id=None,
        billing_address=None,
        shipping_address=None,
        shipping_method_id=None,
        lines=[LineData(product_id=catalog["widget"].id, quantity="100")],
    )
    reach_status(db.session, euro, "closed", actor=users["manager"])
    # Spread creation times so the default sort (newest first) is observable.
    for age, order in enumerate((first, second, cancelled, euro)):
        order.created_at = utcnow() - timedelta(hours=age)
    db.session.commit()
    return {"first": first, "second": second, "cancelled": cancelled, "euro": euro}


def test_the_grid_lists_orders_newest_first(login_as, orders):
    client = login_as("viewer")
    assert grid_numbers(client) == [orders[k].identifier for k in ("first", "second", "cancelled", "euro")]


def test_the_open_orders_view_shows_only_open_orders(login_as, orders):
    client = login_as("viewer")
    page = client.get("/admin/orders/?flt1_internal_status_equals=open").get_data(as_text=True)
    assert set(ROW_LINK.findall(page)) == {orders["first"].identifier, orders["second"].identifier}
    assert "View: <strong>Open Orders</strong>" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("flt1_internal_status_equals=cancelled", {"cancelled"}),
        ("flt1_currency_equals=EUR", {"euro"}),
        ("flt1_customer_starts_with=zen", {"euro"}),
        ("flt1_po_number_starts_with=po-", {"first", "cancelled", "euro"}),
        ("flt1_total_greater_than=500", {"euro"}),
        ("flt1_total_smaller_than=500", {"first", "second", "cancelled"}),
        ("flt1_owner_name_starts_with=manager", {"second"}),
        ("flt1_customer_user_last_name_starts_with=buy", {"first", "second", "cancelled"}),
        ("flt1_internal_status_equals=open&flt2_currency_equals=USD", {"first", "second"}),
    ],
)
def test_each_filter_narrows_the_grid(login_as, orders, query, expected):
    client = login_as("viewer")
    assert set(grid_numbers(client, query)) == {orders[k].identifier for k in expected}


def test_a_filter_through_people_reused_from_the_statement_cache_finds_each_value_its_own_orders(
    login_as, orders
):
    # (Such statements are compiled once and reused with new values.)
    client = login_as("viewer")
    zen = grid_numbers(client, "flt1_customer_starts_with=zen")
    acme = grid_numbers(client, "flt1_customer_starts_with=acme")
    assert set(zen) == {orders["euro"].identifier}
    assert set(acme) == {orders[k].identifier for k in ("first", "second", "cancelled")}
    assert grid_numbers(client, "flt1_customer_starts_with=zen") == zen


def test_ship_until_and_created_at_filters_use_dates(login_as, orders):
    client = login_as("viewer")
    today = date.today()
    overdue = grid_numbers(client, f"flt1_ship_until_smaller_than={today.isoformat()}")
    assert overdue == [orders["second"].identifier]
    start = (utcnow() - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S")
    end = (utcnow() + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S")
    recent = grid_numbers(client, f"flt1_created_at_between={start}+to+{end}")
    assert recent == [orders["first"].identifier]


@pytest.mark.parametrize(
    "query",
    [
        "flt1_total_greater_than=abc",
        "flt1_internal_status_equals=bogus",
        "flt1_created_at_between=garbage",
        "page=abc",
        "sort=99",
        "page_size=100000",
        "flt1_no_such_filter=1",
    ],
)
def test_invalid_filter_values_are_ignored_not_an_error(login_as, orders, query):
    client = login_as("viewer")
    assert len(grid_numbers(client, query)) >= 1


def test_the_grid_sorts_by_total_both_ways(login_as, orders):
    client = login_as("viewer")
    column = DEFAULT_COLUMNS.index("total")  # by position among the columns shown
    ascending = grid_numbers(client, f"sort={column}")
    descending = grid_numbers(client, f"sort={column}&desc=1")
    assert ascending[-1] == orders["euro"].identifier
    assert descending[0] == orders["euro"].identifier


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("so-", {"first", "second", "cancelled", "euro"}),
        ("PO-ALP", {"first"}),
        ("zenith", {"euro"}),
        ("nothing-like-this", set()),
    ],
)
def test_search_matches_order_number_po_number_and_customer(login_as, orders, term, expected):
    client = login_as("viewer")
    assert set(grid_numbers(client, f"search={term}")) == {orders[k].identifier for k in expected}


def test_csv_export_follows_the_filter_and_defuses_formulas(login_as, orders):
    client = login_as("viewer")
    response = client.get("/admin/orders/export/csv/?flt1_internal_status_equals=open")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["Order Number"] for r in rows} == {orders["first"].identifier, orders["second"].identifier}
    by_number = {r["Order Number"]: r for r in rows}
    assert by_number[orders["second"].identifier]["PO Number"] == "'=HYPERLINK(1)"
    assert by_number[orders["first"].identifier]["Total"] == "60.05"
    assert by_number[orders["first"].identifier]["Internal Status"] == "Open"


def test_a_grid_page_costs_two_statements_besides_loading_the_logged_in_user(login_as, orders, app):
    # Given more orders than one page shows, each with a customer, user and owner to display
    client = login_as("viewer")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # When the grid's first page is rendered
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/admin/orders/?page_size=20")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    # Then besides the logged-in user's load, one statement reads the Views menu with the capped
    # count, and one lists the page with its joins
    assert response.status_code == 200
    user_load, menu_and_count, page = statements
    assert user_load.startswith("SELECT users.") and "FROM orders" not in user_load, statements
    assert "grid_views" in menu_and_count and "count(*)" in menu_and_count, statements
    assert "FROM orders" in page and "grid_views" not in page and "count(*)" not in page, statements


def test_the_count_is_capped_instead_of_counting_every_order(login_as, orders, monkeypatch):
    from admin.orders.grid import OrderGridView

    monkeypatch.setattr(OrderGridView, "count_cap", 2)
    client = login_as("viewer")
    page = client.get("/admin/orders/").get_data(as_text=True)
    assert "(2+)" in page


@pytest.mark.parametrize("query, count", [("flt1_currency_equals=EUR", "(1)"), ("search=PO-", "(2+)")])
def test_the_count_read_with_the_views_menu_is_the_shown_grids(login_as, orders, monkeypatch, query, count):
    from admin.orders.grid import OrderGridView

    # Given a count that stops at 2, and a grid opened with a filter or a search
    monkeypatch.setattr(OrderGridView, "count_cap", 2)
    page = login_as("viewer").get(f"/admin/orders/?{query}").get_data(as_text=True)
    # Then it counts what the filter or search matches, not every order
    assert f"List {count}" in page, page


def test_amounts_are_shown_in_the_orders_currency(login_as, orders):
    client = login_as("viewer")
    page = client.get("/admin/orders/").get_data(as_text=True)
    assert "$60.05" in page
    # 100 × €9.00, no shipping address so no tax
    assert orders["euro"].total == Decimal("900.00")
    assert "€900.00" in page


def test_a_deleted_customer_filter_value_matches_nothing(login_as, orders):
    client = login_as("viewer")
    assert grid_numbers(client, "flt1_customer_starts_with=%25") == []


def test_orders_count_in_the_database_matches_what_the_grid_shows(login_as, orders):
    client = login_as("viewer")
    assert len(grid_numbers(client)) == db.session.query(Order).count()


def test_the_customer_name_on_the_grid_links_to_the_customers_page(login_as, catalog, users):
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    html = login_as("sales").get("/admin/orders/").get_data(as_text=True)
    customer_url = f"/admin/customers/details/?id={order.customer_id}"
    assert f'<a class="customer-link" href="{customer_url}">Acme Industrial</a>' in html
    assert login_as("sales").get(customer_url).status_code == 200


def test_the_grid_shows_markup_in_names_and_po_numbers_as_text(login_as, catalog, users):
    catalog["customer"].name = '<img src=x onerror="alert(1)"> & Sons'
    order = make_order(db.session, catalog, actor=users["sales"], po_number="<b>PO</b>")
    db.session.commit()
    client = login_as("sales")
    client.get(
        "/admin/orders/columns/?column=identifier&column=customer&column=po_number&back=/admin/orders/"
    )
    html = client.get("/admin/orders/").get_data(as_text=True)
    assert "<img src=x" not in html and "<b>PO</b>" not in html
    assert (
        f'<a class="customer-link" href="/admin/customers/details/?id={order.customer_id}">'
        "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; Sons</a>"
    ) in html
    assert '<td class="col-po_number">&lt;b&gt;PO&lt;/b&gt;</td>' in html
    assert f'<a href="/admin/orders/details/?id={order.id}">{order.identifier}</a>' in html


def test_the_bare_grid_reads_the_views_menu_once_for_its_default_view_and_its_menu(login_as):
    # Given a person whose grid opens with "All Orders" (no default view chosen)
    client = login_as("viewer")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # When the grid is opened bare, as from the menu
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/admin/orders/")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    # Then the saved views are read once, for both the default view and the Views menu, and
    # with the grid's count: the logged-in user, the views with the count, and the page
    assert response.status_code == 200
    assert len(statements) == 3, statements
    assert len([s for s in statements if "grid_views" in s and "count(*)" in s]) == 1, statements
