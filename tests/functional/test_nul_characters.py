"""A NUL character (code 0) in a form, a query string or a JSON body is refused with a 422
that says why, and saves nothing. PostgreSQL cannot compare text with one, so before this a
scaffolded form's uniqueness check failed with a server error there."""

from __future__ import annotations

from sqlalchemy import func, select

from admin.security import NUL_REFUSED
from models import Customer, ShippingMethod, db
from tests.functional.api.conftest import bearer, token_for


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_nul_character_in_a_scaffolded_form_is_refused_with_a_reason_and_saves_nothing(login_as, catalog):
    client = login_as("admin")
    before = _count(ShippingMethod)
    response = client.post("/admin/shipping_methods/new/", data={"name": "Truck\x00", "handling_fee": "1"})
    assert response.status_code == 422
    assert NUL_REFUSED in response.get_data(as_text=True)
    assert _count(ShippingMethod) == before


def test_a_nul_character_in_the_grid_search_is_refused_with_a_reason(login_as, catalog):
    response = login_as("sales").get("/admin/orders/?search=SO%00")
    assert response.status_code == 422
    assert NUL_REFUSED in response.get_data(as_text=True)


def test_a_nul_character_in_an_api_body_is_a_422_problem_and_saves_nothing(client, users, catalog):
    api = bearer(client, token_for(users["manager"]))
    before = _count(Customer)
    response = api.post("/api/v1/customers", json={"name": "Globex\x00"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == NUL_REFUSED
    assert _count(Customer) == before
