"""Create Order, Edit, Delete and Re-order: thin views over actions/creation.py and editing.py."""

from __future__ import annotations

import secrets
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from sqlalchemy import select

from actions.capabilities import grid_capabilities
from actions.creation import OrderData, create_order, with_form_defaults
from actions.editing import delete_order, update_order
from actions.errors import AlreadySubmitted
from actions.order_input import LineData
from actions.reordering import order_data_from, reorder
from actions.sources import order_data_from_rfq, order_data_from_shopping_list
from admin.base import current_actor, parse_id, run_action
from admin.choices import select_choices
from admin.orders.base import OrderViewBase
from admin.orders.forms import OrderForm, form_values, order_data_from_form
from admin.settings import default_currency, storage
from models import Customer, CustomerUser, Order, PaymentTerm, Product, RequestForQuote, ShoppingList, db

SAVED = "Order has been saved"


def _product_labels(lines: list[LineData]) -> dict[int, str]:
    ids = [line.product_id for line in lines if line.product_id]
    if not ids:
        return {}
    rows = db.session.execute(select(Product.id, Product.sku, Product.name).where(Product.id.in_(ids))).all()
    return {pid: f"{sku} — {name}" for pid, sku, name in rows}


def _requested(model: type[Any], name: str) -> Any:
    """The record a query argument names, None when the argument is absent, 404 when it names
    nothing (malformed, too large or unknown)."""
    raw = request.args.get(name)
    if raw is None:
        return None
    record_id = parse_id(raw)
    record = db.session.get(model, record_id) if record_id is not None else None
    if record is None:
        abort(404)
    return record


def _prefill_from_request() -> OrderData:
    """Initial data for Create Order, from a shopping list (?shopping_list_id=), a request for
    quote (?rfq_id=), a customer user (?customer_user_id=) or a customer (?customer_id=)."""
    currency = default_currency()
    if (shopping_list := _requested(ShoppingList, "shopping_list_id")) is not None:
        data = order_data_from_shopping_list(db.session, shopping_list)
    elif (rfq := _requested(RequestForQuote, "rfq_id")) is not None:
        data = order_data_from_rfq(db.session, rfq, default_currency=currency)
    elif (buyer := _requested(CustomerUser, "customer_user_id")) is not None:
        data = OrderData(
            customer_id=buyer.customer_id, customer_user_id=buyer.id, currency=currency, lines=[]
        )
    elif (customer := _requested(Customer, "customer_id")) is not None:
        data = OrderData(customer_id=customer.id, currency=currency, lines=[])
    else:
        data = OrderData(customer_id=None, currency=currency, lines=[])
    with_form_defaults(db.session, data)
    return data


class OrderEditingView(OrderViewBase):
    """Every POST has passed CSRFProtect and the base view's edit_orders check; each action
    checks its own permission too."""

    def _render_form(self, form: OrderForm, *, order: Order | None) -> Any:
        customer_id = parse_id(form.customer_id.data)
        customer = db.session.get(Customer, customer_id) if customer_id is not None else None
        terms = db.session.scalars(select(PaymentTerm).order_by(PaymentTerm.label)).all()
        form.payment_term_id.choices = select_choices([("", "—")] + [(str(t.id), t.label) for t in terms])
        form.customer_user_id.choices = select_choices(
            [("", "—")]
            + ([(str(u.id), f"{u.full_name} <{u.email}>") for u in customer.users] if customer else [])
        )
        return self.render(
            "orders/form.html",
            form=form,
            order=order,
            customer=customer,
            cancel_url=(url_for(".details_view", id=order.id) if order else url_for(".index_view")),
        )

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> Any:
        if not grid_capabilities(current_actor()).create:
            flash("You do not have permission to create orders.", "error")
            return redirect(url_for(".index_view"))
        if request.method == "GET":
            data = _prefill_from_request()
            form = OrderForm(data=form_values(data, _product_labels(list(data.lines))))
            form.submission_key.data = secrets.token_urlsafe(24)
            return self._render_form(form, order=None)
        form = OrderForm()
        outcome = run_action(
            lambda: create_order(db.session, order_data_from_form(form), actor=current_actor()), done=SAVED
        )
        if isinstance(outcome.refusal, AlreadySubmitted):
            return self.back_to_order(outcome.refusal.order_id)
        if outcome.result is None:
            return self._render_form(form, order=None)
        return self.back_to_order(outcome.result.id)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self) -> Any:
        order = self.editable_order(request.args.get("id"))
        if not isinstance(order, Order):
            return order
        if request.method == "GET":
            data = order_data_from(order)
            for line, item in zip(data.lines, order.line_items, strict=True):
                line.id = item.id
            values = form_values(data, _product_labels(list(data.lines)), version=order.version)
            return self._render_form(OrderForm(data=values), order=order)
        form = OrderForm()
        # A form without its version cannot prove it saw the latest save: treat it as stale.
        version = parse_id(form.version.data)
        outcome = run_action(
            lambda: update_order(
                db.session,
                order,
                order_data_from_form(form),
                actor=current_actor(),
                expected_version=version if version is not None else -1,
            ),
            done=SAVED,
        )
        if not outcome.ok:
            return self._render_form(form, order=self.get_order_or_404(order.id))
        return self.back_to_order(order.id)

    @expose("/delete/", methods=("POST",))
    def delete_view(self) -> Any:
        order = self.get_order_or_404(request.form.get("id"))
        number = order.identifier
        outcome = run_action(
            lambda: delete_order(db.session, order, actor=current_actor()),
            done=f"Order #{number} has been deleted.",
        )
        if outcome.result is None:
            return self.back_to_order(order.id)
        files = storage()
        for key in outcome.result:
            files.delete(key)
        return redirect(url_for(".index_view"))

    @expose("/reorder/", methods=("POST",))
    def reorder_view(self) -> Any:
        order = self.get_order_or_404(request.form.get("id"))
        number = order.identifier
        outcome = run_action(
            lambda: reorder(db.session, order, actor=current_actor()),
            done=lambda new: f"Order #{new.identifier} has been created from Order #{number}.",
        )
        if outcome.result is None:
            return self.back_to_order(order.id)
        return redirect(url_for(".edit_view", id=outcome.result.id))
