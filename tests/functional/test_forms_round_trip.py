"""Every create and edit form of the panel, opened by an administrator and submitted as it is,
saves or answers with a message: never a server error (a broken form once hid behind a page
that rendered fine)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

from tests.functional.test_permission_matrix import EXPECTED, _records


class _FormFields(HTMLParser):
    """The fields each POST form of a page would send, with their current values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._selected: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._in_form = True
            self.fields = []
            self.forms.append(self.fields)
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "y" if a.get("type") == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._selected, self._first_option = name, None, None
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self._selected = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, value = self.fields.pop()
            self.fields.append((name, value + data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            self.fields.append((self._select, self._selected or self._first_option or ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False


def _submit_unchanged(client, url: str) -> int:
    page = client.get(url)
    assert page.status_code == 200, url
    parser = _FormFields()
    parser.feed(page.get_data(as_text=True))
    main_form = max(parser.forms, key=len)  # not the navbar's Log out
    return client.post(url, data=MultiDict(main_form)).status_code


@pytest.mark.parametrize("action", ["edit", "new"])
def test_every_form_submitted_unchanged_never_answers_a_server_error(login_as, catalog, users, action):
    ids = _records(catalog, users)
    client = login_as("admin")
    checked = 0
    for view, (_read, manage, _delete) in EXPECTED.items():
        if manage is None:
            continue
        url = f"/admin/{view}/edit/?id={ids[view]}" if action == "edit" else f"/admin/{view}/new/"
        status = _submit_unchanged(client, url)
        assert status < 500, (url, status)
        if action == "edit":
            assert status == 302, (url, "an unchanged record saves")
        checked += 1
    assert checked >= 10


def test_the_order_forms_submitted_unchanged_save(login_as, catalog, users):
    ids = _records(catalog, users)
    client = login_as("admin")
    assert _submit_unchanged(client, f"/admin/orders/edit/?id={ids['orders']}") == 302
