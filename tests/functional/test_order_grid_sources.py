"""The order grid's "Shopping List id equals" and "RFQ id equals" filters: the orders made from
one document, as the document's page links to them."""

from __future__ import annotations

import re

import pytest

from actions.sources import create_order_from_rfq, create_order_from_shopping_list
from models import db
from tests.factories import make_order, make_rfq, make_shopping_list

ROW_LINK = re.compile(r'<a href="/admin/orders/details/\?id=(\d+)">SO-\d+</a>')
NOT_IDS = ["abc", "-1", "1.5", "١٢", "²", str(2**31), str(2**63), "9" * 5000]


def grid_ids(client, query: str) -> set[int]:
    response = client.get(f"/admin/orders/?{query}")
    assert response.status_code == 200
    return {int(found) for found in ROW_LINK.findall(response.get_data(as_text=True))}


@pytest.fixture
def documents(app, catalog, users):
    """Two orders from a shopping list, one from an RFQ, one from neither."""
    shopping_list, rfq = make_shopping_list(db.session, catalog), make_rfq(db.session, catalog)
    sales = users["sales"]
    from_list = {create_order_from_shopping_list(db.session, shopping_list, actor=sales).id for _ in range(2)}
    from_rfq = {create_order_from_rfq(db.session, rfq, actor=sales, default_currency="USD").id}
    plain = make_order(db.session, catalog, actor=sales)
    db.session.commit()
    return {"list": shopping_list, "rfq": rfq, "from_list": from_list, "from_rfq": from_rfq, "plain": plain}


def test_the_shopping_list_filter_shows_only_the_orders_made_from_that_list(login_as, documents):
    client = login_as("viewer")

    shown = grid_ids(client, f"flt1_shopping_list_id_equals={documents['list'].id}")

    assert shown == documents["from_list"]


def test_the_rfq_filter_shows_only_the_orders_made_from_that_rfq(login_as, documents):
    client = login_as("viewer")

    shown = grid_ids(client, f"flt1_rfq_id_equals={documents['rfq'].id}")

    assert shown == documents["from_rfq"]


def test_an_id_that_names_no_document_shows_no_orders(login_as, documents):
    client = login_as("viewer")

    assert grid_ids(client, f"flt1_shopping_list_id_equals={2**31 - 1}") == set()
    assert grid_ids(client, "flt1_rfq_id_equals=0") == set()


def test_the_filters_are_offered_on_the_grid(login_as, documents):
    page = login_as("viewer").get("/admin/orders/").get_data(as_text=True)

    assert "Shopping List id" in page and "RFQ id" in page


@pytest.mark.parametrize("name", ["shopping_list_id_equals", "rfq_id_equals"])
@pytest.mark.parametrize("value", NOT_IDS)
def test_a_value_that_is_not_an_id_is_ignored_with_a_message_not_an_error(login_as, documents, name, value):
    # Given a viewer on the grid
    client = login_as("viewer")

    # When the filter is given something that is no id (too large for the column, or no number)
    response = client.get(f"/admin/orders/?flt1_{name}={value}")

    # Then the grid shows every order, and says the value was not used
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert len(ROW_LINK.findall(page)) == 4
    assert "Invalid Filter Value" in page
