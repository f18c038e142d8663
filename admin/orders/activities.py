"""Notes, attachments, calendar events and emails on one order (SPEC §6).

Adding activities needs edit_orders (admin, manager, sales; never viewer), which the base
view enforces on every POST; notes, events and attachments are changed or deleted only by
their author or an admin (actions.activities.may_modify). Downloads need only view_orders.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from sqlalchemy import select
from werkzeug.wrappers import Response

from actions.activities import (
    EventData,
    add_event,
    add_note,
    delete_event,
    delete_note,
    may_add_activities,
    may_modify,
    update_event,
    update_note,
)
from actions.attachments import ALLOWED_TYPES, add_attachment, delete_attachment, open_attachment
from actions.email_jobs import active_email_job, queue_email
from actions.email_jobs import retry_email as retry_email_action
from actions.email_templates import TEMPLATES, render_email_template
from actions.errors import DomainError
from actions.mailer import EmailData, default_recipient
from admin.base import current_actor, parse_id, run_action
from admin.calendar import ics_response
from admin.downloads import attachment_download
from admin.jobs.queue import job_queue
from admin.jobs.views import note_job_started
from admin.orders.base import OrderViewBase
from admin.settings import max_upload_mb, storage
from admin.timeformat import reader_zone
from models import Attachment, CalendarEvent, Email, Job, Note, Order, db, utcnow

log = logging.getLogger(__name__)

REFUSED = "You do not have permission to perform this action."
NOT_YOURS = "Only its author or an administrator may change this."
EMAIL_QUEUED = "The email is queued; the timeline shows when it is sent."
EMAIL_QUEUED_AGAIN = "The email is queued again; the timeline shows when it is sent."


def too_large(error: Exception) -> Response:
    """An upload far above the limit is cut off before the view runs: explain it."""
    order_id = parse_id(request.args.get("id", ""))
    if request.endpoint == "orders.attachment_view" and order_id is not None:
        flash(f"The file is too large: at most {max_upload_mb()} MB.", "error")
        return redirect(url_for("orders.attachment_view", id=order_id))
    flash("What was sent is too large; nothing was saved.", "error")
    if order_id is None:
        return redirect(url_for("orders.index_view"))
    return redirect(url_for("orders.details_view", id=order_id))


def _item(model: type[Any], raw: str | None) -> Any:
    """The note, event, attachment or email a request names, or the 404 page."""
    item_id = parse_id(raw)
    item = db.session.get(model, item_id) if item_id is not None else None
    if item is None:
        abort(404)
    return item


def _posted_event() -> EventData:
    form = request.form
    return EventData(
        title=form.get("title", ""),
        description=form.get("description", ""),
        starts_at=form.get("starts_at", ""),
        ends_at=form.get("ends_at", ""),
        all_day=form.get("all_day") == "y",
        zone=reader_zone(),
    )


def _local_input(moment: datetime, *, all_day: bool = False) -> str:
    """A stored moment as a datetime-local value in the reader's zone (all-day: its date)."""
    return f"{moment if all_day else moment.astimezone(reader_zone()):%Y-%m-%dT%H:%M}"


def _event_values(event: CalendarEvent) -> dict[str, str]:
    return {
        "title": event.title,
        "description": event.description or "",
        "starts_at": _local_input(event.starts_at, all_day=event.all_day),
        "ends_at": _local_input(event.ends_at, all_day=event.all_day),
        "all_day": "y" if event.all_day else "",
    }


