"""Every date and time is shown one way, in the reader's time zone with the zone named: the
user's own (their account page), else ORDERDESK_DEFAULT_TIMEZONE; never microseconds or
"+00:00". Numbers read as people write them (250, not 250.0000)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from models import CalendarEvent, Coupon, Promotion, User, db
from tests import factories
from tests.conftest import build_app, flashed_messages, login

NOON_UTC = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def order(app, users, catalog):
    made = factories.make_order(db.session, catalog, actor=users["sales"])
    made.created_at = NOON_UTC
    db.session.commit()
    return made


def _set_zone(email: str, zone: str | None) -> None:
    db.session.query(User).filter_by(email=email).update({"time_zone": zone})
    db.session.commit()


def test_a_user_sees_times_in_their_own_zone_with_its_name(login_as, order):
    _set_zone("viewer@example.com", "Europe/Paris")
    client = login_as("viewer")
    page = client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    grid = client.get("/admin/orders/").get_data(as_text=True)
    assert "2026-07-01 14:00 CEST" in page
    assert "2026-07-01 14:00 CEST" in grid


def test_without_a_zone_of_their_own_users_see_the_sites_default(clean_db, database_url):
    app = build_app(database_url, ORDERDESK_DEFAULT_TIMEZONE="America/New_York")
    with app.app_context():
        users = factories.make_users(db.session)
        made = factories.make_order(db.session, factories.make_catalog(db.session), actor=users["sales"])
        made.created_at = NOON_UTC
        db.session.commit()
        client = app.test_client()
        login(client, "viewer@example.com")
        assert "2026-07-01 08:00 EDT" in client.get(f"/admin/orders/details/?id={made.id}").get_data(
            as_text=True
        )
        db.session.remove()


def test_no_page_shows_microseconds_or_a_utc_offset(login_as, order):
    client = login_as("admin")
    for path in (
        "/admin/orders/",
        f"/admin/orders/details/?id={order.id}",
        "/admin/customers/",
        "/admin/audit/",
        "/admin/users/",
    ):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"\d\d:\d\d:\d\d\.\d+|[+-]00:00", html), path


def test_numbers_show_without_trailing_zeros(login_as, app):
    db.session.add(
        Promotion(name="Big spender", kind="percent", value=Decimal("10"), minimum_subtotal=Decimal("250"))
    )
    db.session.commit()
    html = login_as("admin").get("/admin/promotions/").get_data(as_text=True)
    assert "250.0000" not in html and ">250<" in html.replace("\n", "")


def test_a_user_chooses_their_time_zone_on_their_account_page(login_as, order):
    client = login_as("sales")
    page = client.get("/admin/account/").get_data(as_text=True)
    assert '<option value="Asia/Tokyo"' in page
    client.post("/admin/account/time-zone", data={"time_zone": "Asia/Tokyo"})
    assert flashed_messages(client) == ["Dates and times are now shown in your time zone."]
    assert "2026-07-01 21:00 JST" in client.get(f"/admin/orders/details/?id={order.id}").get_data(
        as_text=True
    )
    client.post("/admin/account/time-zone", data={"time_zone": ""})
    assert "2026-07-01 12:00 UTC" in client.get(f"/admin/orders/details/?id={order.id}").get_data(
        as_text=True
    )


def test_an_unknown_time_zone_is_refused_and_changes_nothing(login_as, users):
    client = login_as("sales")
    client.post("/admin/account/time-zone", data={"time_zone": "Mars/Olympus"})
    assert flashed_messages(client) == ["'Mars/Olympus' is not a time zone; choose one from the list."]
    assert db.session.scalar(db.select(User.time_zone).filter_by(email="sales@example.com")) is None


def test_an_unknown_default_zone_stops_the_app_from_starting(clean_db, database_url):
    with pytest.raises(RuntimeError, match="ORDERDESK_DEFAULT_TIMEZONE must be an IANA time zone"):
        build_app(database_url, ORDERDESK_DEFAULT_TIMEZONE="Nowhere/Land")


def test_the_csv_export_stays_in_utc(login_as, order):
    _set_zone("viewer@example.com", "Asia/Tokyo")
    csv = login_as("viewer").get("/admin/orders/export/csv/").get_data(as_text=True)
    assert "2026-07-01 12:00:00 UTC" in csv


def test_event_times_are_typed_and_shown_in_the_readers_zone(login_as, order):
    _set_zone("manager@example.com", "Europe/Paris")
    client = login_as("manager")
    form = client.get(f"/admin/orders/activities/event/?id={order.id}").get_data(as_text=True)
    assert "Start (Europe/Paris)" in form
    client.post(
        f"/admin/orders/activities/event/?id={order.id}",
        data={"title": "Call buyer", "starts_at": "2026-07-02T09:30", "ends_at": "2026-07-02T10:00"},
    )
    event = db.session.scalars(db.select(CalendarEvent)).one()
    assert event.starts_at == datetime(2026, 7, 2, 7, 30, tzinfo=UTC)  # 09:30 in Paris is 07:30 UTC
    page = client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    assert "2026-07-02 09:30 CEST to 2026-07-02 10:00 CEST" in page
    edit = client.get(f"/admin/orders/activities/event/edit/?event={event.id}").get_data(as_text=True)
    assert 'value="2026-07-02T09:30"' in edit


def test_scaffolded_date_fields_are_typed_and_shown_in_the_readers_zone(login_as, app):
    _set_zone("manager@example.com", "Europe/Paris")
    promotion = Promotion(name="Summer", kind="percent", value=Decimal("10"), requires_coupon=True)
    coupon = Coupon(
        code="SUMMER",
        code_key="SUMMER",
        promotion=promotion,
        valid_until=datetime(2026, 7, 2, 8, 0, tzinfo=UTC),
    )
    db.session.add_all([promotion, coupon])
    db.session.commit()
    client = login_as("manager")
    form = client.get(f"/admin/coupons/edit/?id={coupon.id}").get_data(as_text=True)
    assert 'value="2026-07-02 10:00:00"' in form  # 08:00 UTC is 10:00 in Paris
    client.post(
        f"/admin/coupons/edit/?id={coupon.id}",
        data={
            "code": "SUMMER",
            "promotion": str(promotion.id),
            "enabled": "y",
            "uses_per_coupon": "1",
            "uses_per_customer_user": "1",
            "valid_from": "",
            "valid_until": "2026-07-02 11:00:00",
        },
    )
    db.session.expire_all()
    assert db.session.get(Coupon, coupon.id).valid_until == datetime(2026, 7, 2, 9, 0, tzinfo=UTC)
