"""Who the API lets in: a valid personal token, with its user's role, and nothing else. A
browser's session cookie does not authenticate it, no answer sets a cookie, no CSRF token is
asked for, and each token has its own rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from actions.api_tokens import create_api_token, revoke_api_token
from actions.users import deactivate_user, update_user
from models import ApiToken, Order, db, utcnow
from tests.conftest import build_app, login
from tests.factories import make_order
from tests.functional.api.conftest import bearer, token_for

ORDERS = "/api/v1/orders/"
PROBLEM = "application/problem+json"
NOT_VALID = "The API token is missing, unknown, expired or revoked."


def _order_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Order))


def _status(order: Order) -> str:
    db.session.expire_all()
    return db.session.get(Order, order.id).internal_status


@pytest.fixture
def open_order(catalog: dict[str, Any], users: dict[str, Any]) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


def _new_order(catalog: dict[str, Any]) -> dict[str, Any]:
    address = {"customer_address_id": catalog["address"].id}
    return {
        "customer_id": catalog["customer"].id,
        "currency": "USD",
        "lines": [{"product_id": catalog["widget"].id, "quantity": "2"}],
        "billing_address": address,
        "shipping_address": address,
    }


def _assert_refused_as_unauthenticated(response: Any) -> None:
    assert response.status_code == 401
    assert response.content_type == PROBLEM
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="OrderDesk"'
    assert response.get_json()["detail"] == NOT_VALID
    assert "Set-Cookie" not in response.headers


@pytest.fixture
def app_with_limit(app: Flask) -> Iterator[Flask]:
    """A second app on the same database, rate limiting on (3 calls a minute) and CSRF on."""
    limited = build_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_ENABLED=True,
        ORDERDESK_API_RATE_LIMIT="3 per minute",
        WTF_CSRF_ENABLED=True,
    )
    yield limited
    with limited.app_context():
        db.engine.dispose()


# --- refused: 401 with a problem document, and nothing changes -----------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Basic YWRtaW5AZXhhbXBsZS5jb206Y29ycmVjdC1ob3JzZS00Mg==",
        "Bearer",
        "Bearer    ",
        "Token odk_something",
        "Bearer odk_not-a-token-anyone-was-given",
        "Bearer not-even-shaped-like-one",
        "Bearer odk_" + "x" * 500,
    ],
)
def test_a_call_without_a_valid_token_is_refused_with_401(client, users, catalog, authorization):
    # Given a request with no Authorization header, another scheme, an empty or unknown token
    headers = {"Authorization": authorization} if authorization else {}

    # When it lists orders, or tries to create one
    listed = client.get(ORDERS, headers=headers)
    created = client.post(ORDERS, json=_new_order(catalog), headers=headers)

    # Then both are refused with a 401 problem naming the Bearer scheme, and nothing is made
    _assert_refused_as_unauthenticated(listed)
    _assert_refused_as_unauthenticated(created)
    assert created.get_json()["code"] == "unauthorized"
    assert _order_count() == 0


def test_an_expired_token_is_refused(app, users, catalog):
    # Given a token made for 30 days, whose time has passed
    made = create_api_token(db.session, users["sales"], name="old", expires_days=30, now=utcnow())
    db.session.commit()
    client = bearer(app.test_client(), made.secret)
    assert client.get(ORDERS).status_code == 200
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == made.token.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()

    # When it is used again; then it is refused and creates nothing
    _assert_refused_as_unauthenticated(client.get(ORDERS))
    _assert_refused_as_unauthenticated(client.post(ORDERS, json=_new_order(catalog)))
    assert _order_count() == 0


def test_a_revoked_token_is_refused_at_once(app, users, catalog):
    # Given a token in use
    secret = token_for(users["sales"])
    client = bearer(app.test_client(), secret)
    assert client.get(ORDERS).status_code == 200

    # When its owner revokes it
    token = db.session.scalars(select(ApiToken)).one()
    revoke_api_token(db.session, token, actor=users["sales"], now=utcnow())
    db.session.commit()

    # Then its next calls are refused, and change nothing
    _assert_refused_as_unauthenticated(client.get(ORDERS))
    _assert_refused_as_unauthenticated(client.post(ORDERS, json=_new_order(catalog)))
    assert _order_count() == 0


def test_the_tokens_of_a_deactivated_user_stop_working(app, users, catalog):
    # Given a sales user's token in use
    client = bearer(app.test_client(), token_for(users["sales"]))
    assert client.get(ORDERS).status_code == 200

    # When an administrator deactivates the user
    deactivate_user(db.session, users["sales"])
    db.session.commit()

    # Then the token is refused, and creates nothing
    _assert_refused_as_unauthenticated(client.get(ORDERS))
    _assert_refused_as_unauthenticated(client.post(ORDERS, json=_new_order(catalog)))
    assert _order_count() == 0


# --- no cookies, no CSRF ------------------------------------------------------------------


def test_a_browser_session_alone_does_not_authenticate_the_api(client, users, catalog):
    # Given a browser logged in to the panel as an administrator
    assert login(client, users["admin"].email).status_code == 302
    assert client.get("/admin/account/").status_code == 200

    # When the same browser calls the API without a token
    listed = client.get(ORDERS)
    created = client.post(ORDERS, json=_new_order(catalog))

    # Then it is refused (and its session cookie is left alone), and nothing is made
    _assert_refused_as_unauthenticated(listed)
    _assert_refused_as_unauthenticated(created)
    assert _order_count() == 0
    assert client.get("/admin/account/").status_code == 200  # still logged in to the panel


def test_an_api_answer_sets_no_cookie_even_to_a_logged_in_browser(client, users):
    # Given a browser logged in to the panel, which also sends a token
    login(client, users["manager"].email)
    bearer(client, token_for(users["viewer"]))

    # When it calls the API
    response = client.get(ORDERS)

    # Then the answer is the token's, and sets no cookie (not even a session refresh)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_an_api_post_needs_no_csrf_token_even_with_csrf_protection_on(app_with_limit, users, open_order):
    # Given the app with CSRF protection on, and a manager's token
    client = bearer(app_with_limit.test_client(), token_for(users["manager"]))

    # When the script cancels an order with no CSRF token at all
    response = client.post(f"{ORDERS}{open_order.id}/transitions/cancel")

    # Then the order is cancelled, and no cookie is set
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert _status(open_order) == "cancelled"


def test_the_panel_still_refuses_a_post_without_its_csrf_token(app_with_limit, users):
    # The API's exemption is the API's only: a panel form without the token is refused
    client = app_with_limit.test_client()
    response = client.post("/login", data={"email": users["admin"].email, "password": "x"})
    assert response.status_code == 400


# --- roles and rate limits ------------------------------------------------------------------


def test_a_viewers_token_cannot_create_an_order(api_as, catalog):
    # Given a viewer's token; when it tries to create an order
    response = api_as("viewer").post(ORDERS, json=_new_order(catalog))

    # Then the viewer's role refuses it, as in the panel, and nothing is made
    assert response.status_code == 403
    assert response.content_type == PROBLEM
    assert response.get_json()["code"] == "permission_denied"
    assert _order_count() == 0


def test_a_token_acts_with_its_users_role_as_it_is_now(app, users, open_order):
    # Given a viewer's token, refused a cancel
    client = bearer(app.test_client(), token_for(users["viewer"]))
    cancel = f"{ORDERS}{open_order.id}/transitions/cancel"
    assert client.post(cancel).status_code == 403
    assert _status(open_order) == "open"

    # When an administrator makes the viewer a manager
    update_user(
        db.session, users["viewer"], email="viewer@example.com", full_name="V", role="manager", active=True
    )
    db.session.commit()

    # Then the same token may cancel orders
    assert client.post(cancel).status_code == 200
    assert _status(open_order) == "cancelled"


def test_each_token_has_its_own_rate_limit_answered_with_a_429_problem(app_with_limit, users):
    # Given two tokens of the same user, and a limit of 3 calls a minute
    first = bearer(app_with_limit.test_client(), token_for(users["sales"], "first"))
    second = bearer(app_with_limit.test_client(), token_for(users["sales"], "second"))

    # When the first token makes 3 calls, on different resources, then a fourth
    assert [first.get(url).status_code for url in (ORDERS, ORDERS, "/api/v1/jobs/1")] == [200, 200, 404]
    refused = first.get(ORDERS)

    # Then the fourth is refused with a 429 problem saying when to try again
    assert refused.status_code == 429
    assert refused.content_type == PROBLEM
    body = refused.get_json()
    assert body["code"] == "too_many_requests"
    assert "Too many requests with this token" in body["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert "Set-Cookie" not in refused.headers
    # and the second token still passes
    assert second.get(ORDERS).status_code == 200


def test_calls_with_made_up_tokens_are_limited_per_address_and_valid_calls_do_not_count(app, users):
    # Given a limit of 3 refused calls a minute per address (and a generous one per token)
    limited = build_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_ENABLED=True,
        ORDERDESK_API_RATE_LIMIT="100 per minute",
        ORDERDESK_API_REFUSED_TOKEN_LIMIT="3 per minute",
    )
    try:
        valid = bearer(limited.test_client(), token_for(users["sales"]))

        # When a script makes five valid calls from the address, none of them counts
        assert [valid.get(ORDERS).status_code for _ in range(5)] == [200] * 5

        # When someone there tries three made-up tokens (each a fresh count per token)
        guesses = [bearer(limited.test_client(), f"made-up-{n}").get(ORDERS) for n in range(3)]
        assert [guess.status_code for guess in guesses] == [401] * 3

        # Then a fourth made-up token is refused with a 429 problem about the address
        refused = bearer(limited.test_client(), "made-up-3").get(ORDERS)
        assert refused.status_code == 429
        assert refused.content_type == PROBLEM
        assert "from this address with a token that is not valid" in refused.get_json()["detail"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 61
    finally:
        with limited.app_context():
            db.engine.dispose()


def test_a_call_notes_when_its_token_was_last_used(app, users):
    # Given a token never used
    client = bearer(app.test_client(), token_for(users["viewer"]))
    token = db.session.scalars(select(ApiToken)).one()
    assert token.last_used_at is None
    before = utcnow()

    # When a script calls the API with it
    assert client.get(ORDERS).status_code == 200

    # Then the token says when it was last used
    db.session.expire_all()
    assert token.last_used_at is not None and token.last_used_at >= before - timedelta(seconds=1)


# --- the contract and its docs are public ---------------------------------------------------


def test_the_contract_and_the_docs_answer_without_a_token(client, users):
    contract = client.get("/api/v1/openapi.json")
    docs = client.get("/api/v1/docs")

    assert contract.status_code == 200
    assert contract.get_json()["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert docs.status_code == 200
    assert "Set-Cookie" not in docs.headers
    # Its scripts carry this answer's nonce, which the Content-Security-Policy names
    nonce = docs.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert docs.get_data(as_text=True).count(f'nonce="{nonce}"') == 2
