"""Assertions shared by the API tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from models import db


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is a problem document with this status and code; its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["detail"]
    return body


def count(model: Any) -> int:
    """How many rows of `model` the database holds now."""
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def walk(client: Any, url: str, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a list, following `next_cursor` from the first page to the last."""
    pages: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        response = client.get(url, query_string={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "the cursor never ends"