class OrderActivitiesView(OrderViewBase):
    def create_blueprint(self, admin: Any) -> Any:
        blueprint = super().create_blueprint(admin)
        blueprint.register_error_handler(413, too_large)
        return blueprint

    def _activity_order(self, raw_id: str | None) -> Order | Response:
        """The order to add an activity to, or the way back when the user may not add one."""
        order = self.get_order_or_404(raw_id)
        if not may_add_activities(current_actor()):
            flash(REFUSED, "error")
            return self.back_to_order(order.id)
        return order

    def _own_item(self, model: type[Any], raw: str | None) -> tuple[Any, Order | Response]:
        """An activity the user may change, with its order; or the way back with the reason."""
        item = _item(model, raw)
        order = self.get_order_or_404(item.order_id)
        if not may_modify(current_actor(), item):
            flash(NOT_YOURS, "error")
            return item, self._back(order.id)
        return item, order

    def _back(self, order_id: int, kind: str | None = None) -> Response:
        return self.back_to_order(order_id, section="section-activity", activity=kind)

    # ---- notes ----
    @expose("/activities/note/", methods=("GET", "POST"))
    def note_view(self) -> Any:
        order = self._activity_order(request.args.get("id"))
        if not isinstance(order, Order):
            return order
        body = request.form.get("body", "")
        if request.method == "POST":
            if run_action(
                lambda: add_note(db.session, order, body, actor=current_actor()), done="The note was added."
            ).ok:
                return self._back(order.id)
        return self.render("orders/note_form.html", order=order, note=None, body=body)

    @expose("/activities/note/edit/", methods=("GET", "POST"))
    def note_edit_view(self) -> Any:
        note, order = self._own_item(Note, request.args.get("note"))
        if not isinstance(order, Order):
            return order
        body = request.form.get("body", note.body)
        if request.method == "POST":
            if run_action(
                lambda: update_note(db.session, note, body, actor=current_actor()), done="The note was saved."
            ).ok:
                return self._back(order.id)
        return self.render("orders/note_form.html", order=order, note=note, body=body)

    @expose("/activities/note/delete/", methods=("POST",))
    def note_delete_view(self) -> Any:
        note = _item(Note, request.form.get("note"))
        order_id = note.order_id
        run_action(lambda: delete_note(db.session, note, actor=current_actor()), done="The note was deleted.")
        return self._back(order_id)

    # ---- attachments ----
    @expose("/activities/attachment/", methods=("GET", "POST"))
    def attachment_view(self) -> Any:
        order = self._activity_order(request.args.get("id"))
        if not isinstance(order, Order):
            return order
        comment = request.form.get("comment", "")
        if request.method == "POST":
            upload = request.files.get("file")
            outcome = run_action(
                lambda: add_attachment(
                    db.session,
                    order,
                    filename=upload.filename if upload else None,
                    data=upload.read() if upload else b"",
                    comment=comment,
                    actor=current_actor(),
                    storage=storage(),
                    max_mb=max_upload_mb(),
                ),
                done="The file was attached.",
            )
            if outcome.ok:
                return self._back(order.id)
        accept = ",".join(f".{ext}" for ext in ALLOWED_TYPES)
        return self.render(
            "orders/attachment_form.html", order=order, comment=comment, accept=accept, max_mb=max_upload_mb()
        )

    @expose("/activities/attachment/download/")
    def attachment_download_view(self) -> Any:
        attachment = _item(Attachment, request.args.get("attachment"))
        try:
            file = open_attachment(storage(), attachment)
        except DomainError as exc:
            flash(exc.message, "error")
            return self._back(attachment.order_id)
        return attachment_download(file, attachment)

    @expose("/activities/attachment/delete/", methods=("POST",))
    def attachment_delete_view(self) -> Any:
        attachment = _item(Attachment, request.form.get("attachment"))
        order_id = attachment.order_id
        outcome = run_action(
            lambda: delete_attachment(db.session, attachment, actor=current_actor()),
            done="The attachment was deleted.",
        )
        if outcome.result is not None:
            storage().delete(outcome.result)
        return self._back(order_id)

    # ---- calendar events ----
    @expose("/activities/event/", methods=("GET", "POST"))
    def event_view(self) -> Any:
        order = self._activity_order(request.args.get("id"))
        if not isinstance(order, Order):
            return order
        values: Any
        if request.method == "POST":
            data = _posted_event()
            if run_action(
                lambda: add_event(db.session, order, data, actor=current_actor()), done="The event was added."
            ).ok:
                return self._back(order.id)
            values = request.form
        else:
            start = (utcnow() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
            values = {
                "starts_at": _local_input(start),
                "ends_at": _local_input(start + timedelta(hours=1)),
            }
        return self.render(
            "orders/event_form.html", order=order, event=None, values=values, zone=reader_zone().key
        )

    @expose("/activities/event/edit/", methods=("GET", "POST"))
    def event_edit_view(self) -> Any:
        event, order = self._own_item(CalendarEvent, request.args.get("event"))
        if not isinstance(order, Order):
            return order
        values: Any = _event_values(event)
        if request.method == "POST":
            data = _posted_event()
            if run_action(
                lambda: update_event(db.session, event, data, actor=current_actor()),
                done="The event was saved.",
            ).ok:
                return self._back(order.id)
            values = request.form
        return self.render(
            "orders/event_form.html", order=order, event=event, values=values, zone=reader_zone().key
        )

    @expose("/activities/event/delete/", methods=("POST",))
    def event_delete_view(self) -> Any:
        event = _item(CalendarEvent, request.form.get("event"))
        order_id = event.order_id
        run_action(
            lambda: delete_event(db.session, event, actor=current_actor()), done="The event was deleted."
        )
        return self._back(order_id)

    @expose("/activities/event/ics/")
    def event_ics_view(self) -> Any:
        return ics_response(_item(CalendarEvent, request.args.get("event")))

    # ---- emails ----
    @expose("/activities/email/", methods=("GET", "POST"))
    def email_view(self) -> Any:
        order = self._activity_order(request.args.get("id"))
        if not isinstance(order, Order):
            return order
        form = request.form
        values: dict[str, Any] = {
            "to": default_recipient(order),
            "cc": "",
            "subject": "",
            "body": "",
            "template": "",
            "attachments": [],
        }
        if request.method == "POST":
            values.update(
                to=form.get("to", ""),
                cc=form.get("cc", ""),
                subject=form.get("subject", ""),
                body=form.get("body", ""),
                template=form.get("template", ""),
                attachments=[i for i in map(parse_id, form.getlist("attachments")) if i is not None],
            )
            if form.get("do") == "apply_template":
                try:
                    values["subject"], values["body"] = render_email_template(
                        db.session, values["template"], order, sender=current_actor()
                    )
                except DomainError as exc:
                    flash(exc.message, "error")
            elif self._send(order, values):
                return self._back(order.id, "email")
        files = db.session.scalars(
            select(Attachment).where(Attachment.order_id == order.id).order_by(Attachment.id)
        ).all()
        return self.render(
            "orders/email_form.html", order=order, values=values, files=files, templates=TEMPLATES
        )

    def _send(self, order: Order, values: dict[str, Any]) -> bool:
        """Keep the email as pending with the job that sends it (one commit), then queue the
        job: the request does not wait for the mail server."""
        data = EmailData(
            to=values["to"],
            cc=values["cc"],
            subject=values["subject"],
            body=values["body"],
            attachment_ids=values["attachments"],
        )
        outcome = run_action(lambda: queue_email(db.session, order, data, actor=current_actor()))
        if outcome.result is None:
            return False
        _queue(outcome.result, EMAIL_QUEUED)
        return True

    @expose("/activities/email/retry/", methods=("POST",))
    def email_retry_view(self) -> Any:
        email = _item(Email, request.form.get("email"))
        outcome = run_action(lambda: retry_email_action(db.session, email, actor=current_actor()))
        if outcome.result is not None:
            _queue(outcome.result, EMAIL_QUEUED_AGAIN)
        return self._back(email.order_id, "email")

    def email_delivery(self, email: Email) -> EmailDelivery:
        """How the timeline shows an email's delivery (the order page's template asks)."""
        job = active_email_job(db.session, email.id) if email.status != "sent" else None
        return EmailDelivery(email, job)


@dataclass(frozen=True)
class EmailDelivery:
    """An email as the timeline shows it: Queued (pending, a job is to send it), Sent,
    Failed, or Not sent (pending with no job: cancelled, or left from before the jobs)."""

    email: Email
    job: Job | None

    @property
    def label(self) -> str:
        if self.email.status == "pending":
            return "Queued" if self.job is not None else "Not sent"
        return "Sent" if self.email.status == "sent" else "Failed"

    @property
    def retryable(self) -> bool:
        """Retry is offered when no job is to send it and it was not sent."""
        return self.email.status != "sent" and self.job is None

    @property
    def next_try(self) -> str | None:
        """'Attempt 1 failed: <reason>; next try about 10:12 CET.' while it waits for a retry."""
        email, job = self.email, self.job
        if email.status != "pending" or not email.error or job is None:
            return None
        reason = email.error.rstrip(".")
        if job.state != "queued" or job.run_after is None:
            return f"Attempt {email.attempts} failed: {reason}; trying again now."
        at = job.run_after if job.run_after.tzinfo else job.run_after.replace(tzinfo=UTC)
        local = at.astimezone(reader_zone())
        return f"Attempt {email.attempts} failed: {reason}; next try about {local:%H:%M} {local.tzname()}."


def _queue(job: Job, message: str) -> None:
    """Hand a committed email job to the worker. A queue out of reach loses nothing: the job
    is in the database, and the worker queues forgotten jobs again within minutes."""
    try:
        job_queue().enqueue(job.id)
    except Exception:
        log.exception("Email job %s was kept but could not be queued; the worker will find it", job.id)
    note_job_started()
    flash(message, "success")
