"""The create/edit order form: WTForms fields in, actions' OrderData out (and back)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)

from actions.creation import OrderData
from actions.money import CURRENCIES, CURRENCY_DECIMALS, round_money
from actions.order_input import ADDRESS_FIELDS, AddressData, DiscountData, LineData
from actions.text_limits import column_limit
from admin.base import parse_id
from admin.choices import select_choices
from models.orders import (
    PAYMENT_METHODS,
    STATUS_LABELS,
    Order,
    OrderAddress,
    OrderLineItem,
    SpecialDiscount,
)

ADDRESS_CHOICE_MANUAL = "manual"


def sized(column: Any) -> dict[str, Any]:
    """A text input's `render_kw` with its column's length as `maxlength`: the browser stops
    there; anything longer that still arrives is refused by actions/text_limits."""
    return {"maxlength": column_limit(column.property.columns[0].type)}


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return parse_id(text)


def _text(value: Any) -> str | None:
    text = str(value or "").strip()
    return text or None


class LineForm(Form):
    line_id = HiddenField()
    product_id = HiddenField()
    product_label = StringField("Product")
    free_form = BooleanField("Free-form entry")
    free_form_sku = StringField("SKU", render_kw=sized(OrderLineItem.product_sku))
    free_form_name = StringField("Product name", render_kw=sized(OrderLineItem.product_name))
    quantity = StringField("Quantity", default="1")
    unit = StringField("Unit", render_kw=sized(OrderLineItem.unit))
    unit_price = StringField("Price")
    ship_by = StringField("Ship By")
    notes = StringField("Notes", render_kw=sized(OrderLineItem.notes))


class AddressForm(Form):
    choice = HiddenField()  # 'c<id>' customer book, 'u<id>' user book, 'manual', '' none
    label = StringField("Label", render_kw=sized(OrderAddress.label))
    first_name = StringField("First name", render_kw=sized(OrderAddress.first_name))
    last_name = StringField("Last name", render_kw=sized(OrderAddress.last_name))
    organization = StringField("Organization", render_kw=sized(OrderAddress.organization))
    street = StringField("Street", render_kw=sized(OrderAddress.street))
    street2 = StringField("Street 2", render_kw=sized(OrderAddress.street2))
    city = StringField("City", render_kw=sized(OrderAddress.city))
    postal_code = StringField("Postal code", render_kw=sized(OrderAddress.postal_code))
    region = StringField("Region", render_kw=sized(OrderAddress.region))
    country = StringField("Country (ISO code)", render_kw=sized(OrderAddress.country))
    phone = StringField("Phone", render_kw=sized(OrderAddress.phone))


class DiscountForm(Form):
    type = SelectField("Type", choices=select_choices([("amount", "Amount"), ("percent", "%")]))
    value = StringField("Special Discount")
    description = StringField("Description", render_kw=sized(SpecialDiscount.description))


class AppliedPromotionForm(Form):
    """An applied promotion on the edit form: keep it active, deactivate it, or remove it."""

    applied_id = HiddenField()
    state = SelectField(
        "Promotion",
        choices=select_choices([("active", "Active"), ("inactive", "Inactive"), ("remove", "Remove")]),
        validate_choice=False,
    )


class OrderForm(FlaskForm):
    customer_id = HiddenField()
    customer_label = StringField("Customer")
    customer_user_id = SelectField("Customer User", choices=[], validate_choice=False)
    currency = SelectField("Currency", choices=select_choices((c, c) for c in CURRENCIES))
    owner_id = HiddenField()
    lines = FieldList(FormField(LineForm), min_entries=1)
    billing = FormField(AddressForm)
    shipping = FormField(AddressForm)
    shipping_method_id = HiddenField()
    overridden_shipping_cost = StringField("Overridden shipping cost")
    payment_term_id = SelectField("Payment Term", choices=[], validate_choice=False)
    payment_method = SelectField(
        "Payment Method",
        choices=select_choices([("", "—")] + [(m, STATUS_LABELS[m]) for m in PAYMENT_METHODS]),
        validate_choice=False,
    )
    po_number = StringField("PO Number", render_kw=sized(Order.po_number))
    ship_until = StringField("Ship Until")
    customer_notes = TextAreaField("Customer Notes", render_kw=sized(Order.customer_notes))
    discounts = FieldList(FormField(DiscountForm), min_entries=0)
    promotions = FieldList(FormField(AppliedPromotionForm), min_entries=0)
    source_type = HiddenField()
    source_id = HiddenField()
    source_identifier = HiddenField()
    version = HiddenField()
    submission_key = HiddenField()  # Create Order's one-time key: one order per form sent


def _address(form: AddressForm) -> AddressData | None:
    choice = (form.choice.data or "").strip()
    book_id = parse_id(choice[1:])
    if choice.startswith("c") and book_id is not None:
        return AddressData(customer_address_id=book_id)
    if choice.startswith("u") and book_id is not None:
        return AddressData(customer_user_address_id=book_id)
    if choice == ADDRESS_CHOICE_MANUAL:
        return AddressData(**{f: (getattr(form, f).data or "") for f in ADDRESS_FIELDS})
    return None


def _line(form: LineForm) -> LineData | None:
    """A row left completely empty is ignored, as a person would expect."""
    if not any(
        _text(getattr(form, f).data) for f in ("product_id", "free_form_name", "free_form_sku", "unit_price")
    ):
        return None
    free_form = bool(form.free_form.data)
    return LineData(
        id=_int(form.line_id.data),
        quantity=form.quantity.data or "",
        product_id=None if free_form else _int(form.product_id.data),
        free_form_sku=_text(form.free_form_sku.data) if free_form else None,
        free_form_name=_text(form.free_form_name.data) if free_form else None,
        unit=_text(form.unit.data),
        unit_price=_text(form.unit_price.data),
        ship_by=form.ship_by.data or None,
        notes=_text(form.notes.data),
    )


def order_data_from_form(form: OrderForm) -> OrderData:
    """Collect the form's input for create_order/update_order; they do every check."""
    lines = [line for line in (_line(entry.form) for entry in form.lines) if line is not None]
    discounts = [
        DiscountData(
            type=d.form.type.data or "amount",
            value=d.form.value.data or "",
            description=_text(d.form.description.data),
        )
        for d in form.discounts
        if _text(d.form.value.data)
    ]
    return OrderData(
        customer_id=_int(form.customer_id.data),
        customer_user_id=_int(form.customer_user_id.data),
        currency=form.currency.data or "",
        lines=lines,
        billing_address=_address(form.billing.form),
        shipping_address=_address(form.shipping.form),
        shipping_method_id=_int(form.shipping_method_id.data),
        overridden_shipping_cost=_text(form.overridden_shipping_cost.data),
        special_discounts=discounts,
        promotion_states={
            _int(p.form.applied_id.data) or 0: p.form.state.data or ""
            for p in form.promotions
            if _int(p.form.applied_id.data)
        },
        po_number=_text(form.po_number.data),
        ship_until=_text(form.ship_until.data),
        customer_notes=_text(form.customer_notes.data),
        payment_term_id=_int(form.payment_term_id.data),
        payment_method=_text(form.payment_method.data),
        owner_id=_int(form.owner_id.data),
        source_type=_text(form.source_type.data),
        source_id=_int(form.source_id.data),
        source_identifier=_text(form.source_identifier.data),
        submission_key=(_text(form.submission_key.data) or "")[:64] or None,
    )


