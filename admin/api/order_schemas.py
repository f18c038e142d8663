"""The order as the API shows it and takes it: money as decimal strings in the order's
currency, times in UTC (ISO 8601), statuses by code. Input fields are OrderData's, so the API
validates through the same action as the Create Order form."""

from __future__ import annotations

import marshmallow as ma

from actions.money import CURRENCIES
from admin.api.common import Schema
from admin.api.fields import DecimalString, Money, Quantity, RecordId
from models.orders import DISCOUNT_TYPES

F = ma.fields


class Ref(Schema):
    id = F.Integer()
    name = F.String()


class UserRef(Schema):
    id = F.Integer()
    full_name = F.String()
    email = F.String()


class CustomerUserRef(Schema):
    id = F.Integer()
    email = F.String()
    first_name = F.String()
    last_name = F.String()


class Address(Schema):
    label = F.String(allow_none=True, validate=ma.validate.Length(max=255))
    first_name = F.String(allow_none=True, validate=ma.validate.Length(max=255))
    last_name = F.String(allow_none=True, validate=ma.validate.Length(max=255))
    organization = F.String(allow_none=True, validate=ma.validate.Length(max=255))
    street = F.String(validate=ma.validate.Length(max=255))
    street2 = F.String(allow_none=True, validate=ma.validate.Length(max=255))
    city = F.String(validate=ma.validate.Length(max=255))
    postal_code = F.String(validate=ma.validate.Length(max=255))
    region = F.String(allow_none=True, validate=ma.validate.Length(max=255))
    country = F.String(validate=ma.validate.Length(max=255))
    phone = F.String(allow_none=True, validate=ma.validate.Length(max=255))
    customer_address_id = RecordId(allow_none=True, load_only=True)
    customer_user_address_id = RecordId(allow_none=True, load_only=True)


class Line(Schema):
    id = F.Integer(dump_only=True)
    product_id = F.Integer(allow_none=True, dump_only=True)
    product_sku = F.String(dump_only=True)
    product_name = F.String(dump_only=True)
    free_form = F.Boolean(dump_only=True)
    quantity = Quantity(dump_only=True)
    unit = F.String(dump_only=True)
    unit_price = Money()
    shipped_quantity = Quantity(dump_only=True)
    ship_by = F.Date(allow_none=True, dump_only=True)
    notes = F.String(allow_none=True, dump_only=True)


class LineIn(Schema):
    """A line to order: a product by id, or a free-form one by SKU and name. With `id`, an
    existing line of the order being updated."""

    id = RecordId(allow_none=True)
    product_id = RecordId(allow_none=True)
    free_form_sku = F.String(allow_none=True, validate=ma.validate.Length(max=64))
    free_form_name = F.String(allow_none=True, validate=ma.validate.Length(max=255))
    quantity = DecimalString(required=True)
    unit = F.String(allow_none=True, validate=ma.validate.Length(max=16))
    unit_price = DecimalString(allow_none=True)
    ship_by = F.Date(allow_none=True)
    notes = F.String(allow_none=True, validate=ma.validate.Length(max=10_000))


class SpecialDiscount(Schema):
    id = F.Integer(dump_only=True)
    type = F.String(required=True, validate=ma.validate.OneOf(DISCOUNT_TYPES))
    value = DecimalString(required=True)
    description = F.String(allow_none=True, validate=ma.validate.Length(max=255))
    amount = Money()


class Promotion(Schema):
    id = F.Integer()
    promotion_name = F.String()
    coupon_code = F.String(allow_none=True)
    kind = F.String()
    value = DecimalString()
    active = F.Boolean()
    amount = Money()


class Tracking(Schema):
    id = F.Integer(dump_only=True)
    method = F.String(required=True, validate=ma.validate.Length(min=1, max=255))
    number = F.String(required=True, validate=ma.validate.Length(min=1, max=255))
    created_at = F.DateTime(dump_only=True)


