"""Ids in URLs (`<int:…>`): a database id is at most MAX_ID, so a larger number names no record
and answers 404, rather than overflowing the database driver."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

from models import MAX_ID


class RecordIdConverter(IntegerConverter):
    def __init__(
        self, url_map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = None
    ) -> None:
        super().__init__(url_map, fixed_digits, min, MAX_ID if max is None else max)


def id_parameter_schema(converter: RecordIdConverter) -> dict[str, Any]:
    """How the API's contract describes such an id."""
    return {"type": "integer", "minimum": 0, "maximum": MAX_ID}
