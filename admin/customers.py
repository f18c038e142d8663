"""Customers, their customer users and address books: scaffolded by Flask-Admin, configured here."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader

from actions.capabilities import grid_capabilities
from actions.order_input import ADDRESS_FIELDS
from actions.reports import recent_orders
from admin.base import SecuredModelView, current_actor
from models import Customer, CustomerAddress, CustomerUser, CustomerUserAddress, db

ADDRESS_COLUMNS = (
    *ADDRESS_FIELDS,
    "is_billing",
    "is_default_billing",
    "is_shipping",
    "is_default_shipping",
)


class CustomerPageView(SecuredModelView):
    """Customers and customer users: the details page lists the latest orders and offers
    Create Order, pre-filled."""

    view_permission = "view_orders"
    manage_permission = "manage_customers"

    details_template = "customers/details.html"
    orders_filter = "customer_id"

    def render(self, template: str, **kwargs: Any) -> Any:
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs["orders"] = recent_orders(db.session, **{self.orders_filter: model.id})
            kwargs["create_order_url"] = (
                url_for("orders.create_view", **{self.orders_filter: model.id})
                if grid_capabilities(current_actor()).create
                else None
            )
        return super().render(template, **kwargs)


class CustomerView(CustomerPageView):
    column_list = ("name", "parent", "owner", "payment_term", "created_at")
    column_searchable_list = ("name",)
    column_filters = ("name", "created_at")
    column_default_sort = ("name", False)
    column_details_list = (
        "name",
        "parent",
        "owner",
        "payment_term",
        "users",
        "addresses",
        "created_at",
        "updated_at",
    )
    form_columns = ("name", "parent", "owner", "payment_term")
    form_ajax_refs = {
        "parent": QueryAjaxModelLoader("parent", db.session, Customer, fields=["name"], page_size=20),
    }
    inline_models = ((CustomerAddress, {"form_columns": ("id",) + ADDRESS_COLUMNS}),)


class CustomerUserView(CustomerPageView):
    orders_filter = "customer_user_id"

    column_list = ("email", "first_name", "last_name", "customer", "enabled", "created_at")
    column_searchable_list = ("email", "last_name")
    column_filters = ("enabled", "created_at")
    column_default_sort = ("last_name", False)
    column_details_list = (
        "email",
        "first_name",
        "last_name",
        "customer",
        "enabled",
        "addresses",
        "created_at",
        "updated_at",
    )
    form_columns = ("customer", "email", "first_name", "last_name", "enabled")
    form_ajax_refs = {
        "customer": QueryAjaxModelLoader("customer", db.session, Customer, fields=["name"], page_size=20),
    }
    inline_models = ((CustomerUserAddress, {"form_columns": ("id",) + ADDRESS_COLUMNS}),)


def customer_views() -> list[SecuredModelView]:
    return [
        CustomerView(Customer, name="Customers", category="Customers", endpoint="customers"),
        CustomerUserView(
            CustomerUser, name="Customer Users", category="Customers", endpoint="customer_users"
        ),
    ]
