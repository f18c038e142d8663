"""Marketing > Promotions and Coupons."""
from __future__ import annotations

from admin.base import SecuredModelView


def promotion_views() -> list[SecuredModelView]:
    return []
