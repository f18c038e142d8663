"""Carrier tracking links (SPEC §4 "trackings with carrier links"): a number becomes a link only
for a known carrier and a number of that carrier's format; anything else stays plain text."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from actions.tracking_links import carrier_of, tracking_url

UPS = "https://www.ups.com/WebTracking/processInputRequest?TypeOfInquiryNumber=T&InquiryNumber1="
FEDEX = "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber="


def test_a_ups_number_with_the_ups_method_links_to_ups_tracking():
    assert tracking_url("UPS", "1Z999AA10123456784") == UPS + "1Z999AA10123456784"


def test_a_twelve_digit_number_with_the_fedex_method_links_to_fedex_tracking():
    assert tracking_url("FedEx", "123456789012") == FEDEX + "123456789012"


@pytest.mark.parametrize("method", ["ups ground", "UPS Ground", "  Ups  ", "ups"])
def test_a_method_naming_ups_in_any_case_or_with_a_service_links_to_ups(method):
    assert tracking_url(method, "1Z999AA10123456784") == UPS + "1Z999AA10123456784"
    assert carrier_of(method) == "UPS"


@pytest.mark.parametrize(
    ("method", "number"),
    [
        ("UPS", "call the warehouse"),
        ("FedEx", "not a number at all"),
        ("UPS", ""),
        ("FedEx", "12345"),
        ("Courier Bob", "1Z999AA10123456784"),
        ("", "1Z999AA10123456784"),
        ("UPSX", "1Z999AA10123456784"),
    ],
)
def test_random_text_or_an_unknown_carrier_gives_no_link(method, number):
    assert tracking_url(method, number) is None


def test_a_ups_number_is_not_sent_to_fedex_and_the_reverse():
    assert tracking_url("FedEx", "1Z999AA10123456784") is None
    assert tracking_url("UPS", "123456789012") is None


def test_a_ups_number_written_with_spaces_links_without_them():
    url = tracking_url("UPS", "1Z 999 AA1 01 2345 678 4")
    assert url == UPS + "1Z999AA10123456784"


@pytest.mark.parametrize(
    ("method", "number"),
    [
        ("UPS", "1Z999AA10123456784&InquiryNumber2=evil"),
        ("UPS", "x&y=1 1Z999AA10123456784"),
        ("FedEx", "123456789012#frag"),
        ("DHL", "1234567890?a=b"),
    ],
)
def test_the_number_in_the_link_is_url_quoted_and_nothing_else_is_injected(method, number):
    # When a number comes with characters that mean something in a URL
    url = tracking_url(method, number)

    # Then the link has exactly the carrier's parameters, and no fragment
    assert url is not None
    parts = urlsplit(url)
    assert parts.fragment == ""
    params = parse_qs(parts.query)
    assert "InquiryNumber2" not in params and "y" not in params and "a" not in params
    for value in (v for values in params.values() for v in values):
        assert "&" not in value and "#" not in value and "?" not in value


def test_what_goes_into_the_link_is_quoted_with_no_safe_characters(monkeypatch):
    # Given a carrier whose pattern accepts URL-special characters (the map is pluggable)
    import re

    from actions import tracking_links

    monkeypatch.setitem(
        tracking_links.CARRIER_LINKS,
        "Acme",
        tracking_links.CarrierLink(re.compile(r"\S+"), "https://track.example/?n={number}"),
    )

    # When a number with & / ? # % and + is linked
    url = tracking_url("Acme", "A&B/C?D#E%F+G")

    # Then each of them is percent-encoded
    assert url == "https://track.example/?n=A%26B%2FC%3FD%23E%25F%2BG"


@pytest.mark.parametrize(
    ("method", "number", "prefix"),
    [
        ("USPS", "9400100000000000000000", "https://tools.usps.com/"),
        ("USPS", "EA123456789US", "https://tools.usps.com/"),
        ("DHL", "1234567890", "https://www.dhl.com/"),
        ("DHL Express", "JJD000000000000000000", "https://www.dhl.com/"),
    ],
)
def test_usps_and_dhl_numbers_link_to_their_carriers(method, number, prefix):
    url = tracking_url(method, number)
    assert url is not None and url.startswith(prefix)
    assert number in url
