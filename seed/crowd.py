"""A volume demo's further customers, buyers and products, beyond the small demo's 50 and 200
(how many: seed.sizing.demo_size), stored with bulk inserts.

Customer names are built from words that recur across customers, as real ones do ("Acme
Industrial Supply", "Becker Antriebstechnik GmbH", "Mécanique Dubois SARL"), so a word search
finds a few customers or thousands. Buyers get the first and last names of their country
(Faker's name lists, with their frequencies) and first.last@<the customer's domain>.
Addresses are composed from street names, cities and postcodes drawn once per country from
Faker: calling Faker per row would take minutes at 1,000,000 orders.

Key accounts (seed.sizing.account_weights) have more buyers and more delivery addresses.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import accumulate
from typing import Any

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Customer,
    CustomerAddress,
    CustomerUser,
    CustomerUserAddress,
    PaymentTerm,
    Product,
    ProductPrice,
    User,
)
from seed.bulk import BulkInsert, resync_sequences
from seed.reference import (
    COUNTRIES,
    JP_SUFFIXES,
    JP_TRADES,
    UNIT_MIX,
    ascii_slug,
    list_prices,
    product_name,
    product_sku,
)
from seed.sizing import (
    MAX_BUYERS_PER_EXTRA,
    MIN_BUYERS_PER_EXTRA,
    DemoSize,
    account_weights,
    extra_buyers,
    split,
)

# How many rows go to the database at a time.
BATCH = 20_000
# Pool sizes per country: street names, cities, postcodes and phone numbers drawn from Faker.
POOL = 400

_BRANDS = (
    "Acme", "Apex", "Atlas", "Summit", "Pioneer", "Keystone", "Northwind", "Liberty", "Pacific",
    "Midwest", "Great Lakes", "Blue Ridge", "Redwood", "Ironclad", "Granite", "Cascade",
    "Evergreen", "Frontier", "Heritage", "Horizon", "Meridian", "Prairie", "Sterling", "Titan",
    "Union", "Vanguard", "Delta", "Allied", "Continental", "National", "United", "Eastern",
    "Western", "Northern", "Central", "Coastal", "Metro", "Precision", "Premier", "Reliable",
    "Standard", "Superior", "Triangle", "Tri-State", "Valley", "Bay Area", "Lakeside", "Riverside",
    "Silverline", "Orion", "Nova", "Zenith", "Polaris", "Falcon", "Eagle", "Bison", "Harbor",
)  # fmt: skip
_TRADES = {
    "en": (
        "Industrial", "Hydraulic", "Electric", "Machine", "Tool", "Fastener", "Packaging",
        "Plastics", "Metal", "Steel", "Pump", "Valve", "Bearing", "Safety", "Welding",
        "Automation", "Fluid Power", "Motion", "Controls", "Maintenance", "Facility", "Marine",
        "Mining", "Agricultural", "Construction", "Lab", "Medical", "HVAC", "Rubber", "Cable",
    ),
    "de": (
        "Maschinenbau", "Metallbau", "Industrietechnik", "Antriebstechnik", "Hydraulik",
        "Elektrotechnik", "Fördertechnik", "Werkzeugbau", "Kunststofftechnik", "Verpackung",
        "Armaturen", "Befestigungstechnik", "Industriebedarf", "Technik", "Anlagenbau", "Logistik",
    ),
    "fr": (
        "Industrie", "Mécanique", "Équipements", "Distribution", "Fournitures Industrielles",
        "Techniques", "Hydraulique", "Outillage", "Métallurgie", "Emballages", "Automatismes",
        "Maintenance", "Services",
    ),
    "jp": JP_TRADES,
}  # fmt: skip
_KINDS = (
    "Supply", "Supplies", "Components", "Works", "Systems", "Solutions", "Distribution",
    "Manufacturing", "Engineering", "Services", "Parts", "Equipment", "Products", "Technologies",
    "Group", "Partners", "Wholesale", "Sales",
)  # fmt: skip
_SUFFIXES = {
    "US": ("Inc.", "LLC", "Corp.", "Co.", "", "", ""),
    "GB": ("Ltd", "Ltd", "PLC", "& Sons Ltd", ""),
    "DE": ("GmbH", "GmbH", "GmbH & Co. KG", "AG", "KG", "e.K."),
    "FR": ("SA", "SARL", "SAS", "SAS", ""),
    "JP": JP_SUFFIXES,
}
# A product name's size or grade, so a large catalog does not repeat its names.
_SPECS = {
    "item": ("M6", "M8", "M10", "M12", "DN15", "DN25", "DN50", '1/2"', '3/4"', '1"', "12 V", "24 V",
             "230 V", "50 mm", "100 mm", "250 mm", "Size S", "Size M", "Size L", "Type A", "Type B"),
    "set": ("12-piece", "24-piece", "48-piece", "Pro", "Basic", "Workshop", "Service"),
    "kg": ("Grade A", "Grade B", "Type 1", "Type 2", "Food Grade", "High-Temp"),
    "box": ("M3", "M4", "M5", "M6", "Small", "Medium", "Large", "XL"),
}  # fmt: skip

_CUSTOMER_COLUMNS = ("id", "name", "payment_term_id", "owner_id", "created_at", "updated_at")
_ADDRESS_COLUMNS = (
    "is_billing", "is_shipping", "is_default_billing", "is_default_shipping", "label",
    "first_name", "last_name", "organization", "street", "street2", "city", "postal_code",
    "region", "country", "phone",
)  # fmt: skip
_BUYER_COLUMNS = (
    "id",
    "customer_id",
    "email",
    "first_name",
    "last_name",
    "enabled",
    "created_at",
    "updated_at",
)
_PRODUCT_COLUMNS = ("id", "sku", "name", "unit", "active", "created_at", "updated_at")
_PRICE_COLUMNS = ("product_id", "currency", "unit", "value")


class _Names:
    """Names drawn from a Faker list: with its frequencies when it has them, else evenly."""

    def __init__(self, names: Any) -> None:
        if isinstance(names, dict):
            self.values: list[str] = list(names)
            self.cum_weights: list[float] | None = list(accumulate(float(w) for w in names.values()))
        else:
            self.values, self.cum_weights = list(names), None

    def __call__(self, rng: random.Random) -> str:
        if self.cum_weights is None:
            return rng.choice(self.values)
        return rng.choices(self.values, cum_weights=self.cum_weights)[0]


class _Country:
    """The name and address pools of one country, drawn once from a seeded Faker."""

    def __init__(self, country: str, locale: str, seed: int) -> None:
        self.country = country
        fake = Faker(locale)
        fake.seed_instance(f"orderdesk-crowd-{seed}-{country}")
        person: Any = fake.provider("faker.providers.person")
        japanese = country == "JP"
        self.first = _Names(person.first_romanized_names if japanese else person.first_names)
        self.last = _Names(person.last_romanized_names if japanese else person.last_names)
        self.trades = _TRADES["jp" if japanese else {"DE": "de", "FR": "fr"}.get(country, "en")]
        self.suffixes = _SUFFIXES[country]
        self.streets = [fake.town() if japanese else fake.street_name() for _ in range(POOL)]
        self.cities = [fake.city() for _ in range(POOL)]
        self.postcodes = [fake.postcode() for _ in range(POOL)]
        self.phones = [fake.phone_number() for _ in range(POOL)]
        self.regions: list[str] = []
        if country == "US":
            self.regions = [fake.state_abbr(include_territories=False) for _ in range(POOL)]
        elif country == "DE":
            self.regions = [fake.state() for _ in range(POOL)]
        elif japanese:
            self.regions = [fake.prefecture() for _ in range(POOL)]

    def company(self, rng: random.Random) -> str:
        """A company name of recurring words: surname or brand, trade, kind, legal form."""
        last, brand, trade = self.last(rng), rng.choice(_BRANDS), rng.choice(self.trades)
        suffix = rng.choice(self.suffixes)
        pattern = rng.random()
        if self.country == "FR":
            if pattern < 0.45:
                name = f"{trade} {last}"
            elif pattern < 0.75:
                name = f"{brand} {trade}"
            else:
                name = f"{last} et Fils"
        elif self.country in ("DE", "JP"):
            if pattern < 0.6:
                name = f"{last} {trade}"
            elif pattern < 0.8:
                name = f"{brand} {trade}"
            else:
                name = f"{last} & {self.last(rng)}"
        elif pattern < 0.3:
            name = f"{last} {trade} {rng.choice(_KINDS)}"
        elif pattern < 0.6:
            name = f"{brand} {trade} {rng.choice(_KINDS)}"
        elif pattern < 0.8:
            name = f"{brand} {rng.choice(_KINDS)}"
        else:
            name = f"{last} & {self.last(rng)}"
        return f"{name} {suffix}".strip()

    def phone(self, rng: random.Random) -> str:
        """A pooled number with its last four digits drawn again."""
        phone = rng.choice(self.phones)
        digits = [i for i, c in enumerate(phone) if c.isdigit()][-4:]
        chars = list(phone)
        for i in digits:
            chars[i] = "0123456789"[rng.randrange(10)]
        return "".join(chars)

    def address(self, rng: random.Random) -> tuple[Any, ...]:
        """street, street2, city, postal_code, region, country, phone."""
        street_name, street2, region = rng.choice(self.streets), None, None
        if self.country == "US":
            street = f"{rng.randint(100, 9999)} {street_name}"
            if rng.random() < 0.15:
                street2 = f"Suite {rng.randint(100, 999)}"
            region = "CA" if rng.random() < 0.3 else rng.choice(self.regions)
        elif self.country == "DE":
            street, region = f"{street_name} {rng.randint(1, 150)}", rng.choice(self.regions)
        elif self.country == "JP":
            street = f"{street_name}{rng.randint(1, 9)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
            region = rng.choice(self.regions)
        else:
            street = f"{rng.randint(1, 250)} {street_name}"
        city, postcode = rng.choice(self.cities), rng.choice(self.postcodes)
        return (street, street2, city, postcode, region, self.country, self.phone(rng))


def _next_id(session: Session, model: Any) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


class _Batches:
    """Row tuples per table, sent to the database every BATCH rows."""

    def __init__(self, session: Session, tables: dict[str, tuple[Any, Sequence[str]]]) -> None:
        self.session = session
        self.inserts = {
            key: BulkInsert(session, model.__table__, cols) for key, (model, cols) in tables.items()
        }
        self.rows: dict[str, list[tuple[Any, ...]]] = {key: [] for key in tables}

    def add(self, key: str, row: tuple[Any, ...]) -> None:
        rows = self.rows[key]
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        for key, rows in self.rows.items():  # in the order given: parents before children
            self.inserts[key](self.session, rows)
            rows.clear()


def add_customers(
    session: Session, size: DemoSize, *, seed: int, now: datetime, echo: Callable[[str], None]
) -> int:
    """Add customers (with buyers and address books) until there are size.customers; return
    how many were added."""
    have, have_buyers = _count(session, Customer), _count(session, CustomerUser)
    added = size.customers - have
    if added <= 0:
        return 0
    buyer_total = extra_buyers(size, have, have_buyers)
    echo(f"Adding {added:,} customers with {buyer_total:,} customer users…")
    rng = random.Random(f"orderdesk-crowd-{seed}-{have}")
    countries = [_Country(country, locale, seed) for country, locale, _n in COUNTRIES]
    country_weights = list(accumulate(n for _c, _l, n in COUNTRIES))
    # Bigger accounts have more buyers: in proportion to the square root of their order share.
    weights = account_weights(size.customers)[have:]
    buyers_per = split(
        buyer_total,
        [w**0.5 for w in weights],
        least=MIN_BUYERS_PER_EXTRA,
        most=MAX_BUYERS_PER_EXTRA,
    )
    owners = list(
        session.scalars(
            select(User.id).where(User.role.in_(("admin", "manager", "sales"))).order_by(User.id).limit(3)
        )
    )
    terms = list(session.scalars(select(PaymentTerm.id).order_by(PaymentTerm.id)))
    names = set(session.scalars(select(Customer.name)))
    emails = set(session.scalars(select(CustomerUser.email)))
    customer_id, buyer_id = _next_id(session, Customer), _next_id(session, CustomerUser)
    batches = _Batches(
        session,
        {
            "customers": (Customer, _CUSTOMER_COLUMNS),
            "addresses": (CustomerAddress, ("customer_id", *_ADDRESS_COLUMNS)),
            "buyers": (CustomerUser, _BUYER_COLUMNS),
            "buyer_addresses": (CustomerUserAddress, ("customer_user_id", *_ADDRESS_COLUMNS)),
        },
    )
    for buyers in buyers_per:
        place = rng.choices(countries, cum_weights=country_weights)[0]
        name = place.company(rng)
        while name in names:  # a namesake: a branch, named after its city
            name = f"{place.company(rng)} ({rng.choice(place.cities)})"
        names.add(name)
        term = rng.choice(terms) if terms and rng.random() < 0.9 else None
        owner = rng.choice(owners) if owners else None
        batches.add("customers", (customer_id, name, term, owner, now, now))
        for index in range(rng.randint(1, 3) + min(5, buyers // 12)):
            label = "Head office" if index == 0 else f"Warehouse {index}"
            first = index == 0
            batches.add(
                "addresses",
                (customer_id, first, True, first, first, label, None, None, name, *place.address(rng)),
            )
        domain = (ascii_slug(name)[:24].strip("-") or "customer") + ".example"
        for _ in range(buyers):
            first_name, last_name = place.first(rng), place.last(rng)
            local = f"{ascii_slug(first_name)}.{ascii_slug(last_name)}".strip(".") or "buyer"
            email = f"{local}@{domain}"
            while email in emails:
                email = f"{local}{rng.randint(1, 999)}@{domain}"
            emails.add(email)
            batches.add(
                "buyers",
                (buyer_id, customer_id, email, first_name, last_name, rng.random() < 0.95, now, now),
            )
            if rng.random() < 0.4:
                batches.add(
                    "buyer_addresses",
                    (
                        buyer_id,
                        False,
                        True,
                        False,
                        True,
                        "Desk",
                        first_name,
                        last_name,
                        name,
                        *place.address(rng),
                    ),
                )
            buyer_id += 1
        customer_id += 1
    batches.flush()
    resync_sequences(
        session, ("customers", "customer_addresses", "customer_users", "customer_user_addresses")
    )
    return added


def add_products(
    session: Session, size: DemoSize, *, seed: int, now: datetime, echo: Callable[[str], None]
) -> int:
    """Add priced products until there are size.products; return how many were added."""
    have = _count(session, Product)
    added = size.products - have
    if added <= 0:
        return 0
    echo(f"Adding {added:,} products…")
    rng = random.Random(f"orderdesk-catalog-{seed}-{have}")
    units = [unit for unit, _n, _range in UNIT_MIX]
    unit_weights = list(accumulate(n for _u, n, _r in UNIT_MIX))
    ranges = {unit: prices for unit, _n, prices in UNIT_MIX}
    skus = set(session.scalars(select(Product.sku)))
    product_id, number = _next_id(session, Product), have
    batches = _Batches(
        session, {"products": (Product, _PRODUCT_COLUMNS), "prices": (ProductPrice, _PRICE_COLUMNS)}
    )
    for _ in range(added):
        unit = rng.choices(units, cum_weights=unit_weights)[0]
        number += 1
        while product_sku(unit, number) in skus:
            number += 1
        name = f"{product_name(rng, unit)} {rng.choice(_SPECS[unit])}"
        low, high = ranges[unit]
        batches.add("products", (product_id, product_sku(unit, number), name, unit, True, now, now))
        for currency, value in list_prices(Decimal(rng.randint(low, high)) / 100).items():
            batches.add("prices", (product_id, currency, unit, value))
        product_id += 1
    batches.flush()
    resync_sequences(session, ("products",))
    return added
