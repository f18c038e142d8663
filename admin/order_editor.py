"""Create Order, Edit, Delete and Re-order: thin views over actions/creation and editing."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from sqlalchemy import select

from actions.attachments import remove_stored_file
from actions.creation import OrderData, create_order, with_form_defaults
from actions.editing import delete_order, order_data_from, reorder, update_order
from actions.errors import DomainError
from actions.order_input import LineData
from admin.activities import upload_dir
from admin.base import current_actor, editable_order_or_redirect, parse_id, user_can
from admin.choices import select_choices
from admin.order_form import OrderForm, form_values, order_data_from_form
from models import Customer, CustomerUser, Order, PaymentTerm, Product, db

SAVED = "Order has been saved"


def _product_labels(lines: list[LineData]) -> dict[int, str]:
    ids = [line.product_id for line in lines if line.product_id]
    if not ids:
        return {}
    rows = db.session.execute(select(Product.id, Product.sku, Product.name).where(Product.id.in_(ids))).all()
    return {pid: f"{sku} — {name}" for pid, sku, name in rows}


def _prefill_from_request() -> OrderData:
    """Initial data for Create Order, from a shopping list (?shopping_list_id=), a request for
    quote (?rfq_id=), a customer user (?customer_user_id=) or a customer (?customer_id=)."""
    from actions import sources
    from models.sales_documents import RequestForQuote, ShoppingList

    if (list_id := request.args.get("shopping_list_id", type=int)) is not None:
        shopping_list = db.session.get(ShoppingList, list_id) or abort(404)
        data = sources.order_data_from_shopping_list(db.session, shopping_list)
    elif (rfq_id := request.args.get("rfq_id", type=int)) is not None:
        rfq = db.session.get(RequestForQuote, rfq_id) or abort(404)
        data = sources.order_data_from_rfq(db.session, rfq)
    elif (buyer_id := request.args.get("customer_user_id", type=int)) is not None:
        buyer = db.session.get(CustomerUser, buyer_id) or abort(404)
        data = OrderData(customer_id=buyer.customer_id, customer_user_id=buyer.id, currency="USD", lines=[])
    elif (customer_id := request.args.get("customer_id", type=int)) is not None:
        customer = db.session.get(Customer, customer_id) or abort(404)
        data = OrderData(customer_id=customer.id, currency="USD", lines=[])
    else:
        data = OrderData(customer_id=None, currency="USD", lines=[])
    with_form_defaults(db.session, data)
    return data


class OrderEditorMixin:
    """Mixed into the order view; every POST goes through CSRFProtect and the role table."""

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
            order=order,  # type: ignore[attr-defined]
            customer=customer,
            cancel_url=(url_for(".details_view", id=order.id) if order else url_for(".index_view")),
        )

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> Any:
        if not user_can("create_orders"):
            flash("You do not have permission to create orders.", "error")
            return redirect(url_for(".index_view"))
        if request.method == "GET":
            data = _prefill_from_request()
            form = OrderForm(data=form_values(data, _product_labels(list(data.lines))))
            return self._render_form(form, order=None)
        form = OrderForm()
        try:
            order = create_order(db.session, order_data_from_form(form), actor=current_actor())
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return self._render_form(form, order=None)
        flash(SAVED, "success")
        return redirect(url_for(".details_view", id=order.id))

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self) -> Any:
        order = editable_order_or_redirect(self, request.args.get("id"))
        if not isinstance(order, Order):
            return order
        if request.method == "GET":
            data = order_data_from(order)
            for line, item in zip(data.lines, order.line_items, strict=True):
                line.id = item.id
            values = form_values(data, _product_labels(list(data.lines)), version=order.version)
            return self._render_form(OrderForm(data=values), order=order)
        form = OrderForm()
        try:
            # A form without its version cannot prove it saw the latest save: treat it as stale.
            version = parse_id(form.version.data)
            update_order(
                db.session,
                order,
                order_data_from_form(form),
                actor=current_actor(),
                expected_version=version if version is not None else -1,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            order = self.get_one(str(order.id))  # type: ignore[attr-defined]
            return self._render_form(form, order=order)
        flash(SAVED, "success")
        return redirect(url_for(".details_view", id=order.id))

    @expose("/delete/", methods=("POST",))
    def delete_view(self) -> Any:
        order = self.get_one(request.form.get("id", ""))  # type: ignore[attr-defined]
        if order is None:
            flash("The order does not exist (it may have been deleted already).", "error")
            return redirect(url_for(".index_view"))
        number = order.identifier
        try:
            files = delete_order(db.session, order, actor=current_actor(), upload_dir=upload_dir())
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for(".details_view", id=order.id))
        for path in files:
            remove_stored_file(path)
        flash(f"Order #{number} has been deleted.", "success")
        return redirect(url_for(".index_view"))

    @expose("/reorder/", methods=("POST",))
    def reorder_view(self) -> Any:
        order = self.get_one(request.form.get("id", ""))  # type: ignore[attr-defined]
        if order is None:
            abort(404)
        try:
            new = reorder(db.session, order, actor=current_actor())
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for(".details_view", id=order.id))
        flash(f"Order #{new.identifier} has been created from Order #{order.identifier}.", "success")
        return redirect(url_for(".edit_view", id=new.id))
