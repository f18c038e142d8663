"""Serves OrderDesk to the browser tests from a process of its own.

`python -m tests.browser.server DATABASE_URL` builds the test app (with real CSRF and the JSON
config overrides in ORDERDESK_TEST_OVERRIDES), listens on a free port of 127.0.0.1, prints
that port on its first line and serves until it is terminated. Whatever the server does with
a dropped browser connection stays in this process, out of the test run's warnings.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import build_app


class _QuietHandler(WSGIRequestHandler):
    """Keep the server's access log out of the test output."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def main() -> None:
    overrides = json.loads(os.environ.get("ORDERDESK_TEST_OVERRIDES", "{}"))
    app = build_app(sys.argv[1], WTF_CSRF_ENABLED=True, **overrides)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
