"""The order grid shows what matters on a 1366 px screen, the rest through its Columns menu
(kept for the session, in the order chosen), says which columns cannot be sorted and what the
search matches."""

from __future__ import annotations

import re

import pytest

from admin.orders.grid import DEFAULT_COLUMNS
from models import db
from tests import factories


@pytest.fixture
def client(login_as, users, catalog):
    factories.make_order(db.session, catalog, actor=users["sales"], po_number="PO-COLS")
    db.session.commit()
    return login_as("viewer")


def _headers(html: str) -> list[str]:
    return re.findall(r'<th class="column-header col-([a-z_]+)"', html)


def test_the_grid_starts_with_the_columns_that_fit_a_laptop_screen(client):
    assert _headers(client.get("/admin/orders/").get_data(as_text=True)) == list(DEFAULT_COLUMNS)


def test_the_columns_menu_offers_every_column_ticking_those_shown(client):
    html = client.get("/admin/orders/").get_data(as_text=True)
    offered = re.findall(r'name="column" value="([a-z_]+)" id="column-[a-z_]+" ?(checked)?', html)
    assert len(offered) == 16
    assert [name for name, ticked in offered if ticked] == list(DEFAULT_COLUMNS)


def test_chosen_columns_stay_for_the_session_in_their_order_and_sorting_follows_them(client):
    response = client.get(
        "/admin/orders/columns/?column=po_number&column=identifier&column=bogus&back=/admin/orders/?page=0"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/orders/?page=0"
    html = client.get("/admin/orders/").get_data(as_text=True)
    assert _headers(html) == ["po_number", "identifier"]
    assert "PO-COLS" in html
    # ?sort=1 is the second column shown: the order number
    assert client.get("/admin/orders/?sort=1").status_code == 200
    client.get("/admin/orders/columns/")  # nothing ticked: the usual columns again
    assert _headers(client.get("/admin/orders/").get_data(as_text=True)) == list(DEFAULT_COLUMNS)


def test_the_menus_arrows_move_a_column_without_scripts(client):
    # Given three columns chosen, when the arrows' buttons submit the menu
    client.get("/admin/orders/columns/?column=identifier&column=total&column=customer&up=customer")
    # Then the column moved one place left, and moving the first one left changes nothing
    assert _headers(client.get("/admin/orders/").get_data(as_text=True)) == [
        "identifier",
        "customer",
        "total",
    ]
    client.get(
        "/admin/orders/columns/?column=identifier&column=customer&column=total&down=identifier&up=po_number"
    )
    assert _headers(client.get("/admin/orders/").get_data(as_text=True)) == [
        "customer",
        "identifier",
        "total",
    ]
    # And the menu lists the columns shown first, in their order
    html = client.get("/admin/orders/").get_data(as_text=True)
    offered = re.findall(r'name="column" value="([a-z_]+)"', html)
    assert offered[:3] == ["customer", "identifier", "total"]


def test_the_columns_menu_only_goes_back_to_the_grid(client):
    response = client.get("/admin/orders/columns/?column=total&back=//evil.example/")
    assert response.headers["Location"] == "/admin/orders/"


def test_the_csv_export_keeps_every_column(client):
    client.get("/admin/orders/columns/?column=identifier")
    header = client.get("/admin/orders/export/csv/").get_data(as_text=True).splitlines()[0]
    assert header.count(",") == 15


def test_names_that_cannot_be_sorted_say_so_and_the_search_says_what_it_matches(client):
    client.get("/admin/orders/columns/?column=customer&column=owner")
    html = client.get("/admin/orders/").get_data(as_text=True)
    assert html.count("Not sortable: no index of the orders table") == 2
    assert 'placeholder="Order, PO, customer, buyer, email or SKU"' in html
