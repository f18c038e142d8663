"""Each filter of the API's lists (customers, customer users, products, shopping lists, RFQs)
finds its rows through an index, on SQLite and on PostgreSQL (sequential scans priced out,
as the planner would judge a large table): none reads its table whole. And a page costs as
many statements whatever its size (no statement per row)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event

from models import (
    Customer,
    CustomerUser,
    Product,
    ProductPrice,
    RequestForQuote,
    RequestProduct,
    RequestProductItem,
    ShoppingList,
    ShoppingListLine,
    db,
)
from tests.functional.test_grid_query_plans import (
    assert_collected_from_the_updated_index,
    orders_updated_long_ago,
    plan,
)

# (list, filter, table, index on SQLite, index on PostgreSQL): a unique column's index is
# named by SQLite itself.
CASES = [
    ("customers", {"name": "acme"}, "customers", "ix_customers_name_lower", None),
    ("customer-users", {"customer_id": 1}, "customer_users", "ix_customer_users_customer_id", None),
    (
        "customer-users",
        {"email": "bea"},
        "customer_users",
        "sqlite_autoindex_customer_users_1",
        "uq_customer_users_email",
    ),
    ("products", {"sku": "WID"}, "products", "sqlite_autoindex_products_1", "uq_products_sku"),
    ("products", {"name": "Wid"}, "products", "ix_products_name", None),
    ("shopping-lists", {"customer_id": 1}, "shopping_lists", "ix_shopping_lists_customer_id", None),
    ("shopping-lists", {"customer_user_id": 1}, "shopping_lists", "ix_shopping_lists_customer_user_id", None),
    ("rfqs", {"customer_id": 1}, "rfqs", "ix_rfqs_customer_id", None),
    ("rfqs", {"customer_user_id": 1}, "rfqs", "ix_rfqs_customer_user_id", None),
    ("rfqs", {"status": "open"}, "rfqs", "ix_rfqs_status", None),
]


def list_statement(client, url: str, query: dict[str, object], table: str) -> tuple[str, object]:
    """The one statement that reads the page of `table`'s rows (not a count: a search's probe
    of where its walk would start is one)."""
    captured: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if f"FROM {table}" in statement and "ORDER BY" in statement and "count(*)" not in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url, query_string=query)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(captured) == 1, captured
    return captured[0]


@pytest.mark.parametrize(("resource", "query", "table", "sqlite_index", "pg_index"), CASES)
def test_every_list_filter_is_served_by_its_index(
    api_as, catalog, resource, query, table, sqlite_index, pg_index
):
    steps = plan(*list_statement(api_as("viewer"), f"/api/v1/{resource}/", query, table))

    if db.engine.dialect.name == "sqlite":
        assert any(f"SEARCH {table} USING INDEX {sqlite_index} " in step for step in steps), steps
    else:
        assert any((pg_index or sqlite_index) in step for step in steps), steps
        assert not [step for step in steps if f"Seq Scan on {table}" in step], steps


def _rows(catalog: dict, n: int) -> None:
    """n more of every listed kind, each with its lines or prices."""
    customer_id, buyer_id, widget_id = catalog["customer"].id, catalog["buyer"].id, catalog["widget"].id
    for i in range(n):
        db.session.add(Customer(name=f"C{i}", parent_id=customer_id, owner_id=None))
        db.session.add(
            CustomerUser(customer_id=customer_id, email=f"u{i}-{n}@x.example", first_name="U", last_name="U")
        )
        db.session.add(
            Product(
                sku=f"P-{i}-{n}",
                name=f"P{i}",
                prices=[ProductPrice(currency="USD", unit="item", value=Decimal(1))],
            )
        )
        lines = [ShoppingListLine(product_id=widget_id, quantity=Decimal(1)) for _ in range(2)]
        db.session.add(
            ShoppingList(label=f"L{i}", customer_id=customer_id, customer_user_id=buyer_id, lines=lines)
        )
        requested = [
            RequestProduct(product_id=widget_id, items=[RequestProductItem(quantity=Decimal(1))])
            for _ in range(2)
        ]
        db.session.add(RequestForQuote(customer_id=customer_id, requested_products=requested))
    db.session.commit()


def _statements(client, url: str) -> int:
    count = 0

    def record(*args: object) -> None:
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return count


@pytest.mark.parametrize("resource", ["customers", "customer-users", "products", "shopping-lists", "rfqs"])
def test_a_page_costs_as_many_statements_whatever_its_size(api_as, catalog, resource):
    client = api_as("viewer")
    client.get("/api/v1/customers/")  # the token's first use is noted: one statement more
    _rows(catalog, 2)
    small = _statements(client, f"/api/v1/{resource}/?limit=50")

    _rows(catalog, 20)
    large = _statements(client, f"/api/v1/{resource}/?limit=50")

    assert large == small


@pytest.mark.parametrize("newest, walks", [(True, True), (False, False)])
@pytest.mark.parametrize("argument", ["q", "number"])
def test_an_order_search_with_many_matches_walks_only_when_they_lie_where_the_walk_starts(
    api_as, catalog, users, monkeypatch, newest, walks, argument
):
    from admin.api import order_list
    from tests.factories import make_order

    # Given three orders, more matches than the count's cap, and a walk whose first row is
    # the newest order
    made = [make_order(db.session, catalog, actor=users["sales"]) for _ in range(3)]
    db.session.commit()
    monkeypatch.setattr(order_list, "COUNT_CAP", 0)
    monkeypatch.setattr(order_list, "WALK_PROBE_ROWS", 1)
    wanted = made[-1] if newest else made[0]
    # When the search matches the newest order, or only the oldest (which a walk reaches last)
    statement, _parameters = list_statement(
        api_as("viewer"), "/api/v1/orders/", {argument: wanted.identifier}, "orders"
    )
    # Then the first is walked to, the second collected and sorted; the answer is right either way
    assert ("identifier || " in statement) is walks
    assert ("MATERIALIZED" in statement) is not walks
    listed = api_as("viewer").get("/api/v1/orders/", query_string={argument: wanted.identifier}).get_json()
    assert [order["identifier"] for order in listed["items"]] == [wanted.identifier]


def test_orders_updated_lately_past_a_cursor_among_older_ones_are_collected_from_their_index(
    api_as, catalog, users, monkeypatch
):
    from admin.api import order_list

    # Given four orders, the oldest and the newest updated today, the two between long ago;
    # and more matches than the count's cap
    made = orders_updated_long_ago(catalog, users, 1, 2)
    monkeypatch.setattr(order_list, "COUNT_CAP", 0)
    monkeypatch.setattr(order_list, "WALK_PROBE_ROWS", 1)
    since = {"updated_from": "2002-01-01T00:00:00Z", "limit": 1}
    api = api_as("viewer")
    first = api.get("/api/v1/orders/", query_string=since).get_json()
    assert [order["id"] for order in first["items"]] == [made[3].id]

    # When the page after the newest is asked for (the walk's next row is not a match)
    statement, parameters = list_statement(
        api, "/api/v1/orders/", {**since, "cursor": first["next_cursor"]}, "orders"
    )

    # Then the matches past the cursor are collected (on SQLite, from the updated_at index alone)
    assert_collected_from_the_updated_index(statement, parameters)
    # And the page is the oldest order, the last one
    second = api.get("/api/v1/orders/", query_string={**since, "cursor": first["next_cursor"]}).get_json()
    assert [order["id"] for order in second["items"]] == [made[0].id]
    assert second["next_cursor"] is None
