"""One HTTP try at a webhook delivery: POST the signed body, read the status code.

The host is resolved and checked (actions.webhooks.check_target) right before the try, and
the connection goes to an address that was checked, never to a second look-up of the name:
a name that changes between the check and the connection (DNS rebinding) cannot lead the
request to a private address. No redirect is followed (an answer of 3xx is a failed try),
no proxy is used, and an endpoint has `timeout` seconds to connect and to answer.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from actions.errors import ValidationFailed
from actions.webhooks import Resolver, Target, check_target

USER_AGENT = "OrderDesk-Webhooks/1"
TIMEOUT = 5.0


@dataclass(frozen=True)
class WebhookRequest:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class AttemptResult:
    """What a try gave: the status code, or why there was none (`answered` is False then)."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def answered(self) -> bool:
        return self.status_code is not None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _connect(target: Target, timeout: float | None) -> socket.socket:
    """A socket to the first checked address that accepts the connection."""
    error: OSError | None = None
    for address in target.addresses:
        try:
            return socket.create_connection((address, target.port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to the checked addresses; Host says the URL's host."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self) -> None:
        self.sock = _connect(self.target, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to the checked addresses; the certificate must be the URL host's."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self.target = target

    def connect(self) -> None:
        sock = _connect(self.target, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.target.host)  # type: ignore[attr-defined]


def _reason(exc: OSError | http.client.HTTPException, timeout: float) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"No answer within {timeout:g} s."
    if isinstance(exc, ConnectionRefusedError):
        return "The connection was refused."
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}."
    if isinstance(exc, http.client.HTTPException):
        return f"The answer was not valid HTTP ({type(exc).__name__})."
    return f"The connection failed: {getattr(exc, 'strerror', None) or exc}."


def post_webhook(
    request: WebhookRequest,
    *,
    allow_private: bool,
    timeout: float = TIMEOUT,
    resolve: Resolver = socket.getaddrinfo,
) -> AttemptResult:
    """POST one delivery and say how it went (never raises for the endpoint's faults)."""
    start = time.monotonic()

    def result(status: int | None, error: str | None) -> AttemptResult:
        return AttemptResult(status, error, int((time.monotonic() - start) * 1000))

    try:
        target = check_target(request.url, allow_private=allow_private, resolve=resolve)
    except ValidationFailed as exc:
        return result(None, exc.message)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request(
            "POST", target.path, body=request.body, headers={"User-Agent": USER_AGENT, **request.headers}
        )
        response = connection.getresponse()
        response.read(64 * 1024)  # an answer's first bytes only; its status is what counts
        return result(response.status, None)
    except (OSError, http.client.HTTPException) as exc:
        return result(None, _reason(exc, timeout))
    finally:
        connection.close()
