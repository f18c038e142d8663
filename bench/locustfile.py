"""The load of bench/scale.sh: a sales team working in OrderDesk, and one manager who archives
the closed orders a filter matches while they work.

Each user logs in once like a browser (the form, then its CSRF token with the password) and
keeps its session. Each comes from an address of its own (127.0.0.N), as from its own machine:
the login limit counts 10 attempts a minute per address (and per account; scale.sh makes an
account per sales user). Requests are named by what the person does, so Locust's table reads
per type. Settings come from scale.sh through the environment:

- SCALE_ARCHIVE_FILTER: the grid filter the manager archives (URL arguments);
- SCALE_ARCHIVE_AT: seconds into the run when the manager starts the archive (default 10 % of
  the run, read from Locust's --run-time);
- SCALE_JOB_FILE: where the manager writes the archive job's id;
- SCALE_REQUESTS_FILE: every request as a JSON line (time, name, ms, error), for the report.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from locust import HttpUser, between, events, task
from locust.clients import LocustHttpAdapter
from locust.exception import StopUser

from bench.scale_accounts import sales_email

PASSWORD = "orderdesk-demo"
MANAGER = "manager@orderdesk.test"
# Valid on any open order, without a use limit (README, "Demo coupon codes").
COUPONS = ("SPRING10", "SHIPHALF")
GRID = "/admin/orders/"
ORDER_LINK = re.compile(r'href="/admin/orders/details/\?id=(\d+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
SUBMISSION_KEY = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')
PAGER = {name: re.compile(rf'id="pager-{name}"[^>]*href="([^"]+)"') for name in ("next", "last")}
FLASH_ERROR = re.compile(r'class="alert alert-danger[^"]*"[^>]*>(.*?)</div>', re.S)
ADDRESSES = (f"127.0.{n // 250}.{n % 250 + 2}" for n in itertools.count())
SALES_NUMBERS = itertools.count(1)
started_at = time.time()


class FromAddress(LocustHttpAdapter):
    """Connections from one loopback address of the user's own."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(pool_manager=None)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, source_address=(self.address, 0), **kwargs)


def _filters() -> list[str]:
    week = datetime.now(UTC) - timedelta(days=7)
    return [
        "flt0_internal_status_equals=open",
        "flt0_currency_equals=EUR",
        "flt0_shipping_status_equals=partially_shipped",
        "flt0_total_greater_than=1000",
        f"flt0_created_at_greater_than={week:%Y-%m-%d+%H:%M:%S}",
        "flt0_internal_status_equals=open&flt1_currency_equals=EUR",
        "flt0_shipping_status_equals=shipped&flt1_payment_status_equals=pending",
        f"flt0_customer_starts_with={random.choice('ABCDEGHJKLMPRSTW')}",
    ]


def _error_text(page: str) -> str:
    found = FLASH_ERROR.search(page)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip() if found else page[:200]


class Person(HttpUser):
    """What sales users and the manager share: the login, the grid and the order page."""

    abstract = True
    wait_time = between(1, 3)
    email = ""

    def on_start(self) -> None:
        self.client.mount("http://", FromAddress(next(ADDRESSES)))
        self.order_ids: list[int] = []
        self.grid_page = ""
        csrf = self.form_token("/login", "login form")
        with self.client.post(
            "/login",
            data={"email": self.email, "password": PASSWORD, "csrf_token": csrf},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"login refused ({answer.status_code}): {_error_text(answer.text)}")
        if answer.status_code != 302:
            raise StopUser()

    def form_token(self, url: str, name: str) -> str:
        """GET a page with a form; its CSRF token ('' when the page failed)."""
        page = self.client.get(url, name=name)
        found = CSRF.search(page.text)
        self.last_form = page.text
        return next(filter(None, found.groups())) if found else ""

    def grid(self, url: str, name: str) -> None:
        """A grid page; remembers its orders and its pager for the next click."""
        with self.client.get(url, name=name, catch_response=True) as page:
            if page.status_code == 200 and 'id="pager-position"' not in page.text:
                page.failure("no grid on the page")
            self.grid_page = page.text
            self.order_ids = [int(i) for i in ORDER_LINK.findall(page.text)] or self.order_ids

    def open_order(self, order_id: int) -> None:
        with self.client.get(
            f"/admin/orders/details/?id={order_id}", name="order page", catch_response=True
        ) as page:
            if page.status_code == 200 and "Order #" not in page.text:
                page.failure("no order on the page")

    def post_form(self, url: str, data: dict[str, str], name: str, expect: str) -> str | None:
        """POST a form like a browser (no redirect followed); the redirect's target, or None
        (and a failure) when the page answers anything but a redirect to `expect`."""
        with self.client.post(
            url, data=data, name=name, allow_redirects=False, catch_response=True
        ) as answer:
            if answer.error:  # no answer at all: Locust reports the connection's own error
                return None
            target = answer.headers.get("Location", "")
            if answer.status_code != 302 or expect not in target:
                answer.failure(f"{answer.status_code}: {_error_text(answer.text)}")
                return None
            return target


