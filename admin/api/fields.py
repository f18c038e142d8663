"""Field types the API's schemas share: decimals travel as strings (JSON numbers lose cents),
and the contract says so, with the pattern they follow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma

from actions.money import round_money
from models import MAX_ID, record_id

DECIMAL_PATTERN = r"^-?[0-9]{1,15}(\.[0-9]{1,4})?$"


class DecimalString(ma.fields.Decimal):
    """A decimal written as a string such as "12.50"; numbers are taken on input too."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "type": "string",
            "pattern": DECIMAL_PATTERN,
            "example": "12.50",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(as_string=True, allow_nan=False, metadata=metadata, **kwargs)


class Money(DecimalString):
    """An amount rounded to its currency's minor unit, read from the object or its order."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(dump_only=True, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        currency = getattr(obj, "currency", None) or getattr(getattr(obj, "order", None), "currency", None)
        amount = round_money(Decimal(value), currency) if currency else Decimal(value)
        return str(amount)


class Quantity(DecimalString):
    """A quantity without trailing zeros: "2", "1.5"."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format(Decimal(value).normalize(), "f")


class RecordId(ma.fields.Integer):
    """The id of a record: a whole number up to MAX_ID (a larger one names nothing)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, validate=ma.validate.Range(1, MAX_ID), **kwargs)


class IdFilter(ma.fields.Integer):
    """A list's filter on a record id (`?customer_id=7`): ASCII digits naming an id an Integer
    column can hold, 1 … MAX_ID. Anything else is a 422 that says so, never a query."""

    default_error_messages = {"invalid": "Not a valid id: a whole number from 1 to {max}."}

    def __init__(self, description: str, **kwargs: Any) -> None:
        super().__init__(
            validate=ma.validate.Range(1, MAX_ID, error=self.default_error_messages["invalid"]),
            metadata={"description": description},
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | None:
        # int() also reads ' 7', '+7', '7_0' and other scripts' digits ('٣'): not an id here.
        found = record_id(str(value))
        if found is None:
            raise self.make_error("invalid", max=MAX_ID)
        return found
