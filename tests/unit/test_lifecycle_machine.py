"""A Hypothesis state machine over a few orders (SPEC §2.2): random transitions by random roles,
partial shipments and edits, checking after every step that

- an order's status only moves along an edge of the SPEC's transition table,
- shipped quantities stay between 0 and the ordered quantity,
- the shipping status agrees with the shipped quantities,
- the audit trail's status changes are exactly the transitions applied, in order.

Each example gets its own in-memory SQLite database, so examples never see each other.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from actions.audit import install_audit_listeners
from actions.editing import update_order
from actions.errors import (
    InvalidTransition,
    OrderNotEditable,
    PermissionDenied,
    ValidationFailed,
)
from actions.lifecycle import apply_transition
from actions.reordering import order_data_from
from actions.shipping import ship_order
from models import AuditEntry, Base, Order, User
from models.dialect import configure_engine
from tests.factories import make_catalog, make_order

# SPEC §2.2, written out independently of actions.lifecycle.
TABLE = {
    "cancel": ({"open"}, "cancelled", "cancel_orders"),
    "mark_shipped": ({"open"}, "shipped", "ship_orders"),
    "close": ({"open", "cancelled", "shipped"}, "closed", "close_orders"),
    "archive": ({"closed"}, "archived", "archive_orders"),
}
EDGES = {(source, target) for sources, target, _p in TABLE.values() for source in sources}
ROLE_MAY = {
    "manager": {"cancel", "mark_shipped", "close", "archive"},
    "sales": {"mark_shipped"},
    "viewer": set(),
}
ORDERS = 3

order_index = st.integers(min_value=0, max_value=ORDERS - 1)
roles = st.sampled_from(sorted(ROLE_MAY))


class OrderLifecycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.engine = create_engine("sqlite://")
        configure_engine(self.engine)
        Base.metadata.create_all(self.engine)
        install_audit_listeners(Session)
        self.session = Session(self.engine)
        self.catalog = make_catalog(self.session)
        # Users are made directly: hashing a password per example would only slow the run.
        users = {
            role: User(email=f"{role}@example.com", full_name=role, role=role, password_hash="-", active=True)
            for role in ROLE_MAY
        }
        self.session.add_all(users.values())
        self.session.commit()
        self.user_ids = {role: user.id for role, user in users.items()}
        self.order_ids: list[int] = []
        self.status: list[str] = []  # the status after the last step
        self.previous: list[str] = []  # the status before the last step
        self.applied: list[list[str]] = []  # transitions applied per order, in order

    def teardown(self) -> None:
        self.session.close()
        self.engine.dispose()

    @initialize()
    def make_orders(self) -> None:
        for _ in range(ORDERS):
            order = make_order(self.session, self.catalog)
            self.session.commit()
            self.order_ids.append(order.id)
            self.status.append("open")
            self.previous.append("open")
            self.applied.append([])

    # ---- helpers ----

    def user(self, role: str) -> User:
        return self.session.get(User, self.user_ids[role])

    def order(self, index: int) -> Order:
        return self.session.get(Order, self.order_ids[index])

    def snapshot(self, index: int) -> tuple:
        order = self.order(index)
        return (
            order.internal_status,
            order.shipping_status,
            order.version,
            tuple((li.id, li.quantity, li.shipped_quantity) for li in order.line_items),
            tuple((t.method, t.number) for t in order.shipping_trackings),
        )

    def refused(self, index: int, before: tuple) -> None:
        """After a refusal: nothing pending in the session, nothing changed in the database."""
        assert not self.session.new and not self.session.dirty and not self.session.deleted
        self.session.rollback()
        assert self.snapshot(index) == before

    def moved(self, index: int) -> None:
        self.session.commit()
        self.session.expire_all()
        self.previous = list(self.status)
        self.status[index] = self.order(index).internal_status

    def stayed(self) -> None:
        self.previous = list(self.status)

    # ---- rules ----

    @rule(index=order_index, name=st.sampled_from(sorted(TABLE)), role=roles)
    def apply_a_transition(self, index: int, name: str, role: str) -> None:
        sources, target, _permission = TABLE[name]
        before = self.snapshot(index)
        order = self.order(index)
        if name not in ROLE_MAY[role]:
            try:
                apply_transition(self.session, order, name, actor=self.user(role))
            except PermissionDenied:
                self.refused(index, before)
                self.stayed()
                return
            raise AssertionError(f"{role} was allowed to {name}")
        if order.internal_status not in sources:
            try:
                apply_transition(self.session, order, name, actor=self.user(role))
            except InvalidTransition as exc:
                assert f"because it is {before[0]}" in exc.message
                self.refused(index, before)
                self.stayed()
                return
            raise AssertionError(f"{name} was allowed from {before[0]}")
        apply_transition(self.session, order, name, actor=self.user(role))
        self.applied[index].append(name)
        self.moved(index)
        assert self.status[index] == target

    @rule(index=order_index, data=st.data())
    def ship_part(self, index: int, data: st.DataObject) -> None:
        before = self.snapshot(index)
        order = self.order(index)
        quantities = {}
        for line in order.line_items:
            remaining = int(line.quantity - line.shipped_quantity)
            quantities[line.id] = str(data.draw(st.integers(0, remaining), label=f"ship line {line.id}"))
        open_before = order.internal_status == "open"
        nothing = all(q == "0" for q in quantities.values())
        try:
            ship_order(self.session, order, actor=self.user("sales"), quantities=quantities)
        except InvalidTransition:
            assert not open_before
            self.refused(index, before)
            self.stayed()
            return
        except ValidationFailed:
            assert nothing
            self.refused(index, before)
            self.stayed()
            return
        assert open_before and not nothing
        completes = all(li.shipped_quantity == li.quantity for li in order.line_items)
        if completes:
            self.applied[index].append("mark_shipped")
        self.moved(index)
        assert self.status[index] == ("shipped" if completes else "open")

    @rule(index=order_index, data=st.data())
    def ship_too_much(self, index: int, data: st.DataObject) -> None:
        before = self.snapshot(index)
        order = self.order(index)
        line = data.draw(st.sampled_from(order.line_items), label="line")
        excess = line.quantity - line.shipped_quantity + data.draw(st.integers(1, 5), label="+")
        try:
            ship_order(self.session, order, actor=self.user("sales"), quantities={line.id: str(excess)})
        except (ValidationFailed, InvalidTransition):
            self.refused(index, before)
            self.stayed()
            return
        raise AssertionError("shipping more than remains was allowed")

    @rule(index=order_index, data=st.data())
    def edit_quantities(self, index: int, data: st.DataObject) -> None:
        before = self.snapshot(index)
        order = self.order(index)
        form = order_data_from(order)
        for line, item in zip(form.lines, order.line_items, strict=True):
            line.id = item.id
            floor = max(1, int(item.shipped_quantity))
            line.quantity = str(data.draw(st.integers(floor, floor + 3), label=f"quantity of line {item.id}"))
        try:
            update_order(self.session, order, form, actor=self.user("sales"), expected_version=order.version)
        except OrderNotEditable:
            assert before[0] != "open"
            self.refused(index, before)
            self.stayed()
            return
        assert before[0] == "open"
        self.moved(index)

    @rule(index=order_index)
    @precondition(lambda self: bool(self.order_ids))
    def reload_everything(self, index: int) -> None:
        """As a new request would: forget what the session knows."""
        self.session.expunge_all()
        self.stayed()

    # ---- invariants ----

    @invariant()
    def statuses_only_move_along_the_table(self) -> None:
        for before, now in zip(self.previous, self.status, strict=True):
            assert before == now or (before, now) in EDGES, f"{before} → {now}"

    @invariant()
    def the_database_agrees_with_the_tracked_statuses(self) -> None:
        for index in range(len(self.order_ids)):
            assert self.order(index).internal_status == self.status[index]

    @invariant()
    def shipped_quantities_stay_within_the_ordered_quantities(self) -> None:
        for index in range(len(self.order_ids)):
            for line in self.order(index).line_items:
                assert Decimal(0) <= line.shipped_quantity <= line.quantity

    @invariant()
    def the_shipping_status_agrees_with_the_shipped_quantities(self) -> None:
        for index in range(len(self.order_ids)):
            order = self.order(index)
            shipped = [li.shipped_quantity for li in order.line_items]
            ordered = [li.quantity for li in order.line_items]
            if all(s == 0 for s in shipped):
                expected = "not_shipped"
            elif shipped == ordered:
                expected = "shipped"
            else:
                expected = "partially_shipped"
            assert order.shipping_status == expected, (order.internal_status, shipped, ordered)
            if order.internal_status == "shipped":
                assert order.shipping_status == "shipped"

    @invariant()
    def the_audit_status_changes_are_the_applied_transitions(self) -> None:
        for index, order_id in enumerate(self.order_ids):
            entries = self.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity_type == "Order", AuditEntry.entity_id == order_id)
                .order_by(AuditEntry.id)
            ).all()
            changes = [e for e in entries if e.action != "create" and "internal_status" in (e.changes or {})]
            assert [e.action for e in changes] == self.applied[index]
            walked = ["open"] + [TABLE[name][1] for name in self.applied[index]]
            assert [e.changes["internal_status"] for e in changes] == [
                [a, b] for a, b in zip(walked, walked[1:], strict=False)
            ]


OrderLifecycleMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    # The same examples every run: a failure here is reproducible, never a one-off.
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestOrderLifecycleMachine = OrderLifecycleMachine.TestCase
