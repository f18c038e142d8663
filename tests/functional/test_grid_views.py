"""Saved views of the order grid through its routes: saving the grid as shown, opening a view
(its filters in the URL, its columns in the session), the default view on a bare visit,
sharing, renaming, deleting, and a view whose filter the grid no longer has."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import GridView, db
from tests import factories
from tests.conftest import flashed_messages, login

CANCELLED = "flt0_internal_status_equals=cancelled"


@pytest.fixture
def orders(users, catalog):
    made = [
        factories.make_order(db.session, catalog, actor=users["sales"], po_number=f"PO-V{i}")
        for i in range(2)
    ]
    factories.reach_status(db.session, made[1], "cancelled", actor=users["manager"])
    db.session.commit()
    return made


def _headers(html: str) -> list[str]:
    return re.findall(r'<th class="column-header col-([a-z_]+)"', html)


def _save(client, name, query=CANCELLED, **extra):
    return client.post("/admin/orders/views/save/", data={"name": name, "query": query, **extra})


def _set_shared(client, view, shared, **extra):
    """Post Share with everyone ("1") or Stop sharing ("0"); the answer (the view is read again)."""
    response = client.post(f"/admin/orders/views/{view.id}/share/", data={"shared": shared, **extra})
    db.session.expire_all()
    return response


def _view(name):
    return db.session.scalars(select(GridView).filter_by(name=name)).one()


def test_a_saved_view_restores_filters_and_columns_after_logging_out_and_in(client, users, orders):
    # Given a viewer shows two columns, sorted by PO number, and saves the cancelled orders as
    # their default view
    login(client, users["viewer"].email)
    client.get("/admin/orders/columns/?column=po_number&column=identifier")
    response = _save(client, "Cancelled", query=f"{CANCELLED}&sort=0&desc=1&page=3", default="1")
    view = _view("Cancelled")
    assert response.headers["Location"] == f"/admin/orders/views/{view.id}/"
    assert view.query == [["flt0_internal_status_equals", "cancelled"], ["desc", "1"], ["sort", "po_number"]]
    assert view.columns == ["po_number", "identifier"]

    # When they log out and in again and open the grid bare
    client.post("/logout")
    login(client, users["viewer"].email)
    response = client.get("/admin/orders/")

    # Then the default view opens: its filter and sort in the URL, its columns shown
    assert response.status_code == 302
    assert (
        response.headers["Location"]
        == f"/admin/orders/?flt0_internal_status_equals=cancelled&desc=1&sort=0&view={view.id}"
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _headers(html) == ["po_number", "identifier"]
    assert orders[1].identifier in html and orders[0].identifier not in html
    assert "View: <strong>Cancelled</strong>" in html


def test_a_bare_visit_from_the_grid_itself_stays_on_all_orders(client, users, orders):
    login(client, users["sales"].email)
    _save(client, "Cancelled", default="1")
    assert client.get("/admin/orders/").status_code == 302
    response = client.get("/admin/orders/", headers={"Referer": "http://localhost/admin/orders/?page=1"})
    assert response.status_code == 200 and "View: <strong>All Orders</strong>" in response.get_data(
        as_text=True
    )


def test_system_views_open_with_the_usual_columns_and_can_be_the_default(client, users, orders):
    login(client, users["sales"].email)
    client.get("/admin/orders/columns/?column=identifier")
    response = client.get("/admin/orders/views/open/")
    assert response.headers["Location"] == "/admin/orders/?flt0_internal_status_equals=open&view=open"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(_headers(html)) == 7 and "View: <strong>Open Orders</strong>" in html
    assert client.get("/admin/orders/views/all/").headers["Location"] == "/admin/orders/?view=all"

    client.post("/admin/orders/views/open/default/", data={"back": "/admin/orders/?view=all"})
    assert (
        client.get("/admin/orders/").headers["Location"]
        == "/admin/orders/?flt0_internal_status_equals=open&view=open"
    )


def test_a_view_of_columns_only_is_named_as_itself_not_as_all_orders(client, users, orders):
    login(client, users["sales"].email)
    client.get("/admin/orders/columns/?column=total&column=identifier")
    location = _save(client, "Totals first", query="").headers["Location"]
    html = client.get(client.get(location).headers["Location"]).get_data(as_text=True)
    assert "View: <strong>Totals first</strong>" in html and 'id="view-delete"' in html
    assert _headers(html) == ["total", "identifier"]


def test_a_view_whose_filter_is_gone_opens_without_it_and_says_so(client, users, orders):
    # Given a saved view with a filter the grid no longer has, and a column it no longer shows
    login(client, users["sales"].email)
    db.session.add(
        GridView(
            owner_id=users["sales"].id,
            grid="orders",
            name="Old",
            query=[["flt0_warehouse_equals", "north"], ["flt1_internal_status_equals", "cancelled"]],
            columns=["identifier", "warehouse", "total"],
        )
    )
    db.session.commit()
    # When it is opened
    response = client.get(f"/admin/orders/views/{_view('Old').id}/")
    # Then the rest of it applies and a notice names what was dropped
    assert response.headers["Location"] == f"/admin/orders/?{CANCELLED}&view={_view('Old').id}"
    assert flashed_messages(client) == [
        "“Old” opened without the filter “warehouse equals”: no longer on this grid."
    ]
    assert _headers(client.get(response.headers["Location"]).get_data(as_text=True)) == [
        "identifier",
        "total",
    ]


def test_only_managers_and_admins_may_share_and_shared_views_show_to_everyone(client, users, orders):
    login(client, users["sales"].email)
    assert "save-view-shared" not in client.get("/admin/orders/?view=all").get_data(as_text=True)
    _save(client, "Mine", shared="1")
    assert flashed_messages(client) == ["Only managers and administrators can share a view with everyone."]
    assert db.session.scalars(select(GridView)).all() == []

    client.post("/logout")
    login(client, users["manager"].email)
    assert "save-view-shared" in client.get("/admin/orders/?view=all").get_data(as_text=True)
    _save(client, "Team cancelled", shared="1")
    client.post("/logout")
    login(client, users["sales"].email)
    html = client.get("/admin/orders/?view=all").get_data(as_text=True)
    assert 'Team cancelled <small class="view-note">by Manager User</small>' in html
    # a shared view can be someone's own default, and only its owner or an admin deletes it
    view = _view("Team cancelled")
    client.post(f"/admin/orders/views/{view.id}/default/")
    assert flashed_messages(client) == ["The grid now opens with this view."]
    assert client.get("/admin/orders/").headers["Location"] == f"/admin/orders/?{CANCELLED}&view={view.id}"
    client.post(f"/admin/orders/views/{view.id}/delete/")
    assert "You can delete only your own views" in flashed_messages(client)[0]
    client.post("/logout")
    login(client, users["admin"].email)
    client.post(f"/admin/orders/views/{view.id}/delete/")
    assert db.session.scalars(select(GridView)).all() == []


def test_an_owner_stops_sharing_a_view_and_it_leaves_everyone_elses_menu_and_default(client, users, orders):
    # Given a manager's shared view, which the sales user made their default
    login(client, users["manager"].email)
    _save(client, "Team cancelled", shared="1")
    view = _view("Team cancelled")
    client.post("/logout")
    login(client, users["sales"].email)
    client.post(f"/admin/orders/views/{view.id}/default/")
    flashed_messages(client)

    # When the sales user tries to stop sharing it, they are refused
    _set_shared(client, view, "0")
    assert flashed_messages(client) == ["You can share or stop sharing only your own views."]

    # When the manager, on the view, stops sharing it
    client.post("/logout")
    login(client, users["manager"].email)
    html = client.get(f"/admin/orders/views/{view.id}/", follow_redirects=True).get_data(as_text=True)
    assert 'id="view-share"' in html and "Stop sharing" in html
    back = f"/admin/orders/?view={view.id}"
    response = _set_shared(client, view, "0", back=back)
    assert response.headers["Location"] == back
    assert flashed_messages(client) == ["The view is no longer shared."]
    assert view.shared is False

    # Then the sales user no longer sees it, and their grid opens with All Orders again
    client.post("/logout")
    login(client, users["sales"].email)
    assert "Team cancelled" not in client.get("/admin/orders/?view=all").get_data(as_text=True)
    grid = client.get("/admin/orders/")
    assert grid.status_code == 200
    assert "View: <strong>All Orders</strong>" in grid.get_data(as_text=True)

    # And the manager may share it again
    client.post("/logout")
    login(client, users["manager"].email)
    _set_shared(client, view, "1")
    assert flashed_messages(client) == ["The view is now shared with everyone."]
    assert view.shared is True


def test_a_sales_users_own_view_offers_no_sharing_and_cannot_be_shared_by_a_post(client, users, orders):
    login(client, users["sales"].email)
    _save(client, "Mine")
    view = _view("Mine")
    html = client.get(f"/admin/orders/views/{view.id}/", follow_redirects=True).get_data(as_text=True)
    assert 'id="view-share"' not in html
    _set_shared(client, view, "1")
    assert flashed_messages(client) == ["Only managers and administrators can share a view with everyone."]
    assert view.shared is False


def test_names_are_checked_and_a_view_is_renamed_and_deleted_by_its_owner(client, users, orders):
    login(client, users["viewer"].email)
    _save(client, "Cancelled")
    _save(client, " cancelled ")
    assert flashed_messages(client)[-1] == "You already have a view named “cancelled”."
    _save(client, "")
    assert flashed_messages(client) == ["Give the view a name."]
    view = _view("Cancelled")

    client.post(f"/admin/orders/views/{view.id}/rename/", data={"name": "Refunds", "back": "/admin/orders/"})
    db.session.expire_all()
    assert view.name == "Refunds"
    response = client.post(f"/admin/orders/views/{view.id}/delete/")
    assert response.headers["Location"] == "/admin/orders/?view=all"
    assert db.session.scalars(select(GridView)).all() == []


def test_someone_elses_unshared_view_or_a_bad_id_is_not_found(client, users, orders):
    login(client, users["manager"].email)
    _save(client, "Private")
    view = _view("Private")
    client.post("/logout")
    login(client, users["sales"].email)
    for url in (f"/admin/orders/views/{view.id}/", "/admin/orders/views/x²/", "/admin/orders/views/999999/"):
        response = client.get(url)
        assert response.headers["Location"] == "/admin/orders/?view=all"
        assert flashed_messages(client) == ["That view no longer exists or is not shared with you."]
    for action in ("rename", "delete", "default"):
        response = client.post(f"/admin/orders/views/{view.id}/{action}/", data={"name": "Mine"})
        assert response.status_code == 302
        assert flashed_messages(client) == ["That view no longer exists or is not shared with you."]
    db.session.expire_all()
    assert view.name == "Private"


def test_the_grid_looks_up_views_in_one_query_whatever_their_number(client, users, orders):
    from sqlalchemy import event

    login(client, users["sales"].email)
    for name in ("One", "Two", "Three"):
        _save(client, name, query=f"{CANCELLED}&search={name}")
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        client.get("/admin/orders/?view=all")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert sum("grid_view" in statement for statement in statements) == 1
