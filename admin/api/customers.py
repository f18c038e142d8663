"""/api/v1/customers and /api/v1/customer-users: read as the panel's pages show them (with
their address books), and created as the order form's dialogs create them, through
actions/customers.py. Editing and address books stay in the panel: its forms write them
without an action."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from actions.customers import create_customer, create_customer_user
from actions.errors import ValidationFailed
from admin.api.auth import api_actor
from admin.api.common import (
    ApiError,
    api_blueprint,
    id_page,
    links,
    problem_responses,
    record_or_404,
    unit_of_work,
)
from admin.api.customer_schemas import (
    CustomerDetail,
    CustomerIn,
    CustomerListArgs,
    CustomerPage,
    CustomerUserDetail,
    CustomerUserIn,
    CustomerUserListArgs,
    CustomerUserPage,
)
from admin.api.links import record_links
from admin.api.orders import _viewer
from admin.orders.filters import prefix_match
from models import Customer, CustomerUser, db

blp = api_blueprint("api_customers", "/customers", "Customers: the buyer companies and their address books.")
users_blp = api_blueprint(
    "api_customer_users", "/customer-users", "Customer users: the people who buy for a customer."
)
CUSTOMER_USER_FIRST = record_links(
    "CustomerUser", "/customer-users/{customer_user_id}", "customer_user_id", "$response.body#/items/0/id"
)
CUSTOMER_USER_OWN = record_links(
    "CustomerUser", "/customer-users/{customer_user_id}", "customer_user_id", "$response.body#/id"
)

NO_CUSTOMER = "There is no such customer: it may have been deleted, or the id is wrong."
NO_CUSTOMER_USER = "There is no such customer user: they may have been deleted, or the id is wrong."


def _term(args: dict[str, Any], name: str) -> str | None:
    value = (args.get(name) or "").strip()
    return value or None


@blp.route("/")
class Customers(MethodView):
    @blp.arguments(CustomerListArgs, location="query", unknown=ma.RAISE)
    @blp.response(200, CustomerPage)
    @links(
        200,
        **record_links("Customer", "/customers/{customer_id}", "customer_id", "$response.body#/items/0/id"),
    )
    @problem_responses(blp, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Customers in the order they were created, a page at a time (follow `next_cursor`)."""
        _viewer()
        query = select(Customer).options(
            joinedload(Customer.parent), joinedload(Customer.owner), joinedload(Customer.payment_term)
        )
        if name := _term(args, "name"):
            query = query.where(prefix_match(func.lower(Customer.name), name.lower()))
        return id_page(query, Customer, args)

    @blp.arguments(CustomerIn)
    @blp.response(201, CustomerDetail)
    @links(201, **record_links("Customer", "/customers/{customer_id}", "customer_id", "$response.body#/id"))
    @problem_responses(blp, 400, 403, 409, 422)
    def post(self, body: dict[str, Any]) -> tuple[Customer, int, dict[str, str]]:
        """Create a customer with just a name, as the order form's "new customer" dialog does
        (a manager, or anyone who may create orders). Its owner is the token's user."""
        actor = api_actor()
        customer = unit_of_work(lambda: create_customer(db.session, body["name"], actor=actor))
        return customer, 201, {"Location": url_for(".Customer", customer_id=customer.id)}


@blp.route("/<int:customer_id>", endpoint="Customer")
@blp.response(200, CustomerDetail)
@problem_responses(blp, 403, 404)
def get_customer(customer_id: int) -> Customer:
    """The customer with its customer users and address book."""
    _viewer()
    return record_or_404(Customer, customer_id, NO_CUSTOMER)


@users_blp.route("/")
class CustomerUsers(MethodView):
    @users_blp.arguments(CustomerUserListArgs, location="query", unknown=ma.RAISE)
    @users_blp.response(200, CustomerUserPage)
    @links(200, **CUSTOMER_USER_FIRST)
    @problem_responses(users_blp, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Customer users in the order they were created, a page at a time."""
        _viewer()
        query = select(CustomerUser).options(joinedload(CustomerUser.customer))
        if args.get("customer_id") is not None:
            query = query.where(CustomerUser.customer_id == args["customer_id"])
        if email := _term(args, "email"):
            query = query.where(prefix_match(CustomerUser.email, email.lower()))
        return id_page(query, CustomerUser, args)

    @users_blp.arguments(CustomerUserIn)
    @users_blp.response(201, CustomerUserDetail)
    @links(201, **CUSTOMER_USER_OWN)
    @problem_responses(users_blp, 400, 403, 409, 422)
    def post(self, body: dict[str, Any]) -> tuple[CustomerUser, int, dict[str, str]]:
        """Create an enabled customer user of a customer, as the order form's "new customer
        user" dialog does (a manager, or anyone who may create orders)."""
        actor = api_actor()
        customer = db.session.get(Customer, body["customer_id"])
        if customer is None:
            raise ApiError(ValidationFailed("Customer: there is no such customer.", field="customer_id"))
        buyer = unit_of_work(
            lambda: create_customer_user(
                db.session,
                customer,
                email=body["email"],
                first_name=body["first_name"],
                last_name=body["last_name"],
                actor=actor,
            )
        )
        return buyer, 201, {"Location": url_for(".CustomerUser", customer_user_id=buyer.id)}


@users_blp.route("/<int:customer_user_id>", endpoint="CustomerUser")
@users_blp.response(200, CustomerUserDetail)
@problem_responses(users_blp, 403, 404)
def get_customer_user(customer_user_id: int) -> CustomerUser:
    """The customer user with their address book."""
    _viewer()
    return record_or_404(CustomerUser, customer_user_id, NO_CUSTOMER_USER)
