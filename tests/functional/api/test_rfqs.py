"""/api/v1/rfqs: requests for quote read with their requested products and items; POST
…/{id}/orders makes an order from one (actions/sources.py), leaving the RFQ as it is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models import Customer, Order, Product, RequestForQuote, RequestProduct, RequestProductItem, db
from tests.functional.api.helpers import assert_problem, count, walk

URL = "/api/v1/rfqs/"


def _rfq(catalog, *, requested: bool = True, **fields) -> RequestForQuote:
    fields = {"customer": catalog["customer"], "customer_user": catalog["buyer"], "status": "open", **fields}
    rfq = RequestForQuote(
        po_number="PO-RFQ-1",
        ship_until=date(2031, 1, 1),
        note="Quote soon",
        company="Acme",
        requested_products=(
            [
                RequestProduct(
                    product=catalog["gadget"],
                    comment="urgent",
                    items=[
                        RequestProductItem(
                            quantity=Decimal("5"), unit="item", target_price=Decimal("20.00"), currency="USD"
                        )
                    ],
                )
            ]
            if requested
            else []
        ),
        **fields,
    )
    db.session.add(rfq)
    db.session.commit()
    return rfq


def test_the_list_walks_every_rfq_with_its_requested_products_a_page_at_a_time(api_as, catalog):
    made = [_rfq(catalog) for _ in range(5)]

    pages = walk(api_as("viewer"), URL, limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [item["id"] for page in pages for item in page] == [rfq.id for rfq in made]
    first = pages[0][0]
    assert (first["status"], first["po_number"], first["ship_until"]) == ("open", "PO-RFQ-1", "2031-01-01")
    (requested,) = first["requested_products"]
    assert (requested["product"]["sku"], requested["comment"]) == ("GAD-2", "urgent")
    assert requested["items"] == [
        {
            "id": requested["items"][0]["id"],
            "quantity": "5",
            "unit": "item",
            "target_price": "20.00",
            "currency": "USD",
        }
    ]


def test_the_list_filters_by_customer_customer_user_and_status(api_as, catalog):
    other = Customer(name="Globex")
    db.session.add(other)
    mine = _rfq(catalog)
    theirs = _rfq(catalog, customer=other, customer_user=None, status="declined")
    client = api_as("viewer")

    def ids(**query):
        return [r["id"] for r in client.get(URL, query_string=query).get_json()["items"]]

    assert ids(customer_id=other.id) == [theirs.id]
    assert ids(customer_user_id=catalog["buyer"].id) == [mine.id]
    assert ids(status="declined") == [theirs.id]
    assert ids(status="open", customer_id=other.id) == []


def test_a_requested_product_since_deleted_keeps_its_sku_and_name(api_as, catalog):
    # Given an RFQ for a product that is then deleted
    doomed = Product(sku="OLD-9", name="Old part", unit="item")
    db.session.add(doomed)
    db.session.flush()
    rfq = _rfq(catalog, requested=False)
    rfq.requested_products.append(
        RequestProduct(product=doomed, items=[RequestProductItem(quantity=Decimal("2"))])
    )
    db.session.commit()
    db.session.delete(doomed)
    db.session.commit()

    response = api_as("viewer").get(f"{URL}{rfq.id}")

    assert response.status_code == 200
    (requested,) = response.get_json()["requested_products"]
    assert (requested["product"], requested["product_sku"], requested["product_name"]) == (
        None,
        "OLD-9",
        "Old part",
    )
    assert requested["items"][0]["target_price"] is None


def test_an_unknown_rfq_is_a_404_problem_and_makes_no_order(api_as, catalog):
    assert_problem(api_as("viewer").get(f"{URL}999"), 404, "not_found")
    assert_problem(api_as("sales").post(f"{URL}{2**63}/orders"), 404, "not_found")
    assert count(Order) == 0


def test_an_order_is_made_from_an_rfq_at_its_target_prices_and_the_rfq_keeps_its_status(api_as, catalog):
    rfq = _rfq(catalog, status="more_info_requested")

    response = api_as("sales").post(f"{URL}{rfq.id}/orders", json={})

    assert response.status_code == 201
    order = response.get_json()
    assert response.headers["ETag"] == f'"{order["version"]}"'
    assert response.headers["Location"].endswith(f"/api/v1/orders/{order['id']}")
    assert (order["source_type"], order["source_identifier"]) == ("rfq", f"RFQ #{rfq.id}")
    assert (order["currency"], order["po_number"], order["ship_until"]) == ("USD", "PO-RFQ-1", "2031-01-01")
    (line,) = order["line_items"]
    assert (line["product_sku"], line["quantity"], line["unit_price"], line["notes"]) == (
        "GAD-2",
        "5",
        "20.00",
        "urgent",
    )
    db.session.expire_all()
    assert db.session.get(RequestForQuote, rfq.id).status == "more_info_requested"


def test_a_viewer_may_not_make_an_order_from_an_rfq(api_as, catalog):
    rfq = _rfq(catalog)

    assert_problem(api_as("viewer").post(f"{URL}{rfq.id}/orders"), 403, "permission_denied")
    assert count(Order) == 0


def test_an_rfq_without_requested_products_is_a_422_problem_and_makes_no_order(api_as, catalog):
    rfq = _rfq(catalog, requested=False)

    assert_problem(api_as("manager").post(f"{URL}{rfq.id}/orders"), 422, "validation_failed")
    assert count(Order) == 0


def test_a_body_that_is_not_json_is_a_400_problem_and_makes_no_order(api_as, catalog):
    rfq = _rfq(catalog)

    response = api_as("sales").post(f"{URL}{rfq.id}/orders", data="{", content_type="application/json")

    assert_problem(response, 400, "bad_request")
    assert count(Order) == 0


def test_a_body_with_fields_is_a_422_problem_and_makes_no_order(api_as, catalog):
    rfq = _rfq(catalog)

    response = api_as("sales").post(f"{URL}{rfq.id}/orders", json={"currency": "EUR"})

    assert "currency" in assert_problem(response, 422, "unprocessable_entity")["errors"]
    assert count(Order) == 0


@pytest.mark.parametrize(
    "query", [{"status": "closed"}, {"customer_id": str(2**31)}, {"customer_id": str(2**63)}, {"limit": "-1"}]
)
def test_a_bad_query_is_a_422_problem(api_as, catalog, query):
    assert_problem(api_as("viewer").get(URL, query_string=query), 422, "unprocessable_entity")
