"""/api/v1/products: the catalog with its prices per currency and unit, read-only (the panel
has no action that creates products, so neither has the API)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models import Product, ProductPrice, db
from tests.functional.api.helpers import assert_problem, count, walk

URL = "/api/v1/products/"


def _products(*skus: str) -> list[Product]:
    made = [Product(sku=sku, name=f"Part {sku}", unit="item") for sku in skus]
    db.session.add_all(made)
    db.session.commit()
    return made


def test_the_list_walks_every_product_with_its_prices_a_page_at_a_time(api_as, catalog):
    # Given the catalog's widget and gadget and three more products
    _products("BOL-1", "BOL-2", "NUT-1")

    pages = walk(api_as("sales"), URL, limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    ids = [item["id"] for page in pages for item in page]
    assert ids == sorted(ids) and len(set(ids)) == 5
    widget = pages[0][0]
    assert (widget["sku"], widget["name"], widget["unit"], widget["active"]) == (
        "WID-1",
        "Widget",
        "item",
        True,
    )
    assert widget["prices"] == [
        {"currency": "EUR", "unit": "item", "value": "9.0000"},
        {"currency": "USD", "unit": "item", "value": "10.0000"},
    ]


def test_the_list_filters_by_the_start_of_the_sku_and_of_the_name(api_as, catalog):
    _products("BOL-1", "BOL-2", "bol-3", "XBOL-4")
    client = api_as("viewer")

    by_sku = client.get(URL, query_string={"sku": "BOL-"}).get_json()["items"]
    by_name = client.get(URL, query_string={"name": "Gad"}).get_json()["items"]
    both = client.get(URL, query_string={"name": "Part", "sku": "BOL-2"}).get_json()["items"]

    assert [p["sku"] for p in by_sku] == ["BOL-1", "BOL-2"]
    assert [p["sku"] for p in by_name] == ["GAD-2"]
    assert [p["sku"] for p in both] == ["BOL-2"]


def test_a_product_is_read_with_a_price_per_currency_and_unit(api_as, catalog):
    widget = catalog["widget"]
    widget.prices.append(ProductPrice(currency="USD", unit="box", value=Decimal("95.5")))
    db.session.commit()

    response = api_as("viewer").get(f"{URL}{widget.id}")

    assert response.status_code == 200
    prices = {(p["currency"], p["unit"]): p["value"] for p in response.get_json()["prices"]}
    assert prices == {("EUR", "item"): "9.0000", ("USD", "item"): "10.0000", ("USD", "box"): "95.5000"}


@pytest.mark.parametrize("product_id", ["999", str(2**64)])
def test_an_unknown_product_id_is_a_404_problem(api_as, catalog, product_id):
    assert_problem(api_as("viewer").get(f"{URL}{product_id}"), 404, "not_found")


@pytest.mark.parametrize("query", [{"sku": "x" * 65}, {"limit": "201"}, {"cursor": "%%%"}])
def test_a_bad_query_is_a_422_problem(api_as, catalog, query):
    assert_problem(api_as("viewer").get(URL, query_string=query), 422, "unprocessable_entity")


def test_products_cannot_be_created_through_the_api(api_as, catalog):
    response = api_as("admin").post(URL, json={"sku": "NEW-1", "name": "New", "unit": "item"})

    assert_problem(response, 405, "method_not_allowed")
    assert count(Product) == 2
