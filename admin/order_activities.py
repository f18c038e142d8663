"""Notes, attachments, calendar events and emails on one order (SPEC §6).

Adding and changing activities needs edit_orders (admin, manager, sales; never viewer): the
order view's `manage_permission`, which its base view already enforces on every POST. Notes,
events and attachments are edited or deleted only by their author or an admin
(actions.activities.may_modify). Downloads need only view_orders, like the order page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from sqlalchemy import select

from actions.activities import (
    TIMELINE_KINDS,
    EventData,
    add_event,
    add_note,
    delete_event,
    delete_note,
    may_add_activities,
    may_modify,
    order_timeline,
    parse_kinds,
    update_event,
    update_note,
)
from actions.attachments import (
    ALLOWED_TYPES,
    add_attachment,
    delete_attachment,
    remove_stored_file,
    stored_path,
)
from actions.email_templates import TEMPLATES, render_email_template
from actions.errors import DomainError
from actions.mailer import EmailData, compose_email, default_recipient, send_email
from actions.mailer import retry_email as retry_email_action
from admin.activities import (
    ics_response,
    mail_settings,
    max_upload_mb,
    too_large,
    upload_dir,
)
from admin.base import commit_action, current_actor, parse_id
from models import Attachment, CalendarEvent, Email, Note, Order, db, utcnow


class OrderActivitiesMixin:
    """Mixed into the order view."""

    def create_blueprint(self, admin: Any) -> Any:
        blueprint = super().create_blueprint(admin)  # type: ignore[misc]
        blueprint.register_error_handler(413, too_large)
        return blueprint

    # ---- helpers ----
    def activity_timeline(self, order: Order) -> dict[str, Any]:
        """What the Activity section shows: the chosen kinds, newest first."""
        raw = request.args.get("activity", "all")
        kinds = parse_kinds(raw)
        current = raw if raw in TIMELINE_KINDS else "all"
        return {
            "items": order_timeline(db.session, order, kinds),
            "current": current,
            "kinds": TIMELINE_KINDS,
            "may_modify": lambda item: may_modify(current_actor(), item),
        }

    def _order(self, raw: str | None) -> Order:
        order = self.get_one(raw or "")  # type: ignore[attr-defined]
        if order is None:
            abort(404)
        return order

    def _item(self, model: type, raw: str | None) -> Any:
        item_id = parse_id(raw)
        item = db.session.get(model, item_id) if item_id is not None else None
        if item is None:
            abort(404)
        return item

    def _back(self, order_id: int, kind: str | None = None) -> Any:
        return redirect(url_for(".details_view", id=order_id, activity=kind) + "#section-activity")

    def _refuse_viewers(self, order_id: int) -> Any:
        if may_add_activities(current_actor()):
            return None
        flash("You do not have permission to perform this action.", "error")
        return redirect(url_for(".details_view", id=order_id))

    def _render(self, template: str, **kwargs: Any) -> Any:
        return self.render(template, **kwargs)  # type: ignore[attr-defined]

    # ---- notes ----
    @expose("/activities/note/", methods=("GET", "POST"))
    def note_view(self) -> Any:
        order = self._order(request.args.get("id"))
        refused = self._refuse_viewers(order.id)
        if refused is not None:
            return refused
        body = request.form.get("body", "")
        if request.method == "POST" and commit_action(
            lambda: add_note(db.session, order, body, actor=current_actor()), "The note was added."
        ):
            return self._back(order.id)
        return self._render("activities/note_form.html", order=order, note=None, body=body)

    @expose("/activities/note/edit/", methods=("GET", "POST"))
    def note_edit_view(self) -> Any:
        note = self._item(Note, request.args.get("note"))
        order = self._order(str(note.order_id))
        if not may_modify(current_actor(), note):
            flash("Only its author or an administrator may change this.", "error")
            return self._back(order.id)
        body = request.form.get("body", note.body)
        if request.method == "POST" and commit_action(
            lambda: update_note(db.session, note, body, actor=current_actor()), "The note was saved."
        ):
            return self._back(order.id)
        return self._render("activities/note_form.html", order=order, note=note, body=body)

    @expose("/activities/note/delete/", methods=("POST",))
    def note_delete_view(self) -> Any:
        note = self._item(Note, request.form.get("note"))
        order_id = note.order_id
        commit_action(lambda: delete_note(db.session, note, actor=current_actor()), "The note was deleted.")
        return self._back(order_id)

    # ---- attachments ----
    @expose("/activities/attachment/", methods=("GET", "POST"))
    def attachment_view(self) -> Any:
        order = self._order(request.args.get("id"))
        refused = self._refuse_viewers(order.id)
        if refused is not None:
            return refused
        comment = request.form.get("comment", "")
        if request.method == "POST":
            upload = request.files.get("file")

            def change() -> None:
                add_attachment(
                    db.session,
                    order,
                    filename=upload.filename if upload else None,
                    data=upload.read() if upload else b"",
                    comment=comment,
                    actor=current_actor(),
                    upload_dir=upload_dir(),
                    max_mb=max_upload_mb(),
                )

            if commit_action(change, "The file was attached."):
                return self._back(order.id)
        accept = ",".join(f".{ext}" for ext in ALLOWED_TYPES)
        return self._render(
            "activities/attachment_form.html",
            order=order,
            comment=comment,
            accept=accept,
            max_mb=max_upload_mb(),
        )

    @expose("/activities/attachment/download/")
    def attachment_download_view(self) -> Any:
        attachment = self._item(Attachment, request.args.get("attachment"))
        path = stored_path(upload_dir(), attachment)
        if not path.is_file():
            abort(404)
        response = send_file(
            path,
            mimetype=attachment.content_type,
            as_attachment=True,
            download_name=attachment.original_name,
            max_age=0,
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @expose("/activities/attachment/delete/", methods=("POST",))
    def attachment_delete_view(self) -> Any:
        attachment = self._item(Attachment, request.form.get("attachment"))
        order_id = attachment.order_id
        removed: list[Any] = []
        if commit_action(
            lambda: removed.append(
                delete_attachment(db.session, attachment, actor=current_actor(), upload_dir=upload_dir())
            ),
            "The attachment was deleted.",
        ):
            remove_stored_file(removed[0])
        return self._back(order_id)

    # ---- calendar events ----
    def _event_data(self) -> EventData:
        form = request.form
        return EventData(
            title=form.get("title", ""),
            description=form.get("description", ""),
            starts_at=form.get("starts_at", ""),
            ends_at=form.get("ends_at", ""),
            all_day=form.get("all_day") == "y",
        )

    @expose("/activities/event/", methods=("GET", "POST"))
    def event_view(self) -> Any:
        order = self._order(request.args.get("id"))
        refused = self._refuse_viewers(order.id)
        if refused is not None:
            return refused
        if request.method == "POST":
            data = self._event_data()
            if commit_action(
                lambda: add_event(db.session, order, data, actor=current_actor()), "The event was added."
            ):
                return self._back(order.id)
            values = request.form
        else:
            start = (utcnow() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
            values = {
                "starts_at": f"{start:%Y-%m-%dT%H:%M}",
                "ends_at": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}",
            }
        return self._render("activities/event_form.html", order=order, event=None, values=values)

    @expose("/activities/event/edit/", methods=("GET", "POST"))
    def event_edit_view(self) -> Any:
        event = self._item(CalendarEvent, request.args.get("event"))
        order = self._order(str(event.order_id))
        if not may_modify(current_actor(), event):
            flash("Only its author or an administrator may change this.", "error")
            return self._back(order.id)
        if request.method == "POST":
            data = self._event_data()
            if commit_action(
                lambda: update_event(db.session, event, data, actor=current_actor()), "The event was saved."
            ):
                return self._back(order.id)
            values: Any = request.form
        else:
            values = {
                "title": event.title,
                "description": event.description or "",
                "starts_at": f"{event.starts_at:%Y-%m-%dT%H:%M}",
                "ends_at": f"{event.ends_at:%Y-%m-%dT%H:%M}",
                "all_day": "y" if event.all_day else "",
            }
        return self._render("activities/event_form.html", order=order, event=event, values=values)

    @expose("/activities/event/delete/", methods=("POST",))
    def event_delete_view(self) -> Any:
        event = self._item(CalendarEvent, request.form.get("event"))
        order_id = event.order_id
        commit_action(
            lambda: delete_event(db.session, event, actor=current_actor()), "The event was deleted."
        )
        return self._back(order_id)

    @expose("/activities/event/ics/")
    def event_ics_view(self) -> Any:
        return ics_response(self._item(CalendarEvent, request.args.get("event")))

    # ---- emails ----
    @expose("/activities/email/", methods=("GET", "POST"))
    def email_view(self) -> Any:
        order = self._order(request.args.get("id"))
        refused = self._refuse_viewers(order.id)
        if refused is not None:
            return refused
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
        return self._render(
            "activities/email_form.html", order=order, values=values, files=files, templates=TEMPLATES
        )

    def _send(self, order: Order, values: dict[str, Any]) -> bool:
        data = EmailData(
            to=values["to"],
            cc=values["cc"],
            subject=values["subject"],
            body=values["body"],
            attachment_ids=values["attachments"],
        )
        try:
            email = compose_email(db.session, order, data, actor=current_actor())
            db.session.commit()  # kept as pending before the server is even contacted
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return False
        self._deliver(
            email,
            lambda: send_email(
                db.session,
                email,
                settings=mail_settings(),
                upload_dir=upload_dir(),
                reply_to=current_actor().email,
            ),
        )
        return True

    def _deliver(self, email: Email, attempt: Any) -> None:
        try:
            attempt()
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return
        if email.status == "sent":
            flash(f"The email was sent to {email.to}.", "success")
        else:
            flash(
                f"The email could not be sent: {email.error} It is kept on the order as "
                "failed; you can retry it.",
                "error",
            )

    @expose("/activities/email/retry/", methods=("POST",))
    def email_retry_view(self) -> Any:
        email = self._item(Email, request.form.get("email"))
        self._deliver(
            email,
            lambda: retry_email_action(
                db.session, email, actor=current_actor(), settings=mail_settings(), upload_dir=upload_dir()
            ),
        )
        return self._back(email.order_id, "email")
