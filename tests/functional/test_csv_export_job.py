"""An export of more orders than DIRECT_EXPORT_LIMIT runs as a job: the orders are written
down in the grid's order, a worker writes them to a file a chunk at a time, and the job's
page offers the file to its owner (and administrators), byte for byte what the direct
download would have been. A chunk that dies before its commit leaves nothing behind."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from actions.editing import delete_order
from actions.jobs import cancel_job
from actions.order_input import LineData
from admin.jobs import export_file, runner
from admin.jobs.export_file import run_export_chunk
from admin.jobs.queue import JobQueue
from admin.jobs.runner import run_job
from admin.orders import export
from admin.orders.grid import DEFAULT_COLUMNS
from admin.settings import storage
from models import Job, Order, db, utcnow
from tests.conftest import build_app, flashed_messages, login
from tests.factories import make_order

BY_TOTAL_DESC = f"sort={DEFAULT_COLUMNS.index('total')}&desc=1"
JOB_PAGE = re.compile(r"/admin/jobs/(\d+)/$")


@pytest.fixture
def app(clean_db: Engine, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The usual test app, its files (jobs/ among them) in this test's own folder."""
    application = build_app(database_url, ORDERDESK_UPLOAD_DIR=str(tmp_path / "files"))
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exports of more than three orders run as jobs, two orders a chunk."""
    monkeypatch.setattr(export, "DIRECT_EXPORT_LIMIT", 3)
    monkeypatch.setattr(export_file, "EXPORT_CHUNK", 2)


@pytest.fixture
def queued_only(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Jobs are queued but not run (no worker yet); returns the ids queued."""
    queued: list[int] = []
    monkeypatch.setattr(JobQueue, "enqueue", lambda self, job_id, delay=None: queued.append(job_id))
    return queued


def make_orders(catalog: dict[str, Any], users: dict[str, Any], count: int) -> list[Order]:
    """`count` orders with distinct totals and creation times, the last one's PO number
    starting like a formula."""
    made = []
    for i in range(count):
        order = make_order(
            db.session,
            catalog,
            actor=users["sales"],
            po_number="=cmd()" if i == count - 1 else f"PO-{i:03}",
            lines=[LineData(product_id=catalog["widget"].id, quantity=str((i * 3) % count + 1))],
        )
        order.created_at = utcnow() - timedelta(hours=i)
        made.append(order)
    db.session.commit()
    return made


