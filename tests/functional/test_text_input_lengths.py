"""Every text box of the order pages and dialogs stops at its column's length (maxlength read
from the model), so a person cannot type more than is kept; money, quantity and date boxes
are bounded by their own checks instead."""

from __future__ import annotations

import re

import pytest

from actions.text_limits import MAX_TEXT
from models import db
from tests import factories

# Boxes that take numbers, dates or a search, checked by value rather than by length.
NOT_TEXT = re.compile(
    r"(quantity|unit_price|value|ship-\d+|ship_by|ship_until|customer_label|product_label"
    r"|overridden_shipping_cost|starts_at|ends_at|search)$"
)
BOX = re.compile(r"<(input|textarea)\b([^>]*)>")


@pytest.fixture
def order(app, users, catalog):
    made = factories.order_in_status(db.session, catalog, "open", actor=users["manager"])
    db.session.commit()
    return made


def _text_boxes(html: str) -> dict[str, str]:
    boxes = {}
    for tag, attributes in BOX.findall(html):
        name = re.search(r'\bname="([^"]+)"', attributes)
        kind = re.search(r'\btype="([^"]+)"', attributes)
        if name is None or (tag == "input" and kind is not None and kind.group(1) != "text"):
            continue
        if name.group(1) == "csrf_token" or NOT_TEXT.search(name.group(1)):
            continue
        maxlength = re.search(r'\bmaxlength="(\d+)"', attributes)
        boxes[name.group(1)] = maxlength.group(1) if maxlength else ""
    return boxes


@pytest.mark.parametrize(
    "page",
    [
        "/admin/orders/new/",
        "/admin/orders/edit/?id={id}",
        "/admin/orders/trackings/?id={id}",
        "/admin/orders/discount/?id={id}",
        "/admin/orders/coupon/?id={id}",
        "/admin/orders/activities/note/?id={id}",
        "/admin/orders/activities/attachment/?id={id}",
        "/admin/orders/activities/event/?id={id}",
        "/admin/orders/activities/email/?id={id}",
    ],
)
def test_every_text_box_of_the_order_pages_has_its_columns_length(login_as, order, page):
    html = login_as("admin").get(page.format(id=order.id)).get_data(as_text=True)
    boxes = _text_boxes(html)
    assert boxes, f"{page} shows no text box"
    assert not [name for name, length in boxes.items() if not length], boxes


def test_the_order_forms_lengths_come_from_the_model(login_as, order):
    boxes = _text_boxes(login_as("admin").get(f"/admin/orders/edit/?id={order.id}").get_data(as_text=True))
    assert boxes["po_number"] == "255"
    assert boxes["customer_notes"] == str(MAX_TEXT)
    assert boxes["billing-country"] == "2"
    assert boxes["lines-0-unit"] == "16"
