"""Order form benchmark: Create Order and Edit with 100,000 customers and 10,000 products.

Seeds a small SQLite demo (schema by Flask-Migrate), bulk-inserts extra customers and
products with prices, then, logged in as the demo sales user, times (median of 5 after a
warm-up) the create page, the edit page of an order, the customer picker, the product picker
and the shipping-options lookup, with the SQL statements each request runs.

    .venv/bin/python bench/form_bench.py [--customers 100000] [--products 10000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select  # noqa: E402

from bench.grid_bench import build  # noqa: E402
from models import Customer, Order, Product, ProductPrice, db, utcnow  # noqa: E402
from seed import DEMO_LOGINS  # noqa: E402

RUNS = 5
CHUNK = 10_000


def add_volume(customers: int, products: int) -> None:
    """Bulk-insert customers and priced products (names spread over the alphabet)."""
    now = utcnow()
    existing = db.session.scalar(select(func.count()).select_from(Customer)) or 0
    for start in range(existing, customers, CHUNK):
        db.session.execute(
            insert(Customer),
            [
                {
                    "name": f"{chr(65 + i % 26)}{chr(97 + i // 26 % 26)} Trading {i:06d}",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(start, min(start + CHUNK, customers))
            ],
        )
    first = (db.session.scalar(select(func.max(Product.id))) or 0) + 1
    rows = [
        {
            "id": first + i,
            "sku": f"BENCH-{i:05d}",
            "name": f"Bench part {i:05d}",
            "unit": "item",
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(products)
    ]
    db.session.execute(insert(Product), rows)
    db.session.execute(
        insert(ProductPrice),
        [
            {
                "product_id": row["id"],
                "currency": "USD",
                "unit": "item",
                "value": Decimal(10 + row["id"] % 90),
            }
            for row in rows
        ],
    )
    db.session.commit()


def timed(client, method: str, url: str, **kwargs) -> tuple[float, int]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    call = getattr(client, method)
    call(url, **kwargs)  # warm-up
    times = []
    for _ in range(RUNS):
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", record)
        started = time.perf_counter()
        response = call(url, **kwargs)
        times.append(time.perf_counter() - started)
        event.remove(db.engine, "before_cursor_execute", record)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="orderdesk-form-"))
    folder.mkdir(parents=True, exist_ok=True)
    app, _seconds = build(folder / "form.db", 1_000, reuse=False)
    with app.app_context():
        add_volume(args.customers, args.products)
        order_id = db.session.scalar(
            select(Order.id).where(Order.internal_status == "open").order_by(Order.id).limit(1)
        )
        counts = (
            db.session.scalar(select(func.count()).select_from(Customer)),
            db.session.scalar(select(func.count()).select_from(Product)),
        )
        sales = DEMO_LOGINS[2]
        client = app.test_client()
        client.post("/login", data={"email": sales.email, "password": sales.password})
        cases = [
            ("Create Order page", "get", "/admin/orders/new/", {}),
            ("Edit page of an order", "get", f"/admin/orders/edit/?id={order_id}", {}),
            ("customer picker 'tr'", "get", "/admin/orders/lookup/customers?q=ma", {}),
            (
                "product picker 'bench part 09'",
                "get",
                "/admin/orders/lookup/products?q=bench%20part%2009&currency=USD",
                {},
            ),
            (
                "shipping options",
                "post",
                "/admin/orders/lookup/shipping",
                {"json": {"currency": "USD", "quantities": ["2", "3"]}},
            ),
        ]
        print(f"{counts[0]:,} customers, {counts[1]:,} products")
        print(f"{'case':34} {'ms':>8} {'stmts':>6}")
        for label, method, url, kwargs in cases:
            ms, statements = timed(client, method, url, **kwargs)
            print(f"{label:34} {ms:8.1f} {statements:6d}")


if __name__ == "__main__":
    main()
