"""System > Jobs (SPEC §10): a person's own jobs (everyone's for admins), a job's page with
its progress and report, its progress as JSON, Cancel, and the skipped orders as CSV."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from actions.jobs import start_bulk_job
from admin.jobs.queue import daily_at
from models import Job, db
from tests.conftest import flashed_messages, job_report
from tests.factories import make_order, order_in_status


@pytest.fixture
def queued_job(catalog, users) -> Job:
    """A manager's archive job of two orders, queued and not run."""
    orders = [make_order(db.session, catalog, actor=users["manager"]) for _ in range(2)]
    job = start_bulk_job(db.session, "archive", [o.id for o in orders], actor=users["manager"])
    db.session.commit()
    return job


def _archive(client, ids):
    return client.post("/admin/orders/action/", data={"action": "archive", "rowid": [str(i) for i in ids]})


def test_a_bulk_action_opens_the_job_page_with_its_report(login_as, catalog, users):
    # Given a closed order and an open one
    closed = order_in_status(db.session, catalog, "closed", actor=users["manager"])
    still_open = make_order(db.session, catalog, actor=users["manager"])
    db.session.commit()
    client = login_as("manager")

    # When both are archived from the grid
    response = _archive(client, [closed.id, still_open.id])

    # Then the job page shows the done state, the summary and the skipped order's reason
    page = client.get(response.location).get_data(as_text=True)
    assert 'id="job-state">Done<' in page
    assert "1 order archived; 1 skipped." in page
    assert f"Order {still_open.identifier} cannot be archived because it is open" in page
    assert 'aria-valuenow="100"' in page
    assert 'id="cancel-job"' not in page


def test_progress_json_has_the_state_and_the_counts(login_as, catalog, users):
    closed = order_in_status(db.session, catalog, "closed", actor=users["manager"])
    db.session.commit()
    client = login_as("manager")
    report = job_report(client, _archive(client, [closed.id, 424242]))
    progress = report.progress
    assert {k: progress[k] for k in ("state", "total", "done", "skipped", "percent")} == {
        "state": "done",
        "total": 2,
        "done": 1,
        "skipped": 1,
        "percent": 100,
    }


def test_the_skipped_orders_download_as_csv_with_formulas_defused(login_as, queued_job):
    # Given a skipped order whose label would be a formula in a spreadsheet
    from models import JobItem

    item = db.session.get(JobItem, (queued_job.id, 1))
    item.skip_label, item.skip_reason = "=HYPERLINK()", "+1 reason"
    db.session.commit()

    response = login_as("manager").get(f"/admin/jobs/{queued_job.id}/skipped.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True).splitlines() == ["Order,Reason", "'=HYPERLINK(),'+1 reason"]


def test_a_queued_job_page_offers_cancel_and_cancel_stops_it(login_as, queued_job):
    client = login_as("manager")
    page = client.get(f"/admin/jobs/{queued_job.id}/").get_data(as_text=True)
    assert 'id="cancel-job"' in page
    assert 'id="job-state">Queued<' in page

    response = client.post(f"/admin/jobs/{queued_job.id}/cancel")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Job, queued_job.id).state == "cancelled"
    assert flashed_messages(client) == [
        "The job stops after the orders in progress; what is done stays done."
    ]


def test_cancelling_a_finished_job_says_so_and_changes_nothing(login_as, queued_job):
    client = login_as("manager")
    client.post(f"/admin/jobs/{queued_job.id}/cancel")
    flashed_messages(client)
    client.post(f"/admin/jobs/{queued_job.id}/cancel")
    assert flashed_messages(client) == ["This job is already cancelled; there is nothing to cancel."]


@pytest.mark.parametrize("path", ["", "progress.json", "skipped.csv"])
def test_someone_elses_job_is_not_found(login_as, queued_job, path):
    assert login_as("sales").get(f"/admin/jobs/{queued_job.id}/{path}").status_code == 404


def test_someone_elses_job_cannot_be_cancelled(login_as, queued_job):
    assert login_as("sales").post(f"/admin/jobs/{queued_job.id}/cancel").status_code == 404
    db.session.expire_all()
    assert db.session.get(Job, queued_job.id).state == "queued"


