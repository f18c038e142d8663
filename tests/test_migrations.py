"""The Alembic migrations build exactly the schema the models declare (DESIGN §1, §2).

It runs on a fresh SQLite file always, and also on PostgreSQL when TEST_DATABASE_URL is set,
in a throwaway schema of that database (search_path points at it), so the suite's own tables
in `public` are untouched.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterator
from typing import Any

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Index, create_engine, inspect, make_url, select, text

from models import CUSTOMER_USER_WORDS, CUSTOMER_WORDS, Base, Customer, CustomerUser, db
from models.search import is_word_index_table
from tests.conftest import build_app

DATABASES = ["sqlite"] + (
    [pytest.param("postgresql", marks=pytest.mark.postgresql)] if os.environ.get("TEST_DATABASE_URL") else []
)


@pytest.fixture
def keep_logging() -> Iterator[None]:
    """migrations/env.py calls logging.fileConfig, which disables every existing logger and
    replaces the root handlers; put everything back so later tests log as before."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    loggers = {
        name: (lg.disabled, lg.level, lg.handlers[:], lg.propagate)
        for name, lg in logging.root.manager.loggerDict.items()
        if isinstance(lg, logging.Logger)
    }
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, lg in logging.root.manager.loggerDict.items():
        if isinstance(lg, logging.Logger):
            disabled, lvl, hdlrs, propagate = loggers.get(name, (False, logging.NOTSET, [], True))
            lg.disabled, lg.propagate = disabled, propagate
            lg.setLevel(lvl)
            lg.handlers[:] = hdlrs


@pytest.fixture
def empty_database(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """The URL of an empty database of the requested kind."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "migrated.db")
        return
    from models.dialect import normalize_database_url

    base_url = normalize_database_url(os.environ["TEST_DATABASE_URL"])
    schema = f"migration_test_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(base_url)
    with admin_engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin_engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin_engine.dispose()


def _is_expression_index_diff(diff: Any) -> bool:
    """Alembic cannot compare indexes on expressions (e.g. lower(po_number)); skip those."""
    if not (isinstance(diff, tuple) and diff and diff[0] in ("add_index", "remove_index")):
        return False
    index = diff[1]
    return isinstance(index, Index) and not all(isinstance(expr, Column) for expr in index.expressions)


# Alembic warns that it skips expression-based indexes; that is the known limit handled above.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.parametrize("empty_database", DATABASES, indirect=True)
def test_upgrading_an_empty_database_builds_exactly_the_models_schema(empty_database, keep_logging):
    # Given an empty database
    app = build_app(empty_database)
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []

        # When every migration is applied
        flask_migrate.upgrade()

        # Then the tables are the models' tables (plus Alembic's own)
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert {t for t in tables if not is_word_index_table(t)} == set(Base.metadata.tables) | {
                "alembic_version"
            }

            # and Alembic finds no difference in columns, types, keys or plain indexes (the
            # search's FTS5 tables are written by hand, as the models write them)
            def declared(name: str, type_: str, _parents: Any) -> bool:
                return not (type_ == "table" and is_word_index_table(name))

            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": declared})
            differences = [
                d for d in compare_metadata(context, Base.metadata) if not _is_expression_index_diff(d)
            ]
        db.engine.dispose()
    assert differences == []


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.parametrize("empty_database", DATABASES, indirect=True)
def test_upgrading_gives_earlier_audit_rows_of_a_deleted_order_its_number_and_names(
    empty_database, keep_logging
):
    # Given a database at the revision before audit rows kept the order's number, holding the
    # rows of an order that was deleted since (its delete snapshot keeps the number)
    app = build_app(empty_database)
    with app.app_context():
        flask_migrate.upgrade(revision="f1a7c3d9e2b4")
        rows = [
            (1, "Order", 7, "create", {"identifier": "SO-000007", "po_number": "PO-1"}),
            (2, "OrderLineItem", 31, "create", {"product_sku": "SE-0130", "quantity": "3"}),
            (3, "OrderLineItem", 31, "update", {"quantity": ["3", "5"]}),
            (4, "Order", 7, "delete", {"identifier": "SO-000007", "po_number": "PO-1"}),
        ]
        with db.engine.begin() as conn:
            for row_id, entity_type, entity_id, action, changes in rows:
                conn.execute(
                    text(
                        "INSERT INTO audit_entries (id, occurred_at, entity_type, entity_id, order_id,"
                        " action, changes) VALUES (:id, CURRENT_TIMESTAMP, :type, :entity, 7, :action,"
                        " :changes)"
                    ),
                    {
                        "id": row_id,
                        "type": entity_type,
                        "entity": entity_id,
                        "action": action,
                        "changes": json.dumps(changes),
                    },
                )

        # When the remaining migrations are applied
        flask_migrate.upgrade()

        # Then every row of that order carries its number, and each row names what changed
        with db.engine.connect() as conn:
            found = conn.execute(
                text("SELECT id, order_identifier, entity_label FROM audit_entries ORDER BY id")
            ).all()
        db.engine.dispose()
    assert [tuple(row) for row in found] == [
        (1, "SO-000007", "SO-000007"),
        (2, "SO-000007", "SE-0130"),
        (3, "SO-000007", "SE-0130"),
        (4, "SO-000007", "SO-000007"),
    ]


def _sqlite_objects(url: str, where: str) -> list[tuple[str, str, str, str]]:
    """The schema objects SQLite stores that match `where`: type, table, name and statement."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT type, tbl_name, name, sql FROM sqlite_master WHERE {where} ORDER BY tbl_name, name")
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def _search_objects(url: str) -> list[tuple[str, str, str, str]]:
    words = "name LIKE '%\\_words%' ESCAPE '\\'"
    return _sqlite_objects(url, f"{words} OR name = 'ix_order_line_items_sku_upper'")


