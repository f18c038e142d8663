"""Webhook endpoints (System > Webhooks): where order events are sent, and how each delivery
is signed.

An endpoint must be http(s) and reach a public address: the host name is resolved and every
address it has is checked, when the endpoint is saved and again before each try (a name may
point elsewhere by then). Private, loopback, link-local, multicast and reserved addresses
are refused unless the site allows them (tests and development), also when an IPv6 address
carries one (NAT64, 6to4, Teredo, IPv4-mapped).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

from sqlalchemy.orm import Session

from actions.errors import ValidationFailed
from actions.permissions import require_permission
from models import User, WebhookEndpoint

# Who may see and change webhooks: administrators, as for the other System pages.
WEBHOOK_PERMISSION = "manage_users"
EVENTS = {
    "order.created": "An order was created.",
    "order.updated": "An existing order, or one of its lines, discounts, trackings or promotions, changed.",
    "order.status_changed": "An order's status changed (Cancel, Mark as Shipped, Close, Archive).",
    "order.shipped": "An order became Shipped.",
    "order.deleted": "An order was deleted.",
    "order.coupon_applied": "A coupon code was applied to an order.",
    "order.note_added": "A note was added to an order.",
}
SECRET_PREFIX = "whsec_"
MAX_URL = 2000
SIGNATURE_HEADER = "X-OrderDesk-Signature"
EVENT_HEADER = "X-OrderDesk-Event"
DELIVERY_HEADER = "X-OrderDesk-Delivery"
Resolver = Callable[..., Sequence[tuple[Any, ...]]]


class AddressRefused(ValidationFailed):
    code = "address_refused"


@dataclass(frozen=True)
class EndpointData:
    """What the endpoint form sends."""

    url: str
    events: Sequence[str]
    active: bool = True


@dataclass(frozen=True)
class NewSecret:
    endpoint: WebhookEndpoint
    secret: str  # shown to the administrator once


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: the URL's parts and the checked addresses of its host."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


# IPv6 ranges that carry an IPv4 address in their last 32 bits (besides IPv4-mapped,
# ::ffff:0:0/96, which the ipaddress module reads itself, as it does 6to4 and Teredo).
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
IP = ipaddress.IPv4Address | ipaddress.IPv6Address


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[str, tuple[ipaddress.IPv4Address, ...]] | None:
    """The IPv4 addresses an IPv6 address carries, with what kind of address it is."""
    last_32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in NAT64:
        return "a NAT64 address", (last_32,)
    if ip.sixtofour is not None:
        return "a 6to4 address", (ip.sixtofour,)
    if ip.teredo is not None:
        server, client = ip.teredo
        return "a Teredo address", (client, server)
    if ip in IPV4_TRANSLATED:
        return "an IPv4-translated address", (last_32,)
    if ip in IPV4_COMPATIBLE and int(ip) > 1:  # :: and ::1 are themselves
        return "an IPv4-compatible address", (last_32,)
    return None


def _kind_of(ip: IP) -> str | None:
    """Why an address may not receive webhooks ('a loopback address'), or None when public.

    An IPv6 address that embeds an IPv4 address (NAT64, 6to4, Teredo, IPv4-mapped,
    -translated or -compatible) is judged by the IPv4 address first: a packet to it ends up
    there. The well-known NAT64 prefix 64:ff9b::/96 is public for a public IPv4 address;
    the local-use NAT64 prefix 64:ff9b:1::/48 is never public, and the other kinds are
    then judged as IPv6 addresses too (Teredo and the deprecated forms are not public).
    """
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return _kind_of(ip.ipv4_mapped)
        if ip in NAT64_LOCAL:
            return "a local-use NAT64 address"
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            kind, inner = embedded
            for ipv4 in inner:
                why = _kind_of(ipv4)
                if why is not None:
                    return f"{why} ({ipv4} inside {kind})"
            if ip in NAT64:
                return None
    checks = (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    )
    return next((why for refused, why in checks if refused), None)


def _split(url: str) -> SplitResult:
    """Raises: ValidationFailed for anything but a plain http(s) URL with a host."""
    if not url:
        raise ValidationFailed("Enter the URL the events are sent to.", field="url")
    if len(url) > MAX_URL:
        raise ValidationFailed(f"A webhook URL has at most {MAX_URL:,} characters.", field="url")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise ValidationFailed("A webhook URL cannot contain spaces or control characters.", field="url")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationFailed("A webhook URL starts with https:// (or http://).", field="url")
    try:
        parts.port  # noqa: B018 (reading it checks it)
    except ValueError:
        raise ValidationFailed(
            "The port in the webhook URL is not a valid port number.", field="url"
        ) from None
    if not parts.hostname:
        raise ValidationFailed("The webhook URL has no host name.", field="url")
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed(
            "A webhook URL cannot hold a user name or password; the signature authenticates deliveries.",
            field="url",
        )
    if parts.fragment:
        raise ValidationFailed("A webhook URL cannot have a #fragment.", field="url")
    return parts


def check_target(url: str, *, allow_private: bool, resolve: Resolver = socket.getaddrinfo) -> Target:
    """Check a webhook URL and resolve its host, refusing any address that is not public.

    Raises: ValidationFailed for a malformed URL or a host that does not resolve;
    AddressRefused when the host has an address that is not public (unless allowed).
    """
    parts = _split(url.strip())
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        found = resolve(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ValidationFailed(f"The host name {host} could not be resolved.", field="url") from None
    addresses = tuple(dict.fromkeys(str(info[4][0]).split("%")[0] for info in found))
    if not addresses:
        raise ValidationFailed(f"The host name {host} could not be resolved.", field="url")
    if not allow_private:
        for address in addresses:
            why = _kind_of(ipaddress.ip_address(address))
            if why is not None:
                raise AddressRefused(
                    f"Webhooks go to public addresses only: {host} is {address}, {why}.", field="url"
                )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme.lower(), host, port, path, addresses)


def _checked_events(events: Sequence[str]) -> list[str]:
    chosen = set(events)
    unknown = sorted(chosen - set(EVENTS))
    if unknown:
        raise ValidationFailed(f"{unknown[0][:40]!r} is not a webhook event.", field="events")
    if not chosen:
        raise ValidationFailed("Choose at least one event to send.", field="events")
    return [name for name in EVENTS if name in chosen]


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def create_webhook_endpoint(
    session: Session,
    data: EndpointData,
    *,
    actor: User,
    allow_private: bool,
    resolve: Resolver = socket.getaddrinfo,
) -> NewSecret:
    """Register an endpoint with a new secret (shown once).

    Raises: PermissionDenied; ValidationFailed for a bad URL or event list; AddressRefused.
    """
    require_permission(actor, WEBHOOK_PERMISSION)
    events = _checked_events(data.events)
    check_target(data.url, allow_private=allow_private, resolve=resolve)
    secret = new_secret()
    endpoint = WebhookEndpoint(url=data.url.strip(), secret=secret, events=events, active=data.active)
    session.add(endpoint)
    session.flush()
    return NewSecret(endpoint, secret)


def update_webhook_endpoint(
    session: Session,
    endpoint: WebhookEndpoint,
    data: EndpointData,
    *,
    actor: User,
    allow_private: bool,
    resolve: Resolver = socket.getaddrinfo,
) -> WebhookEndpoint:
    """Change an endpoint's URL, events or active flag (its secret stays).

    Raises: PermissionDenied; ValidationFailed; AddressRefused.
    """
    require_permission(actor, WEBHOOK_PERMISSION)
    events = _checked_events(data.events)
    check_target(data.url, allow_private=allow_private, resolve=resolve)
    endpoint.url, endpoint.events, endpoint.active = data.url.strip(), events, data.active
    session.flush()
    return endpoint


def delete_webhook_endpoint(session: Session, endpoint: WebhookEndpoint, *, actor: User) -> None:
    """Remove an endpoint with its delivery log; its waiting deliveries are not sent.
    Raises: PermissionDenied."""
    require_permission(actor, WEBHOOK_PERMISSION)
    session.delete(endpoint)
    session.flush()


def signature(secret: str, timestamp: int, body: bytes, *previous: str) -> str:
    """The X-OrderDesk-Signature value: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
    keyed with the endpoint's secret as text; during a rotation one more `v1=` per previous
    secret still valid, the newest first (receivers accept any)."""
    signed = f"{timestamp}.".encode() + body
    macs = (hmac.new(key.encode(), signed, hashlib.sha256).hexdigest() for key in (secret, *previous))
    return f"t={timestamp}," + ",".join(f"v1={mac}" for mac in macs)
