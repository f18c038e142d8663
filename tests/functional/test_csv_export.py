"""CSV export defuses spreadsheet formulas in every cell, whatever the column (related
records included), so a customer's name can never run as a formula in a spreadsheet."""

from __future__ import annotations

import csv
import io

from models import Customer, CustomerUser, db
from tests.factories import make_order

HOSTILE = (
    '=HYPERLINK("http://evil.example","cust")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "\tTab",
    "\rCR",
)


def test_every_exported_cell_starting_like_a_formula_is_neutralised(login_as, catalog, users):
    # Given orders whose customer, customer user, owner and PO number start like formulas
    for text in HOSTILE:
        customer = Customer(name=text)
        buyer = CustomerUser(
            customer=customer,
            email=f"b{len(text)}{text[1:3]!r}@x.example".replace("'", ""),
            first_name="B",
            last_name=text,
        )
        db.session.add_all([customer, buyer])
        db.session.flush()
        make_order(
            db.session,
            catalog,
            actor=users["sales"],
            customer_id=customer.id,
            customer_user_id=buyer.id,
            billing_address=None,
            shipping_address=None,
            po_number=text,
        )
    users["sales"].full_name = "=owner()"
    db.session.commit()

    # When the grid is exported
    response = login_as("viewer").get("/admin/orders/export/csv/")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))

    # Then no cell starts with = + - @, a tab or a carriage return
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) == len(HOSTILE) + 1
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    by_po = {row[1]: row for row in rows[1:]}
    assert by_po["'" + HOSTILE[0]][rows[0].index("Customer")] == "'" + HOSTILE[0]
    assert by_po["'" + HOSTILE[0]][rows[0].index("Owner")] == "'=owner()"
