"""The order's source document (shopping list, request for quote, or the order re-ordered)."""

from __future__ import annotations

from flask import url_for
from werkzeug.routing import BuildError

from models import Order
from models.orders import SOURCE_LABELS

SOURCE_ENDPOINTS = {
    "shopping_list": "shopping_lists.details_view",
    "rfq": "rfqs.details_view",
    "order": "orders.details_view",
}


def source_document(order: Order) -> str:
    """'Shopping List "Office supplies"', or 'N/A' for an order made from scratch."""
    if not order.source_type:
        return "N/A"
    label = SOURCE_LABELS.get(order.source_type, order.source_type)
    return f'{label} "{order.source_identifier or order.source_id}"'


def source_url(order: Order) -> str | None:
    """Link the source document when it still exists in a view this app serves."""
    endpoint = SOURCE_ENDPOINTS.get(order.source_type or "")
    if endpoint is None or order.source_id is None:
        return None
    try:
        return url_for(endpoint, id=order.source_id)
    except BuildError:
        return None
