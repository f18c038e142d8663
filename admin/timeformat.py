"""One way to show a date, a time and a number: in the reader's time zone, with the zone
named, never with microseconds or "+00:00" (Babel does the formatting).

The zone is the logged-in user's (their account page), else ORDERDESK_DEFAULT_TIMEZONE.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from flask import current_app
from flask_admin.model import typefmt
from flask_login import current_user

LOCALE = "en"


def reader_zone() -> ZoneInfo:
    """The zone the current reader sees times in."""
    chosen = getattr(current_user, "time_zone", None) if current_user else None
    return ZoneInfo(chosen or current_app.config["ORDERDESK_DEFAULT_TIMEZONE"])


def when(value: datetime | None) -> str:
    """A stored (UTC) moment in the reader's zone: '2026-11-30 10:10 CET'."""
    return moment_in(value, reader_zone())


def moment_in(value: datetime | None, zone: ZoneInfo) -> str:
    """A stored (UTC) moment in a given zone, as `when` shows it; a grid finds the reader's
    zone once per page and calls this per cell."""
    if value is None:
        return ""
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
    # Year-month-day hour:minute written out (Babel's date formatter costs more than a grid can
    # spare per cell), then the zone database's own abbreviation (CEST, JST, EDT, UTC).
    return (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d} "
        f"{local.tzname()}"
    )


def day(value: date | datetime | None) -> str:
    """A calendar date: '2026-11-30' (a moment is first moved to the reader's zone)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        value = moment.astimezone(reader_zone()).date()
    return value.isoformat()


def number(value: Decimal | float | int | None) -> str:
    """A number as people write it: '250', '1,250.5', never '250.0000'."""
    return "" if value is None else format_decimal(value, format="#,##0.####", locale=LOCALE)


def _type_formatter(function: Any) -> Any:
    return lambda view, value, name: function(value)


# Flask-Admin's list and details pages: every datetime, date and number the same way.
TYPE_FORMATTERS: dict[type, Any] = {
    **typefmt.BASE_FORMATTERS,
    datetime: _type_formatter(when),
    date: _type_formatter(day),
    Decimal: _type_formatter(number),
}
