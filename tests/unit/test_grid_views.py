"""Saved grid views as actions: names unique per person and grid, sharing by managers and
admins, deleting by owner (or admin for shared ones), defaults per person, and a saved query
read back against the filters and columns a grid has now."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from actions.errors import DomainError, PermissionDenied, ValidationFailed
from actions.grid_queries import resolve_view_query, saved_query
from actions.grid_views import (
    delete_grid_view,
    get_grid_view,
    rename_grid_view,
    save_grid_view,
    set_default_view,
    visible_views,
)
from models import GridView, GridViewDefault, User

COLUMNS = ["identifier", "po_number", "total"]


def _save(session, user, name, *, shared=False, grid="orders"):
    view = save_grid_view(session, grid, name=name, query=[], columns=COLUMNS, shared=shared, actor=user)
    session.commit()
    return view


def test_saved_query_keeps_filters_in_order_and_the_sort_by_column_name():
    args = [
        ("flt5_total_greater_than", "10"),
        ("page", "4"),
        ("flt2_internal_status_equals", "open"),
        ("sort", "1"),
        ("search", "acme"),
        ("page_size", "100"),
        ("junk", "x"),
    ]
    assert saved_query(args, columns=COLUMNS) == [
        ["flt0_internal_status_equals", "open"],
        ["flt1_total_greater_than", "10"],
        ["page_size", "100"],
        ["search", "acme"],
        ["sort", "po_number"],
    ]


def test_saved_query_refuses_oversized_input():
    with pytest.raises(ValidationFailed, match="at most 20 filters"):
        saved_query([(f"flt{i}_total_greater_than", "1") for i in range(21)], columns=COLUMNS)
    with pytest.raises(ValidationFailed, match="at most 500 characters"):
        saved_query([("search", "x" * 501)], columns=COLUMNS)


def test_resolving_a_query_drops_unknown_filters_and_a_sort_by_a_column_not_shown():
    query = [
        ["flt0_warehouse_equals", "north"],
        ["flt1_internal_status_equals", "open"],
        ["desc", "1"],
        ["sort", "po_number"],
    ]
    resolved = resolve_view_query(
        query, filters={"internal_status_equals"}, columns=["identifier", "total"], sortable=COLUMNS
    )
    assert resolved.args == [("flt0_internal_status_equals", "open")]
    assert resolved.dropped == ["the filter “warehouse equals”", "the sort by “po number”"]

    kept = resolve_view_query(
        query[1:], filters={"internal_status_equals"}, columns=COLUMNS, sortable=COLUMNS
    )
    assert kept.args == [("flt0_internal_status_equals", "open"), ("desc", "1"), ("sort", "1")]
    assert kept.dropped == []


def test_names_are_trimmed_unique_per_person_and_grid_and_not_a_system_views_name(session, users):
    sales, manager = users["sales"], users["manager"]
    assert _save(session, sales, "  My   open ").name == "My open"
    for bad, message in [
        ("my OPEN", "You already have a view named “my OPEN”."),
        ("", "Give the view a name."),
        ("x" * 81, "at most 80 characters"),
        ("all orders", "is a system view"),
    ]:
        with pytest.raises(ValidationFailed, match=message):
            _save(session, sales, bad)
    session.rollback()
    _save(session, manager, "My open")  # another person may use the name
    _save(session, sales, "My open", grid="customers")  # and another grid
    assert len(session.scalars(select(GridView)).all()) == 3


def test_only_managers_and_admins_share_and_everyone_sees_shared_views(session, users):
    with pytest.raises(PermissionDenied):
        _save(session, users["sales"], "Team", shared=True)
    session.rollback()
    team = _save(session, users["manager"], "Team", shared=True)
    private = _save(session, users["manager"], "Private")
    mine = _save(session, users["sales"], "Mine")

    seen = visible_views(session, users["sales"], grid="orders")
    assert [v.key for v in seen.system] == ["all", "open"]
    assert (seen.own, seen.shared, seen.default_key) == ([mine], [team], "all")
    with pytest.raises(DomainError, match="no longer exists or is not shared"):
        get_grid_view(session, private.id, grid="orders", actor=users["sales"])


@pytest.mark.parametrize("saved", [0, 2])
def test_a_value_asked_along_is_read_with_the_views_whether_there_are_views_or_none(session, users, saved):
    for number in range(saved):
        _save(session, users["sales"], f"View {number}")
    users_count = select(func.count()).select_from(User).scalar_subquery()
    seen = visible_views(session, users["sales"], grid="orders", along=users_count)
    assert len(seen.own) == saved
    assert seen.along == session.scalar(select(func.count()).select_from(User)) > 0
    assert visible_views(session, users["sales"], grid="orders").along is None


def test_a_default_is_per_person_even_for_a_shared_view_and_falls_back_when_deleted(session, users):
    team = _save(session, users["manager"], "Team", shared=True)
    set_default_view(session, "orders", team, actor=users["sales"])
    set_default_view(session, "orders", "open", actor=users["viewer"])
    session.commit()
    assert visible_views(session, users["sales"], grid="orders").default_key == str(team.id)
    assert visible_views(session, users["viewer"], grid="orders").default_key == "open"
    assert visible_views(session, users["manager"], grid="orders").default_key == "all"
    with pytest.raises(DomainError):
        set_default_view(session, "orders", "closed", actor=users["viewer"])

    # the owner deletes it: whoever had it as default gets All Orders again
    delete_grid_view(session, team, actor=users["manager"])
    session.commit()
    assert visible_views(session, users["sales"], grid="orders").default_key == "all"
    assert session.scalars(select(GridViewDefault.user_id)).all() == [users["viewer"].id]


def test_only_the_owner_renames_and_deletes_admins_also_delete_shared_views(session, users):
    team = _save(session, users["manager"], "Team", shared=True)
    private = _save(session, users["manager"], "Private")
    with pytest.raises(PermissionDenied, match="rename only your own"):
        rename_grid_view(session, team, "Ours", actor=users["admin"])
    with pytest.raises(PermissionDenied, match="delete only your own"):
        delete_grid_view(session, team, actor=users["sales"])
    with pytest.raises(PermissionDenied):
        delete_grid_view(session, private, actor=users["admin"])
    with pytest.raises(ValidationFailed, match="already have a view named"):
        rename_grid_view(session, private, "team", actor=users["manager"])
    rename_grid_view(session, team, "team", actor=users["manager"])  # its own name, other case
    delete_grid_view(session, team, actor=users["admin"])
    session.commit()
    assert session.scalars(select(GridView.name)).all() == ["Private"]
