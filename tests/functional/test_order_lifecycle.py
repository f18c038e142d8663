"""Order lifecycle in the admin (SPEC §2.2, §3, §8): buttons, single and bulk transitions, the
filtered-grid action, shipping with trackings, and the cancel-overdue command.

Every refused request is checked to answer with a message (never a 500) and change nothing.
"""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEntry, Order, db, utcnow
from tests.conftest import flashed_messages, job_report
from tests.factories import order_in_status

BUTTONS = ("transition-cancel", "transition-mark_shipped", "transition-close", "transition-archive")


def page_of(client, order_id: int) -> str:
    response = client.get(f"/admin/orders/details/?id={order_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def buttons_on(page: str) -> set[str]:
    return {b for b in BUTTONS if f'id="{b}"' in page}


def statuses() -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(Order.id, Order.internal_status)).all())


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def order_in(catalog, users, status: str, **overrides) -> Order:
    """An order the manager created and took to `status` through the actions, committed."""
    order = order_in_status(db.session, catalog, status, actor=users["manager"], **overrides)
    db.session.commit()
    return order


@pytest.fixture
def open_order(catalog, users) -> Order:
    return order_in(catalog, users, "open")


# ---- buttons on the order page ----


@pytest.mark.parametrize(
    ("status", "role", "expected"),
    [
        ("open", "manager", {"transition-cancel", "transition-mark_shipped", "transition-close"}),
        ("open", "admin", {"transition-cancel", "transition-mark_shipped", "transition-close"}),
        ("open", "sales", {"transition-mark_shipped"}),
        ("open", "viewer", set()),
        ("cancelled", "manager", {"transition-close"}),
        ("shipped", "manager", {"transition-close"}),
        ("closed", "manager", {"transition-archive"}),
        ("closed", "sales", set()),
        ("closed", "viewer", set()),
        ("archived", "manager", set()),
    ],
)
def test_the_page_shows_exactly_the_transition_buttons_allowed_now(
    login_as, catalog, users, status, role, expected
):
    # Given an order in the status
    order = order_in(catalog, users, status)

    # When the role opens its page
    page = page_of(login_as(role), order.id)

    # Then exactly the allowed buttons are there
    assert buttons_on(page) == expected


@pytest.mark.parametrize(
    ("status", "role", "tracking", "edit"),
    [
        ("open", "manager", True, True),
        ("open", "sales", True, True),
        ("open", "viewer", False, False),
        ("shipped", "manager", True, False),
        ("cancelled", "manager", False, False),
        ("closed", "manager", False, False),
    ],
)
def test_shipping_tracking_and_edit_buttons_follow_status_and_role(
    login_as, catalog, users, status, role, tracking, edit
):
    order = order_in(catalog, users, status)
    page = page_of(login_as(role), order.id)
    assert ('id="shipping-tracking"' in page) is tracking
    assert ('id="edit-order"' in page) is edit


def test_the_cancel_button_asks_the_orocommerce_confirmation(login_as, open_order):
    page = html.unescape(page_of(login_as("manager"), open_order.id))
    assert (
        "Are you sure you want to cancel this order? Please note that once your order is "
        "cancelled, it cannot be changed."
    ) in page


# ---- one order ----


def test_cancelling_an_order_flashes_the_result_and_cancels_it(login_as, open_order):
    # When the manager cancels an open order
    client = login_as("manager")
    response = client.post("/admin/orders/transition/", data={"id": open_order.id, "transition": "cancel"})

    # Then they land on the order page with OroCommerce's message and the order is cancelled
    assert response.status_code == 302
    assert f"/admin/orders/details/?id={open_order.id}" in response.headers["Location"]
    assert flashed_messages(client) == [f"Order #{open_order.identifier} has been cancelled."]
    assert statuses()[open_order.id] == "cancelled"


@pytest.mark.parametrize(
    ("status", "name", "done", "target"),
    [
        ("open", "close", "closed", "closed"),
        ("shipped", "close", "closed", "closed"),
        ("closed", "archive", "archived", "archived"),
    ],
)
def test_close_and_archive_flash_their_result(login_as, catalog, users, status, name, done, target):
    order = order_in(catalog, users, status)
    client = login_as("manager")
    client.post("/admin/orders/transition/", data={"id": order.id, "transition": name})
    assert flashed_messages(client) == [f"Order #{order.identifier} has been {done}."]
    assert statuses()[order.id] == target