def _plain(value: Decimal | str | None, currency: str | None = None) -> str:
    """A number as a person would type it: '2' not '2.0000', '10.00' for a USD price."""
    if value is None or isinstance(value, str):
        return value or ""
    if currency in CURRENCY_DECIMALS:
        return str(round_money(value, currency))
    return format(value.normalize(), "f")


def _address_values(address: AddressData | None) -> dict[str, Any]:
    if address is None:
        return {"choice": ""}
    if address.customer_address_id is not None:
        return {"choice": f"c{address.customer_address_id}"}
    if address.customer_user_address_id is not None:
        return {"choice": f"u{address.customer_user_address_id}"}
    return {"choice": ADDRESS_CHOICE_MANUAL, **{f: getattr(address, f) or "" for f in ADDRESS_FIELDS}}


def form_values(
    data: OrderData, product_labels: dict[int, str], *, version: int | None = None
) -> dict[str, Any]:
    """The form's initial values for an OrderData (pre-filled create, or an edit)."""
    lines = []
    for line in data.lines:
        free_form = line.product_id is None
        lines.append(
            {
                "line_id": str(line.id or ""),
                "product_id": str(line.product_id or ""),
                "product_label": product_labels.get(line.product_id or 0, ""),
                "free_form": free_form,
                "free_form_sku": line.free_form_sku or "",
                "free_form_name": line.free_form_name or "",
                "quantity": _plain(line.quantity),
                "unit": line.unit or "",
                "unit_price": _plain(line.unit_price, data.currency),
                "ship_by": str(line.ship_by or ""),
                "notes": line.notes or "",
            }
        )
    return {
        "customer_id": str(data.customer_id or ""),
        "customer_user_id": str(data.customer_user_id or ""),
        "currency": data.currency,
        "owner_id": str(data.owner_id or ""),
        "lines": lines or [{}],
        "billing": _address_values(data.billing_address),
        "shipping": _address_values(data.shipping_address),
        "shipping_method_id": str(data.shipping_method_id or ""),
        "overridden_shipping_cost": _plain(data.overridden_shipping_cost, data.currency),
        "payment_term_id": str(data.payment_term_id or ""),
        "payment_method": data.payment_method or "",
        "po_number": data.po_number or "",
        "ship_until": str(data.ship_until or ""),
        "customer_notes": data.customer_notes or "",
        "discounts": [
            {"type": d.type, "value": _plain(d.value), "description": d.description or ""}
            for d in data.special_discounts
        ],
        "promotions": [
            {"applied_id": str(applied_id), "state": state}
            for applied_id, state in data.promotion_states.items()
        ],
        "source_type": data.source_type or "",
        "source_id": str(data.source_id or ""),
        "source_identifier": data.source_identifier or "",
        "version": version,
    }
