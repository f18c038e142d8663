"""The order form's live totals: one JSON endpoint over actions/totals_preview.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, jsonify, request
from flask_admin import expose

from actions.capabilities import grid_capabilities
from actions.errors import PermissionDenied
from actions.money import format_money, round_money
from actions.totals import Totals
from actions.totals_preview import preview_totals
from admin.base import current_actor, parse_id, run_preview
from admin.orders.base import OrderViewBase
from admin.orders.forms import OrderForm, order_data_from_form
from models import db

INVALID_INPUT = 422


def _amount(value: Decimal | None, currency: str) -> dict[str, str | None]:
    """An amount both ways: `amount` for scripts ('12.50'), `text` for people ('$12.50')."""
    return {
        "amount": None if value is None else str(round_money(value, currency)),
        "text": format_money(value, currency),
    }


def totals_json(totals: Totals) -> dict[str, Any]:
    currency = totals.currency
    discounts = totals.order_discounts_total + totals.shipping_discounts_total
    return {
        "currency": currency,
        "subtotal": _amount(totals.subtotal, currency),
        "discounts": _amount(discounts, currency),
        "shipping": _amount(totals.shipping, currency),
        "tax": _amount(totals.tax, currency),
        "total": _amount(totals.total, currency),
        "rows": [
            {"label": row.label, "sign": row.sign, **_amount(row.amount, currency)} for row in totals.rows
        ],
    }


class OrderTotalsPreviewView(OrderViewBase):
    """POST needs edit_orders (the base view), and create_orders or an editable order."""

    @expose("/totals-preview", methods=("POST",))
    def totals_preview(self) -> Any:
        """The totals the create or edit form (as posted, with `order_id` for an edit) would
        save; a refusal is a 422 with its message and field, and nothing is saved either way."""
        raw_id = request.form.get("order_id", "")
        order = self.get_order_or_404(raw_id) if raw_id else None
        if order is None and not grid_capabilities(current_actor()).create:
            abort(403)
        form = OrderForm()
        version = parse_id(form.version.data)
        outcome = run_preview(
            lambda: preview_totals(
                db.session,
                order_data_from_form(form),
                order=order,
                actor=current_actor(),
                expected_version=version if version is not None else -1,
            )
        )
        if outcome.result is not None:
            return jsonify(totals_json(outcome.result))
        refusal = outcome.refusal
        if isinstance(refusal, PermissionDenied):
            abort(403)
        error = {"error": refusal.message, "field": refusal.field} if refusal else {"error": "No totals."}
        return jsonify(error), INVALID_INPUT
