"""Carrier tracking links: a pluggable map of carrier → (number pattern, URL template).

A number becomes a link only when it matches its carrier's pattern; anything else stays text.
UPS and FedEx patterns are OroCommerce's (reference §7); USPS and DHL follow the carriers'
published formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class CarrierLink:
    pattern: re.Pattern[str]
    url_template: str  # "{number}" is replaced by the URL-quoted matched number


CARRIER_LINKS: dict[str, CarrierLink] = {
    "UPS": CarrierLink(
        re.compile(
            r"\b(1Z ?[0-9A-Z]{3} ?[0-9A-Z]{3} ?[0-9A-Z]{2} ?[0-9A-Z]{4} ?[0-9A-Z]{3} ?"
            r"[0-9A-Z]|[\dT]\d\d\d ?\d\d\d\d ?\d\d\d)\b",
            re.IGNORECASE,
        ),
        "https://www.ups.com/WebTracking/processInputRequest?TypeOfInquiryNumber=T&InquiryNumber1={number}",
    ),
    "FedEx": CarrierLink(
        re.compile(
            r"(\b96\d{20}\b)|(\b\d{15}\b)|(\b\d{12}\b)"
            r"|\b((98\d\d\d\d\d?\d\d\d\d|98\d\d) ?\d\d\d\d ?\d\d\d\d( ?\d\d\d)?)\b"
        ),
        "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber={number}",
    ),
    "USPS": CarrierLink(
        re.compile(r"\b((94|93|92|95)\d{20}|(94|93|92|95)\d{18}|[A-Z]{2}\d{9}US)\b"),
        "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    ),
    "DHL": CarrierLink(
        re.compile(r"\b(\d{10}|JJD\d{18}|JVGL\d{16})\b", re.IGNORECASE),
        "https://www.dhl.com/en/express/tracking.html?AWB={number}&brand=DHL",
    ),
}


def carrier_of(method: str) -> str | None:
    """Find the carrier a tracking method names ('UPS Ground' → 'UPS'), case-insensitively."""
    text = method.strip().lower()
    for carrier in CARRIER_LINKS:
        if text == carrier.lower() or text.startswith(carrier.lower() + " "):
            return carrier
    return None


def tracking_url(method: str, number: str) -> str | None:
    """Return the carrier's tracking page for the number, or None to show it as plain text."""
    carrier = carrier_of(method)
    if carrier is None:
        return None
    link = CARRIER_LINKS[carrier]
    match = link.pattern.search(number.strip())
    if match is None:
        return None
    return link.url_template.format(number=quote(match.group(0).replace(" ", ""), safe=""))
