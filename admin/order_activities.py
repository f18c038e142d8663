"""Notes, attachments, calendar events and emails on one order (SPEC §6)."""
from __future__ import annotations


class OrderActivitiesMixin:
    """Mixed into the order view."""
