"""Webhook endpoints (actions/webhooks.py): the signature, the URL and address checks, and
the rules for creating, changing and removing an endpoint."""

from __future__ import annotations

import hashlib
import hmac
import re
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from actions.errors import PermissionDenied, ValidationFailed
from actions.webhooks import (
    AddressRefused,
    EndpointData,
    check_target,
    create_webhook_endpoint,
    delete_webhook_endpoint,
    signature,
    update_webhook_endpoint,
)
from models import WebhookEndpoint


def resolving(*addresses: str) -> Any:
    """A stand-in for socket.getaddrinfo answering these addresses for any name (no DNS)."""

    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        family = socket.AF_INET6 if ":" in addresses[0] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses]

    return resolve


PUBLIC = resolving("93.184.215.14")


def test_the_signature_is_the_hmac_sha256_of_the_timestamp_a_dot_and_the_body():
    body = b'{"id":"e1","type":"order.created"}'
    expected = hmac.new(b"whsec_abc", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("whsec_abc", 1700000000, body) == f"t=1700000000,v1={expected}"
    assert signature("whsec_abd", 1700000000, body) != signature("whsec_abc", 1700000000, body)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("192.168.0.10", "a private address"),
        ("172.16.5.4", "a private address"),
        ("fd00::1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("224.0.0.251", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("0.0.0.0", "an unspecified address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("100.64.0.1", "not a public address"),
    ],
)
def test_an_address_that_is_not_public_is_refused_unless_allowed(address, why):
    with pytest.raises(AddressRefused) as refused:
        check_target("https://hooks.example/in", allow_private=False, resolve=resolving(address))
    assert (
        refused.value.message == f"Webhooks go to public addresses only: hooks.example is {address}, {why}."
    )
    assert check_target(
        "https://hooks.example/in", allow_private=True, resolve=resolving(address)
    ).addresses == (address,)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("64:ff9b::7f00:1", "a loopback address (127.0.0.1 inside a NAT64 address)"),
        ("64:ff9b::a9fe:a9fe", "a link-local address (169.254.169.254 inside a NAT64 address)"),
        ("64:ff9b:1::c0a8:101", "a local-use NAT64 address"),
        ("64:ff9b:1:fffe::", "a local-use NAT64 address"),
        ("2002:c0a8:101::", "a private address (192.168.1.1 inside a 6to4 address)"),
        ("2002:7f00:1::1", "a loopback address (127.0.0.1 inside a 6to4 address)"),
        ("::ffff:10.0.0.1", "a private address"),
        ("::7f00:1", "a loopback address (127.0.0.1 inside an IPv4-compatible address)"),
        ("::ffff:0:c0a8:101", "a private address (192.168.1.1 inside an IPv4-translated address)"),
        # Teredo: server 65.54.227.120, client 192.0.2.45 (the last 32 bits, inverted)
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "a private address (192.0.2.45 inside a Teredo address)"),
        ("2001:0:a00:1:8000:63bf:a247:28f1", "a private address (10.0.0.1 inside a Teredo address)"),
    ],
)
def test_an_ipv6_address_is_judged_by_the_ipv4_address_it_embeds(address, why):
    with pytest.raises(AddressRefused) as refused:
        check_target("https://hooks.example/in", allow_private=False, resolve=resolving(address))
    assert (
        refused.value.message == f"Webhooks go to public addresses only: hooks.example is {address}, {why}."
    )
    assert check_target("https://hooks.example/in", allow_private=True, resolve=resolving(address))


@pytest.mark.parametrize("address", ["64:ff9b::5db8:d70e", "2002:5db8:d70e::1", "::ffff:93.184.215.14"])
def test_nat64_6to4_and_mapped_addresses_of_a_public_ipv4_address_are_accepted(address):
    target = check_target("https://hooks.example/in", allow_private=False, resolve=resolving(address))
    assert target.addresses == (address,)


