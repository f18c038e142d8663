"""Webhooks through the real job queue: a bulk job run by a `flask --app app worker` process
writes its orders' events with each chunk, queues their delivery after the chunk's commit,
and the same worker sends them to a real receiver, retrying on its own schedule."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models import WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.conftest import login
from tests.functional.job_worker import (
    WorkerProcess,
    job_id_from,
    shared_queue,
    wait_for,
    wait_until_finished,
    web_app,
)
from tests.webhook_receiver import webhook_receiver


def test_orders_closed_by_a_worker_reach_the_receiver_after_a_refused_first_try(
    clean_db: Engine, database_url: str, session: Session, tmp_path: Path
) -> None:
    with shared_queue("sqlite", tmp_path, lambda: "") as queue, webhook_receiver() as receiver:
        # Given two open orders, an endpoint for status changes on a receiver that refuses
        # its first request, and a worker allowed to reach 127.0.0.1, retrying after 1 s
        web = web_app(database_url, queue)
        shop = {**factories.make_users(session), **factories.make_catalog(session)}
        orders = [factories.make_order(session, shop, actor=shop["manager"]) for _ in range(2)]
        receiver.secret, receiver.answers = "whsec_worker", [500]
        session.add(
            WebhookEndpoint(url=receiver.url, secret=receiver.secret, events=["order.status_changed"])
        )
        session.commit()
        client = web.test_client()
        assert login(client, "manager@example.com").status_code == 302
        worker = WorkerProcess(database_url, queue, tmp_path / "worker.log", chunk=500)
        worker.env.update(ORDERDESK_WEBHOOKS_ALLOW_PRIVATE="1", ORDERDESK_WEBHOOK_RETRY_DELAYS="1")
        worker.start()
        try:
            # When the manager closes both from the grid (a status-only move, one UPDATE)
            response = client.post(
                "/admin/orders/action/", data={"action": "close", "rowid": [str(o.id) for o in orders]}
            )
            wait_until_finished(client, job_id_from(response), worker)

            # Then the receiver gets both status changes, signed, one of them after a retry
            def delivered() -> list[WebhookDelivery]:
                session.expire_all()
                found = list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
                return found if found and all(d.state == "delivered" for d in found) else []

            deliveries = wait_for(
                delivered, timeout=60, what="the deliveries were not delivered", worker=worker
            )
        finally:
            worker.stop()

        assert len(deliveries) == 2 and sorted(d.attempts for d in deliveries) == [1, 2]
        assert len(receiver.received) == 3 and all(r.signature_ok for r in receiver.received)
        bodies = {json.loads(r.body)["order"]["id"]: json.loads(r.body) for r in receiver.received}
        assert sorted(bodies) == sorted(o.id for o in orders)
        assert {b["data"]["transition"] for b in bodies.values()} == {"close"}
        assert {b["actor_id"] for b in bodies.values()} == {shop["manager"].id}
