"""Demo shopping lists and requests for quote, a few of them already turned into orders.

Built after the reference data, before the planned orders, so the demo shows both sides of
SPEC §5: documents with a Create Order button, and orders whose Source Document links back.
"""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.sources import create_order_from_rfq, create_order_from_shopping_list
from models import (
    Customer,
    Product,
    RequestForQuote,
    RequestProduct,
    RequestProductItem,
    ShoppingList,
    ShoppingListLine,
    User,
)
from seed.plan import HOME_CURRENCY

SHOPPING_LISTS = 12
RFQS = 8
# How many of each become orders in the demo.
CONVERTED = 3
LIST_LABELS = (
    "Monthly restock",
    "Workshop refit",
    "Line 2 maintenance",
    "Spring order",
    "Safety supplies",
    "New site fit-out",
    "Spare parts",
    "Quarterly top-up",
)
RFQ_NOTES = (
    "Please quote for a yearly framework agreement.",
    "Need delivery before the plant shutdown.",
    "Can you match last year's prices?",
    None,
)


def _customers_with_users(session: Session) -> list[Customer]:
    customers = session.scalars(select(Customer).order_by(Customer.id)).all()
    return [c for c in customers if c.users and c.addresses]


def create_documents(session: Session, rng: random.Random, actor: User) -> None:
    """Create the demo's shopping lists and RFQs, and orders from a few of each."""
    customers = _customers_with_users(session)
    products = session.scalars(select(Product).where(Product.unit != "kg").order_by(Product.id)).all()
    if not customers or not products:
        return
    lists = []
    for i in range(SHOPPING_LISTS):
        customer = rng.choice(customers)
        shopping_list = ShoppingList(
            label=f"{rng.choice(LIST_LABELS)} {i + 1}",
            customer=customer,
            customer_user=rng.choice(customer.users),
            currency=HOME_CURRENCY.get(customer.addresses[0].country, "EUR"),
            notes=rng.choice((None, "Deliver to the loading dock.", "Call before delivery.")),
            lines=[
                ShoppingListLine(
                    product=p,
                    quantity=Decimal(rng.randint(1, 12)),
                    unit=p.unit,
                    notes=rng.choice((None, "urgent")),
                )
                for p in rng.sample(products, rng.randint(1, 4))
            ],
        )
        session.add(shopping_list)
        lists.append(shopping_list)
    rfqs = []
    for _ in range(RFQS):
        customer = rng.choice(customers)
        buyer = rng.choice(customer.users)
        currency = HOME_CURRENCY.get(customer.addresses[0].country, "EUR")
        rfq = RequestForQuote(
            customer=customer,
            customer_user=buyer,
            first_name=buyer.first_name,
            last_name=buyer.last_name,
            email=buyer.email,
            company=customer.name,
            po_number=f"RFQ-PO-{rng.randint(1000, 9999)}",
            note=rng.choice(RFQ_NOTES),
            status="open",
            requested_products=[
                RequestProduct(
                    product=p,
                    comment=rng.choice((None, "Samples first, please")),
                    items=[
                        RequestProductItem(
                            quantity=Decimal(rng.choice((10, 25, 50, 100))),
                            unit=p.unit,
                            target_price=Decimal(rng.randint(200, 5000)) / 100,
                            currency=currency,
                        )
                    ],
                )
                for p in rng.sample(products, rng.randint(1, 3))
            ],
        )
        session.add(rfq)
        rfqs.append(rfq)
    session.flush()
    for shopping_list in lists[:CONVERTED]:
        create_order_from_shopping_list(session, shopping_list, actor=actor)
    for rfq in rfqs[:CONVERTED]:
        create_order_from_rfq(session, rfq, actor=actor, default_currency="USD")
