"""Text never outgrows its column: a flush listener refuses any string longer than the column
keeps (a 10,000-character PO number, 2 MB of notes), with a message naming the field.

One check at the flush covers every way in (order form, dialogs, scaffolded admin forms, the
CLI), on SQLite, which would keep the text, and on PostgreSQL, which would fail the statement.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import String, Text, event, inspect
from sqlalchemy.orm import Mapper, Session

from actions.errors import ValidationFailed
from actions.history import field_label

# Text columns have no length of their own; a person's notes and descriptions stay below this.
MAX_TEXT = 20_000


def column_limit(column_type: Any) -> int | None:
    """The most characters a column keeps (its String length, or MAX_TEXT for Text)."""
    if isinstance(column_type, Text):
        return MAX_TEXT
    if isinstance(column_type, String):
        return column_type.length
    return None


@cache
def _text_columns(mapper: Mapper[Any]) -> tuple[tuple[str, int], ...]:
    """(attribute, limit) of a mapped class's text columns, worked out once per class."""
    limits = ((attr.key, column_limit(attr.columns[0].type)) for attr in mapper.column_attrs)
    return tuple((key, limit) for key, limit in limits if limit is not None)


def check_text_lengths(obj: Any, *, changed_only: bool = False) -> None:
    """Raises: ValidationFailed naming the first text attribute longer than its column
    (with `changed_only`, among the attributes changed since the object was loaded)."""
    state = inspect(obj)
    touched = state.committed_state  # the attributes set since the object was loaded
    for key, limit in _text_columns(state.mapper):
        if changed_only and (key not in touched or not state.attrs[key].history.has_changes()):
            continue
        value = getattr(obj, key, None)
        if isinstance(value, str) and len(value) > limit:
            raise ValidationFailed(f"{field_label(key)}: at most {limit:,} characters.", field=key)


def _check_before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in session.new:
        check_text_lengths(obj)
    # A bulk status change dirties thousands of rows: only what changed needs a look.
    for obj in session.dirty:
        check_text_lengths(obj, changed_only=True)


def install_length_checks(session_class: Any) -> None:
    """Check text lengths on every flush of this Session class, before any other flush
    listener (the audit must never collect changes a refused flush drops); idempotent."""
    if not event.contains(session_class, "before_flush", _check_before_flush):
        event.listen(session_class, "before_flush", _check_before_flush, insert=True)
