"""The operations a bulk job applies to many orders (run by actions/job_chunks.py): each
order on its own, or a chunk's orders in one statement for a status-only move; and the words
the grid's menus use for them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from actions.editing import delete_order
from actions.errors import DomainError, InvalidTransition
from actions.lifecycle import TRANSITIONS, OrderRow, move_order, move_orders
from models import Order, User, record_id
from models.orders import STATUS_LABELS

SKIPPED_NOTE = "Orders this cannot apply to are skipped and listed in the report."


def parse_ids(raw_ids: Iterable[str]) -> list[int]:
    """Turn posted ids into integers, each once. Raises: DomainError for a non-number."""
    ids: list[int] = []
    for raw in raw_ids:
        text = str(raw).strip()
        order_id = record_id(text)
        if order_id is None:
            raise DomainError(f"{text[:20]!r} is not an order id; nothing was changed.")
        ids.append(order_id)
    return list(dict.fromkeys(ids))


OrderStep = Callable[[Session, Order, User | None], Sequence[str]]
OrdersMove = Callable[[Session, Sequence[OrderRow], User | None], list[tuple[OrderRow, InvalidTransition]]]


@dataclass(frozen=True)
class BulkOperation:
    """One entry of the grid's "With selected" and filter-wide menus."""

    name: str
    label: str
    permission: str
    done: str  # "3 orders <done>; 1 skipped: …"
    consequence: str  # what happens to the orders, said before anything is done
    # Changes one order; returns the storage keys of files to remove once the work is committed.
    step: OrderStep
    # Does the same to many orders, read as rows, in one statement (a status-only
    # transition); returns the orders it could not apply to, with why.
    batch: OrdersMove | None = None

    def question(self, count: int) -> str:
        """The confirmation for `count` orders: "Cancel 3 orders? Open orders become …"."""
        noun = "order" if count == 1 else "orders"
        return f"{self.label} {count:,} {noun}? {self.consequence} {SKIPPED_NOTE}"

    def selection_question(self) -> str:
        """The same for the rows ticked in the grid, counted by the browser: {count} and {s}
        stand for their number and a plural "s"."""
        return f"{self.label} {{count}} selected order{{s}}? {self.consequence} {SKIPPED_NOTE}"


def _transition_step(name: str) -> OrderStep:
    def step(session: Session, order: Order, actor: User | None) -> list[str]:
        move_order(session, order, name, actor=actor)
        return []

    return step


def _transition_batch(name: str) -> OrdersMove:
    def batch(
        session: Session, orders: Sequence[OrderRow], actor: User | None
    ) -> list[tuple[OrderRow, InvalidTransition]]:
        return move_orders(session, orders, name, actor=actor)

    return batch


def _delete_step(session: Session, order: Order, actor: User | None) -> list[str]:
    return delete_order(session, order, actor=actor)


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
            None if t.effect is not None else _transition_batch(t.name),
        )
        for t in TRANSITIONS.values()
    ] + [DELETE]


def get_bulk_operation(name: str) -> BulkOperation:
    """Raises: InvalidTransition for a name that is no bulk operation."""
    for operation in bulk_operations():
        if operation.name == name:
            return operation
    raise InvalidTransition(f"{str(name)[:40]!r} is not an order action; nothing was changed.")
