"""The lifecycle transitions on one order, on a grid selection ("With selected"), or on every
order the grid's filter matches. Every menu entry, label, confirmation and result text comes
from the table in actions/lifecycle.py (and Delete from actions/bulk.py)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.helpers import get_redirect_target

from actions.attachments import remove_stored_file
from actions.bulk import MAX_SELECTION, BulkOperation, bulk_operations, run_bulk
from actions.capabilities import grid_capabilities
from actions.lifecycle import apply_transition, get_transition
from admin.base import current_actor, run_action
from admin.orders.base import OrderViewBase
from admin.settings import upload_dir
from models import Order, db

PERMISSION_REFUSED = "You do not have permission to perform this action."


class OrderLifecycleView(OrderViewBase):
    # ---- the grid's "With selected" menu, read live from the tables ----
    def _allowed_operations(self) -> dict[str, BulkOperation]:
        return {op.name: op for op in grid_capabilities(current_actor()).bulk}

    def is_action_allowed(self, name: str) -> bool:
        return name in self._allowed_operations()

    def get_actions_list(self) -> tuple[list[Any], dict[Any, Any]]:
        operations = self._allowed_operations().values()
        questions = {op.name: op.selection_question() for op in operations}
        return [(op.name, op.label) for op in operations], questions

    @staticmethod
    def _run_bulk(operation: BulkOperation, ids: list[str]) -> None:
        """Each order on its own; one report naming what was skipped and why."""
        outcome = run_action(
            lambda: run_bulk(db.session, operation.name, ids, actor=current_actor(), upload_dir=upload_dir())
        )
        report = outcome.result
        if report is None:
            return
        for path in report.files_to_remove:
            remove_stored_file(path)
        flash(report.summary(operation.done), "success" if not report.skipped else "warning")

    @expose("/action/", methods=("POST",))
    def action_view(self) -> Any:
        """Apply the chosen bulk operation to the selected rows; refuse unknown or forbidden
        operations with a message (Flask-Admin would ignore them silently)."""
        name = request.form.get("action", "")
        allowed = self._allowed_operations()
        if name not in allowed:
            known = any(op.name == name for op in bulk_operations())
            unknown = f"{name[:40]!r} is not an order action; nothing was changed."
            flash(PERMISSION_REFUSED if known else unknown, "error")
            return redirect(url_for(".index_view"))
        self._run_bulk(allowed[name], request.form.getlist("rowid"))
        return redirect(get_redirect_target() or url_for(".index_view"))

    # ---- one order ----
    @expose("/transition/", methods=("POST",))
    def transition_view(self) -> Any:
        order = self.get_order_or_404(request.form.get("id"))
        name = request.form.get("transition", "")
        run_action(
            lambda: apply_transition(db.session, order, name, actor=current_actor()),
            done=lambda changed: get_transition(name).result(changed),
        )
        return self.back_to_order(order.id)

    # ---- every order matching the grid's filter ----
    def _filtered_ids(self) -> list[int]:
        view_args = self._get_list_extra_args()
        _count, query = self.get_list(
            0, None, False, view_args.search, view_args.filters, execute=False, page_size=0
        )
        ids_query = query.limit(None).offset(None).order_by(None).with_entities(Order.id)
        return [row[0] for row in ids_query.order_by(Order.id).limit(MAX_SELECTION + 1)]

    def _filter_in_words(self) -> list[str]:
        """The grid's filters and search as a person reads them: "Internal Status equals Open"."""
        view_args = self._get_list_extra_args()
        grid_filters = self._filters or []
        words = []
        for index, name, value in view_args.filters or []:
            flt = grid_filters[index]
            options = dict(flt.get_options(self) or [])
            words.append(f"{name} {flt.operation()} {options.get(value, value)}".strip())
        if view_args.search:
            words.append(f"matches the search “{view_args.search}”")
        return words

    @expose("/apply_filtered/", methods=("GET", "POST"))
    def apply_filtered_view(self) -> Any:
        """Show how many orders the current filter matches, then apply one operation to all.
        With no filter at all, the person types that number to confirm: it is every order."""
        operation = self._allowed_operations().get(request.values.get("action", ""))
        grid_url = url_for(".index_view", **request.args)
        if operation is None:
            flash("Choose an order action you are allowed to perform.", "error")
            return redirect(grid_url)
        ids = self._filtered_ids()
        if len(ids) > MAX_SELECTION:
            flash(
                f"The filter matches more than {MAX_SELECTION:,} orders; narrow it first. "
                "Nothing was changed.",
                "error",
            )
            return redirect(grid_url)
        conditions = self._filter_in_words()
        typed = request.form.get("confirm_count", "").strip().replace(",", "")
        if request.method == "POST" and (conditions or typed == str(len(ids))):
            self._run_bulk(operation, [str(i) for i in ids])
            return redirect(grid_url)
        if request.method == "POST":
            flash(
                f"There is no filter, so this is every order: type {len(ids):,} to confirm. "
                "Nothing was changed.",
                "error",
            )
        return self.render(
            "orders/apply_filtered.html",
            operation=operation,
            count=len(ids),
            conditions=conditions,
            grid_url=grid_url,
        )
