"""The order grid's search box: codes by prefix, names and emails by any word, through indexes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine.interfaces import CacheStats

from actions.order_input import LineData
from admin.orders.filters import search_condition
from models import Customer, CustomerUser, Order, db
from tests.factories import make_order

ROW_LINK = re.compile(r'<a href="/admin/orders/details/\?id=\d+">(SO-\d+)</a>')


def found(client, search: str) -> set[str]:
    response = client.get("/admin/orders/", query_string={"search": search})
    assert response.status_code == 200
    return set(ROW_LINK.findall(response.get_data(as_text=True)))


@pytest.fixture
def orders(app, catalog, users):
    """Three orders: two of Acme Industrial's buyer Bea Buyer (one with a gadget line, one
    without), one of Amy Morris at Northwind Trading Company (widgets and a gadget)."""
    northwind = Customer(name="Northwind Trading Company")
    amy = CustomerUser(
        customer=northwind, email="amy.morris@northwind.test", first_name="Amy", last_name="Morris"
    )
    db.session.add_all([northwind, amy])
    db.session.flush()
    widgets_only = [LineData(product_id=catalog["widget"].id, quantity="1")]
    made = {
        "bea_gadget": make_order(db.session, catalog, actor=users["sales"], po_number="PO-ACME-1"),
        "bea_widgets": make_order(
            db.session, catalog, actor=users["sales"], po_number="PO-ACME-2", lines=widgets_only
        ),
        "amy": make_order(
            db.session,
            catalog,
            actor=users["sales"],
            po_number="NW-7781",
            customer_id=northwind.id,
            customer_user_id=amy.id,
            billing_address=None,
            shipping_address=None,
        ),
    }
    db.session.commit()
    return made


def numbers(orders, *keys: str) -> set[str]:
    return {orders[key].identifier for key in keys}


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("trading", {"amy"}),  # a middle word of the customer's name
        ("northw", {"amy"}),  # the start of the customer's name
        ("indus", {"bea_gadget", "bea_widgets"}),  # the start of a later word
        ("amy", {"amy"}),  # the buyer's first name
        ("MORRIS", {"amy"}),  # the buyer's last name, whatever its case
        ("buy", {"bea_gadget", "bea_widgets"}),
        ("northwind.test", {"amy"}),  # a part of the buyer's email
        ("amy.morris@", {"amy"}),
        ("acme.exa", {"bea_gadget", "bea_widgets"}),
        ("gad", {"bea_gadget", "amy"}),  # a line's SKU by prefix
        ("wid-1", {"bea_gadget", "bea_widgets", "amy"}),
        ("po-acme", {"bea_gadget", "bea_widgets"}),  # the PO number by prefix
        ("nw-77", {"amy"}),
        ("orris", set()),  # names match from the start of a word, not inside one
        ("zebra", set()),
    ],
)
def test_one_word_finds_the_orders_whose_fields_have_it(login_as, orders, search, expected):
    client = login_as("viewer")
    assert found(client, search) == numbers(orders, *expected)


def test_the_order_number_is_found_by_its_prefix(login_as, orders):
    client = login_as("viewer")
    number = orders["amy"].identifier
    assert found(client, number.lower()) == {number}
    assert found(client, "so-") == numbers(orders, "bea_gadget", "bea_widgets", "amy")


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("amy morris", {"amy"}),  # first and last name: the person shown in the grid
        ("acme gad", {"bea_gadget"}),
        ("bea nw-77", set()),  # every word must match the same order
    ],
)
def test_every_word_of_several_must_match(login_as, orders, search, expected):
    client = login_as("viewer")
    assert found(client, search) == numbers(orders, *expected)


def test_a_renamed_customer_and_buyer_are_found_by_their_new_names_in_the_same_transaction(orders):
    # Given the customer and the buyer of an order renamed, not yet committed
    order = orders["amy"]
    order.customer.name = "Blue Harbour Supplies"
    order.customer_user.last_name = "Whitfield"
    order.customer_user.email = "amy@blueharbour.test"
    db.session.flush()

    def matching(word: str) -> list[int]:
        return list(db.session.scalars(select(Order.id).where(search_condition(word))))

    # Then the new words find the order at once, and the old ones no longer do
    assert matching("harbour") == [order.id]
    assert matching("whitf") == [order.id]
    assert matching("blueharbour.test") == [order.id]
    assert matching("northwind") == []
    assert matching("morris") == []
    db.session.rollback()
    assert matching("northwind") == [order.id]


def test_a_deleted_buyers_words_are_forgotten_even_when_the_id_is_used_again(orders):
    # Given a buyer who was deleted
    customer = orders["amy"].customer
    gone = CustomerUser(customer=customer, email="ola@northwind.test", first_name="Ola", last_name="Quist")
    db.session.add(gone)
    db.session.flush()
    db.session.delete(gone)
    db.session.flush()

    # When the next buyer (on SQLite, with the same id) places the order
    successor = CustomerUser(
        customer=customer, email="pia@northwind.test", first_name="Pia", last_name="Lund"
    )
    db.session.add(successor)
    db.session.flush()
    orders["amy"].customer_user_id = successor.id
    db.session.flush()

    # Then the order is found by the new buyer's name, not by the deleted one's
    def matching(word: str) -> list[int]:
        return list(db.session.scalars(select(Order.id).where(search_condition(word))))

    assert matching("lund") == [orders["amy"].id]
    assert matching("quist") == []


@pytest.mark.parametrize(
    "search",
    [
        '"',
        '"amy',
        "amy*",
        "*",
        "-morris",
        "amy OR",
        "OR",
        "NEAR(amy morris)",
        "morris:*",
        "(",
        "amy)",
        "first_name:amy",
        "'",
        "!amy",
        "a & b | c",
        "<->",
        "^amy",
        "%",
        "_",
        "\\",
        "\U0010ffff",
        "\ud7ff",
    ],
)
def test_search_syntax_typed_in_the_box_is_only_text_never_an_error(login_as, orders, search):
    client = login_as("viewer")
    response = client.get("/admin/orders/", query_string={"search": search})
    assert response.status_code == 200


def test_search_words_wrapped_in_query_syntax_still_find_their_orders(login_as, orders):
    client = login_as("viewer")
    assert found(client, '"amy"') == numbers(orders, "amy")
    assert found(client, "morris*") == numbers(orders, "amy")
    assert found(client, "(trading)") == numbers(orders, "amy")


def test_a_search_that_finds_nothing_says_so(login_as, orders):
    client = login_as("viewer")
    html = client.get("/admin/orders/?search=zebra").get_data(as_text=True)
    assert "No orders match “zebra”." in html


def test_the_search_reads_the_text_indexes_and_never_scans_the_orders_table(login_as, orders):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("query plans are asserted on SQLite; PostgreSQL's depend on statistics")
    client = login_as("viewer")
    captured: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM orders" in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get("/admin/orders/?search=amy+gad").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    # The page and its capped count: each reaches orders only through indexes, per word
    assert len(captured) == 2
    for statement, parameters in captured:
        with db.engine.connect() as conn:
            raw = conn.connection.driver_connection
            plan = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
        steps = "\n".join(plan)
        assert "MULTI-INDEX OR" in steps
        assert "SCAN customers_words VIRTUAL TABLE INDEX" in steps
        assert "SCAN customer_users_words VIRTUAL TABLE INDEX" in steps
        assert "SEARCH order_line_items USING INDEX ix_order_line_items_sku_upper" in steps
        assert not [step for step in plan if step.strip().startswith("SCAN orders")], steps


def test_a_search_is_compiled_once_and_each_later_word_finds_its_own_orders(login_as, orders):
    # (Built at compile time, a search's statements were compiled anew on every page: about
    # 7 ms of a 20 ms page.)
    client = login_as("viewer")
    hits: list[bool] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM orders" in statement and ("MATCH" in statement or "@@" in statement):
            hits.append(context.cache_hit is CacheStats.CACHE_HIT)

    # Given a search for one buyer's word
    assert found(client, "amy") == numbers(orders, "amy")
    event.listen(db.engine, "after_cursor_execute", record)
    try:
        # When another word is searched, then the first again
        other = found(client, "bea")
        again = found(client, "amy")
    finally:
        event.remove(db.engine, "after_cursor_execute", record)
    # Then each finds its own orders, from statements the cache already held
    assert other == numbers(orders, "bea_gadget", "bea_widgets")
    assert again == numbers(orders, "amy")
    assert hits and all(hits), hits
