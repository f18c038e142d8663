"""One HTTP try at a delivery (actions/webhook_http.py), against a real server on 127.0.0.1:
the connection goes to the address that was checked, redirects are not followed, and an
endpoint that refuses, stays silent or moved to a private address gives a plain reason."""

from __future__ import annotations

import socket
import threading
from typing import Any

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
