"""How Flask-Admin turns model columns into form fields, with OrderDesk's limits added."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model.form import converts
from wtforms import Field, Form, fields
from wtforms.validators import StopValidation

from actions.money import MAX_AMOUNT, QUANTITY_DECIMALS


def exact_number(form: Form, field: Field) -> None:
    """A number the column keeps exactly: digits 0-9, finite, below MAX_AMOUNT, at most four
    decimals (NaN, '١٢' or 1e30 would otherwise be saved rounded, or fail on comparison)."""
    raw = (field.raw_data or [""])[0]
    value = field.data
    if raw in ("", None) or value is None:
        return
    if not str(raw).isascii() or not isinstance(value, Decimal) or not value.is_finite():
        raise StopValidation("This value is not a valid number.")
    if abs(value) >= MAX_AMOUNT:
        raise StopValidation(f"The value must be less than {MAX_AMOUNT:,}.")
    if value != round(value, QUANTITY_DECIMALS):
        raise StopValidation(f"At most {QUANTITY_DECIMALS} decimal places.")


class OrderDeskModelConverter(AdminModelConverter):
    @converts("Numeric")
    def handle_decimal_types(self, column: Any, field_args: Any, **extra: Any) -> fields.DecimalField:
        field_args.setdefault("places", None)
        field_args["validators"].insert(0, exact_number)
        return fields.DecimalField(**field_args)
