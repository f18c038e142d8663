"""Shopping lists and requests for quote as the API shows them, with their lines: quantities
and prices as decimal strings, a requested product's SKU and name kept when the product is
gone."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for

from admin.api.common import NEXT_CURSOR, PageArgs, Schema
from admin.api.fields import IdFilter, Money, Quantity
from admin.api.order_schemas import CustomerUserRef, Ref
from models.sales_documents import RFQ_STATUSES

F = ma.fields


def _orders_url(filter_name: str, what: str) -> F.Function:
    """The link to the orders list filtered on the document (GET /orders?<filter_name>=id)."""

    def url(document: Any) -> str:
        return url_for("api_orders.Orders", **{filter_name: document.id})

    return F.Function(url, metadata={"description": f"The orders made from this {what}."})


class ProductRef(Schema):
    id = F.Integer()
    sku = F.String()
    name = F.String()


class ShoppingListLine(Schema):
    id = F.Integer()
    product = F.Nested(ProductRef)
    quantity = Quantity()
    unit = F.String()
    notes = F.String(allow_none=True)


class ShoppingListOut(Schema):
    id = F.Integer()
    label = F.String()
    customer = F.Nested(Ref)
    customer_user = F.Nested(CustomerUserRef, allow_none=True)
    currency = F.String()
    notes = F.String(allow_none=True)
    lines = F.List(F.Nested(ShoppingListLine))
    orders_url = _orders_url("shopping_list_id", "shopping list")
    created_at = F.DateTime()
    updated_at = F.DateTime()


class ShoppingListPage(Schema):
    items = F.List(F.Nested(ShoppingListOut))
    next_cursor = F.String(allow_none=True, metadata={"description": NEXT_CURSOR})


class DocumentListArgs(PageArgs):
    customer_id = IdFilter("Of this customer.")
    customer_user_id = IdFilter("Of this customer user.")


class RequestedItem(Schema):
    id = F.Integer()
    quantity = Quantity()
    unit = F.String()
    target_price = Money(allow_none=True)
    currency = F.String(metadata={"description": "The target price's currency."})


class RequestedProduct(Schema):
    id = F.Integer()
    product = F.Nested(ProductRef, allow_none=True, metadata={"description": "null once deleted."})
    product_sku = F.String(allow_none=True, metadata={"description": "Kept should the product be deleted."})
    product_name = F.String(allow_none=True)
    comment = F.String(allow_none=True)
    items = F.List(F.Nested(RequestedItem))


class RfqOut(Schema):
    id = F.Integer()
    status = F.String(metadata={"description": ", ".join(RFQ_STATUSES)})
    customer = F.Nested(Ref)
    customer_user = F.Nested(CustomerUserRef, allow_none=True)
    first_name = F.String(allow_none=True)
    last_name = F.String(allow_none=True)
    email = F.String(allow_none=True)
    phone = F.String(allow_none=True)
    company = F.String(allow_none=True)
    po_number = F.String(allow_none=True)
    ship_until = F.Date(allow_none=True, metadata={"description": "Do not ship later than."})
    note = F.String(allow_none=True)
    requested_products = F.List(F.Nested(RequestedProduct))
    orders_url = _orders_url("rfq_id", "request for quote")
    created_at = F.DateTime()
    updated_at = F.DateTime()


class RfqPage(Schema):
    items = F.List(F.Nested(RfqOut))
    next_cursor = F.String(allow_none=True, metadata={"description": NEXT_CURSOR})


class RfqListArgs(DocumentListArgs):
    status = F.String(validate=ma.validate.OneOf(RFQ_STATUSES))


class NoBody(Schema):
    """Nothing to send: the order is made from the document alone, as the panel makes it.
    A field sent anyway is refused rather than ignored."""