@pytest.mark.parametrize(
    "address", ["::5db8:d70e", "::ffff:0:5db8:d70e", "2001:0:5db8:d70e:8000:63bf:a247:28f1"]
)
def test_deprecated_and_teredo_forms_stay_refused_for_a_public_ipv4_address(address):
    with pytest.raises(AddressRefused):
        check_target("https://hooks.example/in", allow_private=False, resolve=resolving(address))


def test_an_ipv6_literal_embedding_a_loopback_address_is_refused_when_saved():
    with pytest.raises(AddressRefused, match=r"127.0.0.1 inside a NAT64 address"):
        check_target("http://[64:ff9b::7f00:1]:8080/hook", allow_private=False)
    with pytest.raises(AddressRefused, match=r"192.168.1.1 inside a 6to4 address"):
        check_target("http://[2002:c0a8:101::]/hook", allow_private=False)


def test_a_name_with_one_private_address_among_public_ones_is_refused():
    with pytest.raises(AddressRefused, match="10.0.0.7, a private address"):
        check_target(
            "https://hooks.example/", allow_private=False, resolve=resolving("93.184.215.14", "10.0.0.7")
        )


def test_an_ip_literal_is_checked_as_it_is():
    with pytest.raises(AddressRefused, match="127.0.0.1, a loopback address"):
        check_target("http://127.0.0.1:8080/hook", allow_private=False)
    with pytest.raises(AddressRefused, match="::1, a loopback address"):
        check_target("http://[::1]/hook", allow_private=False)


def test_a_public_target_keeps_its_parts_and_addresses():
    target = check_target("HTTPS://hooks.example:8443/in/orders?src=od", allow_private=False, resolve=PUBLIC)
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "hooks.example",
        8443,
        "/in/orders?src=od",
    )
    assert target.addresses == ("93.184.215.14",)
    assert check_target("http://hooks.example", allow_private=False, resolve=PUBLIC).port == 80
    assert check_target("http://hooks.example", allow_private=False, resolve=PUBLIC).path == "/"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the URL the events are sent to."),
        ("ftp://hooks.example/in", "A webhook URL starts with https:// (or http://)."),
        ("javascript:alert(1)", "A webhook URL starts with https:// (or http://)."),
        ("hooks.example/in", "A webhook URL starts with https:// (or http://)."),
        ("https:///in", "The webhook URL has no host name."),
        ("https://hooks.example:99999/", "The port in the webhook URL is not a valid port number."),
        ("https://user:pw@hooks.example/", "A webhook URL cannot hold a user name or password"),
        ("https://hooks.example/#top", "A webhook URL cannot have a #fragment."),
        ("https://hooks.example/a b", "A webhook URL cannot contain spaces or control characters."),
        ("https://hooks.example/" + "a" * 2000, "A webhook URL has at most 2,000 characters."),
    ],
)
def test_a_malformed_url_is_refused_with_a_plain_message(url, message):
    with pytest.raises(ValidationFailed) as refused:
        check_target(url, allow_private=True, resolve=PUBLIC)
    assert refused.value.message.startswith(message)
    assert refused.value.field == "url"


def test_a_host_that_does_not_resolve_is_refused():
    def nowhere(host: str, port: int, **kwargs: Any) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(ValidationFailed, match="The host name nowhere.example could not be resolved."):
        check_target("https://nowhere.example/", allow_private=False, resolve=nowhere)


def test_an_endpoint_is_made_with_a_new_secret_and_its_events_in_their_usual_order(session, users):
    made = create_webhook_endpoint(
        session,
        EndpointData(" https://hooks.example/in ", ["order.shipped", "order.created"]),
        actor=users["admin"],
        allow_private=False,
        resolve=PUBLIC,
    )
    endpoint = made.endpoint
    assert made.secret.startswith("whsec_") and len(made.secret) > 40 and endpoint.secret == made.secret
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        "https://hooks.example/in",
        ["order.created", "order.shipped"],
        True,
    )
    other = create_webhook_endpoint(
        session,
        EndpointData("https://hooks.example/2", ["order.created"]),
        actor=users["admin"],
        allow_private=False,
        resolve=PUBLIC,
    )
    assert other.secret != made.secret


