"""Activities > Calendar Events, and the downloads of attachments and events."""
from __future__ import annotations

from admin.base import SecuredModelView


def activity_views() -> list[SecuredModelView]:
    return []
