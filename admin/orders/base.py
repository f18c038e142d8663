"""The typed base every part of the order view builds on: finding the order, what the user may
do with it, and the way back to its page."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin.base import AdminViewMeta
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from actions.capabilities import OrderCapabilities, order_capabilities
from actions.editing import check_editable
from actions.errors import DomainError
from admin.base import SecuredModelView, current_actor, parse_id
from models import Order, db


class OrderViewParts(AdminViewMeta):
    """Flask-Admin's view metaclass sets every inherited exposed view on each new subclass.
    The order view is assembled from several parts; such a copy on one part would hide
    another part's own version of the view (the order page's details_view, say), so each
    part keeps only the views it defines itself and inherits the rest as usual."""

    def __init__(cls, classname: str, bases: tuple[type, ...], fields: dict[str, Any]) -> None:
        super().__init__(classname, bases, fields)
        copied = [
            name for name, value in vars(cls).items() if name not in fields and hasattr(value, "_wrapped")
        ]
        for name in copied:
            delattr(cls, name)


class OrderViewBase(SecuredModelView, metaclass=OrderViewParts):
    """Sales > Orders. Reading needs view_orders; a POST needs edit_orders at least (the base
    view refuses others before any action runs), and each action checks its own permission."""

    view_permission = "view_orders"
    manage_permission = "edit_orders"

    def render(self, template: str, **kwargs: Any) -> str:
        """Every order template learns whether `?dialog=1` asked for its form alone, without
        the page around it: the order page's quick dialogs (static/order_dialog.js) show that
        in a modal, and the same view and template serve the full page otherwise."""
        return super().render(template, dialog=request.args.get("dialog") == "1", **kwargs)

    def get_one(self, id: Any) -> Order | None:
        order_id = parse_id(id)
        if order_id is None:
            return None
        return db.session.scalar(
            select(Order)
            .where(Order.id == order_id)
            .options(
                joinedload(Order.customer),
                joinedload(Order.customer_user),
                joinedload(Order.owner),
                joinedload(Order.created_by),
                joinedload(Order.billing_address),
                joinedload(Order.shipping_address),
                joinedload(Order.shipping_method),
                joinedload(Order.payment_term),
                selectinload(Order.line_items),
                selectinload(Order.special_discounts),
                selectinload(Order.shipping_trackings),
            )
        )

    def get_order_or_404(self, raw_id: object) -> Order:
        """The order a request names; any unknown or malformed id is the same 404 page."""
        order = self.get_one(raw_id)
        if order is None:
            abort(404)
        return order

    def capabilities(self, order: Order) -> OrderCapabilities:
        return order_capabilities(order, current_actor())

    def editable_order(self, raw_id: object) -> Order | Response:
        """The open order a change is about, or the way back to its page with the reason
        (closed to edits, or no permission to edit); 404 when there is no such order."""
        order = self.get_order_or_404(raw_id)
        try:
            check_editable(order, actor=current_actor())
        except DomainError as exc:
            flash(exc.message, "error")
            return self.back_to_order(order.id)
        return order

    def back_to_order(self, order_id: int, *, section: str = "", **args: Any) -> Response:
        url = url_for(".details_view", id=order_id, **args)
        return redirect(f"{url}#{section}" if section else url)
