"""Grids that grow without end (orders, the audit trail): searched through an index, counted
only up to a cap, so a page costs the same at a thousand rows as at a million."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select

from models import db

# Counting stops here: the grid says "10,000+" instead of counting every matching row.
COUNT_CAP = 10_000


class CappedCountGrid:
    """Mix into a SecuredModelView (before it): each search word must match `term_condition`
    (an index-friendly prefix match, not Flask-Admin's LIKE '%…%'), and a page is one
    statement plus one count that stops after `count_cap` rows."""

    count_cap = COUNT_CAP
    simple_list_pager = True  # Flask-Admin's pager would need the exact count
    model: Any

    def term_condition(self, term: str) -> ColumnElement[bool]:
        """What one word of the search box matches."""
        raise NotImplementedError

    def _apply_search(self, query: Any, count_query: Any, joins: Any, count_joins: Any, search: str) -> Any:
        for term in search.split():
            query = query.filter(self.term_condition(term))
        return query, count_query, joins, count_joins

    def get_list(
        self,
        page: int | None,
        sort_column: Any,
        sort_desc: bool,
        search: str | None,
        filters: Any,
        execute: bool = True,
        page_size: int | None = None,
    ) -> Any:
        """One page in one statement, plus one capped count (never a full-table count)."""
        _none, query = super().get_list(  # type: ignore[misc]
            page, sort_column, sort_desc, search, filters, execute=False, page_size=page_size
        )
        matching = (
            query.limit(None)
            .offset(None)
            .order_by(None)
            .with_entities(self.model.id)
            .limit(self.count_cap + 1)
            .subquery()
        )
        count = db.session.scalar(select(func.count()).select_from(matching))
        return count, (query.all() if execute else query)

    def render(self, template: str, **kwargs: Any) -> Any:
        if isinstance(kwargs.get("count"), int) and kwargs["count"] > self.count_cap:
            kwargs["count"] = f"{self.count_cap:,}+"
        return super().render(template, **kwargs)  # type: ignore[misc]
