"""The order page (SPEC §4): header, sections, Activity timeline and Change History."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_admin import expose
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from actions.activities import TIMELINE_KINDS, order_timeline, parse_kinds
from actions.pricing import order_totals
from admin.orders.base import OrderViewBase
from admin.orders.sources import source_document, source_url
from models import AuditEntry, Order, db

HISTORY_LIMIT = 200
# The order page opens these dialogs for the transitions that ask for more input first.
TRANSITION_FORMS = {"shipment": ".ship_view"}


class OrderPageView(OrderViewBase):
    details_template = "orders/details.html"

    @expose("/details/")
    def details_view(self) -> Any:
        order = self.get_order_or_404(request.args.get("id"))
        history = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.order_id == order.id)
            .options(joinedload(AuditEntry.actor))
            .order_by(AuditEntry.id.desc())
            .limit(HISTORY_LIMIT)
        ).all()
        return self.render(
            self.details_template,
            order=order,
            can=self.capabilities(order),
            transition_forms=TRANSITION_FORMS,
            totals=order_totals(db.session, order),
            history=history,
            source_document=source_document(order),
            source_url=source_url(order),
            timeline=self._timeline(order),
            return_url=self.get_url(".index_view"),
        )

    @staticmethod
    def _timeline(order: Order) -> dict[str, Any]:
        """What the Activity section shows: the chosen kinds, newest first."""
        raw = request.args.get("activity", "all")
        current = raw if raw in TIMELINE_KINDS else "all"
        return {
            "items": order_timeline(db.session, order, parse_kinds(raw)),
            "current": current,
            "kinds": TIMELINE_KINDS,
        }
