"""Roll secret (System > Webhooks): an endpoint gets a new secret while the one it replaces
stays valid for a grace period, so a receiver can change over without refusing deliveries.

While both are valid, each delivery's X-OrderDesk-Signature carries a `v1=` for each, the
new one first; after the grace period only the new one. Rolling again during a grace
period ends the older secret at once: at most two secrets are valid at a time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from actions.errors import DomainError, ValidationFailed
from actions.permissions import require_permission
from actions.webhooks import WEBHOOK_PERMISSION, NewSecret, new_secret
from models import User, WebhookEndpoint, utcnow

# The grace periods the panel offers (Stripe's model); 24 hours unless chosen otherwise.
GRACE_PERIODS = {
    timedelta(0): "Expire now",
    timedelta(hours=1): "1 hour",
    timedelta(hours=24): "24 hours",
    timedelta(days=3): "3 days",
    timedelta(days=7): "7 days",
}
DEFAULT_GRACE = timedelta(hours=24)
MAX_GRACE = timedelta(days=7)
NO_PREVIOUS = "This endpoint has no previous secret still valid."


def parse_grace(text: str) -> timedelta:
    """A grace period from a form's number of seconds.

    Raises: ValidationFailed unless it is a whole number of seconds from 0 to MAX_GRACE.
    """
    seconds = int(text) if text.isdigit() and len(text) <= 9 else -1
    grace = timedelta(seconds=seconds)
    if not timedelta(0) <= grace <= MAX_GRACE:
        raise ValidationFailed("Choose how long the previous secret stays valid.", field="grace")
    return grace


def previous_secret_valid(endpoint: WebhookEndpoint, *, now: datetime | None = None) -> bool:
    """Whether the secret the last roll replaced still signs deliveries."""
    expires_at = endpoint.previous_secret_expires_at
    return endpoint.previous_secret is not None and expires_at is not None and (now or utcnow()) < expires_at


def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime | None = None) -> list[str]:
    """The secrets a delivery is signed with now: the current one, then the previous one
    during its grace period."""
    previous = endpoint.previous_secret if previous_secret_valid(endpoint, now=now) else None
    return [endpoint.secret] + ([previous] if previous else [])


def roll_webhook_secret(
    session: Session,
    endpoint: WebhookEndpoint,
    *,
    actor: User,
    grace: timedelta = DEFAULT_GRACE,
    now: datetime | None = None,
) -> NewSecret:
    """Give the endpoint a new secret (shown once); the one it replaces keeps signing
    deliveries, beside the new one, for `grace` (none: it ends now).

    Raises: PermissionDenied; ValidationFailed for a grace period outside 0 to MAX_GRACE.
    """
    require_permission(actor, WEBHOOK_PERMISSION)
    if not timedelta(0) <= grace <= MAX_GRACE:
        raise ValidationFailed("Choose how long the previous secret stays valid.", field="grace")
    now = now or utcnow()
    if grace:
        endpoint.previous_secret, endpoint.previous_secret_expires_at = endpoint.secret, now + grace
    else:
        endpoint.previous_secret, endpoint.previous_secret_expires_at = None, None
    endpoint.secret = new_secret()
    session.flush()
    return NewSecret(endpoint, endpoint.secret)


def expire_previous_webhook_secret(
    session: Session, endpoint: WebhookEndpoint, *, actor: User, now: datetime | None = None
) -> WebhookEndpoint:
    """End the previous secret's grace period now: deliveries are signed with the current
    secret only (the receiver has changed over).

    Raises: PermissionDenied; DomainError when no previous secret is still valid.
    """
    require_permission(actor, WEBHOOK_PERMISSION)
    if not previous_secret_valid(endpoint, now=now):
        raise DomainError(NO_PREVIOUS)
    endpoint.previous_secret, endpoint.previous_secret_expires_at = None, None
    session.flush()
    return endpoint