@pytest.mark.parametrize(
    ("events", "message"),
    [([], "Choose at least one event to send."), (["order.paid"], "'order.paid' is not a webhook event.")],
)
def test_an_endpoint_needs_known_events(session, users, events, message):
    with pytest.raises(ValidationFailed, match=message):
        create_webhook_endpoint(
            session,
            EndpointData("https://hooks.example/", events),
            actor=users["admin"],
            allow_private=False,
            resolve=PUBLIC,
        )
    assert session.query(WebhookEndpoint).count() == 0


@pytest.mark.parametrize("role", ["manager", "sales", "viewer"])
def test_only_an_administrator_manages_webhooks(session, users, role):
    data = EndpointData("https://hooks.example/", ["order.created"])
    with pytest.raises(PermissionDenied):
        create_webhook_endpoint(session, data, actor=users[role], allow_private=False, resolve=PUBLIC)
    endpoint = create_webhook_endpoint(
        session, data, actor=users["admin"], allow_private=False, resolve=PUBLIC
    ).endpoint
    with pytest.raises(PermissionDenied):
        update_webhook_endpoint(
            session, endpoint, data, actor=users[role], allow_private=False, resolve=PUBLIC
        )
    with pytest.raises(PermissionDenied):
        delete_webhook_endpoint(session, endpoint, actor=users[role])


def test_an_update_keeps_the_secret(session, users):
    admin = users["admin"]
    made = create_webhook_endpoint(
        session,
        EndpointData("https://hooks.example/", ["order.created"]),
        actor=admin,
        allow_private=False,
        resolve=PUBLIC,
    )
    endpoint = update_webhook_endpoint(
        session,
        made.endpoint,
        EndpointData("https://hooks.example/v2", ["order.deleted"], active=False),
        actor=admin,
        allow_private=False,
        resolve=PUBLIC,
    )
    assert (endpoint.url, endpoint.events, endpoint.active, endpoint.secret) == (
        "https://hooks.example/v2",
        ["order.deleted"],
        False,
        made.secret,
    )


def test_an_update_to_a_private_address_changes_nothing(session, users):
    made = create_webhook_endpoint(
        session,
        EndpointData("https://hooks.example/", ["order.created"]),
        actor=users["admin"],
        allow_private=False,
        resolve=PUBLIC,
    )
    with pytest.raises(AddressRefused):
        update_webhook_endpoint(
            session,
            made.endpoint,
            EndpointData("https://intranet.example/", ["order.deleted"]),
            actor=users["admin"],
            allow_private=False,
            resolve=resolving("192.168.1.20"),
        )
    assert (made.endpoint.url, made.endpoint.events) == ("https://hooks.example/", ["order.created"])


def test_the_readmes_receiver_check_accepts_any_matching_v1_and_refuses_a_forged_or_stale_one():
    # Given the verification the README shows receivers
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Webhooks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    verify = namespace["verify"]
    body = b'{"id":"e1","type":"order.created"}'
    now = int(time.time())

    # Then it accepts what OrderDesk signs, and refuses another body, another secret, an old time
    assert verify("whsec_abc", signature("whsec_abc", now, body), body)
    assert not verify("whsec_abc", signature("whsec_abc", now, body), body + b" ")
    assert not verify("whsec_abd", signature("whsec_abc", now, body), body)
    assert not verify("whsec_abc", signature("whsec_abc", now - 3600, body), body)
    assert not verify("whsec_abc", "v1=00", body)
    assert not verify("whsec_abc", f"t=x,{signature('whsec_abc', now, body).split(',')[1]}", body)

    # And during a rotation it accepts the delivery with either secret, whichever v1 comes first
    both = signature("whsec_new", now, body, "whsec_abc")
    assert verify("whsec_abc", both, body) and verify("whsec_new", both, body)
    assert not verify("whsec_abd", both, body)
