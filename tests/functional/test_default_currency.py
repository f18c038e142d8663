"""ORDERDESK_DEFAULT_CURRENCY: the currency new orders and price look-ups start in."""

from __future__ import annotations

import re

import pytest

from models import db
from tests import factories
from tests.conftest import build_app, login


def _selected_currency(page: str) -> str:
    select = re.search(r'<select[^>]*name="currency"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    chosen = re.search(
        r'<option selected value="([A-Z]{3})"|<option value="([A-Z]{3})" selected', select.group(1)
    )
    assert chosen is not None
    return chosen.group(1) or chosen.group(2)


def test_without_the_setting_new_orders_start_in_usd(login_as, catalog):
    page = login_as("sales").get("/admin/orders/new/").get_data(as_text=True)
    assert _selected_currency(page) == "USD"


def test_the_configured_currency_is_preselected_on_create_order(clean_db, database_url, monkeypatch):
    monkeypatch.setenv("ORDERDESK_DEFAULT_CURRENCY", "eur")
    app = build_app(database_url)
    with app.app_context():
        factories.make_users(db.session)
        customer_id = factories.make_catalog(db.session)["customer"].id
        db.session.commit()
        client = app.test_client()
        login(client, "sales@example.com")
        page = client.get("/admin/orders/new/").get_data(as_text=True)
        customer_page = client.get(f"/admin/orders/new/?customer_id={customer_id}")
        prices = client.get("/admin/orders/lookup/products?q=wid").get_json()
        db.session.remove()
    assert _selected_currency(page) == "EUR"
    assert _selected_currency(customer_page.get_data(as_text=True)) == "EUR"
    assert prices[0]["price"] == "9.00"  # the widget's EUR list price


def test_an_unknown_default_currency_stops_the_app_with_a_clear_message(clean_db, database_url, monkeypatch):
    monkeypatch.setenv("ORDERDESK_DEFAULT_CURRENCY", "XYZ")
    with pytest.raises(RuntimeError, match="ORDERDESK_DEFAULT_CURRENCY must be one of USD, EUR"):
        build_app(database_url)
