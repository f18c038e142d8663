"""Every page says its language (WCAG 3.1.1): Flask-Admin's base template writes a bare
<html>, which admin.accessibility completes on the way out, before compression."""

from __future__ import annotations

import brotli
import pytest

from admin.accessibility import with_language


def test_an_admin_page_sent_compressed_says_it_is_in_english(login_as):
    response = login_as("manager").get("/admin/orders/", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    html = brotli.decompress(response.get_data())
    assert html.lstrip().startswith(b'<!DOCTYPE html>\n<html lang="en">')


def test_the_login_page_keeps_its_own_lang(client):
    html = client.get("/login").get_data()
    assert html.count(b"<html") == 1 and b'<html lang="en">' in html


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        (b"<!DOCTYPE html>\n<html>\n<head>", b'<!DOCTYPE html>\n<html lang="en">\n<head>'),
        (b'<html class="x">', b'<html lang="en" class="x">'),
        (b'<html lang="de">', b'<html lang="de">'),
        (b"<htmlish>", b"<htmlish>"),
        (b"<p>" + b"x" * 600 + b"<html>", b"<p>" + b"x" * 600 + b"<html>"),
    ],
)
def test_with_language_adds_lang_to_the_html_tag_only_when_missing(given, sent):
    assert with_language(given) == sent
