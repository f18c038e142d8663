"""Printable documents of an order (SPEC §4): what an Invoice and a Packing Slip show, and the
job that prints many orders' documents into one file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from actions.errors import DomainError, ValidationFailed
from actions.jobs import add_items, start_job
from actions.permissions import require_permission
from models import Job, Order, OrderLineItem, User

# The documents, by the name their URLs and the grid's menu use, with their titles.
DOCUMENTS = {"invoice": "Invoice", "packing_slip": "Packing Slip"}
PAPER_SIZES = ("A4", "Letter")
PRINT_JOB = "print"


@dataclass(frozen=True)
class LineToShip:
    """One line of a packing slip: what was ordered, what has gone, what is left to ship."""

    line: OrderLineItem
    ordered: Decimal
    shipped: Decimal
    remaining: Decimal


def check_document(kind: str) -> str:
    """The document's title. Raises: ValidationFailed for a name that is no document."""
    if kind not in DOCUMENTS:
        raise ValidationFailed(f"{str(kind)[:40]!r} is not a printable document.")
    return DOCUMENTS[kind]


def check_paper_size(value: str) -> str:
    """The paper size as CSS names it (A4 or Letter, any case). Raises: ValidationFailed."""
    for size in PAPER_SIZES:
        if value.strip().lower() == size.lower():
            return size
    raise ValidationFailed(f"The paper size must be A4 or Letter, not {value[:20]!r}.")


def lines_to_ship(order: Order) -> list[LineToShip]:
    """The packing slip's lines: each line with its ordered, shipped and remaining quantity;
    once something has shipped, only the lines with something left (a partial shipment's
    slip lists what remains), and every line when all has shipped (a reprint).

    Raises: nothing.
    """
    rows = [
        LineToShip(li, li.quantity, li.shipped_quantity, max(li.quantity - li.shipped_quantity, Decimal(0)))
        for li in order.line_items
    ]
    left = [row for row in rows if row.remaining > 0]
    return left or rows


def start_print_job(session: Session, kind: str, order_ids: Iterable[int], *, actor: User) -> Job:
    """Create a queued job printing one document of each of these orders, in this order, into
    one PDF file.

    Raises: PermissionDenied when the actor may not view orders; ValidationFailed for an
    unknown document; DomainError when no order is given.
    """
    require_permission(actor, "view_orders")
    title = check_document(kind)
    params: dict[str, object] = {"document": kind, "parts": []}
    job = start_job(session, PRINT_JOB, f"Print {title}s", params=params, owner=actor)
    job.total = add_items(session, job, order_ids)
    if job.total == 0:
        raise DomainError("Select at least one order to print.")
    noun = "order" if job.total == 1 else "orders"
    job.title = f"Print {title}s of {job.total:,} {noun}"
    job.params = {**params, "filename": print_filename(kind, f"{job.total}-orders")}
    return job


def print_filename(kind: str, name: str) -> str:
    """The file name a document is offered under: "invoice-SO-000012.pdf". Raises: nothing."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
    return f"{kind.replace('_', '-')}-{safe}.pdf"