def _insert_customer(conn: Any, customer_id: int, name: str) -> None:
    conn.execute(
        text(
            "INSERT INTO customers (id, name, created_at, updated_at)"
            " VALUES (:id, :name, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"id": customer_id, "name": name},
    )


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.parametrize("empty_database", DATABASES, indirect=True)
def test_upgrading_makes_existing_customers_and_buyers_searchable_by_any_word(
    empty_database, keep_logging, tmp_path
):
    # Given a database at the revision before word search, with a customer and a buyer
    app = build_app(empty_database)
    with app.app_context():
        flask_migrate.upgrade(revision="c8d2e4f6a0b1")
        with db.engine.begin() as conn:
            _insert_customer(conn, 7, "Northwind Trading Company")
            conn.execute(
                text(
                    "INSERT INTO customer_users (id, customer_id, email, first_name, last_name, enabled,"
                    " created_at, updated_at) VALUES (9, 7, 'amy.morris@northwind.test', 'Amy', 'Morris',"
                    " true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )

        # When the remaining migrations are applied
        flask_migrate.upgrade()

        # Then the rows already there are found by a middle word and by a part of the email
        customers = select(Customer.id).where(CUSTOMER_WORDS.match(Customer.id, "trading"))
        buyers = select(CustomerUser.id).where(CUSTOMER_USER_WORDS.match(CustomerUser.id, "northwind.test"))
        with db.engine.begin() as conn:
            assert conn.scalars(customers).all() == [7]
            assert conn.scalars(buyers).all() == [9]
            if db.engine.dialect.name == "postgresql":
                # through the migrated GIN index, which only an identical expression can use (the
                # other scans are turned off: a table of one row would rather be read whole)
                for scan in ("seqscan", "indexscan", "indexonlyscan"):
                    conn.execute(text(f"SET LOCAL enable_{scan} = off"))
                plan = "\n".join(
                    conn.scalars(
                        text(
                            "EXPLAIN " + str(customers.compile(conn, compile_kwargs={"literal_binds": True}))
                        )
                    ).all()
                )
                assert "ix_customers_words" in plan
        db.engine.dispose()

    # and on SQLite the FTS5 tables, triggers and SKU index are the ones the models create
    if empty_database.startswith("sqlite"):
        created = "sqlite:///" + str(tmp_path / "created.db")
        engine = create_engine(created)
        Base.metadata.create_all(engine)
        engine.dispose()
        assert _search_objects(empty_database) == _search_objects(created)


def _indexes_and_triggers(url: str, tables: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
    listed = ", ".join(repr(t) for t in tables)
    return _sqlite_objects(url, f"type IN ('index', 'trigger') AND tbl_name IN ({listed})")


def _insert_open_order(conn: Any, order_id: int | None = None) -> None:
    """An open order of customer 1 with every total zero; its id SQLite's choice when None."""
    conn.execute(
        text(
            "INSERT INTO orders (id, customer_id, currency, internal_status, shipping_status,"
            " payment_status, subtotal, special_discounts_total, promotion_discounts_total,"
            " shipping_cost, shipping_discounts_total, tax_total, total, version, created_at,"
            " updated_at) VALUES (:id, 1, 'USD', 'open', 'not_shipped', 'pending', 0, 0, 0, 0, 0, 0,"
            " 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"id": order_id},
    )


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_upgrading_sqlite_stops_reusing_deleted_ids_and_keeps_every_row_and_index(tmp_path, keep_logging):
    # Given a SQLite database at the revision before, holding an order with a line and a note
    url = "sqlite:///" + str(tmp_path / "migrated.db")
    tables = ("orders", "order_line_items", "notes", "special_discounts", "applied_promotions", "attachments")
    app = build_app(url)
    with app.app_context():
        flask_migrate.upgrade(revision="d4b6c8e0f2a3")
        with db.engine.begin() as conn:
            _insert_customer(conn, 1, "Northwind")
            for order_id in (1, 2):
                _insert_open_order(conn, order_id)
            conn.execute(
                text(
                    "INSERT INTO order_line_items (id, order_id, product_sku, product_name, free_form,"
                    " quantity, unit, unit_price, shipped_quantity)"
                    " VALUES (1, 1, 'SE-0130', 'Bolt', false, 3, 'item', 2, 0)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO notes (id, order_id, body, created_at, updated_at)"
                    " VALUES (1, 1, 'Call first', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        indexes_before = _indexes_and_triggers(url, tables)

        # When the migration that stops reusing ids is applied
        flask_migrate.upgrade(revision="e9f1a3c5b7d9")

        with db.engine.begin() as conn:
            # Then the rows that reference the orders are all still there
            lines = conn.execute(text("SELECT order_id, product_sku FROM order_line_items")).all()
            assert lines == [(1, "SE-0130")]
            assert conn.execute(text("SELECT order_id, body FROM notes")).all() == [(1, "Call first")]

            # and the newest order's id, once deleted, is not given to the next order
            conn.execute(text("DELETE FROM orders WHERE id = 2"))
            _insert_open_order(conn)
            assert conn.scalars(text("SELECT id FROM orders ORDER BY id")).all() == [1, 3]
        db.engine.dispose()

    # and every index and trigger of the rebuilt tables is the same as before
    assert _indexes_and_triggers(url, tables) == indexes_before
