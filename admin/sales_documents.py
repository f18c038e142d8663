"""Sales > Shopping Lists and Sales > Requests for Quote: scaffolded views with a Create Order button.

Each details page lists the document's lines, offers Create Order (the order form reads
`shopping_list_id` / `rfq_id` and pre-fills through actions/sources.py) and lists the orders
already made from it. An RFQ's requested products are edited inline, each with its requested
items nested inline inside it.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.form import InlineModelConverter
from flask_admin.model.form import InlineFormAdmin
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import Form, SelectField

from actions.capabilities import grid_capabilities
from actions.money import CURRENCIES
from actions.sources import check_rfq, check_shopping_list, count_orders_from_source, orders_from_source
from admin.base import SecuredModelView, current_actor, parse_id
from admin.choices import select_choices
from admin.timeformat import when
from models import (
    Customer,
    CustomerUser,
    Product,
    RequestForQuote,
    RequestProduct,
    RequestProductItem,
    ShoppingList,
    ShoppingListLine,
    db,
)
from models.catalog import UNITS
from models.sales_documents import RFQ_STATUS_LABELS, RFQ_STATUSES

# Plain WTForms selects: Flask-Admin's `form_choices` builds tuple choices, which WTForms 3.3
# deprecates.
CURRENCY_CHOICES = select_choices([(c, c) for c in CURRENCIES])
UNIT_CHOICES = select_choices([(u, u) for u in UNITS])
STATUS_CHOICES = select_choices([(s, RFQ_STATUS_LABELS[s]) for s in RFQ_STATUSES])
# A details page lists this many of the newest orders made from the document; "All N orders"
# opens the rest in the order grid.
ORDERS_SHOWN = 20


def _customer_loader() -> QueryAjaxModelLoader:
    return QueryAjaxModelLoader("customer", db.session, Customer, fields=["name"], page_size=20)


def _customer_user_loader() -> QueryAjaxModelLoader:
    return QueryAjaxModelLoader(
        "customer_user", db.session, CustomerUser, fields=["email", "first_name", "last_name"], page_size=20
    )


def _product_loader() -> QueryAjaxModelLoader:
    return QueryAjaxModelLoader("product", db.session, Product, fields=["sku", "name"], page_size=20)


def _timestamp(view: Any, context: Any, model: Any, name: str) -> str:
    return when(getattr(model, name))


def _rfq_status(view: Any, context: Any, model: RequestForQuote, name: str) -> str:
    return RFQ_STATUS_LABELS.get(model.status, model.status)


class SalesDocumentView(SecuredModelView):
    """Shared wiring: permissions, the details template and the orders made from the document."""

    view_permission = "view_orders"
    manage_permission = "create_orders"
    delete_permission = "delete_orders"  # sales staff create and edit them, never delete
    source_type = ""
    source_name = ""  # as the empty list says it: "No orders made from this <source_name> yet."

    def details_loads(self) -> tuple[Any, ...]:
        """What the details and edit pages read with the document (loader options)."""
        return ()

    def get_one(self, id: Any) -> Any:
        """The document with what its pages show, in one round of statements; None for a
        missing or malformed id."""
        document_id = parse_id(id)
        if document_id is None:
            return None
        return db.session.scalar(
            select(self.model).where(self.model.id == document_id).options(*self.details_loads())
        )

    def render(self, template: str, **kwargs: Any) -> Any:
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            document = {f"{self.source_type}_id": model.id}
            orders = orders_from_source(db.session, limit=ORDERS_SHOWN, **document)
            # Counted only when the page is full: otherwise the page holds them all.
            count = (
                count_orders_from_source(db.session, **document)
                if len(orders) == ORDERS_SHOWN
                else len(orders)
            )
            kwargs["orders"] = orders
            kwargs["orders_count"] = count
            # The order grid filtered on the document, when it holds more than the page shows.
            kwargs["all_orders_url"] = (
                url_for("orders.index_view", **{f"flt1_{self.source_type}_id_equals": model.id})
                if count > len(orders)
                else None
            )
            kwargs["no_orders"] = f"No orders made from this {self.source_name} yet."
            kwargs["source_type"] = self.source_type
            kwargs["create_order_url"] = (
                url_for("orders.create_view", **{f"{self.source_type}_id": model.id})
                if grid_capabilities(current_actor()).create
                else None
            )
        return super().render(template, **kwargs)


class ShoppingListView(SalesDocumentView):
    source_type = "shopping_list"
    source_name = "shopping list"

    column_list = ("label", "customer", "customer_user", "currency", "created_at")
    column_labels = {"customer_user": "Customer User", "created_at": "Created At"}
    column_sortable_list = ("label", "currency", "created_at")
    column_default_sort = ("created_at", True)
    column_formatters = {"created_at": _timestamp, "updated_at": _timestamp}
    column_details_list = (
        "label",
        "customer",
        "customer_user",
        "currency",
        "notes",
        "created_at",
        "updated_at",
    )
    column_searchable_list = ("label",)
    column_filters = ("currency", "created_at")

    form_columns = ("label", "customer", "customer_user", "currency", "notes")
    form_overrides = {"currency": SelectField}
    form_args = {"currency": {"choices": CURRENCY_CHOICES}}
    form_ajax_refs = {
        "customer": _customer_loader(),
        "customer_user": _customer_user_loader(),
    }
    inline_models = (
        (
            ShoppingListLine,
            {
                "form_columns": ("id", "product", "quantity", "unit", "notes"),
                "form_overrides": {"unit": SelectField},
                "form_args": {"unit": {"choices": UNIT_CHOICES}},
                "form_ajax_refs": {"product": _product_loader()},
            },
        ),
    )

    details_template = "sales_documents/shopping_list_details.html"

    def details_loads(self) -> tuple[Any, ...]:
        return (
            joinedload(ShoppingList.customer),
            joinedload(ShoppingList.customer_user),
            selectinload(ShoppingList.lines).joinedload(ShoppingListLine.product),
        )

    def on_model_change(self, form: Form, model: ShoppingList, is_created: bool) -> None:
        check_shopping_list(model)


class NestedInlineConverter(InlineModelConverter):
    """Hands itself to the inline form admin so that it can nest a further inline list."""

    def contribute(self, model: Any, form_class: Any, inline_model: Any) -> Any:
        inline_model.parent_converter = self
        return super().contribute(model, form_class, inline_model)


class RequestProductInline(InlineFormAdmin):
    """A requested product (product, comment) with its requested items nested inside."""

    inline_converter = NestedInlineConverter
    form_columns = ("id", "product", "comment")
    form_label = "Requested Product"
    parent_converter: InlineModelConverter | None = None

    def __init__(self) -> None:
        super().__init__(RequestProduct, form_ajax_refs={"product": _product_loader()})

    def postprocess_form(self, form_class: Any) -> Any:
        outer = self.parent_converter
        if outer is None:  # pragma: no cover - Flask-Admin always goes through contribute()
            raise RuntimeError("RequestProductInline needs NestedInlineConverter")
        items = InlineModelConverter(outer.session, outer.view, outer.model_converter)
        return items.contribute(
            RequestProduct,
            form_class,
            (
                RequestProductItem,
                {
                    "form_columns": ("id", "quantity", "unit", "target_price", "currency"),
                    "form_overrides": {"unit": SelectField, "currency": SelectField},
                    "form_args": {
                        "unit": {"choices": UNIT_CHOICES},
                        "currency": {"choices": CURRENCY_CHOICES},
                    },
                    "form_label": "Requested Item",
                },
            ),
        )


class RequestForQuoteView(SalesDocumentView):
    source_type = "rfq"
    source_name = "RFQ"

    column_list = ("id", "customer", "customer_user", "po_number", "status", "ship_until", "created_at")
    column_labels = {
        "id": "RFQ #",
        "customer_user": "Customer User",
        "po_number": "PO Number",
        "ship_until": "Do Not Ship Later Than",
        "created_at": "Created At",
    }
    column_sortable_list = ("id", "po_number", "status", "ship_until", "created_at")
    column_default_sort = ("created_at", True)
    column_formatters = {"status": _rfq_status, "created_at": _timestamp, "updated_at": _timestamp}
    column_details_list = (
        "status",
        "customer",
        "customer_user",
        "first_name",
        "last_name",
        "email",
        "phone",
        "company",
        "po_number",
        "ship_until",
        "note",
        "created_at",
        "updated_at",
    )
    column_searchable_list = ("po_number", "email", "company")
    column_filters = ("status", "ship_until", "created_at")
    column_choices = {"status": [(s, RFQ_STATUS_LABELS[s]) for s in RFQ_STATUSES]}

    form_columns = (
        "customer",
        "customer_user",
        "first_name",
        "last_name",
        "email",
        "phone",
        "company",
        "po_number",
        "ship_until",
        "note",
        "status",
    )
    form_overrides = {"status": SelectField}
    form_args = {"status": {"choices": STATUS_CHOICES}}
    form_ajax_refs = {
        "customer": _customer_loader(),
        "customer_user": _customer_user_loader(),
    }
    inline_models = (RequestProductInline(),)

    details_template = "sales_documents/rfq_details.html"

    def details_loads(self) -> tuple[Any, ...]:
        return (
            joinedload(RequestForQuote.customer),
            joinedload(RequestForQuote.customer_user),
            selectinload(RequestForQuote.requested_products).selectinload(RequestProduct.items),
        )

    def on_model_change(self, form: Form, model: RequestForQuote, is_created: bool) -> None:
        check_rfq(model)


def sales_document_views() -> list[SecuredModelView]:
    return [
        ShoppingListView(ShoppingList, name="Shopping Lists", category="Sales", endpoint="shopping_lists"),
        RequestForQuoteView(RequestForQuote, name="Requests for Quote", category="Sales", endpoint="rfqs"),
    ]
