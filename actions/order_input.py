"""Plain input for order flows, and its validation into model objects not yet in the session.

The create form, the seed and the flows from shopping lists and RFQs all speak this input, so
every refusal is worded once.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlalchemy.orm import Session

from actions.errors import ValidationFailed
from actions.money import (
    CURRENCIES,
    MAX_QUANTITY,
    QUANTITY_DECIMALS,
    check_below,
    parse_amount,
    parse_number,
)
from actions.pricing import find_price
from models import (
    Customer,
    CustomerAddress,
    CustomerUser,
    CustomerUserAddress,
    OrderAddress,
    OrderLineItem,
    Product,
    SpecialDiscount,
)
from models.catalog import FRACTIONAL_UNITS
from models.orders import DISCOUNT_TYPES

T = TypeVar("T")


@dataclass
class LineData:
    """One order line: a product (by id) or a free-form product (SKU + name).

    `id` names an existing line of the order when editing; None is a new line.
    """

    quantity: Decimal | str
    id: int | None = None
    product_id: int | None = None
    free_form_sku: str | None = None
    free_form_name: str | None = None
    unit: str | None = None
    unit_price: Decimal | str | None = None  # None: take the price list's price
    ship_by: date | str | None = None
    notes: str | None = None


@dataclass
class AddressData:
    """An address typed in, or copied from an address-book entry when a book id is given."""

    street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    first_name: str | None = None
    last_name: str | None = None
    organization: str | None = None
    street2: str | None = None
    region: str | None = None
    phone: str | None = None
    label: str | None = None
    customer_address_id: int | None = None
    customer_user_address_id: int | None = None


@dataclass
class DiscountData:
    type: str  # 'amount' or 'percent'
    value: Decimal | str
    description: str | None = None


ADDRESS_FIELDS = (
    "label",
    "first_name",
    "last_name",
    "organization",
    "street",
    "street2",
    "city",
    "postal_code",
    "region",
    "country",
    "phone",
)


def check_currency(currency: str) -> str:
    """Raises: ValidationFailed for a currency OrderDesk does not sell in."""
    if currency not in CURRENCIES:
        raise ValidationFailed(f"Currency: {currency!r} is not a valid currency.", field="currency")
    return currency


def parse_date(value: date | str | None, *, label: str, field: str) -> date | None:
    """Accept a date or an ISO 'YYYY-MM-DD' string. Raises: ValidationFailed otherwise."""
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"{label}: this value is not a valid date.", field=field) from None


def parse_quantity(value: Decimal | str, unit: str, *, where: str) -> Decimal:
    """Raises: ValidationFailed for a non-number, a quantity ≤ 0 or of MAX_QUANTITY or more, more
    than four decimals, or a fraction of a whole unit."""
    quantity = parse_number(
        value, refusal_message=f"{where}: quantity is not a valid number.", field="quantity"
    )
    if quantity <= 0:
        raise ValidationFailed(f"{where}: the quantity should be greater than 0.", field="quantity")
    check_below(quantity, MAX_QUANTITY, label=f"{where}: quantity", field="quantity")
    if quantity != round(quantity, QUANTITY_DECIMALS):
        raise ValidationFailed(
            f"{where}: a quantity has at most {QUANTITY_DECIMALS} decimal places.", field="quantity"
        )
    if quantity != quantity.to_integral_value() and unit not in FRACTIONAL_UNITS:
        raise ValidationFailed(f"{where}: the unit {unit!r} only allows whole quantities.", field="quantity")
    return quantity


def build_line(session: Session, data: LineData, currency: str, position: int) -> OrderLineItem:
    """Validate one line and build it, with SKU/name snapshots and the list price if none given.

    Raises: ValidationFailed naming the line.
    """
    where = f"Line {position}"
    product = session.get(Product, data.product_id) if data.product_id is not None else None
    if data.product_id is not None and product is None:
        raise ValidationFailed(f"{where}: please choose Product.", field="product")
    if product is None:
        sku = (data.free_form_sku or "").strip()
        name = (data.free_form_name or "").strip()
        if not name:
            raise ValidationFailed(
                f"{where}: please choose Product, or give the free-form product a name.",
                field="product",
            )
        unit = (data.unit or "item").strip()
    else:
        sku, name = product.sku, product.name
        unit = (data.unit or product.unit).strip()
    quantity = parse_quantity(data.quantity, unit, where=where)
    if data.unit_price is None or str(data.unit_price).strip() == "":
        if product is None:
            raise ValidationFailed(f"{where}: a free-form product needs a price.", field="unit_price")
        price = find_price(session, product, currency, unit)
    else:
        price = parse_amount(data.unit_price, currency, field=f"{where}: price")
        if price < 0:
            raise ValidationFailed(f"{where}: the price cannot be negative.", field="unit_price")
    return OrderLineItem(
        product_id=product.id if product else None,
        product=product,
        product_sku=sku or "—",
        product_name=name,
        free_form=product is None,
        quantity=quantity,
        unit=unit,
        unit_price=price,
        ship_by=parse_date(data.ship_by, label=f"{where}: Ship By", field="ship_by"),
        notes=(data.notes or "").strip() or None,
        shipped_quantity=Decimal("0"),
    )


def build_address(
    session: Session,
    data: AddressData,
    *,
    kind: str,
    customer_id: int,
    customer_user_id: int | None,
) -> OrderAddress:
    """Validate an address (or copy the chosen book entry) into a new order address copy.

    Raises: ValidationFailed naming the address field.
    """
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    if data.customer_address_id is not None:
        customer_entry = session.get(CustomerAddress, data.customer_address_id)
        if customer_entry is None or customer_entry.customer_id != customer_id:
            raise ValidationFailed(
                f"{kind} address: it is not allowed to use this address for the order.",
                field=f"{kind.lower()}_address",
            )
        values = {k: getattr(customer_entry, k) for k in ADDRESS_FIELDS}
        values["customer_address_id"] = customer_entry.id
    elif data.customer_user_address_id is not None:
        user_entry = session.get(CustomerUserAddress, data.customer_user_address_id)
        if user_entry is None or user_entry.customer_user_id != customer_user_id:
            raise ValidationFailed(
                f"{kind} address: it is not allowed to use this address for the order.",
                field=f"{kind.lower()}_address",
            )
        values = {k: getattr(user_entry, k) for k in ADDRESS_FIELDS}
        values["customer_user_address_id"] = user_entry.id
    cleaned = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in values.items()}
    for required in ("street", "city", "postal_code", "country"):
        if not cleaned.get(required):
            label = required.replace("_", " ")
            raise ValidationFailed(
                f"{kind} address: {label} is required.", field=f"{kind.lower()}_address.{required}"
            )
    if not ((cleaned.get("first_name") and cleaned.get("last_name")) or cleaned.get("organization")):
        raise ValidationFailed(
            f"{kind} address: first and last name, or organization, is required.",
            field=f"{kind.lower()}_address.first_name",
        )
    country = str(cleaned["country"]).upper()
    if len(country) != 2 or not country.isalpha():
        raise ValidationFailed(
            f"{kind} address: country must be a two-letter ISO code.", field=f"{kind.lower()}_address.country"
        )
    cleaned["country"] = country
    return OrderAddress(**cleaned)


def customer_and_user(
    session: Session, customer_id: int | None, customer_user_id: int | None
) -> tuple[Customer, CustomerUser | None]:
    """Raises: ValidationFailed when the customer is missing or the user is not one of its own."""
    customer = session.get(Customer, customer_id) if customer_id is not None else None
    if customer is None:
        raise ValidationFailed("Customer: this value should not be blank.", field="customer")
    customer_user = None
    if customer_user_id is not None:
        customer_user = session.get(CustomerUser, customer_user_id)
        if customer_user is None or customer_user.customer_id != customer.id:
            raise ValidationFailed(
                "Customer User: the customer user must belong to the customer.", field="customer_user"
            )
    return customer, customer_user


def build_discount(data: DiscountData, currency: str) -> SpecialDiscount:
    """Raises: ValidationFailed for an unknown type or a value with too many decimals."""
    if data.type not in DISCOUNT_TYPES:
        raise ValidationFailed(
            "The Special Discount type is invalid. Valid types are: amount, percent.",
            field="special_discounts",
        )
    if data.type == "amount":
        value = parse_amount(data.value, currency, field="Special Discount")
    else:
        value = parse_amount(data.value, "USD", field="Special Discount percent")
    return SpecialDiscount(type=data.type, value=value, description=data.description or None)


def lookup(session: Session, model: type[T], object_id: int | None, label: str) -> T | None:
    """Fetch an optional reference by id. Raises: ValidationFailed when the id is unknown."""
    if object_id is None:
        return None
    found = session.get(model, object_id)
    if found is None:
        raise ValidationFailed(
            f"{label}: the chosen value does not exist.", field=label.lower().replace(" ", "_")
        )
    return found


def parse_shipping_cost(value: Decimal | str | None, currency: str) -> Decimal | None:
    """An overridden shipping cost, or None. Raises: ValidationFailed for a bad or negative one."""
    if value is None or str(value).strip() == "":
        return None
    cost = parse_amount(str(value), currency, field="Shipping cost")
    if cost < 0:
        raise ValidationFailed("Shipping cost cannot be negative.", field="shipping_cost")
    return cost
