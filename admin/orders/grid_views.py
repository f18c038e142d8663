"""The order grid's Views menu: open a system or saved view, save the grid as a view, rename,
delete, and pick the view the grid opens with (actions/grid_views.py holds the rules)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import flash, redirect, request, session, url_for
from flask_admin import expose
from sqlalchemy import ScalarSelect
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from actions.errors import DomainError
from actions.grid_queries import resolve_view_query, same_query, saved_query
from actions.grid_views import (
    SystemView,
    VisibleViews,
    delete_grid_view,
    get_grid_view,
    may_delete_view,
    may_share_views,
    rename_grid_view,
    save_grid_view,
    set_default_view,
    share_grid_view,
    system_view,
    visible_views,
)
from actions.permissions import join_words
from admin.base import current_actor, parse_id, run_action
from admin.capped_grid import capped_count
from admin.orders.base import OrderViewBase
from admin.orders.grid import COLUMNS_KEY, SORTABLE_COLUMNS
from models import GridView, Order, db

GRID = "orders"
VIEWS_KEY = "orderdesk.order_grid_views"


class OrderGridViewsView(OrderViewBase):
    @expose("/")
    def index_view(self) -> Any:
        """The grid; opened bare (no query) from elsewhere, it shows the person's default view.
        Bare from the grid itself (its pager, "Reset filters"), it stays bare."""
        if not request.args and not self._from_the_grid():
            # Read with the bare grid's count, which its page needs when the default is "all".
            _none, every_order = self.get_list(None, None, False, None, [], execute=False)
            count = capped_count(every_order.with_entities(Order.id), self.count_cap + 1)
            key = self._visible_views(along=count).default_key
            if key != "all":
                return self.grid_view_open(key)
        return super().index_view()

    @staticmethod
    def _visible_views(along: ScalarSelect[int] | None = None) -> VisibleViews:
        """The person's views, read once per request (the bare grid reads its default, then
        renders the menu), with `along` when they are read first."""
        if VIEWS_KEY not in request.environ:
            request.environ[VIEWS_KEY] = visible_views(db.session, current_actor(), grid=GRID, along=along)
        return request.environ[VIEWS_KEY]

    def count_matches(self, ids: Any, cap: int) -> int:
        """Read in the Views menu's statement: one statement fewer a page. A bare grid has read
        the menu with this count already; a menu read without one leaves it to a statement of
        its own."""
        counted = self._visible_views(along=capped_count(ids, cap)).along
        return counted if counted is not None else super().count_matches(ids, cap)

    def _from_the_grid(self) -> bool:
        referrer = urlsplit(request.referrer or "")
        return referrer.netloc == request.host and referrer.path == url_for(".index_view")

    @expose("/views/<key>/")
    def grid_view_open(self, key: str) -> Response:
        """Open a system view ("all", "open") or a saved one (its id): its columns for the
        session, its query in the URL; whatever of it the grid no longer knows is named."""
        found = system_view(GRID, key)
        view: GridView | None = None
        if found is None:
            view_id = parse_id(key)
            try:
                if view_id is None:
                    raise DomainError("That view no longer exists or is not shared with you.")
                view = get_grid_view(db.session, view_id, grid=GRID, actor=current_actor())
            except DomainError as exc:
                flash(exc.message, "error")
                return redirect(url_for(".index_view", view="all"))
        if view is not None:
            shown = self.keep_columns(view.columns)
            query, name = view.query, view.name
        else:
            session.pop(COLUMNS_KEY, None)
            shown = []
            assert found is not None
            query, name = [list(pair) for pair in found.query], found.name
        columns = [column for column, _label in self._list_columns] if not shown else shown
        resolved = resolve_view_query(
            query, filters=set(self._filter_args or ()), columns=columns, sortable=SORTABLE_COLUMNS
        )
        if resolved.dropped:
            missing = join_words(resolved.dropped)
            flash(f"“{name}” opened without {missing}: no longer on this grid.", "warning")
        # ?view= names the view opened, should another one share its query (columns aside)
        args = MultiDict([*resolved.args, ("view", key)])
        return redirect(url_for(".index_view", **args.to_dict(flat=False)))

    @expose("/views/save/", methods=("POST",))
    def grid_view_save(self) -> Response:
        """Save the grid as shown (query, columns) under a name; optionally shared and/or made
        one's default."""
        form = request.form
        shown = [name for name, _label in self._list_columns]
        pairs = parse_qsl(form.get("query", "")[:8000], keep_blank_values=True)

        def save() -> GridView:
            actor = current_actor()
            query = saved_query(pairs, columns=shown)
            view = save_grid_view(
                db.session,
                GRID,
                name=form.get("name", ""),
                query=query,
                columns=shown,
                shared=bool(form.get("shared")),
                actor=actor,
            )
            if form.get("default"):
                set_default_view(db.session, GRID, view, actor=actor)
            return view

        outcome = run_action(save, done=lambda view: f"Saved the view “{view.name}”.")
        if outcome.result is None:
            return redirect(self._back_to_grid())
        return redirect(url_for(".grid_view_open", key=outcome.result.id))

    @expose("/views/<key>/rename/", methods=("POST",))
    def grid_view_rename(self, key: str) -> Response:
        name = request.form.get("name", "")
        run_action(
            lambda: rename_grid_view(db.session, self._saved_view(key), name, actor=current_actor()),
            done="Renamed the view.",
        )
        return redirect(self._back_to_grid())

    @expose("/views/<key>/share/", methods=("POST",))
    def grid_view_share(self, key: str) -> Response:
        """Share one's view with everyone (`shared=1`) or stop sharing it (`shared=0`)."""
        shared = request.form.get("shared") == "1"
        run_action(
            lambda: share_grid_view(db.session, self._saved_view(key), shared, actor=current_actor()),
            done="The view is now shared with everyone." if shared else "The view is no longer shared.",
        )
        return redirect(self._back_to_grid())

    @expose("/views/<key>/delete/", methods=("POST",))
    def grid_view_delete(self, key: str) -> Response:
        run_action(
            lambda: delete_grid_view(db.session, self._saved_view(key), actor=current_actor()),
            done="Deleted the view.",
        )
        return redirect(url_for(".index_view", view="all"))

    @expose("/views/<key>/default/", methods=("POST",))
    def grid_view_default(self, key: str) -> Response:
        """Make this view (system or saved) the one the grid opens with."""

        def choose() -> None:
            choice = key if system_view(GRID, key) else self._saved_view(key)
            set_default_view(db.session, GRID, choice, actor=current_actor())

        run_action(choose, done="The grid now opens with this view.")
        return redirect(self._back_to_grid())

    def _saved_view(self, key: str) -> GridView:
        view_id = parse_id(key)
        if view_id is None:
            raise DomainError("That view no longer exists or is not shared with you.")
        return get_grid_view(db.session, view_id, grid=GRID, actor=current_actor())

    @staticmethod
    def _back_to_grid() -> str:
        back = request.form.get("back", "")
        return back if back.startswith("/admin/orders/") else url_for(".index_view", view="all")

    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.list_template:
            actor = current_actor()
            views = self._visible_views()
            current = self._current_view(views)
            kwargs.setdefault("views", views)
            kwargs.setdefault("current_view", current)
            kwargs.setdefault("may_share", may_share_views(actor))
            kwargs.setdefault("may_delete", isinstance(current, GridView) and may_delete_view(current, actor))
        return super().render(template, **kwargs)

    def _current_view(self, views: VisibleViews) -> SystemView | GridView | None:
        """The view the grid's query is (its columns aside), if any: the one ?view= names first."""
        shown = [name for name, _label in self._list_columns]
        try:
            now = saved_query(request.args.items(multi=True), columns=shown)
        except DomainError:
            return None
        named = request.args.get("view", "")
        candidates: list[SystemView | GridView] = [*views.system, *views.own, *views.shared]
        candidates.sort(key=lambda view: _view_key(view) != named)
        return next((view for view in candidates if same_query(now, _view_query(view))), None)


def _view_key(view: SystemView | GridView) -> str:
    return view.key if isinstance(view, SystemView) else str(view.id)


def _view_query(view: SystemView | GridView) -> list[list[str]]:
    return [list(pair) for pair in view.query]
