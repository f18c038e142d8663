"""How Flask-Admin turns model columns into form fields, with OrderDesk's limits added."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form.widgets import DateTimePickerWidget
from flask_admin.model.form import converts
from wtforms import Field, Form, fields
from wtforms.validators import StopValidation

from actions.money import MAX_AMOUNT, QUANTITY_DECIMALS
from admin.timeformat import reader_zone


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


class ZonedDateTimeField(fields.DateTimeField):
    """A stored (UTC) moment, typed and shown in the reader's time zone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DateTimePickerWidget())
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        if self.raw_data or not isinstance(self.data, datetime):
            return str(super()._value())
        moment = self.data if self.data.tzinfo else self.data.replace(tzinfo=UTC)
        return moment.astimezone(reader_zone()).strftime(self.strptime_format[0])

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, datetime) and self.data.tzinfo is None:
            self.data = self.data.replace(tzinfo=reader_zone()).astimezone(UTC)

    def __call__(self, **kwargs: Any) -> Any:
        kwargs.setdefault("placeholder", f"YYYY-MM-DD HH:MM:SS, {reader_zone().key}")
        return super().__call__(**kwargs)


class OrderDeskModelConverter(AdminModelConverter):
    @converts("UTCDateTime")
    def handle_zoned_datetime(self, column: Any, field_args: Any, **extra: Any) -> ZonedDateTimeField:
        return ZonedDateTimeField(**field_args)

    @converts("Numeric")
    def handle_decimal_types(self, column: Any, field_args: Any, **extra: Any) -> fields.DecimalField:
        field_args.setdefault("places", None)
        field_args["validators"].insert(0, exact_number)
        return fields.DecimalField(**field_args)
