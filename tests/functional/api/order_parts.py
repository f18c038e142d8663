"""What the tests of an order's parts over the API share: reading problem documents, and
reading the database afresh after a call."""

from __future__ import annotations

from typing import Any

from models import Order, db


def problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The problem document a call answered with, checked for its status (and code)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status and body["detail"]
    if code is not None:
        assert body["code"] == code, body
    return body


def fresh_order(order_id: int) -> Order:
    """The order as the database has it now."""
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Order, order_id)


def count(model: Any, **where: Any) -> int:
    """How many rows of a model there are now (with these column values)."""
    db.session.rollback()
    return db.session.query(model).filter_by(**where).count()
