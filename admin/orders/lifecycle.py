"""The lifecycle transitions on one order, on a grid selection ("With selected"), or on every
order the grid's filter matches. Every menu entry, label, confirmation and result text comes
from the table in actions/lifecycle.py (and Delete from actions/bulk.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.helpers import get_redirect_target
from sqlalchemy import func, select

from actions.bulk import BulkOperation, bulk_operations, parse_ids
from actions.capabilities import grid_capabilities
from actions.errors import DomainError
from actions.jobs import start_bulk_job
from actions.lifecycle import apply_transition, get_transition
from admin.base import current_actor, run_action
from admin.jobs.views import queue_started_job
from admin.orders.base import OrderViewBase
from admin.orders.documents import PRINT_ACTIONS, print_actions, printed_selection
from models import Order, db

PERMISSION_REFUSED = "You do not have permission to perform this action."


class OrderLifecycleView(OrderViewBase):
    # ---- the grid's "With selected" menu, read live from the tables ----
    def _allowed_operations(self) -> dict[str, BulkOperation]:
        return {op.name: op for op in grid_capabilities(current_actor()).bulk}

    def _may_print(self) -> bool:
        return grid_capabilities(current_actor()).documents

    def is_action_allowed(self, name: str) -> bool:
        return name in self._allowed_operations() or (name in PRINT_ACTIONS and self._may_print())

    def get_actions_list(self) -> tuple[list[Any], dict[Any, Any]]:
        operations = self._allowed_operations().values()
        questions = {op.name: op.selection_question() for op in operations}
        printing = print_actions() if self._may_print() else []
        return [(op.name, op.label) for op in operations] + printing, questions

    def post_allowed(self, name: str) -> bool:
        """Printing a selection changes nothing: whoever may view orders may post it."""
        if name == "action_view" and request.form.get("action") in PRINT_ACTIONS:
            return self._may_print()
        return super().post_allowed(name)

    @staticmethod
    def _start_job(operation: BulkOperation, order_ids: Iterable[int], back: str) -> Any:
        """Write the orders down as a job, queue it and open its page; a refusal (no order,
        no permission) is flashed and changes nothing."""
        outcome = run_action(
            lambda: start_bulk_job(db.session, operation.name, order_ids, actor=current_actor())
        )
        if outcome.result is None:
            return None
        queue_started_job(outcome.result)
        return redirect(url_for("jobs.job", job_id=outcome.result.id, back=back))

    @expose("/action/", methods=("POST",))
    def action_view(self) -> Any:
        """Apply the chosen bulk operation to the selected rows; refuse unknown or forbidden
        operations with a message (Flask-Admin would ignore them silently)."""
        name = request.form.get("action", "")
        printing = name in PRINT_ACTIONS and self._may_print()
        allowed = self._allowed_operations()
        if not printing and name not in allowed:
            known = any(op.name == name for op in bulk_operations())
            unknown = f"{name[:40]!r} is not an order action; nothing was changed."
            flash(PERMISSION_REFUSED if known else unknown, "error")
            return redirect(url_for(".index_view"))
        grid_url = get_redirect_target() or url_for(".index_view")
        try:
            ids = parse_ids(request.form.getlist("rowid"))
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(grid_url)
        if printing:
            return printed_selection(name, ids, grid_url)
        return self._start_job(allowed[name], ids, grid_url) or redirect(grid_url)

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
    def _filtered_ids(self) -> Any:
        """The ids of every order the grid's filters and search match, oldest first."""
        view_args = self._get_list_extra_args()
        _count, query = self.get_list(
            0, None, False, view_args.search, view_args.filters, execute=False, page_size=0
        )
        ids_query = query.limit(None).offset(None).order_by(None).with_entities(Order.id)
        return ids_query.order_by(Order.id).statement

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
        count = db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
        conditions = self._filter_in_words()
        typed = request.form.get("confirm_count", "").strip().replace(",", "")
        if request.method == "POST" and (conditions or typed == str(count)):
            return self._start_job(operation, ids, grid_url) or redirect(grid_url)
        if request.method == "POST":
            flash(
                f"There is no filter, so this is every order: type {count:,} to confirm. "
                "Nothing was changed.",
                "error",
            )
        return self.render(
            "orders/apply_filtered.html",
            operation=operation,
            count=count,
            conditions=conditions,
            grid_url=grid_url,
        )
