"""Carrier tracking numbers that look real and carry valid check digits."""

from __future__ import annotations

import random

_UPS_SERVICES = ("01", "02", "03", "12", "13")
_FEDEX_WEIGHTS = (1, 3, 7)


_SHIPPER_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


def _ups_value(char: str) -> int:
    return int(char) if char.isdigit() else (ord(char) - 63) % 10


_UPS_VALUES = {c: _ups_value(c) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
# Each digit's weight, counted from the right (1, 3, 7, 1, 3, 7, …), for the 11 digits.
_FEDEX_WEIGHTS_11 = tuple(_FEDEX_WEIGHTS[i % 3] for i in reversed(range(11)))


def ups_check_digit(body: str) -> int:
    """The check digit of the 15 characters after '1Z' (letters count as (ord - 63) % 10)."""
    values = _UPS_VALUES
    odd = sum(values[c] for c in body[0::2])
    even = sum(values[c] for c in body[1::2])
    return (10 - (odd + 2 * even) % 10) % 10


def ups_number(rng: random.Random) -> str:
    """Return a 1Z number: 1Z, shipper (6), service (2), package (7), check digit."""
    shipper = "".join(rng.choices(_SHIPPER_CHARS, k=6))
    service = _UPS_SERVICES[int(rng.random() * len(_UPS_SERVICES))]
    body = f"{shipper}{service}{int(rng.random() * 10**7):07d}"
    return f"1Z{body}{ups_check_digit(body)}"


def fedex_number(rng: random.Random) -> str:
    """Return a 12-digit FedEx Express number: 11 digits and a weighted mod-11 check digit."""
    digits = f"{rng.randrange(10**10, 10**11):011d}"
    total = sum(int(d) * w for d, w in zip(digits, _FEDEX_WEIGHTS_11, strict=True))
    return digits + str(total % 11 % 10)


def tracking_number(rng: random.Random, carrier: str | None) -> tuple[str, str]:
    """Return (method label, number) for a carrier; FedEx for per-item shipping, else UPS."""
    if carrier == "FedEx":
        return "FedEx", fedex_number(rng)
    return "UPS", ups_number(rng)
