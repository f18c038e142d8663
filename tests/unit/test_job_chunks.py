"""Bulk jobs in chunks (SPEC §10): each order through its own action, refusals written down
with their reason, the job's cursor and counts committed with the orders they cover."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from actions.bulk import parse_ids
from actions.errors import DomainError, InvalidTransition, PermissionDenied
from actions.job_chunks import run_bulk_chunk
from actions.jobs import (
    abandoned_jobs,
    cancel_job,
    claim_job,
    renew_claim,
    renew_heartbeat,
    skipped_items,
    stalled_jobs,
    start_bulk_job,
)
from models import AuditEntry, Job, Order, utcnow
from tests.factories import make_order, order_in_status


@pytest.fixture
def orders(session, catalog, users):
    made = [make_order(session, catalog, actor=users["sales"]) for _ in range(3)]
    session.commit()
    return made


def _order_ids(session) -> set[int]:
    return set(session.scalars(select(Order.id)))


def run_to_end(session, job: Job, *, size: int = 500) -> int:
    """Run chunks as a worker would, committing each; return how many chunks ran."""
    chunks = 0
    while run_bulk_chunk(session, job, size=size).more:
        session.commit()
        chunks += 1
    session.commit()
    return chunks


def test_deleting_a_mix_of_existing_and_missing_ids_reports_each(session, orders, users):
    # Given three orders; when a job deletes two of them and an unknown id
    first, second, kept = (o.id for o in orders)
    job = start_bulk_job(session, "delete", [first, 999, second], actor=users["manager"])
    session.commit()
    run_to_end(session, job)

    # Then the two are gone, the third stays, and the unknown id is reported
    assert _order_ids(session) == {kept}
    assert (job.state, job.total, job.done, job.skipped) == ("done", 3, 2, 1)
    assert [(i.skip_label, i.skip_reason) for i in skipped_items(session, job)] == [
        ("999", "Order id 999 no longer exists")
    ]


def test_a_job_works_in_chunks_and_each_chunk_moves_the_cursor(session, catalog, users):
    # Given seven open orders and a chunk size of three
    ids = [make_order(session, catalog, actor=users["sales"]).id for _ in range(7)]
    job = start_bulk_job(session, "cancel", ids, actor=users["manager"])
    session.commit()

    # When one chunk runs, then exactly three orders are cancelled and the cursor is at 3
    assert run_bulk_chunk(session, job, size=3).more
    session.commit()
    cancelled = session.scalar(select(func.count()).where(Order.internal_status == "cancelled"))
    assert (cancelled, job.cursor, job.done) == (3, 3, 3)

    # And the rest follows in two more chunks and an empty one that ends the job
    assert run_to_end(session, job, size=3) == 2
    assert (job.state, job.done, job.cursor) == ("done", 7, 7)


def test_a_chunk_rolled_back_is_done_again_and_no_order_twice(session, catalog, users):
    # Given a job of four orders whose second chunk is lost (a worker died before its commit)
    ids = [make_order(session, catalog, actor=users["sales"]).id for _ in range(4)]
    job = start_bulk_job(session, "cancel", ids, actor=users["manager"])
    session.commit()
    run_bulk_chunk(session, job, size=2)
    session.commit()
    run_bulk_chunk(session, job, size=2)
    session.rollback()

    # When the job is resumed
    run_to_end(session, job, size=2)

    # Then every order is cancelled once: one cancel audit row each, none skipped
    cancels = session.scalars(
        select(AuditEntry.entity_id).where(AuditEntry.entity_type == "Order", AuditEntry.action == "cancel")
    ).all()
    assert sorted(cancels) == sorted(ids)
    assert (job.done, job.skipped, job.state) == (4, 0, "done")


def test_a_refused_order_is_skipped_with_its_reason_and_the_others_go_on(session, catalog, users):
    first = make_order(session, catalog, actor=users["sales"])
    closed = order_in_status(session, catalog, "closed", actor=users["manager"])
    job = start_bulk_job(session, "cancel", [first.id, closed.id], actor=users["manager"])
    session.commit()
    run_to_end(session, job)
    assert (job.done, job.skipped) == (1, 1)
    (item,) = skipped_items(session, job)
    assert (item.skip_label, item.skip_reason) == (
        closed.identifier,
        f"Order {closed.identifier} cannot be cancelled because it is closed",
    )


def test_deleted_orders_keep_their_snapshots_in_the_audit(session, orders, users):
    first, second, _kept = orders
    numbers = sorted([first.identifier, second.identifier])
    job = start_bulk_job(session, "delete", [first.id, second.id], actor=users["admin"])
    session.commit()
    run_to_end(session, job)
    deletes = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "Order", AuditEntry.action == "delete")
    ).all()
    assert sorted(e.changes["identifier"] for e in deletes) == numbers
    assert all(e.actor_id == users["admin"].id for e in deletes)


@pytest.mark.parametrize("bad", ["abc", "1.5", "-1", "", "1 OR 1=1", "²", "1²"])
def test_an_id_that_is_not_a_number_refuses_the_whole_selection(bad):
    with pytest.raises(DomainError) as refused:
        parse_ids(["1", bad])
    assert "is not an order id; nothing was changed." in refused.value.message


@pytest.mark.parametrize("huge", ["9" * 30, "9" * 5000])
def test_an_id_too_large_for_the_database_is_refused(huge):
    # (5,000 digits: more than Python's int() reads, refused all the same)
    with pytest.raises(DomainError):
        parse_ids([huge])


def test_parse_ids_keeps_the_selection_order_and_drops_repeats():
    assert parse_ids(["3", "1", "3", " 2 "]) == [3, 1, 2]


@pytest.mark.parametrize("role", ["sales", "viewer"])
def test_an_actor_without_delete_orders_cannot_start_the_job(session, orders, users, role):
    with pytest.raises(PermissionDenied):
        start_bulk_job(session, "delete", [o.id for o in orders], actor=users[role])
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_an_unknown_operation_cannot_start_a_job(session, orders, users):
    with pytest.raises(InvalidTransition):
        start_bulk_job(session, "explode", [orders[0].id], actor=users["admin"])


def test_an_empty_selection_starts_no_job(session, users):
    with pytest.raises(DomainError, match="No order is selected"):
        start_bulk_job(session, "cancel", [], actor=users["manager"])


def test_duplicate_ids_are_written_down_once(session, orders, users):
    job = start_bulk_job(
        session, "delete", [orders[0].id, orders[0].id, orders[0].id], actor=users["manager"]
    )
    assert job.total == 1


def test_a_job_stops_when_its_owner_loses_the_permission(session, orders, users):
    # Given a delete job whose owner is made a sales user before it runs
    job = start_bulk_job(session, "delete", [o.id for o in orders], actor=users["manager"])
    users["manager"].role = "sales"
    session.commit()

    # When a chunk runs; then the whole chunk is refused and nothing is deleted
    with pytest.raises(PermissionDenied):
        run_bulk_chunk(session, job)
    session.rollback()
    assert _order_ids(session) == {o.id for o in orders}


def test_cancel_stops_after_the_chunk_in_flight_and_keeps_what_was_done(session, catalog, users):
    ids = [make_order(session, catalog, actor=users["sales"]).id for _ in range(4)]
    job = start_bulk_job(session, "cancel", ids, actor=users["manager"])
    session.commit()
    run_bulk_chunk(session, job, size=2)
    session.commit()

    cancel_job(session, job, actor=users["manager"])
    session.commit()
    run_to_end(session, job, size=2)

    assert (job.state, job.done) == ("cancelled", 2)
    assert session.scalar(select(func.count()).where(Order.internal_status == "open")) == 2


def test_a_queued_job_is_cancelled_at_once(session, orders, users):
    job = start_bulk_job(session, "cancel", [orders[0].id], actor=users["manager"])
    cancel_job(session, job, actor=users["manager"])
    assert job.state == "cancelled"


def test_someone_elses_job_cannot_be_cancelled_but_an_admin_can(session, orders, users):
    job = start_bulk_job(session, "cancel", [orders[0].id], actor=users["manager"])
    with pytest.raises(PermissionDenied):
        cancel_job(session, job, actor=users["sales"])
    cancel_job(session, job, actor=users["admin"])
    assert job.state == "cancelled"


def test_a_finished_job_cannot_be_cancelled(session, orders, users):
    job = start_bulk_job(session, "cancel", [orders[0].id], actor=users["manager"])
    session.commit()
    run_to_end(session, job)
    with pytest.raises(DomainError, match="already done"):
        cancel_job(session, job, actor=users["manager"])


def test_only_one_worker_claims_a_job_until_its_heartbeat_is_stale(session, orders, users):
    job = start_bulk_job(session, "cancel", [orders[0].id], actor=users["manager"])
    session.commit()
    now, stale = utcnow(), timedelta(seconds=60)

    # Given a worker holding the job
    assert claim_job(session, job.id, "first", now=now, stale_after=stale)
    # Then another cannot take it while the first one's heartbeat is fresh
    assert not claim_job(session, job.id, "second", now=now + timedelta(seconds=30), stale_after=stale)
    # But can once it is stale; then the first one has lost it
    assert claim_job(session, job.id, "second", now=now + timedelta(seconds=61), stale_after=stale)
    session.refresh(job)
    assert not renew_claim(session, job, "first", now=now + timedelta(seconds=62))
    assert renew_claim(session, job, "second", now=now + timedelta(seconds=62))


def test_a_heartbeat_moves_on_only_for_the_worker_holding_the_job_and_never_back(session, orders, users):
    job = start_bulk_job(session, "cancel", [orders[0].id], actor=users["manager"])
    session.commit()
    now = utcnow()
    claim_job(session, job.id, "first", now=now, stale_after=timedelta(seconds=20))

    assert renew_heartbeat(session, job.id, "first", now=now + timedelta(seconds=10))
    # A beat that waited for a lock and comes late keeps the later heartbeat
    assert renew_heartbeat(session, job.id, "first", now=now + timedelta(seconds=5))
    assert not renew_heartbeat(session, job.id, "second", now=now + timedelta(seconds=15))
    session.commit()
    session.refresh(job)
    assert job.heartbeat_at == now + timedelta(seconds=10)


def test_stalled_jobs_are_the_running_ones_whose_worker_is_silent_for_the_stale_time(session, orders, users):
    now, stale = utcnow(), timedelta(seconds=20)
    silent = start_bulk_job(session, "cancel", [orders[0].id], actor=users["manager"])
    beating = start_bulk_job(session, "cancel", [orders[1].id], actor=users["manager"])
    late_queued = start_bulk_job(session, "cancel", [orders[2].id], actor=users["manager"])
    late_queued.created_at = now - timedelta(minutes=5)
    session.commit()
    claim_job(session, silent.id, "died", now=now - timedelta(seconds=21), stale_after=stale)
    claim_job(session, beating.id, "alive", now=now - timedelta(seconds=19), stale_after=stale)
    session.commit()
    assert stalled_jobs(session, now=now, stale_after=stale) == [silent.id]


def test_abandoned_jobs_are_the_late_queued_ones_and_the_silent_running_ones(session, orders, users):
    now, stale = utcnow(), timedelta(seconds=60)
    queued = start_bulk_job(session, "cancel", [orders[0].id], actor=users["manager"])
    running = start_bulk_job(session, "cancel", [orders[1].id], actor=users["manager"])
    fresh = start_bulk_job(session, "cancel", [orders[2].id], actor=users["manager"])
    queued.created_at = now - timedelta(minutes=5)
    session.commit()
    claim_job(session, running.id, "w", now=now - timedelta(minutes=5), stale_after=stale)
    session.commit()
    assert set(abandoned_jobs(session, now=now, stale_after=stale)) == {queued.id, running.id}
    assert fresh.id not in abandoned_jobs(session, now=now, stale_after=stale)
