"""The admin panel: Flask-Admin views wired over actions/, plus login and security."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user

from admin.auth import init_auth
from admin.base import user_can
from admin.calendar import calendar_views
from admin.catalog import catalog_views
from admin.customers import customer_views
from admin.dashboard import DashboardView
from admin.errors import init_errors
from admin.formatting import init_formatting
from admin.orders import OrderView
from admin.promotions import promotion_views
from admin.sales_documents import sales_document_views
from admin.security import init_security
from admin.system import system_views
from models import Order


def init_admin(app: Flask) -> Admin:
    init_security(app)
    init_auth(app)
    init_formatting(app)
    init_errors(app)
    app.jinja_env.globals["user_can"] = user_can
    app.jinja_env.globals["current_user"] = current_user
    admin = Admin(
        app,
        name="OrderDesk",
        theme=Bootstrap4Theme(fluid=True, base_template="admin/orderdesk_base.html"),
        index_view=DashboardView(name="Dashboard", url="/admin"),
    )
    admin.add_view(OrderView(Order, name="Orders", category="Sales", endpoint="orders"))
    for view in (
        sales_document_views()
        + promotion_views()
        + calendar_views()
        + customer_views()
        + catalog_views()
        + system_views()
    ):
        admin.add_view(view)
    return admin