class SalesUser(Person):
    """Browses the grid (filters, search, deep pages), opens orders, creates orders and adds
    notes and coupons to them."""

    weight = 1

    def on_start(self) -> None:
        self.email = sales_email(next(SALES_NUMBERS))
        self.mine: list[tuple[int, list[str]]] = []  # own open orders, with the coupons left to try
        super().on_start()
        self.grid(GRID, "grid")

    @task(4)
    def browse(self) -> None:
        self.grid(GRID, "grid")

    @task(3)
    def filter_grid(self) -> None:
        self.grid(f"{GRID}?{random.choice(_filters())}", "grid filter")

    @task(2)
    def search(self) -> None:
        term = random.choice([f"SO-{random.randint(0, 99):02d}", f"PO-{random.randint(10, 99)}", "smith"])
        self.grid(f"{GRID}?search={term}", "search")

    @task(2)
    def deep_page(self) -> None:
        """Next a few times, or straight to Last, from the page shown."""
        for _ in range(random.randint(1, 3)):
            found = PAGER[random.choice(("next", "next", "last"))].search(self.grid_page)
            if found is None:
                return
            self.grid(html.unescape(found.group(1)), "deep page")

    @task(4)
    def open_from_grid(self) -> None:
        if self.order_ids:
            self.open_order(random.choice(self.order_ids))

    @task(1)
    def create_order(self) -> None:
        csrf = self.form_token(f"{GRID}new/", "order form")
        key = SUBMISSION_KEY.search(self.last_form)
        form = self.order_form(csrf)
        if not csrf or key is None or form is None:
            return
        form.update(csrf_token=csrf, submission_key=key.group(1))
        target = self.post_form(f"{GRID}new/", form, "create order", "/admin/orders/details/?id=")
        if target:
            order_id = int(target.rsplit("id=", 1)[1].split("&")[0])
            self.mine.append((order_id, list(COUPONS)))
            self.open_order(order_id)

    def order_form(self, csrf: str) -> dict[str, str] | None:
        """Pick a customer, a buyer, addresses, products and shipping through the form's
        lookups, as its script does."""
        lookup = f"{GRID}lookup/"
        found = self.client.get(
            f"{lookup}customers?q={random.choice('abcdeghklmprstw')}", name="order form lookup"
        )
        if not found.ok or not found.json():
            return None
        customer = self.client.get(
            f"{lookup}customer/{random.choice(found.json())['id']}", name="order form lookup"
        ).json()
        billing = [a["value"] for a in customer["addresses"] if a["billing"]]
        shipping = [a["value"] for a in customer["addresses"] if a["shipping"]]
        products = self.client.get(
            f"{lookup}products?q={random.choice('abcdefghlmprst')}&currency=USD", name="order form lookup"
        ).json()
        if not (customer["users"] and billing and shipping and products):
            return None
        lines = random.sample(products, min(len(products), random.randint(1, 3)))
        quantities = [random.randint(1, 20) for _ in lines]
        methods = self.client.post(
            f"{lookup}shipping",
            json={"currency": "USD", "quantities": quantities},
            headers={"X-CSRFToken": csrf},
            name="shipping lookup",
        ).json()
        form = {
            "customer_id": str(customer["id"]),
            "customer_user_id": str(random.choice(customer["users"])["id"]),
            "currency": "USD",
            "billing-choice": billing[0],
            "shipping-choice": shipping[0],
            "shipping_method_id": str(methods[0]["id"]) if methods else "",
            "payment_term_id": str(customer["payment_term_id"] or ""),
            "po_number": f"PO-LOAD-{random.randint(1, 10**6)}",
        }
        for i, (product, quantity) in enumerate(zip(lines, quantities, strict=True)):
            form[f"lines-{i}-product_id"] = str(product["id"])
            form[f"lines-{i}-quantity"] = str(quantity)
        return form

    @task(1)
    def add_note(self) -> None:
        order_id = random.choice([i for i, _ in self.mine[-3:]] or self.order_ids or [0])
        if not order_id:
            return
        url = f"{GRID}activities/note/?id={order_id}"
        csrf = self.form_token(url, "note form")
        body = f"Called the buyer at {datetime.now(UTC):%H:%M}; they confirm the delivery window."
        self.post_form(url, {"csrf_token": csrf, "body": body}, "add note", f"id={order_id}")

    @task(1)
    def apply_coupon(self) -> None:
        """A coupon not yet on one of the user's own open orders."""
        waiting = [(order_id, codes) for order_id, codes in self.mine if codes]
        if not waiting:
            return
        order_id, codes = waiting[-1]
        url = f"{GRID}coupon/?id={order_id}"
        csrf = self.form_token(url, "coupon form")
        self.post_form(url, {"csrf_token": csrf, "code": codes.pop(0)}, "apply coupon", f"id={order_id}")


