"""Pages weigh little: compressed, without template indentation, Bootstrap's CSS once, no
scripts a page does not use, and static files cached for a year under content-versioned URLs."""

from __future__ import annotations

import re

import pytest

from admin.weight import _without_indentation
from models import db
from tests import factories


@pytest.fixture
def order(app, users, catalog):
    made = factories.make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/[^"]+\.(?:css|js)\?v=[0-9a-f]+)"', html)


def test_pages_are_sent_compressed_to_browsers_that_accept_it(login_as, order):
    response = login_as("manager").get("/admin/orders/", headers={"Accept-Encoding": "br, gzip"})
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Cache-Control"] == "no-store"


def test_html_carries_no_template_indentation(login_as, order):
    html = login_as("manager").get("/admin/orders/").get_data(as_text=True)
    assert not re.search(r"\n[ \t]+\n|>\n[ \t]+\S", html)


def test_text_areas_and_pre_keep_every_character(login_as, order):
    source = "<td>\n    x\n  </td>\n<textarea>\r\n\n  keep\n\n</textarea><pre>\n a\n\n b</pre>"
    assert (
        _without_indentation(source)
        == "<td>\nx\n</td>\n<textarea>\r\n\n  keep\n\n</textarea><pre>\n a\n\n b</pre>"
    )


def test_bootstrap_css_is_loaded_once_and_the_order_page_skips_form_widget_scripts(login_as, order):
    client = login_as("manager")
    grid = _assets(client.get("/admin/orders/").get_data(as_text=True))
    page = _assets(client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True))
    assert sum("bootstrap.min.css" in url for url in grid) == 1
    assert not any(name in url for url in grid for name in ("/util.js", "/dropdown.js", "swatch"))
    assert any("select2" in url for url in grid)  # the grid's filters use it
    assert not any(name in url for url in page for name in ("select2", "moment", "daterangepicker"))


def test_static_files_are_cached_for_a_year_under_urls_that_change_with_their_content(login_as, order):
    client = login_as("manager")
    assets = _assets(client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True))
    assert any(url.startswith("/static/orderdesk.js?v=") for url in assets)
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000", url
        response.close()
