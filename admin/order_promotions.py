"""Coupons, promotions and special discounts on one order (SPEC §7): small pages and POST
forms, each calling one action of actions/discounts.py, then back to the order page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import expose

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
from admin.base import commit_action, current_actor, editable_order_or_redirect, parse_id
from models import Order, db


def _int(value: Any) -> int:
    return parse_id(value) or 0


def _discount_values() -> DiscountData:
    return DiscountData(
        type=request.form.get("type", "amount"),
        value=request.form.get("value", "").strip(),
        description=request.form.get("description", ""),
    )


class OrderPromotionsMixin:
    """Mixed into the order view; its POSTs pass the view's edit_orders check first."""

    def _open_order(self, raw_id: Any) -> Order | Any:
        return editable_order_or_redirect(self, raw_id)

    def _change_open_order(self, operation: Callable[[Order], Any], done: str) -> Any:
        """A POST from the Discounts section: one action on the open order, back to its page."""
        order = self._open_order(request.form.get("id"))
        if not isinstance(order, Order):
            return order
        commit_action(lambda: operation(order), done)
        return redirect(url_for(".details_view", id=order.id))

    @expose("/coupon/", methods=("GET", "POST"))
    def add_coupon_view(self) -> Any:
        """Add Coupon Code: a code field; the coupon's discount joins the order."""
        order = self._open_order(request.args.get("id"))
        if not isinstance(order, Order):
            return order
        code = request.form.get("code", "")
        if request.method == "POST":
            if commit_action(
                lambda: apply_coupon(db.session, order, code, actor=current_actor()),
                lambda applied: f"Coupon {applied.coupon_code} was added to the order",
            ):
                return redirect(url_for(".details_view", id=order.id))
            order = self.get_one(str(order.id))  # type: ignore[attr-defined]
        return self.render(
            "promotions/add_coupon.html",  # type: ignore[attr-defined]
            order=order,
            code=code,
        )

    @expose("/discount/", methods=("GET", "POST"))
    def add_discount_view(self) -> Any:
        """Add Special Discount: an amount in the order's currency or a percent, a description."""
        order = self._open_order(request.args.get("id"))
        if not isinstance(order, Order):
            return order
        values = {"type": "amount", "value": "", "description": ""}
        if request.method == "POST":
            data = _discount_values()
            if commit_action(
                lambda: add_special_discount(db.session, order, data, actor=current_actor()),
                "Order Discount successfully added",
            ):
                return redirect(url_for(".details_view", id=order.id))
            values = {"type": data.type, "value": str(data.value), "description": data.description or ""}
            order = self.get_one(str(order.id))  # type: ignore[attr-defined]
        return self.render(
            "promotions/special_discount.html",  # type: ignore[attr-defined]
            order=order,
            discount=None,
            values=values,
        )

    @expose("/discount/edit/", methods=("GET", "POST"))
    def edit_discount_view(self) -> Any:
        """Edit a special discount of an open order."""
        order = self._open_order(request.args.get("id"))
        if not isinstance(order, Order):
            return order
        discount_id = _int(request.args.get("discount_id"))
        discount = next((d for d in order.special_discounts if d.id == discount_id), None)
        if discount is None:
            flash("This discount is not on the order (it may have been removed already).", "error")
            return redirect(url_for(".details_view", id=order.id))
        values = {
            "type": discount.type,
            "description": discount.description or "",
            "value": (
                f"{discount.value.normalize():f}"
                if discount.type == "percent"
                else str(round_money(discount.value, order.currency))
            ),
        }
        if request.method == "POST":
            data = _discount_values()
            if commit_action(
                lambda: update_special_discount(db.session, order, discount_id, data, actor=current_actor()),
                "Order Discount successfully updated",
            ):
                return redirect(url_for(".details_view", id=order.id))
            values = {"type": data.type, "value": str(data.value), "description": data.description or ""}
            order = self.get_one(str(order.id))  # type: ignore[attr-defined]
        return self.render(
            "promotions/special_discount.html",  # type: ignore[attr-defined]
            order=order,
            discount=discount,
            values=values,
        )

    @expose("/discount/remove/", methods=("POST",))
    def remove_discount_view(self) -> Any:
        discount_id = _int(request.form.get("discount_id"))
        return self._change_open_order(
            lambda order: remove_special_discount(db.session, order, discount_id, actor=current_actor()),
            "Order Discount has been removed",
        )

    @expose("/promotion/toggle/", methods=("POST",))
    def toggle_promotion_view(self) -> Any:
        applied_id = _int(request.form.get("applied_id"))
        active = request.form.get("active") == "1"
        return self._change_open_order(
            lambda order: set_promotion_active(db.session, order, applied_id, active, actor=current_actor()),
            "Promotion has been activated" if active else "Promotion has been deactivated",
        )

    @expose("/coupon/remove/", methods=("POST",))
    def remove_coupon_view(self) -> Any:
        applied_id = _int(request.form.get("applied_id"))
        return self._change_open_order(
            lambda order: remove_coupon(db.session, order, applied_id, actor=current_actor()),
            "Coupon has been removed from the order",
        )
