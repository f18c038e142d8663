"""Applying one operation to many orders: each order on its own, one report for all."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.editing import delete_order
from actions.errors import DomainError, InvalidTransition
from actions.lifecycle import TRANSITIONS, apply_transition
from actions.permissions import require_permission
from models import Order, User
from models.orders import STATUS_LABELS

# A selection larger than this is refused whole rather than half-applied.
MAX_SELECTION = 10_000
# Order ids are 64-bit at most on every database; anything larger cannot name an order.
MAX_ID = 2**63 - 1
# The report names this many skipped orders, then counts the rest.
REPORTED_SKIPS = 10
SKIPPED_NOTE = "Orders this cannot apply to are skipped and listed in the report."


@dataclass
class BulkReport:
    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Files to remove once the changes are committed (attachments of deleted orders).
    files_to_remove: list[Path] = field(default_factory=list)

    def summary(self, verb: str) -> str:
        """E.g. "3 orders cancelled; 1 skipped: Order SO-000042 cannot be cancelled …"."""
        noun = "order" if len(self.done) == 1 else "orders"
        text = f"{len(self.done)} {noun} {verb}"
        if self.skipped:
            reasons = "; ".join(reason for _number, reason in self.skipped[:REPORTED_SKIPS])
            more = len(self.skipped) - REPORTED_SKIPS
            text += f"; {len(self.skipped)} skipped: {reasons}"
            if more > 0:
                text += f"; and {more:,} more"
        return text


def parse_ids(raw_ids: Iterable[str]) -> list[int]:
    """Turn posted ids into integers. Raises: DomainError for a non-number or too many ids."""
    ids: list[int] = []
    for raw in raw_ids:
        text = str(raw).strip()
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
            raise DomainError(f"{text[:20]!r} is not an order id; nothing was changed.")
        ids.append(int(text))
    if len(ids) > MAX_SELECTION:
        raise DomainError(f"At most {MAX_SELECTION:,} orders can be changed at once; nothing was changed.")
    return list(dict.fromkeys(ids))


def apply_to_orders(
    session: Session,
    raw_ids: Iterable[str],
    operation: Callable[[Order], object],
    *,
    permission: str,
    actor: User | None,
) -> BulkReport:
    """Run `operation` on each order; refusals are reported, not raised.

    Actions check every precondition before changing anything, so a refused order leaves
    nothing behind and the others go on.

    Raises: PermissionDenied (for every row at once) when the actor lacks the permission;
    DomainError for malformed ids. The caller commits the successes.
    """
    if actor is not None:
        require_permission(actor, permission)
    ids = parse_ids(raw_ids)
    orders = {o.id: o for o in session.scalars(select(Order).where(Order.id.in_(ids)))} if ids else {}
    report = BulkReport()
    for order_id in ids:
        order = orders.get(order_id)
        if order is None:
            report.skipped.append((str(order_id), f"Order id {order_id} does not exist"))
            continue
        number = order.identifier or str(order.id)
        try:
            operation(order)
        except DomainError as exc:
            reason = exc.message if number in exc.message else f"Order {number}: {exc.message}"
            report.skipped.append((number, reason))
            continue
        report.done.append(number)
    return report


OrderStep = Callable[[Session, Order, User | None, str | Path | None], Sequence[Path]]


@dataclass(frozen=True)
class BulkOperation:
    """One entry of the grid's "With selected" and filter-wide menus."""

    name: str
    label: str
    permission: str
    done: str  # "3 orders <done>; 1 skipped: …"
    consequence: str  # what happens to the orders, said before anything is done
    # Changes one order; returns the files to remove once the work is committed.
    step: OrderStep

    def question(self, count: int) -> str:
        """The confirmation for `count` orders: "Cancel 3 orders? Open orders become …"."""
        noun = "order" if count == 1 else "orders"
        return f"{self.label} {count:,} {noun}? {self.consequence} {SKIPPED_NOTE}"

    def selection_question(self) -> str:
        """The same for the rows ticked in the grid, counted by the browser: {count} and {s}
        stand for their number and a plural "s"."""
        return f"{self.label} {{count}} selected order{{s}}? {self.consequence} {SKIPPED_NOTE}"


def _transition_step(name: str) -> OrderStep:
    def step(session: Session, order: Order, actor: User | None, upload_dir: str | Path | None) -> list[Path]:
        apply_transition(session, order, name, actor=actor)
        return []

    return step


def _delete_step(
    session: Session, order: Order, actor: User | None, upload_dir: str | Path | None
) -> list[Path]:
    return delete_order(session, order, actor=actor, upload_dir=upload_dir)


DELETE = BulkOperation(
    "delete",
    "Delete",
    "delete_orders",
    "deleted",
    "They are deleted with their notes, attachments, events and emails; this cannot be undone.",
    _delete_step,
)


def bulk_operations() -> list[BulkOperation]:
    """Every transition of the lifecycle table, then Delete (read live from the table)."""
    return [
        BulkOperation(
            t.name,
            t.label,
            t.permission,
            t.done,
            t.consequence or f"Orders become {STATUS_LABELS[t.target]}.",
            _transition_step(t.name),
        )
        for t in TRANSITIONS.values()
    ] + [DELETE]


def get_bulk_operation(name: str) -> BulkOperation:
    """Raises: InvalidTransition for a name that is no bulk operation."""
    for operation in bulk_operations():
        if operation.name == name:
            return operation
    raise InvalidTransition(f"{str(name)[:40]!r} is not an order action; nothing was changed.")


def run_bulk(
    session: Session,
    name: str,
    raw_ids: Iterable[str],
    *,
    actor: User | None,
    upload_dir: str | Path | None = None,
) -> BulkReport:
    """Apply one bulk operation to each selected order (SPEC §3 bulk actions).

    Raises: InvalidTransition for an unknown operation; PermissionDenied for the whole
    selection; DomainError for malformed ids. The caller commits, then removes the files.
    """
    operation = get_bulk_operation(name)
    files: list[Path] = []
    report = apply_to_orders(
        session,
        raw_ids,
        lambda order: files.extend(operation.step(session, order, actor, upload_dir)),
        permission=operation.permission,
        actor=actor,
    )
    report.files_to_remove = files
    return report
