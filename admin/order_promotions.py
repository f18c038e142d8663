"""Coupons, promotions and special discounts on one order (SPEC §7)."""
from __future__ import annotations


class OrderPromotionsMixin:
    """Mixed into the order view."""
