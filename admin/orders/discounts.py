"""Coupons, promotions and special discounts on one order (SPEC §7): small pages and POST
forms, each calling one action of actions/discounts.py, then back to the order page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, request
from flask_admin import expose
from werkzeug.wrappers import Response

from actions.discounts import (
    add_special_discount,
    apply_coupon,
    remove_coupon,
    remove_special_discount,
    set_promotion_active,
    update_special_discount,
)
from actions.money import round_money
from actions.order_input import DiscountData
from admin.base import current_actor, parse_id, run_action
from admin.orders.base import OrderViewBase
from models import Order, SpecialDiscount, db


def _posted_discount() -> DiscountData:
    return DiscountData(
        type=request.form.get("type", "amount"),
        value=request.form.get("value", "").strip(),
        description=request.form.get("description", ""),
    )


def _form_values(data: DiscountData) -> dict[str, str]:
    return {"type": data.type, "value": str(data.value), "description": data.description or ""}


def _current_values(discount: SpecialDiscount, currency: str) -> dict[str, str]:
    value = (
        f"{discount.value.normalize():f}"
        if discount.type == "percent"
        else str(round_money(discount.value, currency))
    )
    return {"type": discount.type, "value": value, "description": discount.description or ""}


class OrderDiscountsView(OrderViewBase):
    def _change_open_order(self, operation: Callable[[Order], object], done: str) -> Response:
        """A POST from the Discounts section: one action on the open order, back to its page."""
        order = self.editable_order(request.form.get("id"))
        if isinstance(order, Order):
            run_action(lambda: operation(order), done=done)
            return self.back_to_order(order.id)
        return order

    @expose("/coupon/", methods=("GET", "POST"))
    def add_coupon_view(self) -> Any:
        """Add Coupon Code: a code field; the coupon's discount joins the order."""
        order = self.editable_order(request.args.get("id"))
        if not isinstance(order, Order):
            return order
        code = request.form.get("code", "")
        if request.method == "POST":
            outcome = run_action(
                lambda: apply_coupon(db.session, order, code, actor=current_actor()),
                done=lambda applied: f"Coupon {applied.coupon_code} was added to the order",
            )
            if outcome.ok:
                return self.back_to_order(order.id)
            order = self.get_order_or_404(order.id)
        return self.render("orders/coupon_form.html", order=order, code=code)

    @expose("/discount/", methods=("GET", "POST"))
    def add_discount_view(self) -> Any:
        """Add Special Discount: an amount in the order's currency or a percent, a description."""
        order = self.editable_order(request.args.get("id"))
        if not isinstance(order, Order):
            return order
        values = {"type": "amount", "value": "", "description": ""}
        if request.method == "POST":
            data = _posted_discount()
            outcome = run_action(
                lambda: add_special_discount(db.session, order, data, actor=current_actor()),
                done="Special Discount successfully added",
            )
            if outcome.ok:
                return self.back_to_order(order.id)
            values = _form_values(data)
            order = self.get_order_or_404(order.id)
        return self.render("orders/discount_form.html", order=order, discount=None, values=values)

    @expose("/discount/edit/", methods=("GET", "POST"))
    def edit_discount_view(self) -> Any:
        """Edit a special discount of an open order."""
        order = self.editable_order(request.args.get("id"))
        if not isinstance(order, Order):
            return order
        discount_id = parse_id(request.args.get("discount_id"))
        discount = next((d for d in order.special_discounts if d.id == discount_id), None)
        if discount is None:
            flash("This Special Discount is not on the order (it may have been removed already).", "error")
            return self.back_to_order(order.id)
        values = _current_values(discount, order.currency)
        if request.method == "POST":
            data = _posted_discount()
            outcome = run_action(
                lambda: update_special_discount(db.session, order, discount.id, data, actor=current_actor()),
                done="Special Discount successfully updated",
            )
            if outcome.ok:
                return self.back_to_order(order.id)
            values = _form_values(data)
            order = self.get_order_or_404(order.id)
        return self.render("orders/discount_form.html", order=order, discount=discount, values=values)

    @expose("/discount/remove/", methods=("POST",))
    def remove_discount_view(self) -> Any:
        discount_id = parse_id(request.form.get("discount_id")) or 0
        return self._change_open_order(
            lambda order: remove_special_discount(db.session, order, discount_id, actor=current_actor()),
            "Special Discount has been removed",
        )

    @expose("/promotion/toggle/", methods=("POST",))
    def toggle_promotion_view(self) -> Any:
        applied_id = parse_id(request.form.get("applied_id")) or 0
        active = request.form.get("active") == "1"
        return self._change_open_order(
            lambda order: set_promotion_active(db.session, order, applied_id, active, actor=current_actor()),
            "Promotion has been activated" if active else "Promotion has been deactivated",
        )

    @expose("/coupon/remove/", methods=("POST",))
    def remove_coupon_view(self) -> Any:
        applied_id = parse_id(request.form.get("applied_id")) or 0
        return self._change_open_order(
            lambda order: remove_coupon(db.session, order, applied_id, actor=current_actor()),
            "Coupon has been removed from the order",
        )
