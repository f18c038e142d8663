"""Check that the demo records schemathesis.toml names are still there, as it describes them:
every id in a dictionary bound to a path parameter names a record, the orders of the open-order
dictionaries are open, and an id under an order (a note, an attachment) belongs to the order it
is pinned with. The demo's seed makes the same records every run; a change to the seed that
moves them fails here, by name, rather than as 404 warnings in the contract run.

Usage: check_demo_ids.py CONFIG SQLITE_FILE"""

from __future__ import annotations

import sqlite3
import sys
import tomllib
from typing import Any

TABLES = {
    "order_id": "orders",
    "customer_id": "customers",
    "customer_user_id": "customer_users",
    "product_id": "products",
    "shopping_list_id": "shopping_lists",
    "rfq_id": "rfqs",
    "note_id": "notes",
    "event_id": "calendar_events",
    "attachment_id": "attachments",
    "email_id": "emails",
    "discount_id": "special_discounts",
    "applied_id": "applied_promotions",
}
# The order dictionaries of open orders (an order's own records may be of any status).
OPEN = {"open-orders", "orders-to-delete", "orders-to-move-on", "orders-to-ship"}


def _bindings(parameters: dict[str, Any]) -> dict[str, str]:
    """Path parameter name -> dictionary name, for the parameters a dictionary fills."""
    return {
        key.removeprefix("path."): value["dictionary"]
        for key, value in parameters.items()
        if key.startswith("path.") and isinstance(value, dict) and "dictionary" in value
    }


def problems(config: dict[str, Any], db: sqlite3.Connection) -> list[str]:
    values = {name: entry["values"] for name, entry in config["dictionaries"].items()}
    found: list[str] = []
    scopes = [("[parameters]", _bindings(config.get("parameters", {})))]
    scopes += [(str(op["include-name"]), _bindings(op.get("parameters", {}))) for op in config["operations"]]
    for scope, bindings in scopes:
        orders = values.get(bindings.get("order_id", ""), [])
        for parameter, dictionary in bindings.items():
            table = TABLES.get(parameter)
            if table is None:
                continue
            for record_id in values[dictionary]:
                row = db.execute(f"SELECT * FROM {table} WHERE id = ?", (record_id,)).fetchone()
                if row is None:
                    found.append(f"{scope}: {dictionary} names {table} {record_id}, which the demo lacks")
                elif dictionary in OPEN and row["internal_status"] != "open":
                    found.append(f"{scope}: order {record_id} of {dictionary} is {row['internal_status']}")
                elif table != "orders" and parameter != "order_id" and "order_id" in row.keys():
                    if bindings.get("order_id") and row["order_id"] not in orders:
                        found.append(f"{scope}: {table} {record_id} belongs to order {row['order_id']}")
    return found


def main() -> None:
    with open(sys.argv[1], "rb") as file:
        config = tomllib.load(file)
    db = sqlite3.connect(sys.argv[2])
    db.row_factory = sqlite3.Row
    found = problems(config, db)
    for problem in found:
        print(f"contract: {problem}", file=sys.stderr)
    if found:
        sys.exit("contract: the demo's records moved; update tests/contract/schemathesis.toml")


if __name__ == "__main__":
    main()
