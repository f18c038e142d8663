"""CSV export of the order grid: streamed (a chunk of orders at a time, without a row cap),
the grid's own orders in the grid's order, a fixed number of SQL statements whatever its
length, and spreadsheet formulas defused in every cell, whatever the column (related records
included), so a customer's name can never run as a formula in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from actions.order_input import LineData
from actions.users import create_user
from admin.orders import export
from admin.orders.grid import DEFAULT_COLUMNS
from models import Customer, CustomerUser, Order, db, utcnow
from tests.conftest import build_app, login
from tests.factories import PASSWORD, make_order, reach_status

ROW_LINK = re.compile(r'<a href="/admin/orders/details/\?id=\d+">(SO-\d+)</a>')

HOSTILE = (
    '=HYPERLINK("http://evil.example","cust")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "\tTab",
    "\rCR",
)


def test_every_exported_cell_starting_like_a_formula_is_neutralised(login_as, catalog, users):
    # Given orders whose customer, customer user, owner and PO number start like formulas
    for text in HOSTILE:
        customer = Customer(name=text)
        buyer = CustomerUser(
            customer=customer,
            email=f"b{len(text)}{text[1:3]!r}@x.example".replace("'", ""),
            first_name="B",
            last_name=text,
        )
        db.session.add_all([customer, buyer])
        db.session.flush()
        make_order(
            db.session,
            catalog,
            actor=users["sales"],
            customer_id=customer.id,
            customer_user_id=buyer.id,
            billing_address=None,
            shipping_address=None,
            po_number=text,
        )
    users["sales"].full_name = "=owner()"
    db.session.commit()

    # When the grid is exported
    with login_as("viewer").get("/admin/orders/export/csv/") as response:
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))

    # Then no cell starts with = + - @, a tab or a carriage return
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) == len(HOSTILE) + 1
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    by_po = {row[1]: row for row in rows[1:]}
    assert by_po["'" + HOSTILE[0]][rows[0].index("Customer")] == "'" + HOSTILE[0]
    assert by_po["'" + HOSTILE[0]][rows[0].index("Owner")] == "'=owner()"


def grid_numbers(client: Any, query: str) -> list[str]:
    response = client.get(f"/admin/orders/?page_size=100&{query}")
    assert response.status_code == 200
    return ROW_LINK.findall(response.get_data(as_text=True))


def exported_rows(client: Any, query: str = "") -> list[dict[str, str]]:
    with client.get(f"/admin/orders/export/csv/?{query}") as response:  # closed, as a server would
        assert response.status_code == 200
        text = response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(text, newline="")))


def make_orders(catalog: dict[str, Any], users: dict[str, Any], count: int, tag: str = "A") -> list[Order]:
    """`count` orders, each with a customer, customer user and owner of its own (so a lazy
    load per row would show as a statement per row), distinct totals and creation times,
    every third one cancelled; returned newest first, the grid's default order."""
    made = []
    for i in range(count):
        customer = Customer(name=f"Customer {tag}{i:03}")
        buyer = CustomerUser(
            customer=customer, email=f"buyer{tag}{i}@x.example", first_name="B", last_name="B"
        )
        owner = create_user(
            db.session,
            f"owner{tag}{i}@example.com",
            full_name=f"Owner {tag}{i}",
            role="sales",
            password=PASSWORD,
        )
        db.session.add_all([customer, buyer])
        db.session.flush()
        order = make_order(
            db.session,
            catalog,
            actor=owner,
            customer_id=customer.id,
            customer_user_id=buyer.id,
            billing_address=None,
            shipping_address=None,
            po_number=f"PO-{tag}{i:03}",
            lines=[LineData(product_id=catalog["widget"].id, quantity=str((i * 7) % count + 1))],
        )
        order.created_at = utcnow() - timedelta(hours=i)
        if i % 3 == 2:
            reach_status(db.session, order, "cancelled", actor=users["manager"])
        made.append(order)
    db.session.commit()
    return made


