"""The demo's reference data: users, payment terms, shipping, taxes, products, customers.

Users are created through `actions.users.create_user`. Customers and the catalog have no
actions yet (they are edited through generic admin forms), so they are added as models,
exactly as those forms would.
"""

from __future__ import annotations

import random
import re
import unicodedata
from decimal import Decimal
from typing import NamedTuple

from faker import Faker
from sqlalchemy.orm import Session

from actions.money import round_money
from actions.users import create_user
from models import (
    Customer,
    CustomerAddress,
    CustomerUser,
    CustomerUserAddress,
    PaymentTerm,
    Product,
    ProductPrice,
    ShippingMethod,
    ShippingMethodPrice,
    TaxRule,
    User,
)


class DemoLogin(NamedTuple):
    role: str
    email: str
    password: str
    full_name: str


DEMO_PASSWORD = "orderdesk-demo"
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", "admin@orderdesk.test", DEMO_PASSWORD, "Alex Admin"),
    DemoLogin("manager", "manager@orderdesk.test", DEMO_PASSWORD, "Morgan Manager"),
    DemoLogin("sales", "sales@orderdesk.test", DEMO_PASSWORD, "Sam Sales"),
    DemoLogin("viewer", "viewer@orderdesk.test", DEMO_PASSWORD, "Vic Viewer"),
)
PAYMENT_TERMS = ("Net 15", "Net 30", "Net 60", "Prepaid")
# Country, Faker locale, number of customers in the small demo (50 in all); a volume demo's
# further customers come in the same proportions (seed/crowd.py).
COUNTRIES = (
    ("US", "en_US", 18),
    ("DE", "de_DE", 11),
    ("FR", "fr_FR", 8),
    ("GB", "en_GB", 8),
    ("JP", "ja_JP", 5),
)
# Every product has a list price in each currency, converted from its dollar price.
PER_USD = {"EUR": Decimal("0.92"), "GBP": Decimal("0.79"), "JPY": Decimal("150")}
# Japanese company suffixes and trades, for names written in Latin letters (searchable words).
JP_TRADES = ("Seiki", "Kogyo", "Denki", "Shoji", "Seisakusho", "Kikai", "Precision", "Trading")
JP_SUFFIXES = ("Co., Ltd.", "K.K.", "Corporation")

_NOUNS = {
    "item": (
        "Bracket",
        "Hinge",
        "Valve",
        "Fitting",
        "Gasket",
        "Sensor",
        "Filter",
        "Bearing",
        "Clamp",
        "Pump",
        "Relay",
        "Switch",
        "Coupling",
        "Hose",
        "Caster",
        "Actuator",
    ),
    "set": ("Tool Set", "Seal Kit", "Drill Bit Set", "Fastener Kit", "Wrench Set", "Tap Set"),
    "kg": ("Grease", "Epoxy Resin", "Copper Wire", "Granulate", "Powder Coating", "Solder"),
    "box": (
        "Screws, box of 100",
        "Cable Ties, box of 200",
        "Rivets, box of 500",
        "Nitrile Gloves, box of 100",
        "Wall Plugs, box of 250",
    ),
}
_ADJECTIVES = (
    "Heavy-Duty",
    "Compact",
    "Industrial",
    "Precision",
    "Standard",
    "Reinforced",
    "High-Pressure",
    "Low-Profile",
    "Marine-Grade",
    "Food-Safe",
)
_MATERIALS = ("Steel", "Stainless", "Brass", "Aluminium", "Nylon", "Copper", "PVC", "Titanium")
# Unit, share of the catalog, USD price range in cents.
UNIT_MIX = (
    ("item", 100, (250, 40000)),
    ("set", 40, (2000, 60000)),
    ("kg", 30, (300, 8000)),
    ("box", 30, (500, 12000)),
)


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def product_name(rng: random.Random, unit: str) -> str:
    noun = rng.choice(_NOUNS[unit])
    return f"{rng.choice(_ADJECTIVES)} {rng.choice(_MATERIALS)} {noun}"


def product_sku(unit: str, number: int) -> str:
    return f"{unit[:2].upper()}-{number:04d}"


def list_prices(usd: Decimal) -> dict[str, Decimal]:
    """A product's list price per currency, from its dollar price."""
    return {"USD": usd, **{c: round_money(usd * rate, c) for c, rate in PER_USD.items()}}


def create_users(session: Session) -> list[User]:
    return [
        create_user(session, login.email, full_name=login.full_name, role=login.role, password=login.password)
        for login in DEMO_LOGINS
    ]


