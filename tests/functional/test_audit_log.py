"""System > Audit Log (issue #11 item 7): found by order number, deleted orders included; rows
link to their order while it exists, read in words, and filter by user and by action."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from actions.editing import delete_order
from actions.lifecycle import apply_transition
from models import db
from tests.factories import make_order


def _rows(page: str) -> list[str]:
    start = page.index("</thead>", page.index("model-list"))
    body = page[start : page.index("</table>", start)]
    return re.findall(r"<tr.*?</tr>", body, flags=re.S)


def test_the_audit_log_finds_a_deleted_orders_rows_by_its_number(login_as, catalog, users):
    # Given an order that was deleted, and another one
    gone = make_order(db.session, catalog, actor=users["sales"])
    kept = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    number = gone.identifier
    delete_order(db.session, gone, actor=users["admin"])
    db.session.commit()
    client = login_as("manager")

    # When the manager searches the audit log for its number, typed lower-case
    page = client.get(f"/admin/audit/?search={number.lower()}").get_data(as_text=True)

    # Then the deleted order's rows are listed, marked deleted, and none of the other order's
    rows = _rows(page)
    assert rows and all(f"{number} (deleted)" in row for row in rows)
    assert not any(kept.identifier in row for row in rows)
    assert any("Deleted order" in row for row in rows)


def test_each_row_links_to_its_order_and_reads_in_words(login_as, catalog, users):
    # Given an order whose widget line went from 2 to 12
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    order.line_items[0].quantity = 12
    db.session.commit()
    client = login_as("manager")

    # When the audit log is opened
    page = client.get("/admin/audit/").get_data(as_text=True)

    # Then rows link to the order's page and say what changed in words, not JSON
    assert f'href="/admin/orders/details/?id={order.id}"' in page
    assert "Quantity of WID-1: 2 → 12" in page
    assert "line item WID-1" in page and "OrderLineItem" not in page
    rows = "".join(_rows(page))
    assert "[&#34;" not in rows and "{&#34;" not in rows  # no raw JSON


def test_the_audit_log_filters_by_user_and_by_action_named_in_words(login_as, catalog, users):
    # Given an order created by the sales user and cancelled by the manager
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    apply_transition(db.session, order, "cancel", actor=users["manager"])
    db.session.commit()
    client = login_as("manager")

    # When the log is filtered by the manager, then by the Cancel action
    by_manager = _rows(
        client.get(f"/admin/audit/?flt1_user_equals={users['manager'].id}").get_data(as_text=True)
    )
    cancels = _rows(client.get("/admin/audit/?flt1_action_equals=cancel").get_data(as_text=True))
    page = client.get("/admin/audit/").get_data(as_text=True)

    # Then only the manager's cancellation is left each time, and the filters offer words
    assert len(by_manager) == 1 and "Internal Status: Open → Cancelled" in by_manager[0]
    assert len(cancels) == 1 and users["manager"].full_name in cancels[0]
    assert "Mark as Shipped" in page and users["sales"].full_name in page


def test_an_audit_log_page_is_one_statement_plus_its_count(login_as, catalog, users, app):
    # Given several orders, each with a user and lines to show
    for _ in range(3):
        make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = login_as("manager")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # When the log's first page is rendered
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/admin/audit/")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    # Then the rows come with their users and orders in one statement, plus one count, the
    # filter's user list and the logged-in user: no statement per row
    assert response.status_code == 200
    on_audit = [s for s in statements if "FROM audit_entries" in s]
    assert len(on_audit) == 2, statements
    assert len(statements) <= 4, statements


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("search=so-00", "ix_audit_entries_order_identifier"),
        ("flt1_user_equals=2", "ix_audit_entries_actor"),
        ("flt1_action_equals=cancel", "ix_audit_entries_action"),
    ],
)
def test_the_audit_logs_search_and_filters_are_served_by_an_index(login_as, catalog, users, query, index):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("query plans are asserted on SQLite; PostgreSQL's depend on statistics")
    make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = login_as("manager")
    captured: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM audit_entries" in statement and "ORDER BY" in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(f"/admin/audit/?{query}").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    [(statement, parameters)] = captured
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        plan = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
    assert any(f"audit_entries USING INDEX {index}" in step or f"INDEX {index}" in step for step in plan), (
        plan
    )


def test_the_audit_logs_count_is_capped_instead_of_counting_every_row(login_as, catalog, users, monkeypatch):
    from admin.system import AuditView

    monkeypatch.setattr(AuditView, "count_cap", 2)
    make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    page = login_as("manager").get("/admin/audit/").get_data(as_text=True)
    assert "List (2+)" in page
