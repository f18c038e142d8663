"""Text longer than its column keeps is refused at the flush with a message naming the field,
whatever path it came by; nothing is saved then."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from actions.errors import ValidationFailed
from actions.text_limits import MAX_TEXT
from models import Customer, Order
from tests.factories import make_order


def test_a_po_number_longer_than_its_column_is_refused(session, catalog):
    with pytest.raises(ValidationFailed, match="PO Number: at most 255 characters."):
        make_order(session, catalog, po_number="P" * 10_000)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_customer_notes_of_two_megabytes_are_refused(session, catalog):
    with pytest.raises(ValidationFailed, match=f"Customer Notes: at most {MAX_TEXT:,} characters."):
        make_order(session, catalog, customer_notes="n" * 2_000_000)


def test_text_at_the_limit_is_kept_whole(session, catalog):
    order = make_order(session, catalog, po_number="P" * 255, customer_notes="n" * MAX_TEXT)
    session.commit()
    session.expire_all()
    kept = session.get(Order, order.id)
    assert (len(kept.po_number), len(kept.customer_notes)) == (255, MAX_TEXT)


def test_an_edit_that_makes_a_text_too_long_is_refused_too(session, catalog):
    customer = session.get(Customer, catalog["customer"].id)
    customer.name = "C" * 256
    with pytest.raises(ValidationFailed, match="Name: at most 255 characters."):
        session.flush()
