"""The landing page after login: a few figures about the orders."""

from __future__ import annotations

from flask_admin import expose

from actions.reports import dashboard_figures
from admin.base import SecuredIndexView
from models import db, utcnow


class DashboardView(SecuredIndexView):
    @expose("/")
    def index(self) -> str:
        figures = dashboard_figures(db.session, utcnow())
        return self.render("admin/dashboard.html", figures=figures)
