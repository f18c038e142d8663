"""The yardstick for the order grid (DESIGN §6): a stock Flask-Admin ModelView over the same
`orders` rows, mapped by a minimal model of its own, with stock filters, LIKE search, OFFSET
paging and a full count, and no login — what the grid would cost without its own work."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import filters as stock
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, Numeric
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

PAGE_SIZE = 50  # the order grid's page size, so both read the same rows per page


class StockBase(DeclarativeBase):
    """A metadata of its own: these classes map existing tables, they never create any."""


stock_db = SQLAlchemy(model_class=StockBase)


class StockCustomer(stock_db.Model):  # type: ignore[name-defined]
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]

    def __str__(self) -> str:
        return self.name


class StockOrder(stock_db.Model):  # type: ignore[name-defined]
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str | None]
    po_number: Mapped[str | None]
    created_at: Mapped[datetime]
    internal_status: Mapped[str]
    shipping_status: Mapped[str]
    payment_status: Mapped[str]
    currency: Mapped[str]
    subtotal: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    total: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    ship_until: Mapped[date | None]
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))

    customer: Mapped[StockCustomer] = relationship()


# The stock filters, by the name the bench's cases use for them.
FILTERS: dict[str, stock.BaseSQLAFilter] = {
    "order_number_contains": stock.FilterLike(StockOrder.identifier, "Order Number"),
    "created_at_between": stock.DateTimeBetweenFilter(StockOrder.created_at, "Created At"),
    "customer_contains": stock.FilterLike(StockCustomer.name, "Customer"),
    "internal_status_equals": stock.FilterEqual(StockOrder.internal_status, "Internal Status"),
    "shipping_status_equals": stock.FilterEqual(StockOrder.shipping_status, "Shipping Status"),
    "payment_status_equals": stock.FilterEqual(StockOrder.payment_status, "Payment Status"),
    "currency_equals": stock.FilterEqual(StockOrder.currency, "Currency"),
    "total_greater_than": stock.FloatGreaterFilter(StockOrder.total, "Total"),
    "ship_until_smaller_than": stock.DateSmallerFilter(StockOrder.ship_until, "Ship Until"),
}


class StockOrderView(ModelView):
    column_list = (
        "identifier",
        "po_number",
        "created_at",
        "customer",
        "internal_status",
        "shipping_status",
        "payment_status",
        "currency",
        "subtotal",
        "total",
        "ship_until",
    )
    column_default_sort = ("created_at", True)
    column_filters = tuple(FILTERS.values())
    column_searchable_list = ("identifier", "po_number", "customer.name")
    page_size = PAGE_SIZE


def make_stock_app(database_uri: str) -> Flask:
    """A bare Flask app serving the stock view at /admin/orders/ over `database_uri`."""
    app = Flask(__name__)  # bench/ has no templates: Flask-Admin's own are used
    app.config.update(SQLALCHEMY_DATABASE_URI=database_uri, SECRET_KEY="bench", TESTING=True)
    stock_db.init_app(app)
    admin = Admin(app, name="Stock")
    admin.add_view(StockOrderView(StockOrder, stock_db.session, name="Orders", endpoint="orders"))
    return app


def stock_view(app: Flask) -> StockOrderView:
    view: StockOrderView = next(v for v in app.extensions["admin"][0]._views if isinstance(v, StockOrderView))
    return view


def filter_arg(app: Flask, key: str) -> str:
    """The URL name of stock filter `key` (Flask-Admin numbers them: flt0_<this>)."""
    args: dict[str, tuple[int, Any]] = stock_view(app)._filter_args or {}
    return next(arg for arg, (_index, flt) in args.items() if flt is FILTERS[key])
