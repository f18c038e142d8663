"""Cancel, Mark as Shipped, Close, Archive and Shipping Tracking: one order, a selection, or
every order matching the grid's filter. Each view calls one action per order."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action

from actions.attachments import remove_stored_file
from actions.bulk import MAX_SELECTION, BulkReport, delete_orders, transition_orders
from actions.errors import DomainError
from actions.lifecycle import TRANSITIONS, apply_transition, get_transition
from actions.shipping import TrackingData, set_trackings, ship_order
from admin.activities import upload_dir
from admin.base import current_actor, parse_id, user_can
from models import Order, db

BULK_ACTIONS = ("cancel", "mark_shipped", "close", "archive", "delete")


def _flash_report(report: BulkReport, verb: str) -> None:
    flash(report.summary(verb), "success" if not report.skipped else "warning")


def _tracking_rows() -> list[TrackingData]:
    methods = request.form.getlist("tracking_method")
    numbers = request.form.getlist("tracking_number")
    ids = request.form.getlist("tracking_id")
    rows = []
    for index, (method, number) in enumerate(zip(methods, numbers, strict=False)):
        raw_id = ids[index] if index < len(ids) else ""
        rows.append(TrackingData(method=method, number=number, id=parse_id(raw_id)))
    return rows


class OrderLifecycleMixin:
    """Mixed into the order view."""

    # ---- bulk actions on selected rows ----
    def is_action_allowed(self, name: str) -> bool:
        if name == "delete":
            return user_can("delete_orders")
        return name in TRANSITIONS and user_can(TRANSITIONS[name].permission)

    def _bulk(self, ids: list[str], name: str) -> None:
        try:
            if name == "delete":
                report = delete_orders(db.session, ids, actor=current_actor(), upload_dir=upload_dir())
            else:
                report = transition_orders(db.session, ids, name, actor=current_actor())
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return
        for path in report.files_to_remove:
            remove_stored_file(path)
        _flash_report(report, "deleted" if name == "delete" else TRANSITIONS[name].done)

    @action("cancel", "Cancel", TRANSITIONS["cancel"].confirmation)
    def action_cancel(self, ids: list[str]) -> None:
        self._bulk(ids, "cancel")

    @action("mark_shipped", "Mark as Shipped", TRANSITIONS["mark_shipped"].confirmation)
    def action_mark_shipped(self, ids: list[str]) -> None:
        self._bulk(ids, "mark_shipped")

    @action("close", "Close", TRANSITIONS["close"].confirmation)
    def action_close(self, ids: list[str]) -> None:
        self._bulk(ids, "close")

    @action("archive", "Archive", TRANSITIONS["archive"].confirmation)
    def action_archive(self, ids: list[str]) -> None:
        self._bulk(ids, "archive")

    @action("delete", "Delete", "Are you sure you want to delete the selected orders?")
    def action_delete(self, ids: list[str]) -> None:
        self._bulk(ids, "delete")

    @expose("/action/", methods=("POST",))
    def action_view(self) -> Any:
        """Flask-Admin ignores unknown or forbidden actions silently; say so instead."""
        name = request.form.get("action", "")
        if name not in BULK_ACTIONS:
            flash(f"{name[:40]!r} is not an order action; nothing was changed.", "error")
            return redirect(url_for(".index_view"))
        if not self.is_action_allowed(name):
            flash("You do not have permission to perform this action.", "error")
            return redirect(url_for(".index_view"))
        return self.handle_action()  # type: ignore[attr-defined]

    # ---- one order ----
    @expose("/transition/", methods=("POST",))
    def transition_view(self) -> Any:
        order = self.get_one(request.form.get("id", ""))  # type: ignore[attr-defined]
        if order is None:
            flash("The order does not exist.", "error")
            return redirect(url_for(".index_view"))
        try:
            transition = get_transition(request.form.get("transition", ""))
            apply_transition(db.session, order, transition.name, actor=current_actor())
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            flash(f"Order #{order.identifier} has been {transition.done}.", "success")
        return redirect(url_for(".details_view", id=order.id))

    @expose("/ship/", methods=("GET", "POST"))
    def ship_view(self) -> Any:
        """Mark as Shipped: everything remaining, or chosen quantities, plus tracking rows."""
        order = self.get_one(request.args.get("id", ""))  # type: ignore[attr-defined]
        if order is None:
            abort(404)
        if request.method == "POST":
            quantities = None
            if request.form.get("mode") == "partial":
                quantities = {li.id: request.form.get(f"ship-{li.id}", "0") for li in order.line_items}
            try:
                ship_order(
                    db.session,
                    order,
                    actor=current_actor(),
                    quantities=quantities,
                    trackings=_tracking_rows(),
                )
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                order = self.get_one(str(order.id))  # type: ignore[attr-defined]
            else:
                done = "marked as shipped" if order.internal_status == "shipped" else "partially shipped"
                flash(f"Order #{order.identifier} has been {done}.", "success")
                return redirect(url_for(".details_view", id=order.id))
        carrier = order.shipping_method.carrier if order.shipping_method else None
        return self.render(
            "orders/ship.html",
            order=order,  # type: ignore[attr-defined]
            default_carrier=carrier or "",
        )

    @expose("/trackings/", methods=("GET", "POST"))
    def trackings_view(self) -> Any:
        """Shipping Tracking: edit the whole set of tracking rows of an open or shipped order."""
        order = self.get_one(request.args.get("id", ""))  # type: ignore[attr-defined]
        if order is None:
            abort(404)
        if request.method == "POST":
            try:
                set_trackings(db.session, order, _tracking_rows(), actor=current_actor())
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                order = self.get_one(str(order.id))  # type: ignore[attr-defined]
            else:
                flash("Shipping Tracking Numbers have been updated", "success")
                return redirect(url_for(".details_view", id=order.id))
        return self.render("orders/trackings.html", order=order)  # type: ignore[attr-defined]

    # ---- every order matching the grid's filter ----
    def _filtered_ids(self) -> list[int]:
        view_args = self._get_list_extra_args()  # type: ignore[attr-defined]
        _count, query = self.get_list(  # type: ignore[attr-defined]
            0, None, False, view_args.search, view_args.filters, execute=False, page_size=0
        )
        ids_query = query.limit(None).offset(None).order_by(None).with_entities(Order.id)
        return [row[0] for row in ids_query.order_by(Order.id).limit(MAX_SELECTION + 1)]

    @expose("/apply_filtered/", methods=("GET", "POST"))
    def apply_filtered_view(self) -> Any:
        """Show how many orders the current filter matches, then apply one action to all."""
        name = request.values.get("action", "")
        if name not in BULK_ACTIONS or not self.is_action_allowed(name):
            flash("Choose an order action you are allowed to perform.", "error")
            return redirect(url_for(".index_view", **request.args))
        ids = self._filtered_ids()
        if len(ids) > MAX_SELECTION:
            flash(
                f"The filter matches more than {MAX_SELECTION:,} orders; narrow it first. "
                "Nothing was changed.",
                "error",
            )
            return redirect(url_for(".index_view", **request.args))
        label = "Delete" if name == "delete" else TRANSITIONS[name].label
        if request.method == "GET":
            return self.render(
                "orders/apply_filtered.html",  # type: ignore[attr-defined]
                action_name=name,
                action_label=label,
                count=len(ids),
                grid_url=url_for(".index_view", **request.args),
            )
        self._bulk([str(i) for i in ids], name)
        return redirect(url_for(".index_view", **request.args))
