"""The bench's databases: a SQLite file or a PostgreSQL database per size, migrated with
`flask db upgrade`, filled with `flask seed-demo`, then analysed so the planner knows the sizes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from models.dialect import normalize_database_url

ROOT = Path(__file__).resolve().parent.parent


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def postgres_url(base: str, suffix: str) -> str:
    """`postgresql://u@h:p/name` → the same server, database `name_<suffix>`."""
    url = make_url(normalize_database_url(base))
    return url.set(database=f"{url.database}_{suffix}").render_as_string(hide_password=False)


def engine_for(url: str) -> Engine:
    return create_engine(normalize_database_url(url))


def order_count(url: str) -> int:
    """Orders in the database; 0 when it or its schema does not exist yet."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text("SELECT count(*) FROM orders")) or 0)
    except Exception:  # no database, no schema
        return 0
    finally:
        engine.dispose()


def _reset(url: str) -> None:
    """Start from an empty database: delete the SQLite files, or drop and create the PostgreSQL one."""
    parsed = make_url(normalize_database_url(url))
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    server.dispose()


def _flask(url: str, *args: str) -> str:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench")
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def analyze(url: str) -> None:
    """Fresh planner statistics; neither the migrations nor seed-demo gather them."""
    engine = engine_for(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def prepare(url: str, orders: int, reuse: bool) -> float | None:
    """Migrate, seed and analyse `url` (unless --reuse finds it seeded: then only migrate it to
    the current schema and analyse it); return the seed seconds."""
    if reuse and (found := order_count(url)) >= orders:
        print(f"reusing {make_url(url).database} ({found:,} orders)")
        _flask(url, "db", "upgrade")
        analyze(url)
        return None
    _reset(url)
    _flask(url, "db", "upgrade")
    started = time.monotonic()
    out = _flask(url, "seed-demo", "--orders", str(orders))
    seconds = time.monotonic() - started
    print(f"seed-demo --orders {orders} into {make_url(url).database}: {seconds:.1f} s")
    print("  " + "\n  ".join(out.strip().splitlines()[-4:-1]))
    analyze(url)
    return seconds