def create_catalog(session: Session, rng: random.Random) -> list[PaymentTerm]:
    """Payment terms, the two shipping methods, tax rules and about 200 priced products."""
    terms = [PaymentTerm(label=label) for label in PAYMENT_TERMS]
    session.add_all(terms)
    session.add_all(
        [
            ShippingMethod(
                name="Flat Rate",
                type="flat_per_order",
                carrier="UPS",
                handling_fee=Decimal("0"),
                prices=[
                    ShippingMethodPrice(currency="USD", price=Decimal("15.00")),
                    ShippingMethodPrice(currency="EUR", price=Decimal("14.00")),
                    ShippingMethodPrice(currency="GBP", price=Decimal("12.00")),
                    ShippingMethodPrice(currency="JPY", price=Decimal("2000")),
                ],
            ),
            ShippingMethod(
                name="Per Item",
                type="flat_per_item",
                carrier="FedEx",
                handling_fee=Decimal("5.00"),
                prices=[
                    ShippingMethodPrice(currency="USD", price=Decimal("2.50")),
                    ShippingMethodPrice(currency="EUR", price=Decimal("2.30")),
                    ShippingMethodPrice(currency="GBP", price=Decimal("2.00")),
                    ShippingMethodPrice(currency="JPY", price=Decimal("350")),
                ],
            ),
            TaxRule(country="US", region="CA", rate_percent=Decimal("7.25"), applies_to_shipping=False),
            TaxRule(country="US", region=None, rate_percent=Decimal("5"), applies_to_shipping=True),
            TaxRule(country="DE", region=None, rate_percent=Decimal("19"), applies_to_shipping=True),
            TaxRule(country="FR", region=None, rate_percent=Decimal("20"), applies_to_shipping=False),
            TaxRule(country="GB", region=None, rate_percent=Decimal("20"), applies_to_shipping=False),
            TaxRule(country="JP", region=None, rate_percent=Decimal("10"), applies_to_shipping=True),
        ]
    )
    number = 0
    for unit, count, (low, high) in UNIT_MIX:
        for _ in range(count):
            number += 1
            name, usd = product_name(rng, unit), Decimal(rng.randint(low, high)) / 100
            session.add(
                Product(
                    sku=product_sku(unit, number),
                    name=name,
                    unit=unit,
                    active=True,
                    prices=[
                        ProductPrice(currency=currency, unit=unit, value=value)
                        for currency, value in list_prices(usd).items()
                    ],
                )
            )
    session.flush()
    return terms


def _company(fake: Faker, rng: random.Random, country: str) -> str:
    if country == "JP":  # in Latin letters, like the names Japanese suppliers trade under abroad
        return f"{fake.last_romanized_name()} {rng.choice(JP_TRADES)} {rng.choice(JP_SUFFIXES)}"
    return str(fake.company())


def _person(fake: Faker, country: str) -> tuple[str, str]:
    if country == "JP":
        return fake.first_romanized_name(), fake.last_romanized_name()
    return fake.first_name(), fake.last_name()


def _address(fake: Faker, rng: random.Random, country: str, **names: str | None) -> dict:
    if country == "JP":  # town, chōme, block and number; the prefecture is the region
        return dict(
            street=f"{fake.town()}{fake.chome()}{fake.ban()}{fake.gou()}",
            street2=None,
            city=fake.city(),
            postal_code=fake.postcode(),
            region=fake.prefecture(),
            country=country,
            phone=fake.phone_number(),
            **names,
        )
    street = fake.street_address().replace("\n", ", ")
    street2 = None
    for marker in (" Suite ", " Apt. "):
        if marker in street:
            street, rest = street.split(marker, 1)
            street2 = f"{marker.strip()} {rest}"
    region = None
    if country == "US":
        region = "CA" if rng.random() < 0.3 else fake.state_abbr(include_territories=False)
    elif country == "DE":
        region = fake.state()
    return dict(
        street=street,
        street2=street2,
        city=fake.city(),
        postal_code=fake.postcode(),
        region=region,
        country=country,
        phone=fake.phone_number(),
        **names,
    )


def create_customers(
    session: Session, rng: random.Random, seed: int, owners: list[User], terms: list[PaymentTerm]
) -> None:
    """The small demo's 50 customers in US, DE, FR, GB and JP, with 1–3 buyers each and address
    books."""
    emails: set[str] = set()
    for country, locale, count in COUNTRIES:
        fake = Faker(locale)
        fake.seed_instance(seed)
        for _ in range(count):
            name = _company(fake, rng, country)
            term = rng.choice(terms) if rng.random() < 0.9 else None
            customer = Customer(name=name, payment_term=term, owner=rng.choice(owners))
            session.add(customer)
            for index in range(rng.randint(1, 3)):
                entry = _address(
                    fake,
                    rng,
                    country,
                    organization=name,
                    label="Head office" if index == 0 else f"Warehouse {index}",
                )
                customer.addresses.append(
                    CustomerAddress(
                        is_billing=index == 0,
                        is_shipping=True,
                        is_default_billing=index == 0,
                        is_default_shipping=index == 0,
                        **entry,
                    )
                )
            domain = (ascii_slug(name)[:24].strip("-") or "customer") + ".example"
            for _ in range(rng.randint(1, 3)):
                first, last = _person(fake, country)
                email = f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}"
                while email in emails:
                    email = email.replace("@", f"{rng.randint(1, 99)}@", 1)
                emails.add(email)
                buyer = CustomerUser(
                    customer=customer,
                    email=email,
                    first_name=first,
                    last_name=last,
                    enabled=rng.random() < 0.95,
                )
                if rng.random() < 0.4:
                    entry = _address(
                        fake, rng, country, first_name=first, last_name=last, organization=name, label="Desk"
                    )
                    buyer.addresses.append(
                        CustomerUserAddress(
                            is_billing=False,
                            is_shipping=True,
                            is_default_billing=False,
                            is_default_shipping=True,
                            **entry,
                        )
                    )
                session.add(buyer)
    session.flush()
