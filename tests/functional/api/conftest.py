"""API clients: a test client per role, sending that user's personal token on every call."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from actions.api_tokens import create_api_token
from models import db, utcnow


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
