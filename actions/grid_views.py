"""Saved grid views: each person's named views of a grid, the ones shared with everyone, the
grid's system views, and the view a person's grid opens with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ScalarSelect, and_, delete, func, literal, null, or_, select
from sqlalchemy.orm import Session, joinedload

from actions.errors import DomainError, PermissionDenied, ValidationFailed
from actions.permissions import has_permission
from models import GridView, GridViewDefault, User

MAX_NAME = 80
MAX_COLUMNS = 50
SHARING_ROLES = frozenset({"manager", "admin"})
NOT_FOUND = "That view no longer exists or is not shared with you."
SHARING_REFUSED = "Only managers and administrators can share a view with everyone."


@dataclass(frozen=True)
class SystemView:
    """A view every user has and nobody can change ("All Orders")."""

    key: str
    name: str
    query: tuple[tuple[str, str], ...] = ()


SYSTEM_VIEWS: dict[str, tuple[SystemView, ...]] = {
    "orders": (
        SystemView("all", "All Orders"),
        SystemView("open", "Open Orders", (("flt0_internal_status_equals", "open"),)),
    ),
}


@dataclass(frozen=True)
class VisibleViews:
    """What a person's Views menu lists: system views, their own, those shared by others,
    and the key of their default ("all", "open" or a saved view's id); `along` is the value of
    the scalar read with them, if any."""

    system: tuple[SystemView, ...]
    own: list[GridView] = field(default_factory=list)
    shared: list[GridView] = field(default_factory=list)
    default_key: str = "all"
    along: Any = None


def may_share_views(user: User) -> bool:
    """Managers and administrators may share a view with everyone."""
    return user.role in SHARING_ROLES and user.is_active


def may_delete_view(view: GridView, user: User) -> bool:
    """Owners delete their views; administrators also delete shared ones."""
    return view.owner_id == user.id or (view.shared and has_permission(user, "manage_users"))


def system_view(grid: str, key: str) -> SystemView | None:
    return next((view for view in SYSTEM_VIEWS.get(grid, ()) if view.key == key), None)


def visible_views(
    session: Session, user: User, *, grid: str, along: ScalarSelect[Any] | None = None
) -> VisibleViews:
    """The views `user` may open on `grid` and their default, in one query: the default is read
    by subqueries on a one-row source the views are outer-joined to. `along` is one more such
    subquery the caller needs with them (the grid's capped count: one statement fewer a page)."""
    system = SYSTEM_VIEWS.get(grid, ())
    mine = and_(GridViewDefault.user_id == user.id, GridViewDefault.grid == grid)
    one = select(literal(1).label("one")).subquery()
    rows = session.execute(
        select(
            select(GridViewDefault.view_id).where(mine).scalar_subquery(),
            select(GridViewDefault.system_view).where(mine).scalar_subquery(),
            along if along is not None else null(),
            GridView,
        )
        .select_from(one)
        .outerjoin(
            GridView,
            and_(GridView.grid == grid, or_(GridView.owner_id == user.id, GridView.shared.is_(True))),
        )
        .options(joinedload(GridView.owner))
    ).all()
    views = sorted((row[3] for row in rows if row[3] is not None), key=lambda v: v.name.casefold())
    default_id, default_system, along_value = rows[0][:3] if rows else (None, None, None)
    ids = {view.id for view in views}
    if default_id in ids:
        default_key = str(default_id)
    elif default_system and any(view.key == default_system for view in system):
        default_key = default_system
    else:
        default_key = "all"
    return VisibleViews(
        system=system,
        own=[view for view in views if view.owner_id == user.id],
        shared=[view for view in views if view.owner_id != user.id],
        default_key=default_key,
        along=along_value,
    )


def get_grid_view(session: Session, view_id: int, *, grid: str, actor: User) -> GridView:
    """A saved view `actor` may open: their own or a shared one.

    Raises: DomainError when there is no such view on this grid or it is someone else's,
    unshared.
    """
    view = session.get(GridView, view_id)
    if view is None or view.grid != grid or (view.owner_id != actor.id and not view.shared):
        raise DomainError(NOT_FOUND)
    return view


def _clean_name(session: Session, name: str, *, grid: str, owner: User, keep: GridView | None) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed("Give the view a name.", field="name")
    if len(cleaned) > MAX_NAME:
        raise ValidationFailed(f"A view's name has at most {MAX_NAME} characters.", field="name")
    if any(view.name.casefold() == cleaned.casefold() for view in SYSTEM_VIEWS.get(grid, ())):
        raise ValidationFailed(f"“{cleaned}” is a system view; choose another name.", field="name")
    clash = session.scalar(
        select(GridView.id).where(
            GridView.owner_id == owner.id,
            GridView.grid == grid,
            func.lower(GridView.name) == cleaned.lower(),
            GridView.id != (keep.id if keep is not None else -1),
        )
    )
    if clash is not None:
        raise ValidationFailed(f"You already have a view named “{cleaned}”.", field="name")
    return cleaned


def save_grid_view(
    session: Session,
    grid: str,
    *,
    name: str,
    query: Sequence[Sequence[str]],
    columns: Sequence[str],
    shared: bool = False,
    actor: User,
) -> GridView:
    """Save the grid as `actor` sees it now (query from actions.grid_queries.saved_query,
    columns in the order shown) as a new named view of theirs.

    Raises: ValidationFailed for an empty, too long, system or already used name, or too many
    columns; PermissionDenied when sharing without being a manager or an administrator.
    """
    cleaned = _clean_name(session, name, grid=grid, owner=actor, keep=None)
    if len(columns) > MAX_COLUMNS:
        raise ValidationFailed(f"A view keeps at most {MAX_COLUMNS} columns.")
    if shared and not may_share_views(actor):
        raise PermissionDenied(SHARING_REFUSED)
    view = GridView(
        owner_id=actor.id,
        grid=grid,
        name=cleaned,
        query=[[str(key), str(value)] for key, value in query],
        columns=list(dict.fromkeys(columns)),
        shared=shared,
    )
    session.add(view)
    session.flush()
    return view


def rename_grid_view(session: Session, view: GridView, name: str, *, actor: User) -> None:
    """Give one of one's views a new name.

    Raises: PermissionDenied for someone else's view; ValidationFailed for a bad or used name.
    """
    if view.owner_id != actor.id:
        raise PermissionDenied("You can rename only your own views.")
    view.name = _clean_name(session, name, grid=view.grid, owner=actor, keep=view)
    session.flush()


def share_grid_view(session: Session, view: GridView, shared: bool, *, actor: User) -> None:
    """Share one of one's views with everyone, or stop sharing it; those who had it as their
    default then open the grid's first system view (they can no longer open it).

    Raises: PermissionDenied for someone else's view, or for sharing by a role that may not
    share (anyone may stop sharing their own view).
    """
    if view.owner_id != actor.id:
        raise PermissionDenied("You can share or stop sharing only your own views.")
    if shared and not may_share_views(actor):
        raise PermissionDenied(SHARING_REFUSED)
    if not shared:
        session.execute(
            delete(GridViewDefault).where(
                GridViewDefault.view_id == view.id, GridViewDefault.user_id != actor.id
            )
        )
    view.shared = shared
    session.flush()


def delete_grid_view(session: Session, view: GridView, *, actor: User) -> None:
    """Delete a view; whoever had it as their default gets the grid's first system view.

    Raises: PermissionDenied unless `actor` owns the view, or it is shared and `actor` is an
    administrator.
    """
    if not may_delete_view(view, actor):
        raise PermissionDenied("You can delete only your own views (administrators: shared ones too).")
    session.execute(delete(GridViewDefault).where(GridViewDefault.view_id == view.id))
    session.delete(view)
    session.flush()


def set_default_view(session: Session, grid: str, choice: GridView | str, *, actor: User) -> None:
    """Make a view (a saved one `actor` may open, or a system view's key) the one `actor`'s
    grid opens with.

    Raises: DomainError for an unknown system view or a view `actor` may not open.
    """
    if isinstance(choice, GridView):
        get_grid_view(session, choice.id, grid=grid, actor=actor)
        view_id, system_key = choice.id, None
    elif system_view(grid, choice) is not None:
        view_id, system_key = None, choice
    else:
        raise DomainError(NOT_FOUND)
    default = session.get(GridViewDefault, (actor.id, grid))
    if default is None:
        default = GridViewDefault(user_id=actor.id, grid=grid)
        session.add(default)
    default.view_id, default.system_view = view_id, system_key
    session.flush()