@pytest.mark.parametrize(
    "query",
    [
        "",
        "flt1_internal_status_equals=open",
        f"flt1_internal_status_equals=open&sort={DEFAULT_COLUMNS.index('total')}&desc=1",
        f"sort={DEFAULT_COLUMNS.index('total')}",
        "search=PO-A00",
    ],
    ids=["default view", "open orders", "open by total descending", "by total ascending", "search"],
)
def test_the_export_lists_the_grids_orders_in_the_grids_order(login_as, catalog, users, query):
    # Given orders in two statuses, with distinct totals and creation times
    make_orders(catalog, users, 12)
    client = login_as("viewer")

    # When the grid and its export are read with the same filters, search and sort
    shown = grid_numbers(client, query)
    rows = exported_rows(client, query)

    # Then the export lists exactly the grid's orders, in the grid's order
    assert shown, "the case shows some orders"
    assert [row["Order Number"] for row in rows] == shown


def test_an_export_longer_than_one_chunk_has_every_order_once(login_as, catalog, users, monkeypatch):
    # Given seven orders, the last with a PO number that starts like a formula, and chunks of two
    orders = make_orders(catalog, users, 7)
    orders[-1].po_number = "=cmd()"
    db.session.commit()
    monkeypatch.setattr(export, "CHUNK_ROWS", 2)
    client = login_as("viewer")
    fetch_sizes: list[int] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "FROM orders" in statement and "count(" not in statement:
            fetch_sizes.append(context.execution_options.get("yield_per"))

    # When the grid is exported, streamed
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with client.get("/admin/orders/export/csv/", buffered=False) as response:
            chunks = list(response.response)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    # Then the orders were read two at a time and sent a chunk at a time, after the header alone
    assert fetch_sizes == [2]
    assert chunks[0].startswith(b"Order Number,PO Number,") and chunks[0].count(b"\r\n") == 1
    assert [chunk.count(b"\r\n") for chunk in chunks[1:]] == [2, 2, 2, 1]
    # And every order is there once, newest first, its formula defused
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode(), newline="")))
    assert [row["Order Number"] for row in rows] == [order.identifier for order in orders]
    assert rows[-1]["PO Number"] == "'=cmd()"


def test_the_export_is_read_after_the_request_that_started_it_has_ended(
    catalog, users, database_url, monkeypatch
):
    # Given five orders, chunks of two, and an app served as a WSGI server serves it: the
    # request's context (and its database session) ends before the body is read
    orders = make_orders(catalog, users, 5)
    monkeypatch.setattr(export, "CHUNK_ROWS", 2)
    served = build_app(database_url)
    client = served.test_client()
    login(client, users["viewer"].email)

    # When the export is read, then closed as a WSGI server closes a response
    with client.get("/admin/orders/export/csv/") as response:
        text = response.get_data(as_text=True)

    # Then it holds every order, and its connection is back in the pool
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["Order Number"] for row in rows] == [order.identifier for order in orders]
    with served.app_context():
        assert db.engine.pool.checkedout() == 0


def test_an_export_runs_the_same_number_of_statements_whatever_its_length(
    login_as, catalog, users, monkeypatch
):
    # Given an export of three orders (one chunk of four), its SQL statements counted
    monkeypatch.setattr(export, "CHUNK_ROWS", 4)
    client = login_as("viewer")
    make_orders(catalog, users, 3)

    def statements_of_an_export() -> int:
        db.session.expire_all()  # nothing already loaded can stand in for a query
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            rows = exported_rows(client)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert all(row["Customer"] and row["Owner"] and row["Customer User"] for row in rows)
        return len(statements)

    few = statements_of_an_export()

    # When twelve more orders (four chunks in all), each with its own customer, customer user
    # and owner, are exported
    make_orders(catalog, users, 12, tag="B")
    many = statements_of_an_export()

    # Then the export of fifteen runs as many statements as the export of three
    assert many == few
