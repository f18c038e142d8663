"""/api/v1/orders/{id}/coupons, /promotions and /special-discounts: the Discounts section of an
open order, as its forms handle it. Each change recomputes the totals and answers with the
order (its ETag is its new version). The panel's discount forms carry no order version, so
these calls take no If-Match either: each one is checked against the order as it is now."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView

from actions.discounts import (
    add_special_discount,
    apply_coupon,
    remove_coupon,
    remove_special_discount,
    set_promotion_active,
    update_special_discount,
)
from actions.order_input import DiscountData
from admin.api.auth import api_actor
from admin.api.common import ApiError, Schema, api_blueprint, links, unit_of_work
from admin.api.links import order_answer_links, special_discount_list_links
from admin.api.order_schemas import OrderDetail, SpecialDiscount
from admin.api.orders import NotFoundError, _document, _order_or_404, _viewer, _with_etag
from models import AppliedPromotion, Order, db
from models import SpecialDiscount as SpecialDiscountRow

blp = api_blueprint(
    "api_order_promotions", "/orders", "Coupons, promotions and special discounts on an open order."
)
F = ma.fields
NO_PROMOTION = "This promotion is not applied to the order (it may have been removed already)."
NO_DISCOUNT = "This Special Discount is not on the order (it may have been removed already)."


class CouponIn(Schema):
    code = F.String(required=True, validate=ma.validate.Length(max=1000))


class PromotionState(Schema):
    active = F.Boolean(required=True, metadata={"description": "false: kept, but takes nothing off"})


class SpecialDiscountUpdate(SpecialDiscount):
    """Loaded partial: the fields left out stay as they are."""


def _applied(order: Order, applied_id: int) -> AppliedPromotion:
    found = next((p for p in order.applied_promotions if p.id == applied_id), None)
    if found is None:
        raise ApiError(NotFoundError(NO_PROMOTION))
    return found


def _special(order: Order, discount_id: int) -> SpecialDiscountRow:
    found = next((d for d in order.special_discounts if d.id == discount_id), None)
    if found is None:
        raise ApiError(NotFoundError(NO_DISCOUNT))
    return found


def _changed(order: Order, operation: Any) -> Response:
    """Run one discount action on the order; answer with the order and its new ETag."""
    unit_of_work(operation)
    return _with_etag(order)


@blp.route("/<int:order_id>/coupons", methods=["POST"])
@blp.arguments(CouponIn)
@blp.response(200, OrderDetail)
@links(200, **order_answer_links())
@_document(403, 404, 409, 422)
def add_coupon(body: dict[str, Any], order_id: int) -> Response:
    """Add Coupon Code: the coupon's promotion joins the order and its use is counted. A code
    that may not go on the order is refused with why (422, code coupon_not_applicable)."""
    actor = api_actor()
    order = _order_or_404(order_id)
    return _changed(order, lambda: apply_coupon(db.session, order, body["code"], actor=actor))


@blp.route("/<int:order_id>/coupons/<int:applied_id>", methods=["DELETE"])
@blp.response(200, OrderDetail)
@_document(403, 404, 409)
def delete_coupon(order_id: int, applied_id: int) -> Response:
    """Take a coupon off the order (its use is given back). `applied_id` is its id among the
    order's applied_promotions; an automatic promotion is deactivated instead (409)."""
    actor = api_actor()
    order = _order_or_404(order_id)
    applied = _applied(order, applied_id)
    return _changed(order, lambda: remove_coupon(db.session, order, applied.id, actor=actor))


@blp.route("/<int:order_id>/promotions/<int:applied_id>", methods=["PATCH"])
@blp.arguments(PromotionState)
@blp.response(200, OrderDetail)
@_document(403, 404, 409, 422)
def change_promotion(body: dict[str, Any], order_id: int, applied_id: int) -> Response:
    """Deactivate (kept, no discount) or re-activate a promotion or coupon on the order."""
    actor = api_actor()
    order = _order_or_404(order_id)
    applied = _applied(order, applied_id)
    return _changed(
        order, lambda: set_promotion_active(db.session, order, applied.id, body["active"], actor=actor)
    )


@blp.route("/<int:order_id>/special-discounts")
class SpecialDiscounts(MethodView):
    @blp.response(200, SpecialDiscount(many=True))
    @links(200, **special_discount_list_links())
    @_document(403, 404)
    def get(self, order_id: int) -> list[SpecialDiscountRow]:
        """The order's special discounts (the order also lists them, with its totals)."""
        _viewer()
        return list(_order_or_404(order_id).special_discounts)

    @blp.arguments(SpecialDiscount)
    @blp.response(200, OrderDetail)
    @links(200, **order_answer_links())
    @_document(403, 404, 409, 422)
    def post(self, body: dict[str, Any], order_id: int) -> Response:
        """Add Special Discount: an amount in the order's currency, or a percent of the subtotal."""
        actor = api_actor()
        order = _order_or_404(order_id)
        data = DiscountData(**body)
        return _changed(order, lambda: add_special_discount(db.session, order, data, actor=actor))


@blp.route("/<int:order_id>/special-discounts/<int:discount_id>")
class SpecialDiscountResource(MethodView):
    @blp.arguments(SpecialDiscountUpdate(partial=True))
    @blp.response(200, OrderDetail)
    @_document(403, 404, 409, 422)
    def patch(self, body: dict[str, Any], order_id: int, discount_id: int) -> Response:
        """Change a special discount's type, value or description."""
        actor = api_actor()
        order = _order_or_404(order_id)
        discount = _special(order, discount_id)
        current = {"type": discount.type, "value": discount.value, "description": discount.description}
        data = DiscountData(**{**current, **body})
        return _changed(
            order, lambda: update_special_discount(db.session, order, discount.id, data, actor=actor)
        )

    @blp.response(200, OrderDetail)
    @_document(403, 404, 409)
    def delete(self, order_id: int, discount_id: int) -> Response:
        """Remove a special discount; the totals follow."""
        actor = api_actor()
        order = _order_or_404(order_id)
        discount = _special(order, discount_id)
        return _changed(order, lambda: remove_special_discount(db.session, order, discount.id, actor=actor))
