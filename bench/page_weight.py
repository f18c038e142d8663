"""Page weight: what Chromium downloads for the order grid and an order page.

Seeds a small demo (bench/grid_bench.py's build), serves it with the same gunicorn options as
`make run`, logs in as the demo manager in Debian's Chromium, then loads each page twice: a
cold load (empty cache) and a warm one (what a person sees on every later visit). Prints the
number of requests, the bytes transferred (as sent, compressed when the server compresses)
and the size of the HTML.

    .venv/bin/python bench/page_weight.py [--orders 300] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.grid_bench import build  # noqa: E402
from seed import DEMO_LOGINS  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]


def serve(database: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", SECRET_KEY="bench")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            "1",
            "--threads",
            "8",
            "--no-control-socket",
            "--bind",
            f"127.0.0.1:{port}",
            "app:create_web_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/login", timeout=2).close()
            return server, url
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("the server did not start")


def weigh(page, url: str) -> tuple[int, int, int]:
    """Requests, bytes transferred and HTML bytes of one load of `url`."""
    responses = []

    def record(request) -> None:
        responses.append(request)

    page.on("requestfinished", record)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("requestfinished", record)
    sent = sum(
        request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"] for request in responses
    )
    documents = [request for request in responses if request.resource_type == "document"]
    html = len(documents[-1].response().body()) if documents else 0  # as decoded by the browser
    return len(responses), sent, html


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    database = args.dir / "orderdesk-weight.db"
    build(database, args.orders, reuse=False)
    server, url = serve(database)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            manager = next(login for login in DEMO_LOGINS if login.role == "manager")
            page.goto(f"{url}/login")
            page.get_by_label("Email").fill(manager.email)
            page.get_by_label("Password").fill(manager.password)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{url}/admin/")
            page.goto(f"{url}/admin/orders/")
            order_url = url + str(page.locator("td.col-identifier a").first.get_attribute("href"))
            print(f"{'page':<12} {'load':<5} {'requests':>8} {'transferred':>12} {'HTML':>10}")
            for name, target in (("grid", f"{url}/admin/orders/"), ("order page", order_url)):
                for load in ("cold", "warm"):
                    if load == "cold":
                        cdp = page.context.new_cdp_session(page)
                        cdp.send("Network.clearBrowserCache")
                        cdp.detach()
                    requests, sent, html = weigh(page, target)
                    print(f"{name:<12} {load:<5} {requests:>8} {sent / 1024:>9.1f} KB {html / 1024:>7.1f} KB")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
