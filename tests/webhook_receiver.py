"""A real HTTP receiver for webhook tests: a ThreadingHTTPServer on 127.0.0.1 (a free port)
that records every request and answers from a script of status codes, checking each
request's signature with the endpoint's secret as a receiver would."""

from __future__ import annotations

import hashlib
import hmac
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool | None


@dataclass
class Receiver:
    """What the server got, and how it answers: `answers` in turn (then `then`); a
    `secret` makes it check each signature (`signature_ok`)."""

    answers: list[int] = field(default_factory=list)
    then: int = 200
    secret: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/orderdesk"

    def verify(self, headers: dict[str, str], body: bytes) -> bool | None:
        """The receiver's check, as the README shows it: HMAC-SHA256 over "<t>.<body>" with
        the secret matches any of the header's v1 values (several during a rotation)."""
        if self.secret is None:
            return None
        return signed_with(self.secret, headers, body)


def signed_with(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Whether a request's X-OrderDesk-Signature has a v1 value made with `secret`."""
    items = [
        item.split("=", 1) for item in headers.get("X-OrderDesk-Signature", "").split(",") if "=" in item
    ]
    timestamp = next((value for key, value in items if key == "t"), "")
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(key == "v1" and hmac.compare_digest(expected, value) for key, value in items)


@contextmanager
def webhook_receiver(
    receiver: Receiver | None = None, *, tls: ssl.SSLContext | None = None
) -> Iterator[Receiver]:
    """Serve `receiver` on 127.0.0.1 in a thread for the block's length (behind TLS with a
    server context)."""
    state = receiver or Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = dict(self.headers.items())
            with lock:
                state.received.append(Received(self.path, headers, body, state.verify(headers, body)))
                status = state.answers.pop(0) if state.answers else state.then
            self.send_response(status)
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
