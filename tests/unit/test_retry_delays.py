"""ORDERDESK_EMAIL_RETRY_DELAYS and ORDERDESK_WEBHOOK_RETRY_DELAYS, read at startup."""

from __future__ import annotations

import pytest

from app import parse_retry_delays


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120,480", (120.0, 480.0)),
        (" 30 , 60 ,90", (30.0, 60.0, 90.0)),
        ("0.5", (0.5,)),
        ("", ()),
        ([1, 2.5], (1.0, 2.5)),
    ],
)
def test_retry_delays_are_read_from_comma_separated_seconds(value, expected):
    assert parse_retry_delays(value) == expected


@pytest.mark.parametrize("value", ["2m", "120,,480", "0", "-5", "nan", "inf", "120;480"])
def test_retry_delays_that_are_not_positive_seconds_are_refused(value):
    with pytest.raises(ValueError):
        parse_retry_delays(value)
