"""What the contract promises holds: every operation documents its problems (401 and 429 on
all) as application/problem+json, exact decimals are documented as the strings they are sent
as; an unknown address, a malformed id or one beyond 64 bits is a 404 problem, and a server
error a 500 problem (the panel's HTML pages stay the panel's)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from models import db
from tests.conftest import build_app
from tests.factories import make_users
from tests.functional.api.conftest import bearer, token_for
from tests.functional.api.helpers import assert_problem

HUGE = 2**64


def _operations(contract: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in contract["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "patch", "put", "delete"}
    ]


def _schemas(node: Any) -> list[dict[str, Any]]:
    """Every (sub)schema under a node of the contract."""
    if isinstance(node, list):
        return [found for item in node for found in _schemas(item)]
    if not isinstance(node, dict):
        return []
    return [node, *(found for value in node.values() for found in _schemas(value))]


def test_every_operation_documents_its_problems_as_problem_documents(client, app):
    contract = client.get("/api/v1/openapi.json").get_json()

    for path, method, operation in _operations(contract):
        responses = operation["responses"]
        assert {"401", "429"} <= set(responses), (method, path)
        for status, response in responses.items():
            if status.startswith(("4", "5")) and status != "414":
                assert list(response["content"]) == ["application/problem+json"], (method, path, status)


def test_every_operation_documents_the_web_servers_plain_414_for_a_request_line_too_long(client, app):
    # gunicorn answers a request line over 8190 bytes before the app, with an HTML page: the
    # contract said every answer it did not list was a problem document.
    contract = client.get("/api/v1/openapi.json").get_json()

    for path, method, operation in _operations(contract):
        too_long = operation["responses"]["414"]
        assert "content" not in too_long, (method, path)
        assert "8190 bytes" in too_long["description"]


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/api/v1/customers/", "post", {"400", "403", "409", "422"}),
        ("/api/v1/customer-users/", "post", {"400", "403", "409", "422"}),
        ("/api/v1/products/{product_id}", "get", {"403", "404"}),
        ("/api/v1/shopping-lists/", "get", {"403", "422"}),
        ("/api/v1/shopping-lists/{shopping_list_id}/orders", "post", {"400", "403", "404", "409", "422"}),
        ("/api/v1/rfqs/{rfq_id}/orders", "post", {"400", "403", "404", "409", "422"}),
    ],
)
def test_the_resources_document_the_refusals_they_answer_with(client, app, path, method, codes):
    contract = client.get("/api/v1/openapi.json").get_json()

    assert codes <= set(contract["paths"][path][method]["responses"])


def test_decimals_are_documented_as_strings(client, app):
    contract = client.get("/api/v1/openapi.json").get_json()

    numbers = [s for s in _schemas(contract["components"]["schemas"]) if s.get("type") == "number"]

    assert numbers == []
    price = contract["components"]["schemas"]["Price"]["properties"]["value"]
    assert price["type"] == "string" and re.fullmatch(price["pattern"], "10.50")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/v1/orders/{HUGE}"),
        ("patch", f"/api/v1/orders/{HUGE}"),
        ("delete", f"/api/v1/orders/{HUGE}"),
        ("post", f"/api/v1/orders/{HUGE}/transitions/cancel"),
        ("get", f"/api/v1/jobs/{HUGE}"),
        ("get", f"/api/v1/customers/{HUGE}"),
        ("get", f"/api/v1/customer-users/{HUGE}"),
        ("get", f"/api/v1/shopping-lists/{HUGE}"),
        ("post", f"/api/v1/rfqs/{HUGE}/orders"),
        ("get", "/api/v1/customers/abc"),
        ("get", "/api/v1/no-such-resource/"),
    ],
)
def test_an_id_beyond_64_bits_a_malformed_one_or_an_unknown_address_is_a_404_problem(api_as, method, path):
    response = getattr(api_as("admin"), method)(path, json={}, headers={"If-Match": '"1"'})

    assert_problem(response, 404, "not_found")


def test_the_panel_keeps_its_own_not_found_page(client, app):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response.content_type.startswith("text/html")


def test_a_server_error_is_a_500_problem_with_a_reference(database_url, clean_db, monkeypatch):
    # Given an app that answers errors as production does, and a list that fails
    app = build_app(database_url, PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        viewer = make_users(db.session)["viewer"]
        db.session.commit()
        client = bearer(app.test_client(), token_for(viewer))

        def fail(*args: Any) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr("admin.api.catalog.id_page", fail)

        # When it is read
        response = client.get("/api/v1/products/")

    # Then the answer is a problem naming a reference, without the trace
    problem = assert_problem(response, 500, "internal_server_error")
    assert "reference" in problem["detail"] and "boom" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orders/",
        "/api/v1/customers/",
        "/api/v1/customer-users/",
        "/api/v1/products/",
        "/api/v1/shopping-lists/",
        "/api/v1/rfqs/",
    ],
)
def test_every_list_refuses_an_argument_it_does_not_know(api_as, catalog, path):
    # A misspelt filter must not silently list everything
    response = api_as("viewer").get(path, query_string={"cusotmer": "Acme"})
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert "cusotmer" in response.get_json(force=True)["errors"]


def _linked_operation(contract: dict[str, Any], reference: str) -> tuple[str, dict[str, Any]] | None:
    """The path and operation an operationRef (#/paths/<escaped path>/<method>) names."""
    escaped, _, method = reference.removeprefix("#/paths/").rpartition("/")
    path = escaped.replace("~1", "/").replace("~0", "~")
    operation = contract["paths"].get(path, {}).get(method)
    return None if operation is None else (path, operation)


def test_every_link_in_the_contract_names_an_operation_and_the_parameters_it_takes(client, app):
    contract = client.get("/api/v1/openapi.json").get_json()
    broken = []
    count = 0

    for path, method, operation in _operations(contract):
        for status, response in operation["responses"].items():
            for name, link in response.get("links", {}).items():
                count += 1
                target = _linked_operation(contract, link["operationRef"])
                if target is None:
                    broken.append((method, path, status, name))
                    continue
                target_path, target_operation = target
                taken = {(p["in"], p["name"]) for p in target_operation.get("parameters", [])}
                taken |= {(p["in"], p["name"]) for p in contract["paths"][target_path].get("parameters", [])}
                for key, expression in link["parameters"].items():
                    location, _, parameter = key.rpartition(".")
                    assert expression.startswith(("$response.body#/", "$response.header.", "$request.path."))
                    if not any(parameter == n and location in ("", where) for where, n in taken):
                        broken.append((method, path, status, name, key))

    assert count > 100
    assert broken == []


def test_a_created_order_links_its_id_to_its_page_and_its_etag_to_its_update(client, app):
    contract = client.get("/api/v1/openapi.json").get_json()

    created = contract["paths"]["/api/v1/orders/"]["post"]["responses"]["201"]["links"]

    assert created["GetOrder"]["parameters"] == {"order_id": "$response.body#/id"}
    assert created["UpdateOrder"]["parameters"] == {
        "order_id": "$response.body#/id",
        "header.If-Match": "$response.header.ETag",
    }
    assert (
        _linked_operation(contract, created["UpdateOrder"]["operationRef"])[0] == "/api/v1/orders/{order_id}"
    )
    note = contract["paths"]["/api/v1/orders/{order_id}/notes"]["post"]["responses"]["201"]["links"]
    assert note["DeleteNote"]["parameters"] == {
        "order_id": "$request.path.order_id",
        "note_id": "$response.body#/id",
    }
