"""The admin panel: Flask-Admin views wired over actions/, plus login and security."""

from __future__ import annotations

from pathlib import Path

import flask_admin
from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

from admin.accessibility import init_accessibility
from admin.account import AccountView
from admin.account_tokens import ApiTokensView
from admin.api import init_api
from admin.auth import init_auth
from admin.base import user_can
from admin.calendar import calendar_views
from admin.catalog import catalog_views
from admin.customers import customer_views
from admin.dashboard import DashboardView
from admin.errors import init_errors
from admin.formatting import init_formatting
from admin.health import init_health
from admin.jobs.views import jobs_view, running_jobs
from admin.orders import OrderView
from admin.promotions import promotion_views
from admin.request_id import init_request_ids
from admin.sales_documents import sales_document_views
from admin.security import csp_nonce, init_security
from admin.sessions import init_sessions
from admin.system import system_views
from admin.url_ids import RecordIdConverter
from admin.webhooks import webhooks_view
from admin.weight import init_weight
from models import Order


def _reachable_flask_admin_templates(app: Flask) -> None:
    """Make Flask-Admin's own templates reachable as 'flask_admin/…', so that an override
    under templates/admin/ can reuse the original's macros and change only what it must."""
    theme = Path(flask_admin.__file__).parent / "templates" / "bootstrap4"
    app.jinja_loader = ChoiceLoader(
        [app.jinja_loader, PrefixLoader({"flask_admin": FileSystemLoader(str(theme))})]
    )


def init_admin(app: Flask) -> Admin:
    app.url_map.converters["int"] = RecordIdConverter  # before any route is added
    _reachable_flask_admin_templates(app)
    init_request_ids(app)  # first: its after_request hook runs last, on the final response
    init_security(app)
    init_weight(app)
    init_accessibility(app)  # after init_weight: its hook must run before compression
    init_sessions(app)
    init_auth(app)
    init_formatting(app)
    init_errors(app)
    init_health(app)
    app.jinja_env.globals["user_can"] = user_can
    app.jinja_env.globals["current_user"] = current_user
    app.jinja_env.globals["running_jobs"] = running_jobs
    admin = Admin(
        app,
        name="OrderDesk",
        theme=Bootstrap4Theme(fluid=True, base_template="admin/orderdesk_base.html"),
        index_view=DashboardView(name="Dashboard", url="/admin"),
        csp_nonce_generator=csp_nonce,
    )
    admin.add_view(OrderView(Order, name="Orders", category="Sales", endpoint="orders"))
    for view in (
        sales_document_views()
        + promotion_views()
        + calendar_views()
        + customer_views()
        + catalog_views()
        + system_views()
        + [webhooks_view(), jobs_view()]
    ):
        admin.add_view(view)
    admin.add_view(AccountView(name="Account", endpoint="account", url="/admin/account"))
    admin.add_view(
        ApiTokensView(name="API Tokens", endpoint="account_tokens", url="/admin/account/api-tokens")
    )
    init_api(app)
    return admin
