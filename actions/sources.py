"""Orders made from other documents: shopping lists and requests for quote (SPEC §5).

The `order_data_from_*` functions only read the document and return the `OrderData` the
Create Order form starts from; `create_order_from_*` create the order straight away. Neither
changes the document; the order links back to it through its source fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from actions.creation import OrderData, create_order
from actions.errors import ValidationFailed
from actions.money import CURRENCIES
from actions.order_input import ADDRESS_FIELDS, AddressData, LineData, parse_quantity
from models import (
    Customer,
    CustomerAddress,
    CustomerUser,
    CustomerUserAddress,
    Order,
    RequestForQuote,
    ShoppingList,
    User,
)
from models.sales_documents import RFQ_STATUSES

# Order.source_identifier holds at most this many characters.
SOURCE_IDENTIFIER_LENGTH = 64


def _address_data(entry: CustomerAddress | CustomerUserAddress) -> AddressData:
    data = AddressData(**{name: getattr(entry, name) for name in ADDRESS_FIELDS})
    if isinstance(entry, CustomerUserAddress):
        data.customer_user_address_id = entry.id
    else:
        data.customer_address_id = entry.id
    return data


def default_addresses(
    customer: Customer, customer_user: CustomerUser | None
) -> tuple[AddressData | None, AddressData | None]:
    """Return the default (billing, shipping) addresses: the customer user's, else the customer's.

    Raises: nothing; a missing default is None.
    """
    books: list[Sequence[CustomerAddress | CustomerUserAddress]] = []
    if customer_user is not None:
        books.append(customer_user.addresses)
    books.append(customer.addresses)

    def pick(flag: str) -> AddressData | None:
        for book in books:
            entry = next((a for a in book if getattr(a, flag)), None)
            if entry is not None:
                return _address_data(entry)
        return None

    return pick("is_default_billing"), pick("is_default_shipping")


def order_data_from_shopping_list(session: Session, shopping_list: ShoppingList) -> OrderData:
    """Return the new-order data a shopping list pre-fills; prices are left to the price list.

    Raises: nothing; create_order validates the result.
    """
    billing, shipping = default_addresses(shopping_list.customer, shopping_list.customer_user)
    return OrderData(
        customer_id=shopping_list.customer_id,
        customer_user_id=shopping_list.customer_user_id,
        currency=shopping_list.currency,
        lines=[
            LineData(
                product_id=line.product_id,
                quantity=line.quantity,
                unit=line.unit,
                notes=line.notes,
                unit_price=None,
            )
            for line in shopping_list.lines
        ],
        billing_address=billing,
        shipping_address=shipping,
        customer_notes=shopping_list.notes,
        source_type="shopping_list",
        source_id=shopping_list.id,
        source_identifier=(shopping_list.label or "")[:SOURCE_IDENTIFIER_LENGTH] or None,
    )


def order_data_from_rfq(session: Session, rfq: RequestForQuote, *, default_currency: str) -> OrderData:
    """Return the new-order data an RFQ pre-fills: one line per requested product, in the
    currency of its target prices (the default currency when it names none).

    Each line takes the first requested item's quantity, unit and target price; a product
    deleted since becomes a free-form line with its SKU (and a zero price without a target).

    Raises: nothing; create_order validates the result.
    """
    currency = rfq.target_currency or default_currency
    lines = []
    for requested in rfq.requested_products:
        item = requested.items[0] if requested.items else None
        target = item.target_price if item is not None and item.currency == currency else None
        quantity = item.quantity if item is not None else Decimal("1")
        unit = item.unit if item is not None else None
        if requested.product is not None:
            lines.append(
                LineData(
                    product_id=requested.product.id,
                    quantity=quantity,
                    unit=unit or requested.product.unit,
                    unit_price=target,
                    notes=requested.comment,
                )
            )
        else:
            sku = requested.product_sku or ""
            lines.append(
                LineData(
                    free_form_sku=sku,
                    free_form_name=requested.product_name or sku or "Deleted product",
                    quantity=quantity,
                    unit=unit,
                    unit_price=target if target is not None else Decimal("0"),
                    notes=requested.comment,
                )
            )
    billing, shipping = default_addresses(rfq.customer, rfq.customer_user)
    return OrderData(
        customer_id=rfq.customer_id,
        customer_user_id=rfq.customer_user_id,
        currency=currency,
        lines=lines,
        billing_address=billing,
        shipping_address=shipping,
        po_number=rfq.po_number,
        ship_until=rfq.ship_until,
        customer_notes=rfq.note,
        source_type="rfq",
        source_id=rfq.id,
        source_identifier=f"RFQ #{rfq.id}",
    )


def create_order_from_shopping_list(
    session: Session, shopping_list: ShoppingList, *, actor: User | None
) -> Order:
    """Create an open order from a shopping list, which stays as it is.

    Raises: ValidationFailed (e.g. no price in the list's currency) or DiscountTooLarge.
    """
    return create_order(session, order_data_from_shopping_list(session, shopping_list), actor=actor)


def create_order_from_rfq(
    session: Session, rfq: RequestForQuote, *, actor: User | None, default_currency: str
) -> Order:
    """Create an open order from an RFQ, which keeps its status and contents.

    Raises: ValidationFailed (e.g. an RFQ without requested products) or DiscountTooLarge.
    """
    data = order_data_from_rfq(session, rfq, default_currency=default_currency)
    return create_order(session, data, actor=actor)


def _source_condition(shopping_list_id: int | None, rfq_id: int | None) -> ColumnElement[bool]:
    """The orders made from the one document named (a shopping list or an RFQ)."""
    if (shopping_list_id is None) == (rfq_id is None):
        raise ValueError("name exactly one document: shopping_list_id or rfq_id")
    if shopping_list_id is not None:
        return and_(Order.source_type == "shopping_list", Order.source_id == shopping_list_id)
    return and_(Order.source_type == "rfq", Order.source_id == rfq_id)


def orders_from_source(
    session: Session, *, shopping_list_id: int | None = None, rfq_id: int | None = None, limit: int
) -> list[Order]:
    """Return the newest `limit` orders made from a shopping list or an RFQ, newest first.

    Raises: ValueError unless exactly one of shopping_list_id and rfq_id is given.
    """
    condition = _source_condition(shopping_list_id, rfq_id)
    return list(
        session.scalars(
            select(Order).where(condition).order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)
        )
    )


def count_orders_from_source(
    session: Session, *, shopping_list_id: int | None = None, rfq_id: int | None = None
) -> int:
    """Return how many orders were made from a shopping list or an RFQ.

    Raises: ValueError unless exactly one of shopping_list_id and rfq_id is given.
    """
    condition = _source_condition(shopping_list_id, rfq_id)
    return session.scalar(select(func.count()).select_from(Order).where(condition)) or 0


def _check_customer_user(customer_id: int | None, customer_user: CustomerUser | None) -> None:
    if customer_user is not None and customer_user.customer_id != customer_id:
        raise ValidationFailed(
            "Customer User: the customer user must belong to the customer.", field="customer_user"
        )


def check_shopping_list(shopping_list: ShoppingList) -> None:
    """Check a shopping list before it is saved.

    Raises: ValidationFailed for a customer user of another customer, an unknown currency,
    or a line quantity that is not > 0 (or a fraction of a whole unit).
    """
    customer_id = shopping_list.customer.id if shopping_list.customer else None
    _check_customer_user(customer_id, shopping_list.customer_user)
    if shopping_list.currency not in CURRENCIES:
        raise ValidationFailed(
            f"Currency: {shopping_list.currency!r} is not a valid currency.", field="currency"
        )
    for position, line in enumerate(shopping_list.lines, 1):
        parse_quantity(
            line.quantity if line.quantity is not None else "", line.unit or "item", where=f"Line {position}"
        )


def check_rfq(rfq: RequestForQuote) -> None:
    """Check an RFQ before it is saved.

    Raises: ValidationFailed for a customer user of another customer, an unknown status or
    currency, or a requested quantity that is not > 0.
    """
    customer_id = rfq.customer.id if rfq.customer else None
    _check_customer_user(customer_id, rfq.customer_user)
    if rfq.status not in RFQ_STATUSES:
        raise ValidationFailed("Status: the chosen value is not valid.", field="status")
    for position, requested in enumerate(rfq.requested_products, 1):
        for item in requested.items:
            if item.currency not in CURRENCIES:
                raise ValidationFailed(
                    f"Requested product {position}: {item.currency!r} is not a valid currency.",
                    field="currency",
                )
            parse_quantity(
                item.quantity if item.quantity is not None else "",
                item.unit or "item",
                where=f"Requested product {position}",
            )
