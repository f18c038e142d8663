"""/api/v1/shopping-lists and /api/v1/rfqs: read with their lines, and an order made from one
(POST …/{id}/orders) through actions/sources.py, which leaves the document as it is.

The order is a sub-collection of its source rather than a `source` body on POST /orders: the
action takes nothing but the document, so the path names all it needs, a missing document is
a plain 404, and POST /orders keeps one body (OrderIn) in the contract.

Shopping lists and RFQs themselves are written by the panel's scaffolded forms (checked by
check_shopping_list / check_rfq) with no action that creates them, so the API only reads them.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from actions.sources import create_order_from_rfq, create_order_from_shopping_list
from admin.api.auth import api_actor
from admin.api.common import api_blueprint, id_page, links, problem_responses, record_or_404, unit_of_work
from admin.api.links import document_links, order_answer_links
from admin.api.order_schemas import OrderDetail
from admin.api.orders import _viewer, _with_etag
from admin.api.sales_document_schemas import (
    DocumentListArgs,
    NoBody,
    RfqListArgs,
    RfqOut,
    RfqPage,
    ShoppingListOut,
    ShoppingListPage,
)
from admin.settings import default_currency
from models import Order, RequestForQuote, RequestProduct, ShoppingList, ShoppingListLine, db

lists_blp = api_blueprint(
    "api_shopping_lists", "/shopping-lists", "Shopping lists: products a buyer orders again and again."
)
rfqs_blp = api_blueprint("api_rfqs", "/rfqs", "Requests for quote: products a buyer asks a price for.")

NO_SHOPPING_LIST = "There is no such shopping list: it may have been deleted, or the id is wrong."
NO_RFQ = "There is no such request for quote: it may have been deleted, or the id is wrong."
ORDER_PROBLEMS = (400, 403, 404, 409, 422)
LIST_PATH = "/shopping-lists/{shopping_list_id}"
RFQ_PATH = "/rfqs/{rfq_id}"
FIRST = "$response.body#/items/0/id"
OWN = "$response.body#/id"


def _shopping_lists() -> Any:
    return select(ShoppingList).options(
        joinedload(ShoppingList.customer),
        joinedload(ShoppingList.customer_user),
        selectinload(ShoppingList.lines).joinedload(ShoppingListLine.product),
    )


def _rfqs() -> Any:
    return select(RequestForQuote).options(
        joinedload(RequestForQuote.customer),
        joinedload(RequestForQuote.customer_user),
        selectinload(RequestForQuote.requested_products).options(
            joinedload(RequestProduct.product), selectinload(RequestProduct.items)
        ),
    )


def _by_customer(query: Any, model: Any, args: dict[str, Any]) -> Any:
    for name in ("customer_id", "customer_user_id"):
        if args.get(name) is not None:
            query = query.where(getattr(model, name) == args[name])
    return query


def _created(order: Order) -> Response:
    response = _with_etag(order, 201)
    response.headers["Location"] = url_for("api_orders.Order", order_id=order.id)
    return response


@lists_blp.route("/")
@lists_blp.arguments(DocumentListArgs, location="query", unknown=ma.RAISE)
@lists_blp.response(200, ShoppingListPage)
@links(200, **document_links("ShoppingList", LIST_PATH, "shopping_list_id", FIRST))
@problem_responses(lists_blp, 403, 422)
def list_shopping_lists(args: dict[str, Any]) -> dict[str, Any]:
    """Shopping lists with their lines, in the order they were made, a page at a time."""
    _viewer()
    return id_page(_by_customer(_shopping_lists(), ShoppingList, args), ShoppingList, args)


@lists_blp.route("/<int:shopping_list_id>", endpoint="ShoppingList")
@lists_blp.response(200, ShoppingListOut)
@links(200, **document_links("ShoppingList", LIST_PATH, "shopping_list_id", OWN))
@problem_responses(lists_blp, 403, 404)
def get_shopping_list(shopping_list_id: int) -> ShoppingList:
    """The shopping list with its lines."""
    _viewer()
    return record_or_404(ShoppingList, shopping_list_id, NO_SHOPPING_LIST)


@lists_blp.route("/<int:shopping_list_id>/orders", methods=["POST"])
@lists_blp.arguments(NoBody, required=False)
@lists_blp.response(201, OrderDetail)
@links(201, **order_answer_links())
@problem_responses(lists_blp, *ORDER_PROBLEMS)
def order_from_shopping_list(_body: dict[str, Any], shopping_list_id: int) -> Response:
    """Create an open order from the shopping list: its customer, buyer, currency, lines and
    notes, the buyer's default addresses, prices from the price list (Create Order's checks)."""
    actor = api_actor()
    shopping_list = record_or_404(ShoppingList, shopping_list_id, NO_SHOPPING_LIST)
    return _created(
        unit_of_work(lambda: create_order_from_shopping_list(db.session, shopping_list, actor=actor))
    )


@rfqs_blp.route("/")
@rfqs_blp.arguments(RfqListArgs, location="query", unknown=ma.RAISE)
@rfqs_blp.response(200, RfqPage)
@links(200, **document_links("Rfq", RFQ_PATH, "rfq_id", FIRST))
@problem_responses(rfqs_blp, 403, 422)
def list_rfqs(args: dict[str, Any]) -> dict[str, Any]:
    """Requests for quote with their requested products, in the order they came, a page at a time."""
    _viewer()
    query = _by_customer(_rfqs(), RequestForQuote, args)
    if args.get("status"):
        query = query.where(RequestForQuote.status == args["status"])
    return id_page(query, RequestForQuote, args)


@rfqs_blp.route("/<int:rfq_id>", endpoint="Rfq")
@rfqs_blp.response(200, RfqOut)
@links(200, **document_links("Rfq", RFQ_PATH, "rfq_id", OWN))
@problem_responses(rfqs_blp, 403, 404)
def get_rfq(rfq_id: int) -> RequestForQuote:
    """The request for quote with its requested products and items."""
    _viewer()
    return record_or_404(RequestForQuote, rfq_id, NO_RFQ)


@rfqs_blp.route("/<int:rfq_id>/orders", methods=["POST"])
@rfqs_blp.arguments(NoBody, required=False)
@rfqs_blp.response(201, OrderDetail)
@links(201, **order_answer_links())
@problem_responses(rfqs_blp, *ORDER_PROBLEMS)
def order_from_rfq(_body: dict[str, Any], rfq_id: int) -> Response:
    """Create an open order from the request for quote: a line per requested product at its
    first item's quantity and target price, in the target prices' currency (else the default
    one). The RFQ keeps its status."""
    actor = api_actor()
    rfq = record_or_404(RequestForQuote, rfq_id, NO_RFQ)
    currency = default_currency()
    return _created(
        unit_of_work(lambda: create_order_from_rfq(db.session, rfq, actor=actor, default_currency=currency))
    )
