"""The application settings the admin views hand to actions (which never read Flask config)."""

from __future__ import annotations

from flask import current_app

from actions.mailer import MailSettings
from models.storage import Storage, open_storage


def storage() -> Storage:
    """Where attachments and job files live: ORDERDESK_STORAGE, by default the upload folder.

    Built per call from the settings (fsspec keeps the connection to a store for reuse).
    """
    config = current_app.config
    return open_storage(
        config.get("ORDERDESK_STORAGE") or str(config["ORDERDESK_UPLOAD_DIR"]),
        endpoint_url=config.get("ORDERDESK_S3_ENDPOINT_URL") or None,
    )


def max_upload_mb() -> int:
    return int(current_app.config["ORDERDESK_MAX_UPLOAD_MB"])


def default_currency() -> str:
    """The currency new orders and price look-ups start in (ORDERDESK_DEFAULT_CURRENCY)."""
    return str(current_app.config["ORDERDESK_DEFAULT_CURRENCY"])


def absolute_url(path: str) -> str:
    """A link to this site for use outside it, from ORDERDESK_BASE_URL (never the request's
    Host header)."""
    return str(current_app.config["ORDERDESK_BASE_URL"]) + path


def mail_settings() -> MailSettings:
    config = current_app.config
    return MailSettings(
        server=config["MAIL_SERVER"],
        port=int(config["MAIL_PORT"]),
        use_tls=bool(config.get("MAIL_USE_TLS")),
        username=config.get("MAIL_USERNAME") or None,
        password=config.get("MAIL_PASSWORD") or None,
        sender=config.get("MAIL_DEFAULT_SENDER") or "orderdesk@localhost",
        timeout=float(config.get("MAIL_TIMEOUT") or 30),
    )


def webhooks_allow_private() -> bool:
    """Whether webhooks may go to private and loopback addresses (tests and development)."""
    return bool(current_app.config["ORDERDESK_WEBHOOKS_ALLOW_PRIVATE"])


def seller() -> tuple[str, list[str]]:
    """The seller's name and address lines printed on documents (ORDERDESK_SELLER_NAME,
    ORDERDESK_SELLER_ADDRESS, its lines separated by newlines or a literal "\\n")."""
    config = current_app.config
    address = str(config.get("ORDERDESK_SELLER_ADDRESS") or "").replace("\\n", "\n")
    lines = [line.strip() for line in address.splitlines() if line.strip()]
    return str(config.get("ORDERDESK_SELLER_NAME") or "OrderDesk"), lines


def paper_size() -> str:
    """The documents' paper size, A4 or Letter (ORDERDESK_PAPER_SIZE, checked at start-up)."""
    return str(current_app.config.get("ORDERDESK_PAPER_SIZE") or "A4")
