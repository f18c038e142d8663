"""Mark as Shipped (everything remaining or chosen quantities, with tracking rows) and Shipping
Tracking, each calling one action of actions/shipping.py."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_admin import expose

from actions.shipping import TrackingData, set_trackings, ship_order, shipment_result
from admin.base import current_actor, parse_id, run_action
from admin.orders.base import OrderViewBase
from models import db


def _tracking_rows() -> list[TrackingData]:
    methods = request.form.getlist("tracking_method")
    numbers = request.form.getlist("tracking_number")
    ids = request.form.getlist("tracking_id")
    return [
        TrackingData(method=method, number=number, id=parse_id(ids[index] if index < len(ids) else ""))
        for index, (method, number) in enumerate(zip(methods, numbers, strict=False))
    ]


class OrderShippingView(OrderViewBase):
    @expose("/ship/", methods=("GET", "POST"))
    def ship_view(self) -> Any:
        """Mark as Shipped: everything remaining, or chosen quantities, plus tracking rows."""
        order = self.get_order_or_404(request.args.get("id"))
        if request.method == "POST":
            # The page sends a quantity per line (starting at what remains); a post without
            # any, from a script, ships everything remaining.
            fields = {li.id: f"ship-{li.id}" for li in order.line_items}
            quantities = {
                line_id: request.form[name] for line_id, name in fields.items() if name in request.form
            } or None
            trackings = _tracking_rows()
            outcome = run_action(
                lambda: ship_order(
                    db.session, order, actor=current_actor(), quantities=quantities, trackings=trackings
                ),
                done=shipment_result,
            )
            if outcome.ok:
                return self.back_to_order(order.id)
            order = self.get_order_or_404(order.id)
        carrier = order.shipping_method.carrier if order.shipping_method else None
        return self.render("orders/ship.html", order=order, default_carrier=carrier or "")

    @expose("/trackings/", methods=("GET", "POST"))
    def trackings_view(self) -> Any:
        """Shipping Tracking: edit the whole set of tracking rows of an open or shipped order."""
        order = self.get_order_or_404(request.args.get("id"))
        if request.method == "POST":
            outcome = run_action(
                lambda: set_trackings(db.session, order, _tracking_rows(), actor=current_actor()),
                done="Shipping Tracking Numbers have been updated",
            )
            if outcome.ok:
                return self.back_to_order(order.id)
            order = self.get_order_or_404(order.id)
        return self.render("orders/trackings.html", order=order)
