"""System > Users: an administrator creates, edits, re-roles and deactivates users in the panel,
with the rules of actions/users.py (password policy, unique emails, one active admin left)."""

from __future__ import annotations

from sqlalchemy import select

from actions.users import authenticate
from models import User, db

NEW_PASSWORD = "winter-horse-2026"


def _form(**values):
    data = {"email": "", "full_name": "", "role": "sales", "active": "y", "password": ""}
    data.update(values)
    return data


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_the_new_and_edit_forms_of_a_user_open(login_as, users):
    client = login_as("admin")
    assert client.get("/admin/users/new/").status_code == 200
    page = client.get(f"/admin/users/edit/?id={users['sales'].id}")
    assert page.status_code == 200
    assert "sales@example.com" in page.get_data(as_text=True)


def test_an_admin_creates_a_user_with_a_demo_style_address_who_can_log_in(login_as, users):
    client = login_as("admin")
    response = client.post(
        "/admin/users/new/",
        data=_form(email=" Nora@OrderDesk.test ", full_name="Nora", role="manager", password=NEW_PASSWORD),
    )
    assert response.status_code == 302
    nora = _user("nora@orderdesk.test")
    assert nora is not None and (nora.role, nora.active) == ("manager", True)
    assert authenticate(db.session, "nora@orderdesk.test", NEW_PASSWORD) is not None


def test_a_short_password_or_a_taken_email_is_refused_with_its_reason(login_as, users):
    client = login_as("admin")
    response = client.post(
        "/admin/users/new/", data=_form(email="x@example.com", full_name="X", password="short")
    )
    assert response.status_code == 200
    assert "Password must be at least 8 characters." in response.get_data(as_text=True)
    response = client.post(
        "/admin/users/new/", data=_form(email="SALES@example.com", full_name="S", password=NEW_PASSWORD)
    )
    assert "Email: a user with this email already exists." in response.get_data(as_text=True)
    assert _user("x@example.com") is None


def test_an_admin_resets_a_password_changes_a_role_and_deactivates_a_user(login_as, users):
    client = login_as("admin")
    sales = users["sales"]
    response = client.post(
        f"/admin/users/edit/?id={sales.id}",
        data=_form(
            email="sales@example.com", full_name="Sam Sales", role="viewer", active="", password=NEW_PASSWORD
        ),
    )
    assert response.status_code == 302
    changed = _user("sales@example.com")
    assert (changed.full_name, changed.role, changed.active) == ("Sam Sales", "viewer", False)
    changed.active = True
    db.session.commit()
    assert authenticate(db.session, "sales@example.com", NEW_PASSWORD) is not None


def test_an_empty_password_on_edit_keeps_the_current_one(login_as, users):
    client = login_as("admin")
    client.post(
        f"/admin/users/edit/?id={users['sales'].id}",
        data=_form(email="sales@example.com", full_name="Sales", role="sales"),
    )
    assert authenticate(db.session, "sales@example.com", "correct-horse-42") is not None


def test_the_only_admin_cannot_demote_or_deactivate_themself(login_as, users):
    client = login_as("admin")
    admin = users["admin"]
    response = client.post(
        f"/admin/users/edit/?id={admin.id}",
        data=_form(email="admin@example.com", full_name="Admin", role="sales", active="y"),
    )
    assert "At least one active administrator must remain" in response.get_data(as_text=True)
    assert (_user("admin@example.com").role, _user("admin@example.com").active) == ("admin", True)


def test_users_are_not_offered_to_managers(login_as, users):
    client = login_as("manager")
    assert client.get("/admin/users/").status_code == 302
    response = client.post("/admin/users/new/", data=_form(email="m@example.com", password=NEW_PASSWORD))
    assert response.status_code == 302
    assert _user("m@example.com") is None
