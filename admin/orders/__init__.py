"""Sales > Orders: one Flask-Admin view at /admin/orders/, assembled from one class per concern.

Each part derives from OrderViewBase (admin/orders/base.py) and is named like the actions/
module it adapts:

- grid.py        the grid: columns, filters (filters.py), search, capped count, CSV export
                 (streamed by export.py)
- grid_views.py  the Views menu: saved and system views, the default view
- page.py        the order page: sections, Activity timeline, Change History
- editing.py     Create Order, Edit, Delete, Re-order (form in forms.py, pickers in lookups.py,
                 live totals in totals_preview.py)
- lifecycle.py   transitions on one order, on a selection, on everything a filter matches
- shipping.py    Mark as Shipped (whole or partial) and Shipping Tracking
- discounts.py   Add Coupon Code, Add Special Discount, applied promotions
- activities.py  notes, attachments, calendar events, emails
- documents.py   Invoice and Packing Slip as PDF, for one order or a grid selection
"""

from __future__ import annotations

from admin.orders.activities import OrderActivitiesView
from admin.orders.discounts import OrderDiscountsView
from admin.orders.documents import OrderDocumentsView
from admin.orders.editing import OrderEditingView
from admin.orders.grid import OrderGridView
from admin.orders.grid_views import OrderGridViewsView
from admin.orders.lifecycle import OrderLifecycleView
from admin.orders.lookups import OrderLookupsView
from admin.orders.page import OrderPageView
from admin.orders.shipping import OrderShippingView
from admin.orders.totals_preview import OrderTotalsPreviewView


class OrderView(
    OrderGridViewsView,  # before the grid: the Views menu's statement reads the grid's count
    OrderGridView,
    OrderPageView,
    OrderEditingView,
    OrderLookupsView,
    OrderTotalsPreviewView,
    OrderLifecycleView,
    OrderShippingView,
    OrderDiscountsView,
    OrderActivitiesView,
    OrderDocumentsView,
):
    """The whole order view; its parts share the endpoint 'orders' and its URLs."""

    json_endpoints = frozenset(
        {"lookup_shipping", "inline_customer", "inline_customer_user", "totals_preview"}
    )
    reader_posts = frozenset({"grid_view_save", "grid_view_rename", "grid_view_delete", "grid_view_default"})
