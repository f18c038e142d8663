"""Products and prices, payment terms, shipping methods and tax rules."""

from __future__ import annotations

from wtforms.validators import NumberRange

from actions.money import CURRENCIES
from admin.base import SecuredModelView
from models import (
    PaymentTerm,
    Product,
    ProductPrice,
    ShippingMethod,
    ShippingMethodPrice,
    TaxRule,
)
from models.catalog import CARRIERS, SHIPPING_TYPES, UNITS

CURRENCY_CHOICES = [(c, c) for c in CURRENCIES]


class CatalogView(SecuredModelView):
    view_permission = "view_orders"
    manage_permission = "manage_catalog"


class ProductView(CatalogView):
    column_list = ("sku", "name", "unit", "active", "updated_at")
    column_searchable_list = ("sku", "name")
    column_filters = ("active", "unit")
    column_default_sort = ("sku", False)
    column_details_list = ("sku", "name", "unit", "active", "prices", "created_at", "updated_at")
    form_columns = ("sku", "name", "unit", "active")
    form_choices = {"unit": [(u, u) for u in UNITS]}
    inline_models = (
        (
            ProductPrice,
            {
                "form_columns": ("id", "currency", "unit", "value"),
                "form_choices": {"currency": CURRENCY_CHOICES, "unit": [(u, u) for u in UNITS]},
                "form_args": {"value": {"validators": [NumberRange(min=0)]}},
            },
        ),
    )


class PaymentTermView(CatalogView):
    column_list = ("label",)
    form_columns = ("label",)


class ShippingMethodView(CatalogView):
    column_list = ("name", "type", "handling_fee", "carrier", "active")
    form_columns = ("name", "type", "handling_fee", "carrier", "active")
    column_details_list = ("name", "type", "handling_fee", "carrier", "active", "prices")
    form_choices = {
        "type": [(t, t.replace("_", " ").capitalize()) for t in SHIPPING_TYPES],
        "carrier": [("", "None")] + [(c, c) for c in CARRIERS],
    }
    inline_models = (
        (
            ShippingMethodPrice,
            {
                "form_columns": ("id", "currency", "price"),
                "form_choices": {"currency": CURRENCY_CHOICES},
                "form_args": {"price": {"validators": [NumberRange(min=0)]}},
            },
        ),
    )


class TaxRuleView(CatalogView):
    column_list = ("country", "region", "rate_percent", "applies_to_shipping")
    form_columns = ("country", "region", "rate_percent", "applies_to_shipping")
    column_filters = ("country",)
    form_args = {"rate_percent": {"validators": [NumberRange(min=0, max=100)]}}


def catalog_views() -> list[SecuredModelView]:
    return [
        ProductView(Product, name="Products", category="Catalog", endpoint="products"),
        PaymentTermView(PaymentTerm, name="Payment Terms", category="Catalog", endpoint="payment_terms"),
        ShippingMethodView(
            ShippingMethod, name="Shipping Methods", category="Catalog", endpoint="shipping_methods"
        ),
        TaxRuleView(TaxRule, name="Tax Rules", category="Catalog", endpoint="tax_rules"),
    ]
