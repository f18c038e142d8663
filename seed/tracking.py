"""Carrier tracking numbers that look real and carry valid check digits."""

from __future__ import annotations

import random

_UPS_SERVICES = ("01", "02", "03", "12", "13")
_FEDEX_WEIGHTS = (1, 3, 7)


def _ups_value(char: str) -> int:
    return int(char) if char.isdigit() else (ord(char) - 63) % 10


def ups_check_digit(body: str) -> int:
    """The check digit of the 15 characters after '1Z' (letters count as (ord - 63) % 10)."""
    odd = sum(_ups_value(c) for c in body[0::2])
    even = sum(_ups_value(c) for c in body[1::2])
    return (10 - (odd + 2 * even) % 10) % 10


def ups_number(rng: random.Random) -> str:
    """Return a 1Z number: 1Z, shipper (6), service (2), package (7), check digit."""
    shipper = "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(6))
    body = shipper + rng.choice(_UPS_SERVICES) + f"{rng.randrange(10**7):07d}"
    return f"1Z{body}{ups_check_digit(body)}"


def fedex_number(rng: random.Random) -> str:
    """Return a 12-digit FedEx Express number: 11 digits and a weighted mod-11 check digit."""
    digits = f"{rng.randrange(10**10, 10**11):011d}"
    total = sum(int(d) * _FEDEX_WEIGHTS[i % 3] for i, d in enumerate(reversed(digits)))
    return digits + str(total % 11 % 10)


def tracking_number(rng: random.Random, carrier: str | None) -> tuple[str, str]:
    """Return (method label, number) for a carrier; FedEx for per-item shipping, else UPS."""
    if carrier == "FedEx":
        return "FedEx", fedex_number(rng)
    return "UPS", ups_number(rng)
