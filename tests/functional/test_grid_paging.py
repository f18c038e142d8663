"""The order grid pages by key: Next, Previous, First, Last and page numbers show every order
once, in order, whatever the sort, with ties and empty values; a page costs two statements
(the Views menu with the count, and the page)."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, update

from admin.orders.grid import OrderGridView
from models import Order, db
from tests.factories import make_order

ROW_ID = re.compile(r'<td class="col-identifier"><a href="/admin/orders/details/\?id=(\d+)">')
PAGER_LINK = re.compile(r'id="pager-(first|previous|next|last)"[^>]*href="([^"]*)"')
ORDERS = 45
PAGE = 20


@pytest.fixture
def many_orders(app, catalog, users):
    """45 orders; orders 10-19 share one creation moment (a tie only id can break), every
    third has no PO number and every fourth no ship-until date."""
    made = [make_order(db.session, catalog, actor=users["sales"]) for _ in range(ORDERS)]
    db.session.flush()
    tie = made[10].created_at
    for position, order in enumerate(made):
        order.po_number = None if position % 3 == 0 else f"PO-{position % 7}"
        order.ship_until = None if position % 4 == 0 else date(2030, 1, 1) + timedelta(days=position % 5)
    db.session.commit()
    ids = [o.id for o in made[10:20]]
    db.session.execute(update(Order).where(Order.id.in_(ids)).values(created_at=tie))
    db.session.commit()
    return made


def page(client, url: str) -> tuple[list[int], dict[str, str], str]:
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.get_data(as_text=True)
    links = {name: html.unescape(href) for name, href in PAGER_LINK.findall(text)}
    return [int(i) for i in ROW_ID.findall(text)], links, text


def expected_order(sort: str, desc: bool) -> list[int]:
    key = OrderGridView.sort_key(OrderGridView, sort, Order)
    ordering = (key.desc(), Order.id.desc()) if desc else (key.asc(), Order.id.asc())
    return list(db.session.scalars(db.select(Order.id).order_by(*ordering)))


def sort_arg(name: str) -> str:
    return str([column for column in OrderGridView.column_list].index(name))


def show_every_column(client) -> None:
    client.get("/admin/orders/columns/?" + "&".join(f"column={c}" for c in OrderGridView.column_list))


@pytest.mark.parametrize(
    ("sort", "desc"),
    [
        ("created_at", True),
        ("created_at", False),
        ("po_number", False),
        ("ship_until", True),
        ("total", True),
    ],
)
def test_next_walks_every_order_once_in_sort_order_and_previous_walks_back(login_as, many_orders, sort, desc):
    client = login_as("viewer")
    show_every_column(client)
    base = f"/admin/orders/?page_size={PAGE}&sort={sort_arg(sort)}" + ("&desc=1" if desc else "")
    seen, pages, url = [], [], base
    while True:
        ids, links, _text = page(client, url)
        seen += ids
        pages.append(ids)
        if "next" not in links:
            break
        url = links["next"]
    assert seen == expected_order(sort, desc)
    assert [len(p) for p in pages] == [20, 20, 5]

    # Back from the last page by Previous: the same pages, in reverse.
    back = []
    while "previous" in links:
        ids, links, _text = page(client, links["previous"])
        back.append(ids)
    assert back == pages[-2::-1]


def test_last_shows_the_final_orders_and_offers_no_next(login_as, many_orders):
    client = login_as("viewer")
    ids, links, text = page(client, f"/admin/orders/?page_size={PAGE}&last=1")
    assert ids == expected_order("created_at", True)[40:]
    assert "next" not in links and "last" not in links
    assert "Page 3" in text  # 45 orders are counted exactly: the last page has its number


def test_the_page_number_follows_next_and_previous(login_as, many_orders):
    client = login_as("viewer")
    _ids, links, text = page(client, f"/admin/orders/?page_size={PAGE}")
    assert "Page 1" in text
    _ids, links, text = page(client, links["next"])
    assert "Page 2" in text and "after=" in links["next"]
    _ids, links, text = page(client, links["previous"])
    assert "Page 1" in text


def test_a_link_from_an_order_since_deleted_shows_the_first_page(login_as, many_orders):
    client = login_as("admin")
    first_page, links, _text = page(client, f"/admin/orders/?page_size={PAGE}")
    gone = first_page[-1]
    db.session.execute(db.delete(Order).where(Order.id == gone))
    db.session.commit()
    ids, _links, _text = page(client, f"/admin/orders/?page_size={PAGE}&after={gone}&page=1")
    assert ids == expected_order("created_at", True)[:PAGE]


def test_a_malformed_page_link_shows_the_first_page(login_as, many_orders):
    client = login_as("viewer")
    for value in ["x", "-1", "1e3", "99999999999999999999999", "", "1,2"]:
        for arg in ("after", "before"):
            ids, _links, _text = page(client, f"/admin/orders/?page_size={PAGE}&{arg}={value}")
            assert ids == expected_order("created_at", True)[:PAGE], (arg, value)


def test_a_page_after_a_row_costs_two_statements(login_as, many_orders):
    client = login_as("viewer")
    _ids, links, _text = page(client, f"/admin/orders/?page_size={PAGE}")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        # the logged-in user's load aside
        if not statement.startswith("SELECT users."):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page(client, links["next"])
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(statements) == 2, statements


@pytest.mark.parametrize(
    "query",
    ["flt1_customer_starts_with=acme", "search=wid", "search=bea", "search=industrial", "search=so-0"],
)
def test_a_page_is_the_same_whether_found_through_the_filter_or_by_walking_the_sort(
    login_as, many_orders, query, monkeypatch
):
    client = login_as("viewer")
    url = f"/admin/orders/?page_size={PAGE}&{query}"
    through_filter, _links, _text = page(client, url)
    monkeypatch.setattr(OrderGridView, "count_cap", 0)
    walked, links, _text = page(client, url)
    assert walked == through_filter and len(walked) == PAGE
    # Every order of the fixture matches these (one customer, one buyer, widgets on each).
    assert page(client, links["next"])[0] == expected_order("created_at", True)[PAGE : 2 * PAGE]
