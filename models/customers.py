"""Customers (buyer companies), their customer users (buyer people) and address books."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from models.base import Model, Timestamped

if TYPE_CHECKING:
    from models.catalog import PaymentTerm
    from models.users import User


class AddressFields:
    """Postal address columns shared by address-book entries and the copies an order keeps."""

    label: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    organization: Mapped[str | None] = mapped_column(String(255))
    street: Mapped[str] = mapped_column(String(500))
    street2: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str] = mapped_column(String(255))
    postal_code: Mapped[str] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(64))

    def one_line(self) -> str:
        """Render the address on one line, for lists and select boxes."""
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        parts = [
            name,
            self.organization,
            self.street,
            self.street2,
            f"{self.postal_code} {self.city}".strip(),
            self.region,
            self.country,
        ]
        return ", ".join(p for p in parts if p)


class Customer(Timestamped, Model):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    payment_term_id: Mapped[int | None] = mapped_column(ForeignKey("payment_terms.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    parent: Mapped[Customer | None] = relationship(remote_side=[id])
    payment_term: Mapped[PaymentTerm | None] = relationship()
    owner: Mapped[User | None] = relationship()
    users: Mapped[list[CustomerUser]] = relationship(
        back_populates="customer", order_by="CustomerUser.last_name"
    )
    addresses: Mapped[list[CustomerAddress]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerAddress.id"
    )

    def __str__(self) -> str:
        return self.name


# Customer search (grid search, ajax pickers) is a case-insensitive prefix match.
Index("ix_customers_name_lower", func.lower(Customer.name))


class CustomerUser(Timestamped, Model):
    __tablename__ = "customer_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    customer: Mapped[Customer] = relationship(back_populates="users")
    addresses: Mapped[list[CustomerUserAddress]] = relationship(
        back_populates="customer_user",
        cascade="all, delete-orphan",
        order_by="CustomerUserAddress.id",
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __str__(self) -> str:
        return self.full_name


# The order grid's Customer User filter is a case-insensitive prefix of the last name: a range
# on this index, not a pass over every buyer's name (60,000 of them at a million orders).
Index("ix_customer_users_last_name_lower", func.lower(CustomerUser.last_name))


class AddressBookEntry(AddressFields):
    """An address in a book, typed billing and/or shipping, each type with its own default flag."""

    id: Mapped[int] = mapped_column(primary_key=True)
    is_billing: Mapped[bool] = mapped_column(Boolean, default=True)
    is_shipping: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default_billing: Mapped[bool] = mapped_column(Boolean, default=False)
    is_default_shipping: Mapped[bool] = mapped_column(Boolean, default=False)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[CheckConstraint, ...]:  # noqa: N805
        return (
            CheckConstraint(
                "(first_name IS NOT NULL AND last_name IS NOT NULL) OR organization IS NOT NULL",
                name="name_or_organization",
            ),
        )

    def __str__(self) -> str:
        return self.one_line()


class CustomerAddress(AddressBookEntry, Model):
    __tablename__ = "customer_addresses"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    customer: Mapped[Customer] = relationship(back_populates="addresses")


class CustomerUserAddress(AddressBookEntry, Model):
    __tablename__ = "customer_user_addresses"

    customer_user_id: Mapped[int] = mapped_column(ForeignKey("customer_users.id"), index=True)
    customer_user: Mapped[CustomerUser] = relationship(back_populates="addresses")