def test_an_admin_sees_and_opens_everyones_jobs(login_as, queued_job):
    client = login_as("admin")
    listing = client.get("/admin/jobs/").get_data(as_text=True)
    assert queued_job.title in listing
    assert "Started by" in listing
    assert client.get(f"/admin/jobs/{queued_job.id}/").status_code == 200


def test_the_jobs_list_shows_only_ones_own_jobs(login_as, queued_job):
    assert queued_job.title in login_as("manager").get("/admin/jobs/").get_data(as_text=True)


def test_the_jobs_list_of_someone_without_jobs_says_how_jobs_start(login_as, queued_job):
    page = login_as("sales").get("/admin/jobs/").get_data(as_text=True)
    assert 'id="no-jobs"' in page
    assert queued_job.title not in page


def test_the_jobs_list_pages_back_to_older_jobs(login_as, catalog, users, monkeypatch):
    monkeypatch.setattr("admin.jobs.views.JOBS_PER_PAGE", 2)
    order = make_order(db.session, catalog, actor=users["manager"])
    jobs = [start_bulk_job(db.session, "archive", [order.id], actor=users["manager"]) for _ in range(3)]
    db.session.commit()
    client = login_as("manager")
    first = client.get("/admin/jobs/").get_data(as_text=True)
    assert f"/admin/jobs/?before={jobs[1].id}" in first
    older = client.get(f"/admin/jobs/?before={jobs[1].id}").get_data(as_text=True)
    assert f"/admin/jobs/{jobs[0].id}/" in older
    assert f"/admin/jobs/{jobs[2].id}/" not in older


@pytest.mark.parametrize("bad", ["abc", "-1", "9" * 30])
def test_a_malformed_before_shows_the_newest_jobs(login_as, queued_job, bad):
    response = login_as("manager").get(f"/admin/jobs/?before={bad}")
    assert response.status_code == 200
    assert queued_job.title in response.get_data(as_text=True)


def test_an_unknown_job_is_not_found(login_as):
    assert login_as("admin").get("/admin/jobs/999999/").status_code == 404


def test_jobs_pages_need_a_login(client, queued_job):
    response = client.get(f"/admin/jobs/{queued_job.id}/progress.json")
    assert response.status_code == 302
    assert "/login" in response.location


def test_the_top_bar_shows_running_jobs_after_one_is_started(login_as, catalog, users, monkeypatch):
    # Given a job that stays queued (nothing runs it)
    monkeypatch.setattr("admin.jobs.queue.JobQueue.enqueue", lambda self, job_id, delay=None: None)
    order = make_order(db.session, catalog, actor=users["manager"])
    db.session.commit()
    client = login_as("manager")
    assert 'id="jobs-running"' not in client.get("/admin/orders/").get_data(as_text=True)

    # When the manager starts it, the top bar says one job is running
    client.post("/admin/orders/action/", data={"action": "cancel", "rowid": [str(order.id)]})
    assert "1</span> job running" in client.get("/admin/orders/").get_data(as_text=True)

    # And once it has finished, the indicator is gone
    db.session.query(Job).update({"state": "done"})
    db.session.commit()
    assert 'id="jobs-running"' not in client.get("/admin/orders/").get_data(as_text=True)


def test_the_daily_overdue_check_is_due_at_its_local_time_only():
    due = daily_at("02:00", "Europe/Paris")
    assert due(datetime(2026, 1, 15, 1, 0))  # 02:00 in Paris, winter
    assert not due(datetime(2026, 1, 15, 2, 0))
    assert due(datetime(2026, 7, 15, 0, 0))  # 02:00 in Paris, summer
    assert not daily_at(None, "UTC")(datetime(2026, 1, 15, 2, 0, tzinfo=UTC).replace(tzinfo=None))


@pytest.mark.parametrize("bad", ["2am", "25:00", "12:60", "12"])
def test_a_malformed_overdue_time_is_refused_at_start(bad):
    with pytest.raises(RuntimeError, match="ORDERDESK_CANCEL_OVERDUE_AT"):
        daily_at(bad, "UTC")
