"""A bug answers OrderDesk's own error page with a reference that is also in the log; a bad id
in a scaffolded view or an impossible page number is never a server error."""

from __future__ import annotations

import logging
import re

import pytest

from tests.conftest import build_app


def test_a_server_error_shows_a_reference_that_is_also_in_the_log(clean_db, database_url, caplog):
    app = build_app(database_url, PROPAGATE_EXCEPTIONS=False)
    app.add_url_rule("/explode", "explode", lambda: 1 / 0)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/explode")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" not in page and "ZeroDivisionError" not in page
    reference = re.search(r"reference: ([0-9A-F]{8})", page).group(1)
    assert any(reference in record.getMessage() and record.exc_info for record in caplog.records)


@pytest.mark.parametrize("view", ["customers", "products", "promotions", "coupons", "users", "payment_terms"])
def test_a_list_of_ids_or_a_huge_id_on_a_scaffolded_page_is_not_a_server_error(login_as, view):
    client = login_as("admin")
    for bad in ("1,2", str(2**64), "abc", "-1"):
        for page in ("details", "edit"):
            response = client.get(f"/admin/{view}/{page}/?id={bad}")
            assert response.status_code in (302, 404), (view, page, bad)


@pytest.mark.parametrize("page", [str(2**63), str(2**70), "-3"])
def test_an_impossible_page_number_shows_a_page_not_an_error(login_as, page):
    client = login_as("admin")
    for view in ("orders", "customers", "audit"):
        assert client.get(f"/admin/{view}/?page={page}").status_code == 200, view
