"""A compressed answer's ETag carries its coding ("7:gzip"); sent back as If-Match, it is the
order's version all the same."""

from __future__ import annotations

from typing import Any

import pytest

from models import Order, db
from tests.factories import make_order


@pytest.fixture
def order(catalog: dict[str, Any], users: dict[str, Any]) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_the_etag_of_a_compressed_answer_is_taken_back_as_if_match(api_as, order, coding):
    client = api_as("sales")
    read = client.get(f"/api/v1/orders/{order.id}", headers={"Accept-Encoding": coding})
    assert read.headers["Content-Encoding"] == coding
    assert read.headers["ETag"] == f'"{order.version}:{coding}"'

    response = client.patch(
        f"/api/v1/orders/{order.id}", json={"po_number": "PO-2"}, headers={"If-Match": read.headers["ETag"]}
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["po_number"] == "PO-2"


def test_an_etag_with_an_unknown_suffix_is_no_version(api_as, order):
    response = api_as("sales").patch(
        f"/api/v1/orders/{order.id}", json={"po_number": "PO-2"}, headers={"If-Match": f'"{order.version}:x"'}
    )

    assert response.status_code == 412 and response.content_type == "application/problem+json"