class Totals(Schema):
    subtotal = Money()
    special_discounts_total = Money()
    promotion_discounts_total = Money()
    shipping_cost = Money()
    shipping_discounts_total = Money()
    tax_total = Money()
    total = Money()


class OrderSummary(Schema):
    """An order as a list shows it."""

    id = F.Integer()
    identifier = F.String()
    version = F.Integer()
    po_number = F.String(allow_none=True)
    customer = F.Nested(Ref)
    customer_user = F.Nested(CustomerUserRef, allow_none=True)
    owner = F.Nested(UserRef, allow_none=True)
    currency = F.String()
    internal_status = F.String()
    shipping_status = F.String()
    payment_status = F.String()
    subtotal = Money()
    special_discounts_total = Money()
    total = Money()
    ship_until = F.Date(allow_none=True)
    created_at = F.DateTime()
    updated_at = F.DateTime()


class OrderPage(Schema):
    items = F.List(F.Nested(OrderSummary))
    next_cursor = F.String(
        allow_none=True, metadata={"description": "Pass as ?cursor= for the next page; null on the last."}
    )


class OrderDetail(OrderSummary):
    """An order with everything on its page."""

    customer_notes = F.String(allow_none=True)
    payment_term = F.Nested(Ref, allow_none=True)
    payment_method = F.String(allow_none=True)
    shipping_method = F.Nested(Ref, allow_none=True)
    overridden_shipping_cost = Money(allow_none=True)
    source_type = F.String(allow_none=True)
    source_identifier = F.String(allow_none=True)
    billing_address = F.Nested(Address, allow_none=True)
    shipping_address = F.Nested(Address, allow_none=True)
    line_items = F.List(F.Nested(Line))
    special_discounts = F.List(F.Nested(SpecialDiscount))
    applied_promotions = F.List(F.Nested(Promotion))
    shipping_trackings = F.List(F.Nested(Tracking))
    totals = F.Method("_totals")

    def _totals(self, order: object) -> dict[str, str]:
        return Totals().dump(order)  # type: ignore[no-any-return]


class OrderIn(Schema):
    """What creating an order takes (the Create Order form's fields)."""

    customer_id = RecordId(required=True)
    currency = F.String(required=True, validate=ma.validate.OneOf(CURRENCIES))
    lines = F.List(F.Nested(LineIn), required=True, validate=ma.validate.Length(min=1, max=500))
    customer_user_id = RecordId(allow_none=True)
    billing_address = F.Nested(Address, allow_none=True)
    shipping_address = F.Nested(Address, allow_none=True)
    shipping_method_id = RecordId(allow_none=True)
    overridden_shipping_cost = DecimalString(allow_none=True)
    special_discounts = F.List(F.Nested(SpecialDiscount), validate=ma.validate.Length(max=50))
    po_number = F.String(allow_none=True, validate=ma.validate.Length(max=255))
    ship_until = F.Date(allow_none=True)
    customer_notes = F.String(allow_none=True, validate=ma.validate.Length(max=10_000))
    payment_term_id = RecordId(allow_none=True)
    payment_method = F.String(allow_none=True, validate=ma.validate.Length(max=20))
    owner_id = RecordId(allow_none=True)


class OrderUpdate(OrderIn):
    """An update names only what changes; lines given replace the order's lines (existing
    ones by their `id`). Loaded partial at the top: every field may be left out, but a line
    or an address given is checked whole."""


class TransitionResult(Schema):
    order = F.Nested(OrderDetail)
    message = F.String()


class ShipmentIn(Schema):
    """Ship everything left (no `lines`), or the quantities given per line id."""

    lines = F.Dict(
        keys=F.String(
            validate=ma.validate.Regexp(r"\A[0-9]{1,18}\Z", error="Name each line by its id (a number).")
        ),
        values=DecimalString(),
        load_default=None,
        metadata={"description": "Quantity to ship per line id; leave out to ship everything left."},
    )
    trackings = F.List(F.Nested(Tracking), load_default=list, validate=ma.validate.Length(max=50))
