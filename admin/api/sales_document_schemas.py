"""Shopping lists and requests for quote as the API shows them, with their lines: quantities
and prices as decimal strings, a requested product's SKU and name kept when the product is
gone."""

from __future__ import annotations

import marshmallow as ma

from admin.api.common import NEXT_CURSOR, PageArgs, Schema
from admin.api.fields import Money, Quantity
from admin.api.order_schemas import CustomerUserRef, Ref
from admin.base import MAX_ID
from models.sales_documents import RFQ_STATUSES

F = ma.fields


def _id_filter(description: str) -> F.Integer:
    return F.Integer(validate=ma.validate.Range(1, MAX_ID), metadata={"description": description})


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
    created_at = F.DateTime()
    updated_at = F.DateTime()


class ShoppingListPage(Schema):
    items = F.List(F.Nested(ShoppingListOut))
    next_cursor = F.String(allow_none=True, metadata={"description": NEXT_CURSOR})


class DocumentListArgs(PageArgs):
    customer_id = _id_filter("Of this customer.")
    customer_user_id = _id_filter("Of this customer user.")


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
