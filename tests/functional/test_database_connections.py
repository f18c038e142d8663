"""What each of the app's database connections is set to when it opens, on either database."""

from __future__ import annotations

from models import db


def test_a_new_connection_keeps_its_settings_once_the_pool_has_rolled_it_back(app):
    # Given a connection opened afresh, used, and given back to the pool (which rolls it back)
    db.engine.dispose()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    # When it is taken from the pool again
    with db.engine.connect() as conn:
        # Then PostgreSQL still prices random reads as solid-state storage does (the grid's
        # index-only reads depend on it), and SQLite still enforces foreign keys
        if db.engine.dialect.name == "postgresql":
            assert conn.exec_driver_sql("SHOW random_page_cost").scalar() == "1.1"
        else:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