class Manager(Person):
    """Works the grid, and once, some seconds into the run, archives every order the filter
    SCALE_ARCHIVE_FILTER matches; then follows the job as its page does."""

    fixed_count = 1
    email = MANAGER

    def on_start(self) -> None:
        self.archive_tried = False
        self.job: str | None = None  # the archive's job id, once started
        self.finished = False
        super().on_start()

    @task
    def work(self) -> None:
        if not self.archive_tried and time.time() - started_at >= archive_at(self.environment):
            self.start_archive()
        elif self.job is not None and not self.finished:
            progress = self.client.get(f"/admin/jobs/{self.job}/progress.json", name="job progress")
            self.finished = progress.ok and bool(progress.json().get("finished"))
        else:
            self.grid(f"{GRID}?flt0_internal_status_equals=closed", "grid filter")

    def start_archive(self) -> None:
        """Once: a refusal is a failed request, and scale.sh, finding no job, fails too."""
        self.archive_tried = True
        chosen = os.environ["SCALE_ARCHIVE_FILTER"]
        csrf = self.form_token(f"{GRID}apply_filtered/?action=archive&{chosen}", "archive review")
        target = self.post_form(
            f"{GRID}apply_filtered/?{chosen}",
            {"csrf_token": csrf, "action": "archive"},
            "start archive",
            "/admin/jobs/",
        )
        found = re.search(r"/admin/jobs/(\d+)/", target or "")
        if target is None or found is None:
            return
        self.job = found[1]
        with open(os.environ["SCALE_JOB_FILE"], "w") as out:
            out.write(self.job)
        self.client.get(target, name="job page")


def archive_at(environment: Any) -> float:
    if "SCALE_ARCHIVE_AT" in os.environ:
        return float(os.environ["SCALE_ARCHIVE_AT"])
    return (environment.parsed_options.run_time or 100) / 10


@events.test_start.add_listener
def _started(**_: Any) -> None:
    global started_at
    started_at = time.time()


requests_log = open(os.environ["SCALE_REQUESTS_FILE"], "a") if os.environ.get("SCALE_REQUESTS_FILE") else None


@events.request.add_listener
def _log_request(
    name: str, response_time: float, exception: Exception | None, start_time: float, **_: Any
) -> None:
    if requests_log is not None:
        error = None if exception is None else f"{type(exception).__name__}: {exception}"[:300]
        requests_log.write(
            json.dumps({"t": start_time, "name": name, "ms": response_time, "error": error}) + "\n"
        )


@events.quitting.add_listener
def _close_log(**_: Any) -> None:
    if requests_log is not None:
        requests_log.close()
