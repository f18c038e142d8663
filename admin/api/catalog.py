"""/api/v1/products: the catalog with its prices, one per currency and unit, read-only. The
panel writes products through its scaffolded form (managers), with no action to call."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin.api.common import (
    NEXT_CURSOR,
    PageArgs,
    Schema,
    api_blueprint,
    id_page,
    links,
    problem_responses,
    record_or_404,
)
from admin.api.fields import DecimalString
from admin.api.links import record_links
from admin.api.orders import _viewer
from admin.orders.filters import prefix_match
from models import Product

blp = api_blueprint("api_products", "/products", "Products: the catalog and its price list.")
F = ma.fields
NO_PRODUCT = "There is no such product: it may have been deleted, or the id is wrong."


class Price(Schema):
    currency = F.String()
    unit = F.String()
    value = DecimalString(metadata={"description": "The price of one unit in the currency."})


class ProductOut(Schema):
    id = F.Integer()
    sku = F.String()
    name = F.String()
    unit = F.String(metadata={"description": "The unit it is ordered in unless a line says otherwise."})
    active = F.Boolean()
    prices = F.List(F.Nested(Price))
    created_at = F.DateTime()
    updated_at = F.DateTime()


class ProductPage(Schema):
    items = F.List(F.Nested(ProductOut))
    next_cursor = F.String(allow_none=True, metadata={"description": NEXT_CURSOR})


class ProductListArgs(PageArgs):
    # Both match as written: their indexes are on the values themselves.
    sku = F.String(
        validate=ma.validate.Length(max=64), metadata={"description": "SKU starts with (case matters)."}
    )
    name = F.String(
        validate=ma.validate.Length(max=255), metadata={"description": "Name starts with (case matters)."}
    )


@blp.route("/")
@blp.arguments(ProductListArgs, location="query", unknown=ma.RAISE)
@blp.response(200, ProductPage)
@links(200, **record_links("Product", "/products/{product_id}", "product_id", "$response.body#/items/0/id"))
@problem_responses(blp, 403, 422)
def list_products(args: dict[str, Any]) -> dict[str, Any]:
    """Products, active or not, in the order they were created, a page at a time."""
    _viewer()
    query = select(Product).options(selectinload(Product.prices))
    for name in ("sku", "name"):
        term = (args.get(name) or "").strip()
        if term:
            query = query.where(prefix_match(getattr(Product, name), term))
    return id_page(query, Product, args)


@blp.route("/<int:product_id>", endpoint="Product")
@blp.response(200, ProductOut)
@problem_responses(blp, 403, 404)
def get_product(product_id: int) -> Product:
    """The product with its prices."""
    _viewer()
    return record_or_404(Product, product_id, NO_PRODUCT)