def direct_export(client: Any, query: str, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The export of the same filter and sort, downloaded at once (the limit raised)."""
    monkeypatch.setattr(export, "DIRECT_EXPORT_LIMIT", 10_000)
    with client.get(f"/admin/orders/export/csv/?{query}") as response:
        assert response.status_code == 200 and response.mimetype == "text/csv"
        return response.get_data()


def download(client: Any, job_id: int) -> Any:
    with client.get(f"/admin/jobs/{job_id}/download") as response:
        response.get_data()
        return response


def started_job(client: Any, query: str = BY_TOTAL_DESC) -> Job:
    """Export the grid; the export's job, from the page the person is taken to."""
    response = client.get(f"/admin/orders/export/csv/?{query}")
    assert response.status_code == 302, response.status_code
    match = JOB_PAGE.search(response.headers["Location"])
    assert match, response.headers["Location"]
    job = db.session.get(Job, int(match.group(1)))
    assert job is not None and job.kind == "export"
    return job


def test_a_long_export_runs_as_a_job_whose_file_is_the_direct_downloads_bytes(
    login_as, catalog, users, small_limit, monkeypatch
):
    # Given five orders (more than the limit of three), exported by total, largest first
    make_orders(catalog, users, 5)
    client = login_as("viewer")

    # When the grid is exported
    job = started_job(client)

    # Then the job has written every order, and its page offers the file
    db.session.refresh(job)
    assert (job.state, job.done, job.skipped, job.total) == ("done", 5, 0, 5)
    assert job.title == "Export 5 orders to CSV"
    page = client.get(f"/admin/jobs/{job.id}/").get_data(as_text=True)
    assert f'href="/admin/jobs/{job.id}/download"' in page and "Download CSV" in page
    # And the download is an attachment holding exactly what the direct export holds
    response = download(client, job.id)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=Orders_")
    assert response.get_data() == direct_export(client, BY_TOTAL_DESC, monkeypatch)
    assert b"'=cmd()" in response.get_data()


def test_an_export_within_the_limit_is_downloaded_at_once(login_as, catalog, users, small_limit):
    # Given three orders, as many as the limit
    orders = make_orders(catalog, users, 3)

    # When the grid is exported
    with login_as("viewer").get("/admin/orders/export/csv/") as response:
        text = response.get_data(as_text=True)

    # Then the CSV comes at once, and no job was started
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert all(order.identifier in text for order in orders)
    assert db.session.query(Job).count() == 0


def test_an_order_deleted_after_the_export_started_is_reported_skipped(
    login_as, catalog, users, small_limit, queued_only
):
    # Given an export of five orders, queued, and one of them deleted before it runs
    orders = make_orders(catalog, users, 5)
    client = login_as("viewer")
    job = started_job(client, "")
    gone_id, gone_number = orders[2].id, orders[2].identifier
    delete_order(db.session, orders[2], actor=users["manager"])
    db.session.commit()

    # When a worker runs it
    run_job(job.id)

    # Then the four others are in the file, and the deleted one is listed as skipped
    db.session.refresh(job)
    assert (job.state, job.done, job.skipped) == ("done", 4, 1)
    page = client.get(f"/admin/jobs/{job.id}/").get_data(as_text=True)
    assert f"Order id {gone_id} no longer exists" in page
    text = download(client, job.id).get_data(as_text=True)
    assert gone_number not in text
    assert all(order.identifier in text for order in orders if order.id != gone_id)


def download_as(app: Flask, user: Any, job_id: int) -> Any:
    """Log in and download in an app context of its own, as a server serves each request
    (the test's context would carry the previous request's user along)."""
    with app.app_context():
        client = app.test_client()
        assert login(client, user.email).status_code == 302
        return download(client, job_id)


def test_only_the_owner_and_administrators_can_download_an_export(login_as, app, catalog, users, small_limit):
    # Given a viewer's finished export
    make_orders(catalog, users, 4)
    owner = login_as("viewer")
    job = started_job(owner)
    mine = download(owner, job.id).get_data()

    # When a sales user asks for its file, then an administrator
    refused = download_as(app, users["sales"], job.id)
    allowed = download_as(app, users["admin"], job.id)

    # Then the sales user is told there is no such page; the administrator gets the file
    assert refused.status_code == 404
    assert allowed.status_code == 200 and allowed.get_data() == mine


def test_a_resumed_export_cuts_off_what_a_chunk_wrote_before_dying(
    login_as, catalog, users, small_limit, queued_only, monkeypatch
):
    # Given an export of five orders (three chunks of two), its first chunk committed
    make_orders(catalog, users, 5)
    client = login_as("viewer")
    job = started_job(client)
    run_export_chunk(db.session, job)
    db.session.commit()
    # And a second chunk that wrote its part, then died before its commit, junk after its lines
    run_export_chunk(db.session, job)
    db.session.rollback()
    dead_part = export_file.part_key(job, job.cursor)
    storage().write(dead_part, storage().read(dead_part) + b"junk\r\n" * 1_000)

    # When a worker takes the job up again
    run_job(job.id)

    # Then the file holds every order once, and nothing else: the direct export's bytes
    db.session.refresh(job)
    assert (job.state, job.done) == ("done", 5)
    assert download(client, job.id).get_data() == direct_export(client, BY_TOTAL_DESC, monkeypatch)


def test_a_cancelled_export_leaves_no_file(login_as, catalog, users, small_limit, queued_only):
    # Given an export of five orders, its first chunk written
    make_orders(catalog, users, 5)
    client = login_as("viewer")
    job = started_job(client)
    flashed_messages(client)
    run_export_chunk(db.session, job)
    db.session.commit()
    assert storage().sizes(export_file.job_folder(job))

    # When its owner cancels it and the worker goes on
    cancel_job(db.session, job, actor=users["viewer"])
    db.session.commit()
    run_job(job.id)

    # Then it stops, its partial file removed, and there is nothing to download
    db.session.refresh(job)
    assert job.state == "cancelled"
    assert storage().sizes(export_file.job_folder(job)) == {}
    response = download(client, job.id)
    assert response.status_code == 302
    assert flashed_messages(client) == [
        "This job has no file to download: an export offers its file once it is done."
    ]


def test_a_download_whose_file_is_gone_says_so(login_as, catalog, users, small_limit):
    # Given a finished export (two parts) whose first part has been removed from the storage
    make_orders(catalog, users, 4)
    client = login_as("viewer")
    job = started_job(client)
    flashed_messages(client)
    storage().delete(export_file.part_key(job, 0))

    # When its owner downloads it
    response = download(client, job.id)

    # Then they are taken back to the job's page and told what happened
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/jobs/{job.id}/")
    assert flashed_messages(client) == [
        "The file of this export is no longer on the server; export the orders again."
    ]


def test_an_export_file_is_removed_a_week_after_the_export_and_its_page_says_so(
    login_as, app, catalog, users, small_limit
):
    # Given two finished exports (two parts each), one finished eight days ago, one today
    make_orders(catalog, users, 4)
    client = login_as("viewer")
    old, recent = started_job(client), started_job(client)
    old.finished_at = utcnow() - timedelta(days=8)
    db.session.commit()
    files = storage()
    assert len(files.sizes(export_file.job_folder(old))) == 2

    # When the worker's hourly clean-up runs (files are kept 7 days by default)
    assert runner.remove_expired_exports() == 1

    # Then the old export's parts are gone and its page says why, without a download link
    assert files.sizes(export_file.job_folder(old)) == {}
    page = client.get(f"/admin/jobs/{old.id}/").get_data(as_text=True)
    assert "Its file was removed 7 days after the export finished" in page
    assert "job-download" not in page
    assert download(client, old.id).status_code == 302
    # And the recent export still downloads
    assert download(client, recent.id).status_code == 200
    assert len(files.sizes(export_file.job_folder(recent))) == 2


def test_export_files_are_kept_for_ever_when_the_setting_is_zero(login_as, app, catalog, users, small_limit):
    make_orders(catalog, users, 4)
    job = started_job(login_as("viewer"))
    job.finished_at = utcnow() - timedelta(days=400)
    db.session.commit()
    app.config["ORDERDESK_EXPORT_KEEP_DAYS"] = 0

    assert runner.remove_expired_exports() == 0
    assert len(storage().sizes(export_file.job_folder(job))) == 2
