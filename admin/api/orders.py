"""/api/v1/orders: list, read, create, update (If-Match), delete; lifecycle transitions,
shipments and bulk transitions (as jobs). Each call runs one action, as a panel form does."""

from __future__ import annotations

import dataclasses
from typing import Any

import marshmallow as ma
from flask import Response, url_for
from flask.views import MethodView

from actions.creation import OrderData, create_order
from actions.editing import delete_order, update_order
from actions.errors import DomainError
from actions.jobs import start_bulk_job
from actions.lifecycle import TRANSITIONS, apply_transition, get_transition
from actions.order_input import AddressData, DiscountData, LineData
from actions.permissions import require_permission
from actions.reordering import order_data_from
from actions.shipping import TrackingData, ship_order
from admin.api.auth import api_actor
from admin.api.common import (
    ApiError,
    NotFoundError,
    Schema,
    api_blueprint,
    etag_of,
    links,
    problem_responses,
    required_version,
    unit_of_work,
)
from admin.api.fields import RecordId
from admin.api.links import job_links, order_answer_links, order_list_links
from admin.api.order_list import OrderListArgs, list_orders
from admin.api.order_schemas import OrderDetail, OrderIn, OrderPage, OrderUpdate, ShipmentIn, TransitionResult
from admin.jobs.views import hand_to_workers
from admin.settings import storage
from models import Order, db

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": "The order's ETag (or version) as read; 412 when the order has changed since.",
}
blp = api_blueprint("api_orders", "/orders", "Orders: the grid, the order page and its operations.")


NO_ORDER = "There is no such order: it may have been deleted, or the id is wrong."


def _document(*codes: int) -> Any:
    """Say in the contract which problem documents an operation may answer with."""
    return problem_responses(blp, *codes)


def _viewer() -> Any:
    actor = api_actor()
    try:
        require_permission(actor, "view_orders")
    except DomainError as exc:
        raise ApiError(exc) from exc
    return actor


