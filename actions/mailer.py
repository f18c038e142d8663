"""Send Email on an order: check the addresses, keep a copy, send over SMTP, record the result.

The email is kept as pending first (committed with the job that sends it, see
actions/email_jobs.py); a send then records `sent` (with its Message-ID, headers and time) or
`failed` (with the server's reason). The SMTP settings come in as arguments (no Flask here).
"""

from __future__ import annotations

import logging
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.activities import ACTIVITY_PERMISSION
from actions.attachments import read_attachment
from actions.errors import ValidationFailed
from actions.permissions import require_permission
from models import Attachment, Email, Order, User, utcnow
from models.storage import Storage

MAX_SUBJECT_LENGTH = 255
MAX_RECIPIENTS = 50
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
ADDRESS = re.compile(rf"{_LOCAL}@{_DOMAIN}")
NAMED_ADDRESS = re.compile(rf'(?P<name>"[^"\r\n]*"|[^<>"\r\n,;@]*)\s*<(?P<addr>{_LOCAL}@{_DOMAIN})>')

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send: the MAIL_* configuration values."""

    server: str = "localhost"
    port: int = 25
    use_tls: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "OrderDesk <orderdesk@localhost>"
    timeout: float = 30.0


@dataclass
class EmailData:
    """What the Send Email form sends."""

    to: str
    subject: str
    body: str
    cc: str = ""
    attachment_ids: Sequence[int] = field(default_factory=list)


def parse_addresses(text: str | None, *, label: str = "To", required: bool = True) -> list[str]:
    """Split a list of addresses (commas or semicolons) and check each one.

    Raises: ValidationFailed naming the first invalid address, or when a required list is empty.
    """
    field_name = label.lower()
    parts = [p.strip() for p in re.split(r"[,;]", text or "") if p.strip()]
    if not parts:
        if required:
            raise ValidationFailed(f"{label}: enter at least one email address.", field=field_name)
        return []
    if len(parts) > MAX_RECIPIENTS:
        raise ValidationFailed(f"{label}: at most {MAX_RECIPIENTS} addresses.", field=field_name)
    addresses = []
    for part in parts:
        if ADDRESS.fullmatch(part):
            addresses.append(part)
            continue
        named = NAMED_ADDRESS.fullmatch(part)
        if named is None:
            raise ValidationFailed(f'{label}: "{part[:100]}" is not a valid email address.', field=field_name)
        addresses.append(formataddr((named["name"].strip().strip('"'), named["addr"])))
    return addresses


def default_recipient(order: Order) -> str:
    """The customer user's email, the default To of Send Email (empty when there is none)."""
    return order.customer_user.email if order.customer_user is not None else ""


