"""Invoices and packing slips as PDF: the Jinja templates under templates/documents/ rendered
by WeasyPrint, one order or many in one file (each order from a new page).

WeasyPrint is imported when a document is first printed, not when the app starts: it needs
the system's Pango, and a server without it should still serve everything else (and say
plainly why it cannot print).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import render_template
from sqlalchemy.orm import Session, selectinload

from actions.documents import DOCUMENTS, lines_to_ship
from actions.errors import DomainError
from actions.pricing import order_totals
from admin.settings import paper_size, seller
from models import Order

NO_PANGO = (
    "Printing is not available on this server: WeasyPrint cannot find the Pango library "
    "(on Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)."
)
# What a document's orders need loaded besides the order itself (one query each).
DOCUMENT_LOADS = (
    selectinload(Order.line_items),
    selectinload(Order.special_discounts),
    selectinload(Order.shipping_trackings),
    selectinload(Order.applied_promotions),
)


class PrintingUnavailable(DomainError):
    """WeasyPrint or the libraries it needs are not installed."""


def _document_of(session: Session, kind: str, order: Order) -> dict[str, Any]:
    """What one order's document shows, besides the order itself."""
    if kind == "invoice":
        totals = order_totals(session, order)
        lines = list(zip(order.line_items, totals.line_totals, strict=True))
        return {"order": order, "totals": totals, "lines": lines}
    return {"order": order, "lines": lines_to_ship(order)}


def documents_html(session: Session, kind: str, orders: Sequence[Order]) -> str:
    """The HTML of one document per order, in the given order, each on new pages."""
    name, address = seller()
    return render_template(
        f"documents/{kind}.html",
        title=DOCUMENTS[kind],
        documents=[_document_of(session, kind, order) for order in orders],
        seller_name=name,
        seller_address=address,
        paper=paper_size(),
    )


def html_to_pdf(html: str) -> bytes:
    """Lay out and write the PDF. Raises: PrintingUnavailable without WeasyPrint or Pango."""
    try:
        import weasyprint
    except (ImportError, OSError):
        raise PrintingUnavailable(NO_PANGO) from None
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf is not None, "write_pdf returns the bytes when given no target"
    return bytes(pdf)


def documents_pdf(session: Session, kind: str, orders: Sequence[Order]) -> bytes:
    """One PDF with the `kind` document of each order. Raises: PrintingUnavailable."""
    return html_to_pdf(documents_html(session, kind, orders))
