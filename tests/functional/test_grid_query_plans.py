"""Every offered filter, sort, page and combination of the order grid is served by an index
(DESIGN §6), on SQLite and on PostgreSQL.

SQLite: the plan never scans the orders table whole, and the ids of a page filtered by a status
and one other filter are read in order from an index (no temporary sort); only the page's own
rows, read by those ids, are put in order again. PostgreSQL: with sequential
scans priced out (`enable_seqscan = off`, as the planner would judge a million-row table), no
plan reads orders sequentially — so an index exists for every case.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy import event, update

from admin.orders.grid import OrderGridView
from models import Order, db
from tests.factories import make_order

SINGLE = [
    "",
    "flt1_internal_status_equals=open",
    "flt1_shipping_status_equals=shipped",
    "flt1_payment_status_equals=pending",
    "flt1_currency_equals=EUR",
    "flt1_order_number_starts_with=SO-0001",
    "flt1_po_number_starts_with=po-1",
    "flt1_customer_starts_with=acme",
    "flt1_customer_user_last_name_starts_with=buy",
    "flt1_owner_name_starts_with=sales",
    "flt1_total_greater_than=100",
    "flt1_subtotal_smaller_than=100",
    "flt1_ship_until_smaller_than=2030-01-01",
    "flt1_created_at_between=2026-01-01+00:00:00+to+2026-12-31+00:00:00",
    "flt1_updated_at_between=2026-01-01+00:00:00+to+2026-12-31+00:00:00",
    "search=so-00",
    "flt1_shopping_list_id_equals=1",
    "flt1_rfq_id_equals=1",
    "last=1",
]
SORTABLE = [OrderGridView.column_list.index(name) for name in OrderGridView.column_sortable_list]
SORTS = [f"sort={column}" for column in SORTABLE] + [f"sort={column}&desc=1" for column in SORTABLE]
# One status filter with one other filter (the default sort): read in order from one index.
STATUS_FILTERS = [
    "flt1_internal_status_equals=open",
    "flt1_shipping_status_equals=shipped",
    "flt1_payment_status_equals=pending",
]
OTHER_FILTERS = [f.replace("flt1_", "flt2_") for f in SINGLE[1:15] if f.startswith("flt1_")]
COMBINED = [
    f"{s}&{o}" for s in STATUS_FILTERS for o in OTHER_FILTERS if s.split("=")[0][5:] != o.split("=")[0][5:]
]
# Filters that name customers, users or owners: their orders are found through the matching
# people (a temporary sort over those orders only), not by reading the grid's sort index.
THROUGH_PEOPLE = ("customer_starts_with", "customer_user_last_name", "owner_name", "search=")


@pytest.fixture
def some_orders(app, catalog, users):
    made = [make_order(db.session, catalog, actor=users["sales"]) for _ in range(3)]
    db.session.commit()
    return made


def grid_statement(client, query: str, *, counting: bool = False) -> tuple[str, object]:
    """The one statement that reads the grid's page of orders (or, counting, its capped count,
    read with the Views menu)."""
    captured: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        # (not a walked search's probe of its first rows, a count too)
        wanted = (
            "count(*)" in statement if counting else "ORDER BY" in statement and "count(*)" not in statement
        )
        if "FROM orders" in statement and wanted:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(f"/admin/orders/?{query}").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(captured) == 1, captured
    return captured[0]


def plan(statement: str, parameters: object) -> list[str]:
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        if db.engine.dialect.name == "sqlite":
            # Steps inside a subquery are indented, one space per level.
            depth: dict[int, int] = {0: -1}
            steps = []
            rows = raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            for step_id, parent, _unused, detail in rows:
                depth[step_id] = depth.get(parent, 0) + 1
                steps.append(" " * depth[step_id] + detail)
            return steps
        with raw.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + statement, parameters)
            return [row[0] for row in cursor.fetchall()]


def assert_served_by_indexes(steps: list[str], *, in_order: bool) -> None:
    if db.engine.dialect.name == "sqlite":
        assert not [s for s in steps if s.strip() == "SCAN orders"], steps
        if in_order:
            # The page's ids are found in order; the page's rows, read by id, may be sorted.
            assert not [s for s in steps if "TEMP B-TREE FOR ORDER BY" in s and s.startswith(" ")], steps
            if "USE TEMP B-TREE FOR ORDER BY" in steps:
                assert steps[0] == "SEARCH orders USING INTEGER PRIMARY KEY (rowid=?)", steps
    else:
        assert not [s for s in steps if "Seq Scan on orders" in s], steps


def orders_updated_long_ago(catalog, users, *positions: int) -> list[Order]:
    """Four orders, oldest first, of which those at `positions` were last updated in 2001."""
    made = [make_order(db.session, catalog, actor=users["sales"]) for _ in range(4)]
    db.session.commit()
    long_ago = made[0].created_at.replace(year=2001)
    old_ids = [made[position].id for position in positions]
    db.session.execute(update(Order).where(Order.id.in_(old_ids)).values(updated_at=long_ago))
    db.session.commit()
    return made


def assert_collected_from_the_updated_index(statement: str, parameters: object) -> None:
    """The page's matches are collected (on SQLite, from the updated_at index alone; which index
    PostgreSQL picks for a few rows depends on its statistics, so there: no table read whole)."""
    assert "MATERIALIZED" in statement
    steps = plan(statement, parameters)
    if db.engine.dialect.name == "sqlite":
        assert any("USING COVERING INDEX ix_orders_updated_at " in step for step in steps), steps
    else:
        assert not [step for step in steps if "Seq Scan on orders" in step], steps


def show_every_column(client) -> None:
    """So that ?sort=N counts over column_list, as SORTABLE does."""
    client.get(
        "/admin/orders/columns/?" + urlencode([("column", name) for name in OrderGridView.column_list])
    )


@pytest.mark.parametrize("query", SINGLE + SORTS)
def test_every_filter_sort_and_the_last_page_are_served_by_an_index(login_as, some_orders, query):
    client = login_as("viewer")
    show_every_column(client)
    assert_served_by_indexes(plan(*grid_statement(client, query)), in_order=False)


@pytest.mark.parametrize("query", COMBINED)
def test_a_status_filter_with_another_filter_is_read_in_order_from_an_index(login_as, some_orders, query):
    client = login_as("viewer")
    steps = plan(*grid_statement(client, query))
    assert_served_by_indexes(steps, in_order=not any(mark in query for mark in THROUGH_PEOPLE))


@pytest.mark.parametrize("query", ["", "flt1_internal_status_equals=open"] + SORTS)
def test_a_page_after_a_row_is_read_in_order_from_an_index(login_as, some_orders, query):
    """(A page before a row is the same query in the other direction: the ascending sorts.)"""
    client = login_as("viewer")
    show_every_column(client)
    steps = plan(*grid_statement(client, f"{query}&after={some_orders[1].id}&page=1"))
    assert_served_by_indexes(steps, in_order=True)


@pytest.mark.parametrize("query", [q for q in SINGLE + COMBINED if any(mark in q for mark in THROUGH_PEOPLE)])
def test_when_many_orders_match_a_page_walks_the_sort_index_instead_of_sorting_them(
    login_as, some_orders, query, monkeypatch
):
    monkeypatch.setattr(OrderGridView, "count_cap", 0)
    monkeypatch.setattr(OrderGridView, "walk_probe_rows", 3)  # a search's matches count as dense
    client = login_as("viewer")
    assert_served_by_indexes(plan(*grid_statement(client, query)), in_order=True)


def test_an_owner_filter_compares_owner_ids_as_values_not_through_a_subquery(login_as, some_orders):
    # Given a subquery, PostgreSQL cannot tell how many of the orders' few owners it names, and
    # read the whole orders table when they owned none.
    client = login_as("viewer")
    statement, _parameters = grid_statement(client, "flt1_owner_name_starts_with=sales", counting=True)
    # (the count is read with the Views menu, whose views' owners are users too)
    count = statement.split("count(*)", 1)[1].split("grid_views.id", 1)[0]
    assert "FROM orders" in count and "users" not in count, statement


@pytest.mark.parametrize("count_cap, walks", [(3, False), (2, True)])
def test_a_search_walks_the_sort_index_only_when_more_orders_match_than_the_grid_counts(
    login_as, some_orders, monkeypatch, count_cap, walks
):
    # Up to the cap the matches are collected and sorted, however old they are: a walk from
    # the newest order could cross most of the table before it met them.
    monkeypatch.setattr(OrderGridView, "count_cap", count_cap)
    monkeypatch.setattr(OrderGridView, "walk_probe_rows", 3)
    statement, _parameters = grid_statement(login_as("viewer"), "search=so-0")
    assert ("MATERIALIZED" in statement) is not walks
    assert ("identifier || " in statement) is walks


@pytest.mark.parametrize("newest, walks", [(True, True), (False, False)])
@pytest.mark.parametrize("argument", ["search", "flt1_order_number_starts_with"])
def test_a_search_with_many_matches_walks_only_when_they_lie_where_the_walk_starts(
    login_as, some_orders, monkeypatch, newest, walks, argument
):
    # Given more matches than the count's cap, and a walk whose first row is the newest order
    monkeypatch.setattr(OrderGridView, "count_cap", 0)
    monkeypatch.setattr(OrderGridView, "walk_probe_rows", 1)
    wanted = some_orders[-1] if newest else some_orders[0]
    client = login_as("viewer")
    # When the search (or the order number filter) matches the newest order, or only the
    # oldest (which a walk reaches last)
    query = f"{argument}={wanted.identifier}"
    statement, _parameters = grid_statement(client, query)
    # Then the first is walked to, the second collected and sorted; the page is right either way
    assert ("identifier || " in statement) is walks
    assert ("MATERIALIZED" in statement) is not walks
    page = client.get(f"/admin/orders/?{query}").get_data(as_text=True)
    assert [o.identifier for o in some_orders if o.identifier in page] == [wanted.identifier]


def test_the_last_page_of_orders_updated_lately_is_collected_from_their_index_when_old_ones_are_not(
    login_as, catalog, users, monkeypatch
):
    # Given four orders, the second and the newest updated today, the oldest and the third
    # long ago; and more matches than the count's cap
    made = orders_updated_long_ago(catalog, users, 0, 2)
    monkeypatch.setattr(OrderGridView, "count_cap", 0)
    monkeypatch.setattr(OrderGridView, "walk_probe_rows", 1)
    client = login_as("viewer")
    query = "flt1_updated_at_between=2002-01-01+00:00:00+to+2999-12-31+00:00:00&last=1"

    # When the last page is asked for (a walk from the oldest order would meet no match first)
    statement, parameters = grid_statement(client, query)

    # Then the matches are collected (on SQLite, from the updated_at index alone)
    assert_collected_from_the_updated_index(statement, parameters)
    # And the page holds the two orders updated today
    page = client.get(f"/admin/orders/?{query}").get_data(as_text=True)
    assert [o.identifier for o in made if o.identifier in page] == [made[1].identifier, made[3].identifier]


def test_a_walk_tests_an_order_number_by_its_like_alone(login_as, some_orders, monkeypatch):
    # (PostgreSQL, given the range too, expected too few matches to walk for and read the table)
    monkeypatch.setattr(OrderGridView, "count_cap", 0)
    monkeypatch.setattr(OrderGridView, "walk_probe_rows", 3)
    statement, _parameters = grid_statement(login_as("viewer"), "flt1_order_number_starts_with=so-0")
    assert "identifier || " in statement and " LIKE " in statement
    assert ">=" not in statement.split("WHERE", 1)[1].split("ORDER BY", 1)[0], statement


@pytest.mark.parametrize(
    "query",
    [q for q in SINGLE if any(mark in q for mark in THROUGH_PEOPLE)] + ["search=acme", "search=so-00+wid"],
)
def test_the_count_of_a_search_or_a_filter_through_people_is_served_by_indexes(login_as, some_orders, query):
    # (On PostgreSQL an IN (subquery) inside the search's OR kept every branch off its index.)
    client = login_as("viewer")
    assert_served_by_indexes(plan(*grid_statement(client, query, counting=True)), in_order=False)


def test_the_orders_of_a_po_number_prefix_are_collected_from_its_index_alone(login_as, some_orders):
    # (A common prefix matches thousands of orders at a million: reading each one's row for its
    # date cost SQLite 9 ms of a 13 ms API page, 2 ms from the index alone.)
    statement, parameters = grid_statement(login_as("viewer"), "flt1_po_number_starts_with=po-1")
    steps = plan(statement, parameters)
    if db.engine.dialect.name == "sqlite":
        assert [s for s in steps if "USING COVERING INDEX ix_orders_po_number_lower" in s], steps
    else:
        assert [s for s in steps if "Index Only Scan using ix_orders_po_number_lower" in s], steps


def test_the_customer_user_filter_finds_buyers_by_a_range_on_their_last_names_index(login_as, some_orders):
    # (Before, each buyer's last name was lower-cased and compared: 60,000 at a million orders.)
    steps = plan(*grid_statement(login_as("viewer"), "flt1_customer_user_last_name_starts_with=buy"))
    if db.engine.dialect.name == "sqlite":
        wanted = "SEARCH customer_users USING INDEX ix_customer_users_last_name_lower"
        assert [s for s in steps if wanted in s], steps
    else:
        assert [s for s in steps if "ix_customer_users_last_name_lower" in s], steps


@pytest.mark.parametrize(
    "query",
    [
        "flt1_updated_at_between=2000-01-01+00:00:00+to+2999-12-31+00:00:00",
        "flt1_total_greater_than=1",
        "flt1_ship_until_smaller_than=2999-01-01",
    ],
)
def test_when_many_orders_match_a_range_on_another_column_the_page_walks_the_sort_index(
    login_as, some_orders, query, monkeypatch
):
    # (SQLite, given a range over an index that holds the sort key too, read the whole range
    # from it and sorted it: at a million orders, updated this week, 75 ms instead of 36)
    monkeypatch.setattr(OrderGridView, "count_cap", 0)
    steps = plan(*grid_statement(login_as("viewer"), query))
    assert_served_by_indexes(steps, in_order=True)