def compose_email(session: Session, order: Order, data: EmailData, *, actor: User) -> Email:
    """Check an email and keep it on the order as pending (the caller commits, then sends).

    Raises: PermissionDenied; ValidationFailed (invalid address, no subject or body, an
    attachment that is not the order's).
    """
    require_permission(actor, ACTIVITY_PERMISSION)
    to = parse_addresses(data.to, label="To")
    cc = parse_addresses(data.cc, label="Cc", required=False)
    subject = " ".join((data.subject or "").split())
    if not subject:
        raise ValidationFailed("The email needs a subject.", field="subject")
    if len(subject) > MAX_SUBJECT_LENGTH:
        raise ValidationFailed(
            f"A subject can have at most {MAX_SUBJECT_LENGTH} characters.", field="subject"
        )
    body = (data.body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationFailed("The email has no text.", field="body")
    wanted = sorted({int(i) for i in data.attachment_ids})
    files = (
        session.scalars(
            select(Attachment)
            .where(Attachment.order_id == order.id, Attachment.id.in_(wanted))
            .order_by(Attachment.id)
        ).all()
        if wanted
        else []
    )
    if len(files) != len(wanted):
        raise ValidationFailed("Only this order's attachments can be sent with it.", field="attachments")
    email = Email(
        order_id=order.id,
        author_id=actor.id,
        to=", ".join(to),
        cc=", ".join(cc) or None,
        subject=subject,
        body=body + "\n",
        attachments=[{"id": f.id, "name": f.original_name} for f in files],
        status="pending",
        headers={},
        attempts=0,
    )
    session.add(email)
    session.flush()
    return email


def build_message(
    email: Email,
    *,
    sender: str,
    reply_to: str | None = None,
    order_number: str | None = None,
    files: Sequence[tuple[str, str, bytes]] = (),
    now: datetime | None = None,
) -> EmailMessage:
    """Build the MIME message of an email (files are (name, content type, bytes))."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    if email.cc:
        message["Cc"] = email.cc
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now or utcnow())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "orderdesk"
    message["Message-ID"] = make_msgid(domain=domain)
    if order_number:
        message["X-OrderDesk-Order"] = order_number
    message.set_content(email.body)
    for name, content_type, data in files:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def deliver(message: EmailMessage, settings: MailSettings) -> dict[str, tuple[int, bytes]]:
    """Hand a message to the SMTP server (STARTTLS and login when configured).

    Returns the recipients the server refused while accepting others.
    Raises: smtplib.SMTPException or OSError when nothing was accepted.
    """
    with smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout) as smtp:
        if settings.use_tls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        return smtp.send_message(message)


def failure_reason(exc: BaseException, settings: MailSettings) -> str:
    """Say in plain words why a send failed; the technical detail is for the log, not the user."""
    where = f"The mail server at {settings.server}:{settings.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"{where} refused every recipient ({', '.join(exc.recipients)})."
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"{where} refused the sender address {_text(exc.sender)}."
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"{where} refused the user name or password of the mail settings."
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        if "STARTTLS" in str(exc):
            return f"{where} does not offer a secure (TLS) connection, and the mail settings require one."
        return f"{where} does not offer a sign-in, and the mail settings have a user name."
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, TimeoutError):
        exc = exc.__context__  # smtplib reports a reply that never came as a disconnection
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection before the email was sent."
    if isinstance(exc, smtplib.SMTPResponseException):
        said = _ENHANCED_CODE.sub("", _text(exc.smtp_error)).strip().rstrip(".")
        return f"{where} refused the email" + (f": {said}." if said else ".")
    if isinstance(exc, smtplib.SMTPException):
        return f"{where} could not take the email."
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{where} has a certificate that could not be verified."
    if isinstance(exc, ssl.SSLError):
        return f"{where} refused a secure (TLS) connection."
    if isinstance(exc, TimeoutError):
        return f"{where} did not answer within {settings.timeout:g} seconds."
    if isinstance(exc, socket.gaierror):
        return f"The mail server name {settings.server} could not be found."
    return f"{where} did not answer."


_ENHANCED_CODE = re.compile(r"^\s*[245]\.\d{1,3}\.\d{1,3}\s+")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


Transport = Callable[[EmailMessage, MailSettings], dict[str, tuple[int, bytes]]]


def is_unsent(email: Email) -> bool:
    """Tell whether an email is still to be sent (pending, or failed and retryable)."""
    return email.status != "sent"


def send_email(
    session: Session,
    email: Email,
    *,
    settings: MailSettings,
    storage: Storage,
    reply_to: str | None = None,
    transport: Transport = deliver,
) -> Email:
    """Try to send a pending or failed email once and record what happened on it.

    A refused or unreachable server is not an exception: the email becomes `failed` with the
    reason. Raises: ValidationFailed when the email was already sent.
    """
    if not is_unsent(email):
        raise ValidationFailed("This email has already been sent.")
    order = session.get(Order, email.order_id)
    try:
        files = []
        for ref in email.attachments or []:
            attachment = session.get(Attachment, ref["id"])
            if attachment is None or attachment.order_id != email.order_id:
                raise ValidationFailed(f"The attachment {ref['name']} is no longer on the order.")
            files.append(
                (attachment.original_name, attachment.content_type, read_attachment(storage, attachment))
            )
    except ValidationFailed as exc:
        email.attempts = (email.attempts or 0) + 1
        email.status, email.error = "failed", exc.message
        session.flush()
        return email
    # Counted only now, after the reads: nothing is written while the server is being asked
    # (on SQLite a write would hold the database's lock for as long as the server takes).
    email.attempts = (email.attempts or 0) + 1
    now = utcnow()
    message = build_message(
        email,
        sender=settings.sender,
        reply_to=reply_to,
        order_number=order.identifier if order else None,
        files=files,
        now=now,
    )
    email.headers = {key: str(value) for key, value in message.items()}
    try:
        refused = transport(message, settings)
    except (smtplib.SMTPException, OSError) as exc:
        email.status, email.error = "failed", failure_reason(exc, settings)
        log.warning(
            "Email %s of order %s not sent through %s:%s (attempt %s): %s: %s",
            email.id,
            email.order_id,
            settings.server,
            settings.port,
            email.attempts,
            type(exc).__name__,
            exc,
        )
    else:
        email.status, email.sent_at = "sent", now
        email.message_id = str(message["Message-ID"])
        email.error = ("Some recipients were refused: " + ", ".join(sorted(refused))) if refused else None
    session.flush()
    return email
