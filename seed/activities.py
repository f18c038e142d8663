"""Demo activities (SPEC §9): notes, attachments, calendar events and emails on some orders.

Built through the same actions as the order page. No mail server is needed: the emails go
through a stand-in transport that accepts or refuses them, so the demo shows both a sent
and a failed (retryable) email. Attachments are small generated PDF, PNG and TXT files
written to the configured storage.
"""

from __future__ import annotations

import random
import smtplib
import struct
import zlib
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.activities import EventData, add_event, add_note
from actions.attachments import add_attachment
from actions.email_templates import order_confirmation
from actions.mailer import EmailData, MailSettings, compose_email, default_recipient, send_email
from models import Order, User
from models.storage import Storage
from seed.reference import DEMO_LOGINS

# How many of the first orders get activities.
ACTIVITY_ORDERS = 12
NOTES = (
    "Customer called: please deliver to the loading dock, not the front office.",
    "Confirmed pricing with purchasing; the PO follows by email.",
    "Credit check passed <ok> — release when stock arrives.",
    "Asked for a split shipment; waiting for the customer's answer.",
    "Warehouse says two items are back-ordered until next week.",
)
EVENTS = (
    "Delivery call with the customer",
    "Follow-up on the quote",
    "Warehouse pick slot",
    "Payment reminder",
)
DEMO_SETTINGS = MailSettings(server="demo.invalid", port=25, sender="OrderDesk <orders@orderdesk.test>")


def _pdf(title: str) -> bytes:
    text = title.replace("(", "").replace(")", "").replace("\\", "")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _png(rng: random.Random, size: int = 16) -> bytes:
    colour = bytes(rng.randrange(256) for _ in range(3))
    raw = b"".join(b"\x00" + colour * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _accept(message: EmailMessage, settings: MailSettings) -> dict[str, tuple[int, bytes]]:
    return {}


def _refuse(message: EmailMessage, settings: MailSettings) -> dict[str, tuple[int, bytes]]:
    raise smtplib.SMTPRecipientsRefused({str(message["To"]): (550, b"5.1.1 Mailbox unavailable")})


def add_demo_activities(
    session: Session, order_ids: list[int], *, seed: int, now: datetime, storage: Storage
) -> int:
    """Add activities to the first orders, their files in `storage`; return how many were added."""
    if not order_ids:
        return 0
    rng = random.Random(f"orderdesk-activities-{seed}")
    emails = [login.email for login in DEMO_LOGINS if login.role in ("admin", "manager", "sales")]
    actors = session.scalars(select(User).where(User.email.in_(emails)).order_by(User.id)).all()
    if not actors:
        return 0
    added = 0
    for position, order_id in enumerate(order_ids[:ACTIVITY_ORDERS]):
        order = session.get(Order, order_id)
        if order is None:
            continue
        actor = actors[position % len(actors)]
        created = session.scalar(select(Order.created_at).where(Order.id == order_id))
        start = min(created or now, now - timedelta(days=1))
        made = []
        note = add_note(session, order, NOTES[position % len(NOTES)], actor=actor)
        made.append(note)
        if position % 2 == 0:
            made.append(
                add_attachment(
                    session,
                    order,
                    filename=f"PO-{order.identifier}.pdf",
                    data=_pdf(f"Purchase order for {order.identifier}"),
                    comment="Signed purchase order",
                    actor=actor,
                    storage=storage,
                )
            )
        if position % 3 == 0:
            made.append(
                add_attachment(
                    session,
                    order,
                    filename="pallet-label.png",
                    data=_png(rng),
                    comment=None,
                    actor=actor,
                    storage=storage,
                )
            )
        if position % 4 == 1:
            made.append(
                add_attachment(
                    session,
                    order,
                    filename="delivery-instructions.txt",
                    data=f"Deliver {order.identifier} between 8:00 and 16:00.\n".encode(),
                    comment="From the customer's email",
                    actor=actor,
                    storage=storage,
                )
            )
        if position % 2 == 1:
            day = (now + timedelta(days=rng.randint(1, 20))).replace(
                hour=rng.choice((9, 10, 14, 15)), minute=0, second=0, microsecond=0
            )
            all_day = position % 5 == 0
            made.append(
                add_event(
                    session,
                    order,
                    EventData(
                        title=EVENTS[position % len(EVENTS)],
                        starts_at=day,
                        ends_at=day + timedelta(hours=0 if all_day else 1),
                        all_day=all_day,
                        description="Set up from the demo data.",
                    ),
                    actor=actor,
                )
            )
        if position % 3 != 2 and order.customer_user is not None:
            subject, body = order_confirmation(session, order, sender=actor)
            email = compose_email(
                session,
                order,
                EmailData(
                    to=default_recipient(order),
                    subject=subject,
                    body=body,
                    attachment_ids=[made[1].id] if position % 2 == 0 else [],
                ),
                actor=actor,
            )
            send_email(
                session,
                email,
                settings=DEMO_SETTINGS,
                storage=storage,
                reply_to=actor.email,
                transport=_refuse if position % 6 == 4 else _accept,
            )
            made.append(email)
        for offset, item in enumerate(made, 1):  # after the order, an hour apart
            when = start + timedelta(hours=offset * rng.randint(1, 5))
            item.created_at = min(when, now)
            if getattr(item, "sent_at", None) is not None:
                item.sent_at = item.created_at
        added += len(made)
    session.flush()
    return added
