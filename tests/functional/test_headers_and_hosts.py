"""Authenticated pages and exports are never cached, HTTPS deployments get HSTS, absolute
links come from ORDERDESK_BASE_URL, and a request for an unknown Host is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from actions.activities import EventData, add_event
from models import db, utcnow
from tests.conftest import build_app
from tests.factories import make_order


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/orders/", "/admin/orders/export/csv/", "/admin/customers/"]
)
def test_pages_and_exports_of_a_logged_in_user_are_never_cached(login_as, path):
    response = login_as("viewer").get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    response.close()  # as a server does: the export's cursor and session end with the response


def test_static_files_may_be_cached(client):
    response = client.get("/static/orderdesk.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_hsts_is_sent_only_when_served_over_https(clean_db, database_url, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app = build_app(database_url, ORDERDESK_HTTPS=True)
    assert app.test_client().get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_request_for_an_unknown_host_is_refused(client):
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"Host": "127.0.0.1:5000"}).status_code == 200


def test_the_calendar_file_links_to_the_configured_base_url_not_the_request_host(
    clean_db, database_url, monkeypatch
):
    monkeypatch.setenv("ORDERDESK_BASE_URL", "https://orders.example.com/")
    app = build_app(database_url)
    with app.app_context():
        from tests import factories

        users = factories.make_users(db.session)
        order = make_order(db.session, factories.make_catalog(db.session), actor=users["sales"])
        start = utcnow() + timedelta(days=1)
        event = add_event(
            db.session, order, EventData(title="Call", starts_at=start, ends_at=start), actor=users["sales"]
        )
        db.session.commit()
        order_id = order.id
        client = app.test_client()
        client.post("/login", data={"email": "sales@example.com", "password": factories.PASSWORD})
        ics = client.get(f"/admin/calendar_events/ics/?id={event.id}", headers={"Host": "localhost"})
        refused = client.get(
            f"/admin/calendar_events/ics/?id={event.id}", headers={"Host": "attacker.example"}
        )
        db.session.remove()
    assert f"URL:https://orders.example.com/admin/orders/details/?id={order_id}" in ics.get_data(as_text=True)
    assert refused.status_code == 400
