"""System > Webhooks (administrators): the endpoints, their secret shown once (at creation
and at each Roll secret, which keeps the previous one valid for a grace period), and each
endpoint's delivery log with Re-deliver."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_login import current_user
from sqlalchemy import select

from actions.errors import DomainError
from actions.webhook_delivery import delivery_log, get_delivery, may_redeliver, redeliver
from actions.webhook_secrets import (
    DEFAULT_GRACE,
    GRACE_PERIODS,
    expire_previous_webhook_secret,
    parse_grace,
    previous_secret_valid,
    roll_webhook_secret,
)
from actions.webhooks import (
    EVENTS,
    WEBHOOK_PERMISSION,
    EndpointData,
    NewSecret,
    create_webhook_endpoint,
    delete_webhook_endpoint,
    update_webhook_endpoint,
)
from admin.base import current_actor, login_redirect, parse_id, run_action, user_can
from admin.settings import webhooks_allow_private
from models import WebhookEndpoint, db

DELIVERIES_PER_PAGE = 25
STATE_LABELS = {"pending": "Waiting", "delivered": "Delivered", "failed": "Failed"}


def _form_data() -> EndpointData:
    return EndpointData(
        url=request.form.get("url", ""),
        events=request.form.getlist("events"),
        active=request.form.get("active") == "1",
    )


class WebhooksView(BaseView):
    def is_accessible(self) -> bool:
        return user_can(WEBHOOK_PERMISSION)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_redirect()
        flash("You do not have permission to open this page.", "error")
        return redirect(url_for("admin.index"))

    def _endpoint_or_404(self, endpoint_id: int) -> WebhookEndpoint:
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None:
            abort(404)
        return endpoint

    def _form(self, endpoint: WebhookEndpoint | None, data: EndpointData) -> ResponseReturnValue:
        return self.render("webhooks/form.html", endpoint=endpoint, data=data, events=EVENTS, lean_page=True)

    def _secret_page(self, made: NewSecret, *, created: bool) -> ResponseReturnValue:
        """The secret, once: a page no cache keeps (nor the browser's back button)."""
        page = self.render(
            "webhooks/secret.html",
            endpoint=made.endpoint,
            secret=made.secret,
            created=created,
            previous_until=made.endpoint.previous_secret_expires_at
            if previous_secret_valid(made.endpoint)
            else None,
            lean_page=True,
        )
        response = make_response(page)
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/")
    def index(self) -> ResponseReturnValue:
        endpoints = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
        return self.render(
            "webhooks/list.html",
            endpoints=endpoints,
            events=EVENTS,
            previous_secret_valid=previous_secret_valid,
            lean_page=True,
        )

    @expose("/new/", methods=("GET", "POST"))
    def create(self) -> ResponseReturnValue:
        data = _form_data() if request.method == "POST" else EndpointData("", [], True)
        if request.method == "POST":
            outcome = run_action(
                lambda: create_webhook_endpoint(
                    db.session, data, actor=current_actor(), allow_private=webhooks_allow_private()
                )
            )
            if outcome.result is not None:
                return self._secret_page(outcome.result, created=True)
        return self._form(None, data)

    @expose("/<int:endpoint_id>/edit/", methods=("GET", "POST"))
    def edit(self, endpoint_id: int) -> ResponseReturnValue:
        endpoint = self._endpoint_or_404(endpoint_id)
        data = EndpointData(endpoint.url, endpoint.events, endpoint.active)
        if request.method == "POST":
            data = _form_data()
            if run_action(
                lambda: update_webhook_endpoint(
                    db.session, endpoint, data, actor=current_actor(), allow_private=webhooks_allow_private()
                ),
                done="The endpoint was saved.",
            ).ok:
                return redirect(url_for(".index"))
        return self._form(endpoint, data)

    @expose("/<int:endpoint_id>/roll/", methods=("GET", "POST"))
    def roll(self, endpoint_id: int) -> ResponseReturnValue:
        """Roll secret: choose how long the current secret stays valid, then see the new one."""
        endpoint = self._endpoint_or_404(endpoint_id)
        if request.method == "POST":
            outcome = run_action(
                lambda: roll_webhook_secret(
                    db.session,
                    endpoint,
                    actor=current_actor(),
                    grace=parse_grace(request.form.get("grace", "")),
                )
            )
            if outcome.result is not None:
                return self._secret_page(outcome.result, created=False)
        return self.render(
            "webhooks/roll.html",
            endpoint=endpoint,
            grace_periods=GRACE_PERIODS,
            default_grace=DEFAULT_GRACE,
            previous_valid=previous_secret_valid(endpoint),
            lean_page=True,
        )

    @expose("/<int:endpoint_id>/expire-previous", methods=("POST",))
    def expire_previous(self, endpoint_id: int) -> ResponseReturnValue:
        endpoint = self._endpoint_or_404(endpoint_id)
        run_action(
            lambda: expire_previous_webhook_secret(db.session, endpoint, actor=current_actor()),
            done="The previous secret has expired: deliveries are signed with the current secret only.",
        )
        return redirect(url_for(".index"))

    @expose("/<int:endpoint_id>/delete", methods=("POST",))
    def delete(self, endpoint_id: int) -> ResponseReturnValue:
        endpoint = self._endpoint_or_404(endpoint_id)
        url = endpoint.url
        run_action(
            lambda: delete_webhook_endpoint(db.session, endpoint, actor=current_actor()),
            done=f"The endpoint {url} was deleted, with its delivery log.",
        )
        return redirect(url_for(".index"))

    @expose("/<int:endpoint_id>/")
    def log(self, endpoint_id: int) -> ResponseReturnValue:
        """The deliveries, newest first, DELIVERIES_PER_PAGE at a time (?before=<id> for older)."""
        endpoint = self._endpoint_or_404(endpoint_id)
        before = parse_id(request.args.get("before"))
        deliveries = delivery_log(db.session, endpoint, before=before, limit=DELIVERIES_PER_PAGE + 1)
        older = deliveries[DELIVERIES_PER_PAGE - 1].id if len(deliveries) > DELIVERIES_PER_PAGE else None
        return self.render(
            "webhooks/log.html",
            endpoint=endpoint,
            deliveries=deliveries[:DELIVERIES_PER_PAGE],
            older_url=url_for(".log", endpoint_id=endpoint.id, before=older) if older else None,
            newest_url=url_for(".log", endpoint_id=endpoint.id) if before is not None else None,
            state_labels=STATE_LABELS,
            may_redeliver=may_redeliver,
            lean_page=True,
        )

    @expose("/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver", methods=("POST",))
    def redeliver(self, endpoint_id: int, delivery_id: int) -> ResponseReturnValue:
        endpoint = self._endpoint_or_404(endpoint_id)
        try:
            delivery = get_delivery(db.session, endpoint, delivery_id)
        except DomainError:
            abort(404)
        run_action(
            lambda: redeliver(db.session, delivery, actor=current_actor()),
            done=f"Delivery #{delivery_id} is queued again; this log shows each try.",
        )
        return redirect(url_for(".log", endpoint_id=endpoint.id))


def webhooks_view() -> WebhooksView:
    return WebhooksView(name="Webhooks", category="System", endpoint="webhooks", url="/admin/webhooks")
