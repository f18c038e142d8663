"""Creating customers and customer users from the order form (SPEC §1, §5, §8)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from actions.customers import create_customer, create_customer_user
from actions.errors import PermissionDenied, ValidationFailed
from models import Customer, CustomerUser


@pytest.fixture
def acme(session):
    customer = Customer(name="Acme Industrial")
    session.add(customer)
    session.commit()
    return customer


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- create_customer -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager", "sales"])
def test_a_customer_is_created_with_its_name_trimmed_and_owned_by_the_creator(session, users, role):
    # When someone who may take orders creates a customer
    customer = create_customer(session, "  Globex Corp  ", actor=users[role])
    session.commit()

    # Then it is stored with the trimmed name and its creator as owner
    stored = session.get(Customer, customer.id)
    assert stored.name == "Globex Corp"
    assert stored.owner_id == users[role].id


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_a_customer_with_a_blank_name_is_refused(session, users, name):
    with pytest.raises(ValidationFailed) as refused:
        create_customer(session, name, actor=users["sales"])
    assert refused.value.message == "Customer name: this value should not be blank."
    assert refused.value.field == "name"
    assert _count(session, Customer) == 0


def test_a_customer_name_longer_than_the_column_is_refused(session, users):
    with pytest.raises(ValidationFailed) as refused:
        create_customer(session, "A" * 256, actor=users["sales"])
    assert refused.value.message == "Customer name: at most 255 characters."
    assert _count(session, Customer) == 0


def test_a_viewer_cannot_create_a_customer(session, users):
    with pytest.raises(PermissionDenied):
        create_customer(session, "Globex", actor=users["viewer"])
    assert _count(session, Customer) == 0


def test_an_inactive_sales_user_cannot_create_a_customer(session, users):
    # Given a deactivated sales user
    users["sales"].active = False
    session.commit()
    with pytest.raises(PermissionDenied):
        create_customer(session, "Globex", actor=users["sales"])
    assert _count(session, Customer) == 0


# --- create_customer_user --------------------------------------------------------------------


def test_a_customer_user_is_created_enabled_with_a_lowercased_email(session, users, acme):
    # When a sales user adds a buyer to Acme
    buyer = create_customer_user(
        session,
        acme,
        email="  Wile.E@Acme.Example ",
        first_name=" Wile ",
        last_name=" Coyote ",
        actor=users["sales"],
    )
    session.commit()

    # Then the buyer belongs to Acme, is enabled, with cleaned-up fields
    stored = session.get(CustomerUser, buyer.id)
    assert stored.customer_id == acme.id
    assert stored.enabled is True
    assert (stored.email, stored.first_name, stored.last_name) == ("wile.e@acme.example", "Wile", "Coyote")
    assert [u.id for u in acme.users] == [buyer.id]


@pytest.mark.parametrize(("first", "last"), [("", "Coyote"), ("Wile", "  "), ("", "")])
def test_a_customer_user_without_first_and_last_name_is_refused(session, users, acme, first, last):
    with pytest.raises(ValidationFailed) as refused:
        create_customer_user(
            session, acme, email="wile@acme.example", first_name=first, last_name=last, actor=users["sales"]
        )
    assert refused.value.message == "Customer user: first and last name are required."
    assert _count(session, CustomerUser) == 0


@pytest.mark.parametrize(
    "email",
    [
        "",
        "wile",
        "wile@",
        "@acme.example",
        "wile@acme",
        "wile coyote@acme.example",
        "wile@@acme.example",
        "wile@acme@example.com",
        "wile@.example",
        "wile@acme.",
    ],
)
def test_an_invalid_email_is_refused(session, users, acme, email):
    # When a buyer is created with an address that is not an email; then it is refused
    with pytest.raises(ValidationFailed) as refused:
        create_customer_user(
            session, acme, email=email, first_name="Wile", last_name="Coyote", actor=users["sales"]
        )
    assert refused.value.message == ("Customer user email: this value is not a valid email address.")
    assert refused.value.field == "email"
    assert _count(session, CustomerUser) == 0


@pytest.mark.parametrize("existing", ["bea@acme.example", "Bea@ACME.example"])
def test_an_email_already_used_is_refused_whatever_its_case(session, users, acme, existing):
    # Given a buyer stored with this email (possibly in mixed case, e.g. by an import)
    session.add(CustomerUser(customer=acme, email=existing, first_name="Bea", last_name="Buyer"))
    session.commit()

    # When another buyer is created with the same address in another case
    with pytest.raises(ValidationFailed) as refused:
        create_customer_user(
            session,
            acme,
            email="BEA@Acme.Example",
            first_name="Other",
            last_name="Person",
            actor=users["sales"],
        )

    # Then it is refused and only the first buyer exists
    assert refused.value.message == ("Customer user email: a customer user with this email already exists.")
    assert _count(session, CustomerUser) == 1


def test_an_email_used_by_a_buyer_of_another_customer_is_refused(session, users, acme):
    # Given the email belongs to a buyer of another customer
    session.add(
        CustomerUser(
            customer=Customer(name="Globex"),
            email="hank@globex.example",
            first_name="Hank",
            last_name="Scorpio",
        )
    )
    session.commit()
    with pytest.raises(ValidationFailed):
        create_customer_user(
            session,
            acme,
            email="hank@globex.example",
            first_name="Hank",
            last_name="Other",
            actor=users["manager"],
        )
    assert _count(session, CustomerUser) == 1


def test_a_viewer_cannot_create_a_customer_user(session, users, acme):
    with pytest.raises(PermissionDenied):
        create_customer_user(
            session,
            acme,
            email="wile@acme.example",
            first_name="Wile",
            last_name="Coyote",
            actor=users["viewer"],
        )
    assert _count(session, CustomerUser) == 0
