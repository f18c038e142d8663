"""Invoice and Packing Slip: one order's document from its page, and the grid's Print
Invoices / Print Packing Slips on a selection. Up to DIRECT_PRINT_LIMIT orders are answered
at once with one PDF; more are printed by a job whose page offers the file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response, flash, redirect, url_for
from flask_admin import expose
from sqlalchemy import select

from actions.documents import print_filename, start_print_job
from admin.base import current_actor, run_action
from admin.documents_pdf import DOCUMENT_LOADS, PrintingUnavailable, documents_pdf
from admin.jobs.views import queue_started_job
from admin.orders.base import OrderViewBase
from models import Order, db

# The grid's menu entries: action name -> the document it prints.
PRINT_ACTIONS = {"print_invoice": "invoice", "print_packing_slip": "packing_slip"}
PRINT_LABELS = {"print_invoice": "Print Invoices", "print_packing_slip": "Print Packing Slips"}
# WeasyPrint lays out and writes about 8 one-page orders a second on one core (3-5 on a busy
# one): a selection this size is answered in a few seconds; a larger one is a job rather than
# a request that ties up a web worker.
DIRECT_PRINT_LIMIT = 25


def pdf_response(pdf: bytes, filename: str, *, inline: bool) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )


class OrderDocumentsView(OrderViewBase):
    def _document(self, kind: str, order_id: int) -> Any:
        order = self.get_order_or_404(order_id)
        if not self.capabilities(order).documents:
            flash("You do not have permission to print this order.", "error")
            return self.back_to_order(order.id)
        try:
            pdf = documents_pdf(db.session, kind, [order])
        except PrintingUnavailable as exc:
            flash(exc.message, "error")
            return self.back_to_order(order.id)
        return pdf_response(pdf, print_filename(kind, order.identifier or str(order.id)), inline=True)

    @expose("/<int:order_id>/invoice.pdf")
    def invoice_view(self, order_id: int) -> Any:
        return self._document("invoice", order_id)

    @expose("/<int:order_id>/packing-slip.pdf")
    def packing_slip_view(self, order_id: int) -> Any:
        return self._document("packing_slip", order_id)


def print_actions() -> list[tuple[str, str]]:
    """The grid's print entries, (action name, label), in menu order."""
    return list(PRINT_LABELS.items())


def printed_selection(action: str, order_ids: Sequence[int], back: str) -> Any:
    """The chosen document of every selected order in one PDF, at once for a few orders,
    else by a job (its page follows the progress and then offers the file)."""
    kind = PRINT_ACTIONS[action]
    if not order_ids:
        flash("Select at least one order to print.", "error")
        return redirect(back)
    if len(order_ids) > DIRECT_PRINT_LIMIT:
        outcome = run_action(lambda: start_print_job(db.session, kind, order_ids, actor=current_actor()))
        if outcome.result is None:
            return redirect(back)
        queue_started_job(outcome.result)
        return redirect(url_for("jobs.job", job_id=outcome.result.id, back=back))
    query = select(Order).where(Order.id.in_(order_ids)).options(*DOCUMENT_LOADS)
    found = {order.id: order for order in db.session.scalars(query)}
    orders = [found[order_id] for order_id in order_ids if order_id in found]
    if not orders:
        flash("None of the selected orders exists any more; nothing was printed.", "error")
        return redirect(back)
    try:
        pdf = documents_pdf(db.session, kind, orders)
    except PrintingUnavailable as exc:
        flash(exc.message, "error")
        return redirect(back)
    noun = "order" if len(orders) == 1 else "orders"
    name = print_filename(kind, f"{len(orders)}-{noun}")
    return pdf_response(pdf, name, inline=False)
