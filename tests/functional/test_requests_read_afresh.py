"""The test client's requests share the test's session (they run in its app context); what
one request read must not hide what was written after it, as it cannot in production, where
every request has a session of its own."""

from __future__ import annotations

import admin.orders.lifecycle as lifecycle
from models import Job
from tests.conftest import job_report
from tests.functional.test_order_lifecycle import bulk, order_in


def test_a_jobs_report_shows_its_inline_run_even_while_the_starting_views_job_object_lives_on(
    login_as, catalog, users, monkeypatch
):
    # Given the view's job object kept alive after its request (as a reference cycle does
    # until the collector runs), read by the view before the job ran inline
    kept: list[Job] = []
    started = lifecycle.queue_started_job
    monkeypatch.setattr(lifecycle, "queue_started_job", lambda job: (kept.append(job), started(job)))
    order = order_in(catalog, users, "open")
    client = login_as("sales")

    # When the job's report is read in the next requests
    report = job_report(client, bulk(client, "mark_shipped", [order.id]))

    # Then it shows what the run did, not what the view read before
    assert kept
    assert (report.state, report.summary) == ("done", "1 order marked as shipped")
