"""/api/v1/orders/{id}/emails: the emails sent from an order, and Send Email as the panel's
form does it: the email is kept as pending with the job that sends it (one commit), then the
job is queued; the call does not wait for the mail server (202, follow the email or the job).
…/email-templates/ fills Send Email's templates for the order, as the form's "Apply template"
does."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from actions.email_jobs import queue_email, retry_email
from actions.email_templates import TEMPLATES, render_email_template
from actions.mailer import EmailData, default_recipient
from admin.api.activity_schemas import Email, EmailIn, EmailPage, EmailQueued, EmailTemplateList
from admin.api.auth import api_actor
from admin.api.common import PageArgs, api_blueprint, links, unit_of_work
from admin.api.links import activity_links, job_links
from admin.api.order_activities import activity_or_404, activity_page
from admin.api.orders import _document, _order_or_404, _viewer
from admin.jobs.views import hand_to_workers
from models import Email as EmailRow
from models import Job, db

blp = api_blueprint("api_order_emails", "/orders", "Emails sent from an order.")
# A queued email: the email (to see how its sending went, or retry it) and the job sending it.
QUEUED_LINKS = {
    **activity_links("email", "$response.body#/email/id", ("get",)),
    **job_links("$response.body#/job_id"),
}


def _queued(email: EmailRow, job: Job) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Hand the committed job to the workers (a queue out of reach loses nothing: the worker
    finds forgotten jobs) and answer 202 with where to follow it."""
    hand_to_workers(job.id)
    db.session.refresh(email)  # a job run at once (no worker) has changed it already
    body = {"email": email, "job_id": job.id, "job_url": url_for("api_jobs.Job", job_id=job.id)}
    location = url_for(".Email", order_id=email.order_id, email_id=email.id)
    return body, 202, {"Location": location}


@blp.route("/<int:order_id>/emails")
class Emails(MethodView):
    @blp.arguments(PageArgs, location="query", unknown=ma.RAISE)
    @blp.response(200, EmailPage)
    @links(200, **activity_links("email", "$response.body#/items/0/id", ("get",)))
    @_document(403, 404, 422)
    def get(self, args: dict[str, Any], order_id: int) -> dict[str, Any]:
        """The order's emails, newest first, with how their sending went."""
        return activity_page(EmailRow, order_id, args)

    @blp.arguments(EmailIn)
    @blp.response(202, EmailQueued)
    @links(202, **QUEUED_LINKS)
    @_document(403, 404, 422)
    def post(self, body: dict[str, Any], order_id: int) -> Any:
        """Send an email about the order (with some of its attachments): queued, then sent
        by the job worker, which tries again later when the mail server fails."""
        actor = api_actor()
        order = _order_or_404(order_id)
        data = EmailData(
            to=default_recipient(order) if body["to"] is None else body["to"],
            cc=body["cc"],
            subject=body["subject"],
            body=body["body"],
            attachment_ids=body["attachment_ids"],
        )
        job = unit_of_work(lambda: queue_email(db.session, order, data, actor=actor))
        return _queued(db.session.get(EmailRow, job.params["email_id"]), job)


@blp.route("/<int:order_id>/emails/<int:email_id>", endpoint="Email")
class EmailResource(MethodView):
    @blp.response(200, Email)
    @_document(403, 404)
    def get(self, order_id: int, email_id: int) -> EmailRow:
        """One email of the order: pending while queued, then sent or failed (with why)."""
        _viewer()
        return activity_or_404(EmailRow, order_id, email_id, "email")


@blp.route("/<int:order_id>/emails/<int:email_id>/retry", methods=["POST"])
@blp.response(202, EmailQueued)
@links(202, **QUEUED_LINKS)
@_document(403, 404, 409, 422)
def retry(order_id: int, email_id: int) -> Any:
    """Retry a failed email (or a pending one no job is sending) with a new job."""
    actor = api_actor()
    email = activity_or_404(EmailRow, order_id, email_id, "email")
    job = unit_of_work(lambda: retry_email(db.session, email, actor=actor))
    return _queued(email, job)


@blp.route("/<int:order_id>/email-templates/")
@blp.response(200, EmailTemplateList)
@_document(403, 404)
def email_templates(order_id: int) -> dict[str, Any]:
    """The email templates filled for this order and signed by the caller, to send as they
    are or edited (POST the subject and body to the order's emails)."""
    actor = _viewer()
    order = _order_or_404(order_id)
    items = []
    for name, label in TEMPLATES.items():
        subject, body = render_email_template(db.session, name, order, sender=actor)
        items.append({"name": name, "label": label, "subject": subject, "body": body})
    return {"items": items}
