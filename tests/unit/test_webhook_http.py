"""One HTTP try at a delivery (actions/webhook_http.py), against a real server on 127.0.0.1:
the connection goes to the address that was checked, redirects are not followed, and an
endpoint that refuses, stays silent or moved to a private address gives a plain reason."""

from __future__ import annotations

import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from actions.webhook_http import WebhookRequest, post_webhook
from tests.webhook_receiver import Receiver, webhook_receiver


def resolving(address: str) -> Any:
    """A stand-in for socket.getaddrinfo: every name is `address` (no DNS is asked)."""

    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    return resolve


def request(url: str) -> WebhookRequest:
    return WebhookRequest(
        url, b'{"id":"e1"}', {"Content-Type": "application/json", "X-OrderDesk-Event": "order.created"}
    )


def test_the_request_goes_to_the_checked_address_with_the_urls_host_name():
    # Given a name that only the check's look-up knows (.example never resolves in DNS)
    with webhook_receiver() as receiver:
        url = f"http://hooks.example:{receiver.port}/in?src=od"

        # When a delivery is posted there
        result = post_webhook(request(url), allow_private=True, resolve=resolving("127.0.0.1"))

    # Then the server got it: no second look-up of the name was made
    assert (result.status_code, result.error, result.ok) == (200, None, True)
    [got] = receiver.received
    assert (got.path, got.body) == ("/in?src=od", b'{"id":"e1"}')
    assert got.headers["Host"] == f"hooks.example:{receiver.port}"
    assert got.headers["User-Agent"] == "OrderDesk-Webhooks/1"
    assert got.headers["X-OrderDesk-Event"] == "order.created"


def test_a_name_now_pointing_at_a_private_address_is_not_contacted():
    # Given an endpoint whose name resolves, at the time of the try, to a loopback address
    with webhook_receiver() as receiver:
        url = f"http://hooks.example:{receiver.port}/in"

        # When a delivery is posted without private addresses allowed
        result = post_webhook(request(url), allow_private=False, resolve=resolving("127.0.0.1"))

    # Then no request was made, and the try says why
    assert receiver.received == []
    assert result.status_code is None
    assert (
        result.error
        == "Webhooks go to public addresses only: hooks.example is 127.0.0.1, a loopback address."
    )


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("64:ff9b::7f00:1", "a loopback address (127.0.0.1 inside a NAT64 address)"),
        ("2002:7f00:1::", "a loopback address (127.0.0.1 inside a 6to4 address)"),
        ("::ffff:127.0.0.1", "a loopback address"),
    ],
)
def test_a_name_now_pointing_at_an_ipv6_address_embedding_loopback_is_not_contacted(address, why):
    # Given an endpoint whose name resolves, at the time of the try, to an IPv6 address that
    # carries 127.0.0.1 (a NAT64 or 6to4 gateway would forward it there)
    with webhook_receiver() as receiver:
        url = f"http://hooks.example:{receiver.port}/in"

        # When a delivery is posted without private addresses allowed
        result = post_webhook(request(url), allow_private=False, resolve=resolving(address))

    # Then no request was made, and the try names the IPv4 address inside
    assert receiver.received == []
    assert (result.status_code, result.error) == (
        None,
        f"Webhooks go to public addresses only: hooks.example is {address}, {why}.",
    )


def test_a_redirect_is_not_followed():
    with webhook_receiver(
        Receiver(then=302, headers={"Location": "http://127.0.0.1:9/elsewhere"})
    ) as receiver:
        result = post_webhook(request(receiver.url), allow_private=True)
    assert (result.status_code, result.ok) == (302, False)
    assert len(receiver.received) == 1


def test_a_closed_port_and_a_silent_server_give_plain_reasons():
    # A port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    refused = post_webhook(request(f"http://127.0.0.1:{closed}/"), allow_private=True)
    assert (refused.status_code, refused.error) == (None, "The connection was refused.")

    # A server that accepts the connection and never answers
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        accepted: list[socket.socket] = []
        threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True).start()
        port = silent.getsockname()[1]
        quiet = post_webhook(request(f"http://127.0.0.1:{port}/"), allow_private=True, timeout=0.3)
        for conn in accepted:
            conn.close()
    assert (quiet.status_code, quiet.error) == (None, "No answer within 0.3 s.")
    assert quiet.duration_ms >= 250


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name` and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def tls(cert: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert)
    return context


def test_https_goes_to_the_checked_address_and_checks_the_certificate_against_the_urls_host(
    tmp_path, monkeypatch
):
    # Given a receiver behind TLS whose certificate names hooks.example, trusted by this machine
    cert = _certificate(tmp_path, "hooks.example")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))

    # When a delivery goes to https://hooks.example (resolved to 127.0.0.1 by the check only)
    with webhook_receiver(tls=tls(cert)) as receiver:
        result = post_webhook(
            request(f"https://hooks.example:{receiver.port}/in"),
            allow_private=True,
            resolve=resolving("127.0.0.1"),
        )

    # Then it arrives over TLS
    assert (result.status_code, result.error) == (200, None)
    assert receiver.received[0].headers["Host"] == f"hooks.example:{receiver.port}"


def test_https_to_a_server_whose_certificate_names_another_host_fails_the_try(tmp_path, monkeypatch):
    cert = _certificate(tmp_path, "other.example")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))
    with webhook_receiver(tls=tls(cert)) as receiver:
        result = post_webhook(
            request(f"https://hooks.example:{receiver.port}/in"),
            allow_private=True,
            resolve=resolving("127.0.0.1"),
        )
    assert result.status_code is None
    assert result.error.startswith("TLS failed: ")
    assert receiver.received == []