def _order_or_404(order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if order is None:
        raise ApiError(NotFoundError(NO_ORDER))
    return order


def _with_etag(order: Order, status: int = 200) -> Response:
    response = Response(status=status)
    response.set_data(OrderDetail().dumps(order))
    response.mimetype = "application/json"
    response.headers["ETag"] = etag_of(order.version)
    return response


def _order_data(body: dict[str, Any]) -> OrderData:
    return OrderData(
        customer_id=body.get("customer_id"),
        currency=body.get("currency", ""),
        lines=[LineData(**line) for line in body.get("lines", [])],
        customer_user_id=body.get("customer_user_id"),
        billing_address=AddressData(**body["billing_address"]) if body.get("billing_address") else None,
        shipping_address=AddressData(**body["shipping_address"]) if body.get("shipping_address") else None,
        shipping_method_id=body.get("shipping_method_id"),
        overridden_shipping_cost=body.get("overridden_shipping_cost"),
        special_discounts=[DiscountData(**d) for d in body.get("special_discounts", [])],
        po_number=body.get("po_number"),
        ship_until=body.get("ship_until"),
        customer_notes=body.get("customer_notes"),
        payment_term_id=body.get("payment_term_id"),
        payment_method=body.get("payment_method"),
        owner_id=body.get("owner_id"),
    )


def _updated_data(order: Order, body: dict[str, Any]) -> OrderData:
    """The order's current contents with the fields the body names replaced."""
    current = order_data_from(order)
    pairs = zip(current.lines, order.line_items, strict=True)
    kept_lines = [dataclasses.replace(data, id=line.id) for data, line in pairs]
    given = _order_data({"currency": order.currency, "customer_id": order.customer_id, **body})
    changes: dict[str, Any] = {name: getattr(given, name) for name in body if name != "lines"}
    changes["lines"] = given.lines if "lines" in body else kept_lines
    changes["promotion_states"] = {
        p.id: "active" if p.active else "inactive" for p in order.applied_promotions
    }
    return dataclasses.replace(current, **changes)


@blp.route("/")
class Orders(MethodView):
    @blp.arguments(OrderListArgs, location="query", unknown=ma.RAISE)
    @blp.response(200, OrderPage)
    @links(200, **order_list_links())
    @_document(403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The orders matching every filter given, a page at a time (follow `next_cursor`)."""
        _viewer()
        rows, next_cursor = list_orders(args)
        return {"items": rows, "next_cursor": next_cursor}

    @blp.arguments(OrderIn)
    @blp.response(201, OrderDetail)
    @links(201, **order_answer_links())
    @_document(403, 409, 422)
    def post(self, body: dict[str, Any]) -> Response:
        """Create an order on a buyer's behalf, with the same checks as the Create Order form."""
        actor = api_actor()
        order = unit_of_work(lambda: create_order(db.session, _order_data(body), actor=actor))
        response = _with_etag(order, 201)
        response.headers["Location"] = url_for(".Order", order_id=order.id)
        return response


@blp.route("/<int:order_id>", endpoint="Order")
class OrderResource(MethodView):
    @blp.response(200, OrderDetail)
    @links(200, **order_answer_links())
    @_document(403, 404)
    def get(self, order_id: int) -> Response:
        """The order with its lines, addresses, discounts, promotions, trackings and totals.
        Its ETag is its version: send it back as If-Match to update it."""
        _viewer()
        return _with_etag(_order_or_404(order_id))

    @blp.arguments(OrderUpdate(partial=tuple(OrderUpdate().fields)))
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, OrderDetail)
    @links(200, **order_answer_links())
    @_document(403, 404, 409, 412, 422, 428)
    def patch(self, body: dict[str, Any], order_id: int) -> Response:
        """Change an open order. If-Match must hold the version read (412 when it moved on)."""
        actor = api_actor()
        order = _order_or_404(order_id)
        version = required_version()
        unit_of_work(
            lambda: update_order(
                db.session, order, _updated_data(order, body), actor=actor, expected_version=version
            )
        )
        return _with_etag(order)

    @blp.response(204)
    @_document(403, 404, 409)
    def delete(self, order_id: int) -> None:
        """Delete the order with its notes, attachments, events and emails."""
        actor = api_actor()
        order = _order_or_404(order_id)
        keys = unit_of_work(lambda: delete_order(db.session, order, actor=actor))
        files = storage()
        for key in keys:
            files.delete(key)


@blp.route("/<int:order_id>/transitions/<string:name>", methods=["POST"])
@blp.response(200, TransitionResult)
@_document(403, 404, 409)
def transition(order_id: int, name: str) -> dict[str, Any]:
    """Cancel, mark_shipped, close or archive the order (the lifecycle's rules apply)."""
    actor = api_actor()
    order = _order_or_404(order_id)
    if name not in TRANSITIONS:
        raise ApiError(NotFoundError(f"{name[:40]!r} is not an order transition: {', '.join(TRANSITIONS)}."))
    unit_of_work(lambda: apply_transition(db.session, order, name, actor=actor))
    return {"order": order, "message": get_transition(name).result(order)}


@blp.route("/<int:order_id>/shipments", methods=["POST"])
# No body at all is a shipment of everything left, as `{}` is: the contract says it is optional.
@blp.arguments(ShipmentIn, required=False)
@blp.response(200, OrderDetail)
@links(200, **order_answer_links())
@_document(403, 404, 409, 422)
def ship(body: dict[str, Any], order_id: int) -> Response:
    """Ship everything left, or the quantities given per line id, with tracking numbers."""
    actor = api_actor()
    order = _order_or_404(order_id)
    # An empty `lines` ships nothing (ship_order refuses it); only a missing one ships everything.
    quantities = None if body["lines"] is None else {int(k): v for k, v in body["lines"].items()}
    trackings = [TrackingData(method=t["method"], number=t["number"]) for t in body["trackings"]]
    unit_of_work(
        lambda: ship_order(db.session, order, actor=actor, quantities=quantities, trackings=trackings)
    )
    return _with_etag(order)


class BulkIn(Schema):
    transition = ma.fields.String(
        required=True, metadata={"description": "cancel, mark_shipped, close, archive or delete"}
    )
    order_ids = ma.fields.List(
        RecordId(),
        required=True,
        validate=ma.validate.Length(min=1, max=100_000),
    )


class JobAccepted(Schema):
    job_id = ma.fields.Integer()
    job_url = ma.fields.String()


@blp.route("/bulk-transitions", methods=["POST"])
@blp.arguments(BulkIn)
@blp.response(202, JobAccepted)
@links(202, **job_links("$response.body#/job_id"))
@_document(403, 409, 422)
def bulk_transition(body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Apply one transition (or delete) to many orders as a job; follow its URL for progress."""
    actor = api_actor()
    operation = body["transition"]
    job = unit_of_work(lambda: start_bulk_job(db.session, operation, body["order_ids"], actor=actor))
    hand_to_workers(job.id)
    url = url_for("api_jobs.Job", job_id=job.id)
    return {"job_id": job.id, "job_url": url}, 202, {"Location": url}
