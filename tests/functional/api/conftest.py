"""API clients: a test client per role, sending that user's personal token on every call.

The API is a thin adapter over actions/, whose rules the rest of the suite checks on both
databases. Its tests are marked `api_adapter` except those whose answers depend on the
database (the order list's sorts, cursors and filters, and the lists' query plans): CI's
PostgreSQL pass leaves the marked ones out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from actions.api_tokens import create_api_token
from models import db, utcnow

# The API tests whose answers depend on the database: they run on PostgreSQL too.
DATABASE_DEPENDENT = {"test_orders.py", "test_list_query_plans.py"}
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.fspath))
        if path.parent == HERE and path.name not in DATABASE_DEPENDENT:
            item.add_marker(pytest.mark.api_adapter)


def token_for(user: Any, name: str = "tests") -> str:
    """A new token of `user`, committed; its secret."""
    secret = create_api_token(db.session, user, name=name, expires_days=None, now=utcnow()).secret
    db.session.commit()
    return secret


def bearer(client: FlaskClient, secret: str) -> FlaskClient:
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


@pytest.fixture
def api_as(app: Flask, users: dict[str, Any]) -> Any:
    """api_as('sales') is a test client calling the API with the sales user's token."""

    def _client(role: str) -> FlaskClient:
        return bearer(app.test_client(), token_for(users[role]))

    return _client
