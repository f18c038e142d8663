"""Every page has its own <title>, most particular first: "SO-000305 · Orders · OrderDesk"."""

from __future__ import annotations

import re
from html import unescape

from flask import url_for

from models import Customer, db
from tests.factories import make_order


def _title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match is not None
    return " ".join(unescape(match.group(1)).split())


def test_every_menu_entry_has_its_own_title_naming_it(app, login_as, users):
    client = login_as("admin")
    with app.test_request_context():
        admin = app.extensions["admin"][0]
        pages = {view.name: url_for(f"{view.endpoint}.{view._default_view}") for view in admin._views}
    titles = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        titles[name] = _title(response.get_data(as_text=True))
    assert len(pages) > 10
    assert len(set(titles.values())) == len(titles), titles
    assert all(title.endswith(f"{name} · OrderDesk") for name, title in titles.items()), titles
    assert titles["Orders"] == "Orders · OrderDesk" and titles["Customers"] == "Customers · OrderDesk"


def test_the_order_pages_are_titled_by_the_order_number(login_as, catalog, users):
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = login_as("admin")

    def title(url: str) -> str:
        return _title(client.get(url).get_data(as_text=True))

    number = order.identifier
    assert title(f"/admin/orders/details/?id={order.id}") == f"{number} · Orders · OrderDesk"
    assert title("/admin/orders/new/") == "Create Order · Orders · OrderDesk"
    assert title(f"/admin/orders/edit/?id={order.id}") == f"Edit {number} · Orders · OrderDesk"
    assert (
        title(f"/admin/orders/activities/note/?id={order.id}") == f"Add Note · {number} · Orders · OrderDesk"
    )


def test_generic_create_details_and_edit_pages_name_the_model_and_the_record(login_as, catalog, users):
    customer = db.session.query(Customer).order_by(Customer.id).first()
    client = login_as("admin")
    pages = {
        "/admin/customers/new/": "Create Customer · Customers · OrderDesk",
        f"/admin/customers/details/?id={customer.id}": f"{customer.name} · Customers · OrderDesk",
        f"/admin/customers/edit/?id={customer.id}": f"Edit {customer.name} · Customers · OrderDesk",
        "/admin/customer_users/new/": "Create Customer User · Customer Users · OrderDesk",
        "/admin/rfqs/new/": "Create Request for Quote · Requests for Quote · OrderDesk",
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert _title(response.get_data(as_text=True)) == expected, url
