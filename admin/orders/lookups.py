"""JSON endpoints behind the order form: pickers that stay fast with 100k customers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Response, abort, jsonify, request
from flask_admin import expose
from sqlalchemy import func, or_, select

from actions.capabilities import grid_capabilities
from actions.customers import create_customer, create_customer_user
from actions.errors import DomainError
from actions.money import CURRENCIES, format_money, round_money
from actions.pricing import list_prices, shipping_options
from admin.base import current_actor, parse_id, run_action
from admin.orders.base import OrderViewBase
from admin.orders.filters import prefix_match
from admin.settings import default_currency
from models import Customer, PaymentTerm, Product, db

PICKER_LIMIT = 20


def _require_order_form_access() -> None:
    if not grid_capabilities(current_actor()).order_form:
        abort(403)


def _refused(refusal: DomainError | None) -> tuple[Response, int]:
    return jsonify({"error": refusal.message if refusal else "Nothing was saved."}), 400


def _address_json(kind: str, entry: Any) -> dict[str, Any]:
    return {
        "value": f"{kind}{entry.id}",
        "label": entry.one_line(),
        "default_billing": entry.is_default_billing and entry.is_billing,
        "default_shipping": entry.is_default_shipping and entry.is_shipping,
        "billing": entry.is_billing,
        "shipping": entry.is_shipping,
    }


class OrderLookupsView(OrderViewBase):
    """Every endpoint needs create_orders or edit_orders."""

    @expose("/lookup/customers")
    def lookup_customers(self) -> Any:
        _require_order_form_access()
        term = request.args.get("q", "").strip().lower()
        if not term:
            return jsonify([])
        rows = db.session.execute(
            select(Customer.id, Customer.name)
            .where(prefix_match(func.lower(Customer.name), term))
            .order_by(func.lower(Customer.name))
            .limit(PICKER_LIMIT)
        ).all()
        return jsonify([{"id": cid, "label": name} for cid, name in rows])

    @expose("/lookup/customer/<int:customer_id>")
    def lookup_customer(self, customer_id: int) -> Any:
        """The customer's users, address books and default payment term, for the form."""
        _require_order_form_access()
        customer = db.session.get(Customer, customer_id) if parse_id(customer_id) is not None else None
        if customer is None:
            abort(404)
        users = [u for u in customer.users if u.enabled]
        addresses = [_address_json("c", a) for a in customer.addresses]
        user_addresses = {str(u.id): [_address_json("u", a) for a in u.addresses] for u in users}
        return jsonify(
            {
                "id": customer.id,
                "label": customer.name,
                "payment_term_id": customer.payment_term_id,
                "users": [{"id": u.id, "label": f"{u.full_name} <{u.email}>"} for u in users],
                "addresses": addresses,
                "user_addresses": user_addresses,
            }
        )

    @expose("/lookup/products")
    def lookup_products(self) -> Any:
        """Products by SKU or name prefix, with the list price in the order's currency."""
        _require_order_form_access()
        term = request.args.get("q", "").strip().lower()
        currency = request.args.get("currency", default_currency())
        if not term or currency not in CURRENCIES:
            return jsonify([])
        products = db.session.scalars(
            select(Product)
            .where(Product.active.is_(True))
            .where(
                or_(
                    prefix_match(func.lower(Product.sku), term),
                    prefix_match(func.lower(Product.name), term),
                )
            )
            .order_by(Product.sku)
            .limit(PICKER_LIMIT)
        ).all()
        prices = list_prices(db.session, products, currency)
        return jsonify([self._product_json(p, currency, prices.get(p.id)) for p in products])

    @staticmethod
    def _product_json(product: Product, currency: str, price: Decimal | None) -> dict[str, Any]:
        return {
            "id": product.id,
            "label": f"{product.sku} — {product.name}",
            "sku": product.sku,
            "unit": product.unit,
            "price": None if price is None else str(round_money(price, currency)),
        }

    @expose("/lookup/price")
    def lookup_price(self) -> Any:
        _require_order_form_access()
        product_id = parse_id(request.args.get("product_id"))
        product = db.session.get(Product, product_id) if product_id is not None else None
        currency = request.args.get("currency", "")
        if product is None or currency not in CURRENCIES:
            abort(404)
        price = list_prices(db.session, [product], currency).get(product.id)
        return jsonify(self._product_json(product, currency, price))

    @expose("/lookup/shipping", methods=("POST",))
    def lookup_shipping(self) -> Any:
        """The shipping methods that apply, each with its cost: "Flat Rate: $10.00"."""
        _require_order_form_access()
        payload = request.get_json(silent=True) or {}
        currency = payload.get("currency")
        if currency not in CURRENCIES:
            return jsonify([])
        quantities = []
        for raw in payload.get("quantities", []):
            try:
                quantity = Decimal(str(raw))
            except InvalidOperation:
                continue
            if quantity.is_finite() and quantity > 0:
                quantities.append(quantity)
        return jsonify(
            [
                {
                    "id": method.id,
                    "name": method.name,
                    "cost": str(cost),
                    "label": f"{method.name}: {format_money(cost, currency)}",
                }
                for method, cost in shipping_options(db.session, currency, quantities)
            ]
        )

    @expose("/lookup/payment_terms")
    def lookup_payment_terms(self) -> Any:
        _require_order_form_access()
        terms = db.session.scalars(select(PaymentTerm).order_by(PaymentTerm.label)).all()
        return jsonify([{"id": t.id, "label": t.label} for t in terms])

    @expose("/inline/customer", methods=("POST",))
    def inline_customer(self) -> Any:
        """Create a customer without leaving the order form."""
        _require_order_form_access()
        outcome = run_action(
            lambda: create_customer(db.session, request.form.get("name", ""), actor=current_actor()),
            flash_refusal=False,
        )
        customer = outcome.result
        if customer is None:
            return _refused(outcome.refusal)
        return jsonify({"id": customer.id, "label": customer.name})

    @expose("/inline/customer_user", methods=("POST",))
    def inline_customer_user(self) -> Any:
        """Create a customer user of the chosen customer without leaving the order form."""
        _require_order_form_access()
        customer_id = parse_id(request.form.get("customer_id"))
        customer = db.session.get(Customer, customer_id) if customer_id is not None else None
        if customer is None:
            return jsonify({"error": "Choose a customer first."}), 400
        outcome = run_action(
            lambda: create_customer_user(
                db.session,
                customer,
                email=request.form.get("email", ""),
                first_name=request.form.get("first_name", ""),
                last_name=request.form.get("last_name", ""),
                actor=current_actor(),
            ),
            flash_refusal=False,
        )
        buyer = outcome.result
        if buyer is None:
            return _refused(outcome.refusal)
        return jsonify({"id": buyer.id, "label": f"{buyer.full_name} <{buyer.email}>"})