def test_the_page_after_cancelling_shows_the_message_and_no_more_actions(login_as, open_order):
    client = login_as("manager")
    response = client.post(
        "/admin/orders/transition/", data={"id": open_order.id, "transition": "cancel"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Order #{open_order.identifier} has been cancelled." in html.unescape(page)
    assert buttons_on(page) == {"transition-close"}
    assert 'id="edit-order"' not in page and 'id="shipping-tracking"' not in page


@pytest.mark.parametrize(
    ("status", "name", "message"),
    [
        ("open", "archive", "cannot be archived because it is open"),
        ("closed", "cancel", "cannot be cancelled because it is closed"),
        ("cancelled", "cancel", "cannot be cancelled because it is cancelled"),
        ("archived", "close", "cannot be closed because it is archived"),
        ("open", "refund", "is not an order action"),
        ("open", "", "is not an order action"),
        ("open", "delete", "is not an order action"),
    ],
)
def test_a_crafted_post_of_a_transition_not_allowed_is_refused_with_a_message(
    login_as, catalog, users, status, name, message
):
    # Given an order, and the audit trail so far
    order = order_in(catalog, users, status)
    before = audit_count()

    # When a manager posts a transition the page does not offer
    client = login_as("manager")
    response = client.post("/admin/orders/transition/", data={"id": order.id, "transition": name})

    # Then it is refused with a clear message and nothing changed
    assert response.status_code == 302
    (text,) = flashed_messages(client)
    assert message in text
    assert statuses()[order.id] == status
    assert audit_count() == before


@pytest.mark.parametrize("raw_id", ["abc", "999999", "", "-1", "1.5", "²", "1 OR 1=1"])
def test_a_transition_post_for_a_missing_or_malformed_id_says_so_and_never_fails(
    login_as, open_order, raw_id
):
    client = login_as("manager")
    response = client.post("/admin/orders/transition/", data={"id": raw_id, "transition": "cancel"})
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert flashed_messages(client) == ["The order does not exist."]
    assert statuses()[open_order.id] == "open"


def test_a_transition_post_without_an_id_is_refused(login_as, open_order):
    client = login_as("manager")
    response = client.post("/admin/orders/transition/", data={"transition": "cancel"})
    assert response.status_code in (302, 404)
    assert statuses()[open_order.id] == "open"


@pytest.mark.parametrize(
    ("role", "name"),
    [("sales", "cancel"), ("sales", "close"), ("viewer", "cancel"), ("viewer", "mark_shipped")],
)
def test_a_role_without_the_permission_is_refused(login_as, open_order, role, name):
    # When sales (or a viewer) posts a transition their role does not grant
    client = login_as(role)
    before = audit_count()
    response = client.post("/admin/orders/transition/", data={"id": open_order.id, "transition": name})

    # Then it is refused and the order is unchanged
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert flashed_messages(client) == ["You do not have permission to perform this action."]
    assert statuses()[open_order.id] == "open"
    assert audit_count() == before


def test_sales_may_mark_an_order_shipped(login_as, open_order):
    client = login_as("sales")
    client.post("/admin/orders/transition/", data={"id": open_order.id, "transition": "mark_shipped"})
    assert flashed_messages(client) == [f"Order #{open_order.identifier} has been marked as shipped."]
    assert statuses()[open_order.id] == "shipped"


def test_an_anonymous_post_changes_nothing(client, open_order):
    response = client.post("/admin/orders/transition/", data={"id": open_order.id, "transition": "cancel"})
    assert response.status_code in (302, 401, 403)
    assert statuses()[open_order.id] == "open"


# ---- bulk actions on a selection ----


def bulk(client, action: str, ids) -> object:
    return client.post("/admin/orders/action/", data={"action": action, "rowid": [str(i) for i in ids]})


def test_bulk_cancel_reports_done_and_skipped_orders(login_as, catalog, users):
    # Given two open orders and a closed one
    first = order_in(catalog, users, "open")
    second = order_in(catalog, users, "open")
    closed = order_in(catalog, users, "closed")

    # When the three are cancelled at once
    client = login_as("manager")
    response = bulk(client, "cancel", [first.id, second.id, closed.id])

    # Then a job reports two done and names the skipped one with its reason
    report = job_report(client, response)
    assert (report.state, report.summary) == ("done", "2 orders cancelled; 1 skipped")
    assert report.reasons == [f"Order {closed.identifier} cannot be cancelled because it is closed"]
    assert statuses() == {first.id: "cancelled", second.id: "cancelled", closed.id: "closed"}


def test_repeating_the_same_bulk_cancel_changes_nothing_and_reports_zero(login_as, catalog, users):
    # Given two orders cancelled by a bulk action
    ids = [order_in(catalog, users, "open").id for _ in range(2)]
    client = login_as("manager")
    job_report(client, bulk(client, "cancel", ids))
    before = audit_count()

    # When the same bulk action is posted again
    report = job_report(client, bulk(client, "cancel", ids))

    # Then nothing changes and the report says 0
    assert report.summary == "0 orders cancelled; 2 skipped"
    assert all("because it is cancelled" in reason for reason in report.reasons)
    assert audit_count() == before


def test_bulk_with_an_unknown_id_reports_it_and_applies_the_rest(login_as, open_order):
    client = login_as("manager")
    report = job_report(client, bulk(client, "close", [open_order.id, 987654]))
    assert (report.summary, report.reasons) == (
        "1 order closed; 1 skipped",
        ["Order id 987654 no longer exists"],
    )
    assert statuses()[open_order.id] == "closed"


def test_a_selection_of_thousands_of_ids_runs_as_one_job_with_no_cap(login_as, open_order):
    # When 10,001 ids are posted (the real order among them)
    client = login_as("manager")
    ids = [open_order.id] + list(range(100_000, 110_000))
    report = job_report(client, bulk(client, "cancel", ids))

    # Then one job takes them all: the real order is cancelled, each other id is reported
    assert report.progress["total"] == 10_001
    assert report.summary == "1 order cancelled; 10,000 skipped"
    assert statuses()[open_order.id] == "cancelled"


@pytest.mark.parametrize("bad", ["abc", "1; DROP TABLE orders", "-3", "1.0", "", "²", "١"])
def test_a_non_number_rowid_refuses_the_whole_selection(login_as, open_order, bad):
    # When a selection mixes a real id with something that is not an id
    client = login_as("manager")
    before = audit_count()
    response = bulk(client, "cancel", [open_order.id, bad])

    # Then it is refused with a message (never a 500) and nothing changed
    assert response.status_code == 302
    (text,) = flashed_messages(client)
    assert "nothing was changed" in text
    assert statuses()[open_order.id] == "open"
    assert audit_count() == before


@pytest.mark.parametrize(
    ("role", "action"),
    [
        ("sales", "cancel"),
        ("sales", "close"),
        ("sales", "archive"),
        ("sales", "delete"),
        ("viewer", "mark_shipped"),
    ],
)
def test_a_bulk_action_outside_the_role_is_refused_with_a_message(login_as, open_order, role, action):
    client = login_as(role)
    response = bulk(client, action, [open_order.id])
    assert response.status_code == 302
    assert flashed_messages(client) == ["You do not have permission to perform this action."]
    assert statuses()[open_order.id] == "open"


def test_an_unknown_bulk_action_is_refused_with_a_message(login_as, open_order):
    client = login_as("manager")
    response = bulk(client, "explode", [open_order.id])
    assert response.status_code == 302
    (text,) = flashed_messages(client)
    assert "is not an order action" in text
    assert statuses()[open_order.id] == "open"


def test_bulk_mark_shipped_by_sales_ships_open_orders(login_as, catalog, users):
    first = order_in(catalog, users, "open")
    cancelled = order_in(catalog, users, "cancelled")
    client = login_as("sales")
    report = job_report(client, bulk(client, "mark_shipped", [first.id, cancelled.id]))
    assert report.summary == "1 order marked as shipped; 1 skipped"
    assert report.reasons == [
        f"Order {cancelled.identifier} cannot be marked as shipped because it is cancelled"
    ]
    db.session.expire_all()
    shipped = db.session.get(Order, first.id)
    assert (shipped.internal_status, shipped.shipping_status) == ("shipped", "shipped")


# ---- every order matching the filter ----


def test_apply_filtered_shows_the_count_then_closes_every_matching_order(login_as, catalog, users):
    # Given three cancelled orders and one open order
    cancelled = [order_in(catalog, users, "cancelled") for _ in range(3)]
    other = order_in(catalog, users, "open")
    client = login_as("manager")
    query = "action=close&flt1_internal_status_equals=cancelled"

    # When the manager asks to close every cancelled order
    page = client.get(f"/admin/orders/apply_filtered/?{query}")

    # Then the page says how many orders match
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert re.search(r"matches <strong>3</strong> orders", text)
    assert statuses()[other.id] == "open"

    # And when confirmed, all three (and only they) are closed with a report
    response = client.post(f"/admin/orders/apply_filtered/?{query}", data={"action": "close"})
    assert job_report(client, response).summary == "3 orders closed"
    assert statuses() == {**{o.id: "closed" for o in cancelled}, other.id: "open"}


def test_apply_filtered_counts_every_match_even_beyond_the_grids_count_cap(
    login_as, catalog, users, monkeypatch
):
    # Given a grid whose count stops at 2 ("2+") and three cancelled orders
    monkeypatch.setattr("admin.orders.grid.OrderGridView.count_cap", 2)
    for _ in range(3):
        order_in(catalog, users, "cancelled")
    client = login_as("manager")

    # When the manager reviews closing all of them, the page says exactly how many
    page = client.get("/admin/orders/apply_filtered/?action=close&flt1_internal_status_equals=cancelled")
    assert re.search(r"matches <strong>3</strong> orders", page.get_data(as_text=True))


def test_apply_filtered_archives_only_closed_orders_of_the_filter(login_as, catalog, users):
    closed = order_in(catalog, users, "closed")
    still_open = order_in(catalog, users, "open")
    client = login_as("manager")
    response = client.post(
        "/admin/orders/apply_filtered/?action=archive&flt1_internal_status_equals=closed",
        data={"action": "archive"},
    )
    assert job_report(client, response).summary == "1 order archived"
    assert statuses() == {closed.id: "archived", still_open.id: "open"}


def test_apply_filtered_names_the_filter_in_words_and_says_what_will_happen(login_as, catalog, users):
    order_in(catalog, users, "cancelled")
    client = login_as("manager")
    page = client.get("/admin/orders/apply_filtered/?action=close&flt1_internal_status_equals=cancelled")
    text = page.get_data(as_text=True)
    assert "<li>Internal Status equals Cancelled</li>" in text
    assert "Close 1 order? Open, cancelled and shipped orders become Closed" in text


def test_apply_filtered_without_a_filter_needs_the_number_of_orders_typed(login_as, catalog, users):
    # Given three open orders and no filter on the grid
    orders = [order_in(catalog, users, "open") for _ in range(3)]
    client = login_as("manager")
    page = client.get("/admin/orders/apply_filtered/?action=cancel").get_data(as_text=True)
    assert "There is no filter: this is <strong>every order</strong>, 3 in all." in page
    assert 'name="confirm_count"' in page

    # When the manager confirms without typing the number, or with a wrong one, nothing changes
    for typed in ("", "2", "all"):
        refused = client.post(
            "/admin/orders/apply_filtered/?action=cancel", data={"action": "cancel", "confirm_count": typed}
        )
        assert refused.status_code == 200
        assert "There is no filter, so this is every order: type 3 to confirm. Nothing was changed." in (
            refused.get_data(as_text=True)
        )
    assert set(statuses().values()) == {"open"}

    # And with the number typed, every order is cancelled
    response = client.post(
        "/admin/orders/apply_filtered/?action=cancel", data={"action": "cancel", "confirm_count": "3"}
    )
    assert job_report(client, response).summary == "3 orders cancelled"
    assert statuses() == {o.id: "cancelled" for o in orders}


def test_the_filter_wide_menu_starts_on_no_action(login_as, open_order):
    page = login_as("manager").get("/admin/orders/").get_data(as_text=True)
    menu = page.split('id="apply-filtered-action"', 1)[1].split("</select>", 1)[0]
    assert re.search(r'<option value="" selected>Choose an action…</option>', menu)


def test_the_selection_confirmation_counts_the_orders_and_says_what_happens(login_as, open_order):
    page = login_as("manager").get("/admin/orders/").get_data(as_text=True)
    questions = json.loads(re.search(r'id="actions-confirmation-data"[^>]*>(.*?)</', page, re.S).group(1))
    assert questions["cancel"] == (
        "Cancel {count} selected order{s}? Open orders become Cancelled and can no longer be changed. "
        "Orders this cannot apply to are skipped and listed in the report."
    )
    assert questions["delete"].startswith(
        "Delete {count} selected order{s}? They are deleted with their notes"
    )


@pytest.mark.parametrize(
    ("role", "action"), [("sales", "close"), ("manager", "explode"), ("viewer", "mark_shipped")]
)
def test_apply_filtered_refuses_an_action_outside_the_role(login_as, open_order, role, action):
    client = login_as(role)
    response = client.post(f"/admin/orders/apply_filtered/?action={action}", data={"action": action})
    assert response.status_code == 302
    (text,) = flashed_messages(client)
    assert text in (
        "Choose an order action you are allowed to perform.",
        "You do not have permission to perform this action.",
    )
    assert statuses()[open_order.id] == "open"


# ---- Mark as Shipped form and Shipping Tracking ----


def test_shipping_everything_with_a_ups_tracking_shows_the_tracking_link(login_as, open_order):
    # When the sales user ships the whole order with a UPS tracking number
    client = login_as("sales")
    form = client.get(f"/admin/orders/ship/?id={open_order.id}")
    assert form.status_code == 200
    response = client.post(
        f"/admin/orders/ship/?id={open_order.id}",
        data={
            "mode": "all",
            "tracking_method": ["UPS"],
            "tracking_number": ["1Z999AA10123456784"],
            "tracking_id": [""],
        },
    )

    # Then the order is shipped and its page links the number to UPS
    assert response.status_code == 302
    assert flashed_messages(client) == [f"Order #{open_order.identifier} has been marked as shipped."]
    page = html.unescape(page_of(client, open_order.id))
    assert (
        'href="https://www.ups.com/WebTracking/processInputRequest?TypeOfInquiryNumber=T'
        '&InquiryNumber1=1Z999AA10123456784"'
    ) in page
    assert statuses()[open_order.id] == "shipped"


def test_a_partial_shipment_shows_partially_shipped(login_as, open_order):
    # When one of the two widgets is shipped
    first_line = open_order.line_items[0].id
    second_line = open_order.line_items[1].id
    client = login_as("sales")
    response = client.post(
        f"/admin/orders/ship/?id={open_order.id}",
        data={"mode": "partial", f"ship-{first_line}": "1", f"ship-{second_line}": "0"},
    )

    # Then the order stays open and the page says Partially Shipped
    assert response.status_code == 302
    assert flashed_messages(client) == [f"Order #{open_order.identifier} has been partially shipped."]
    page = page_of(client, open_order.id)
    assert "Shipping: Partially Shipped" in page
    assert statuses()[open_order.id] == "open"
    # And the Mark as Shipped button is still offered for the rest
    assert "transition-mark_shipped" in buttons_on(page)


@pytest.mark.parametrize("quantity", ["5", "-1", "abc", "NaN"])
def test_a_bad_partial_quantity_redisplays_the_form_with_a_message(login_as, open_order, quantity):
    client = login_as("sales")
    line = open_order.line_items[0].id
    before = audit_count()
    response = client.post(
        f"/admin/orders/ship/?id={open_order.id}", data={"mode": "partial", f"ship-{line}": quantity}
    )
    assert response.status_code == 200
    assert "WID-1:" in html.unescape(response.get_data(as_text=True))
    assert statuses()[open_order.id] == "open"
    assert audit_count() == before


def test_shipping_a_closed_order_by_url_is_refused(login_as, closed_order):
    client = login_as("manager")
    response = client.post(f"/admin/orders/ship/?id={closed_order.id}", data={"mode": "all"})
    assert response.status_code in (200, 302)
    assert "cannot be marked as shipped because it is closed" in html.unescape(
        response.get_data(as_text=True)
    ) + " ".join(flashed_messages(client))
    assert statuses()[closed_order.id] == "closed"


@pytest.mark.parametrize("raw_id", ["abc", "999999", "", "²"])
def test_the_ship_and_tracking_pages_of_a_missing_order_are_404(login_as, raw_id):
    client = login_as("manager")
    assert client.get(f"/admin/orders/ship/?id={raw_id}").status_code == 404
    assert client.get(f"/admin/orders/trackings/?id={raw_id}").status_code == 404


def test_the_tracking_dialog_saves_the_set_of_rows(login_as, open_order):
    client = login_as("sales")
    assert client.get(f"/admin/orders/trackings/?id={open_order.id}").status_code == 200
    response = client.post(
        f"/admin/orders/trackings/?id={open_order.id}",
        data={
            "tracking_method": ["FedEx", ""],
            "tracking_number": ["123456789012", ""],
            "tracking_id": ["", ""],
        },
    )
    assert response.status_code == 302
    assert flashed_messages(client) == ["Shipping Tracking Numbers have been updated"]
    page = html.unescape(page_of(client, open_order.id))
    assert "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber=123456789012" in page


def test_the_tracking_dialog_refuses_a_cancelled_order(login_as, cancelled_order):
    client = login_as("manager")
    response = client.post(
        f"/admin/orders/trackings/?id={cancelled_order.id}",
        data={"tracking_method": ["UPS"], "tracking_number": ["1Z999AA10123456784"]},
    )
    assert "cannot get tracking numbers because it is cancelled" in html.unescape(
        response.get_data(as_text=True)
    ) + " ".join(flashed_messages(client))
    db.session.expire_all()
    assert db.session.get(Order, cancelled_order.id).shipping_trackings == []


# ---- editing after cancellation ----


def test_after_cancelling_the_edit_page_and_a_posted_edit_are_refused(login_as, open_order):
    # Given an order cancelled through the page
    client = login_as("manager")
    client.post("/admin/orders/transition/", data={"id": open_order.id, "transition": "cancel"})
    flashed_messages(client)
    page = page_of(client, open_order.id)
    assert 'id="edit-order"' not in page
    assert buttons_on(page) == {"transition-close"}
    before = audit_count()
    db.session.expire_all()
    version = db.session.get(Order, open_order.id).version

    # When the edit form is opened or posted anyway
    opened = client.get(f"/admin/orders/edit/?id={open_order.id}")
    posted = client.post(
        f"/admin/orders/edit/?id={open_order.id}",
        data={
            "customer_id": str(open_order.customer_id),
            "currency": "USD",
            "po_number": "HACKED",
            "version": str(version),
            "lines-0-product_id": str(open_order.line_items[0].product_id),
            "lines-0-quantity": "50",
        },
    )

    # Then both are refused with the reason and nothing changed
    assert opened.status_code == 302 and posted.status_code == 302
    messages = flashed_messages(client)
    assert messages == [f"Order {open_order.identifier} cannot be edited because it is cancelled."] * 2
    db.session.expire_all()
    fresh = db.session.get(Order, open_order.id)
    assert fresh.po_number == "PO-1001"
    assert fresh.internal_status == "cancelled"
    assert audit_count() == before


# ---- cancel-overdue command ----


def test_the_cancel_overdue_command_prints_what_it_cancelled(app, catalog, users):
    # Given an open order due yesterday, one due today and a closed overdue one
    today = utcnow().date()
    overdue = order_in(catalog, users, "open", ship_until=today - timedelta(days=1))
    due_today = order_in(catalog, users, "open", ship_until=today)
    closed = order_in(catalog, users, "closed", ship_until=today - timedelta(days=5))

    # When the command runs
    result = app.test_cli_runner().invoke(args=["cancel-overdue"])

    # Then it names the one order it cancelled, and only that order changed
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Cancelled 1 overdue orders: {overdue.identifier}"
    assert statuses() == {overdue.id: "cancelled", due_today.id: "open", closed.id: "closed"}

    # And a second run finds nothing to do
    again = app.test_cli_runner().invoke(args=["cancel-overdue"])
    assert again.exit_code == 0
    assert again.output.strip() == "No overdue open orders."
