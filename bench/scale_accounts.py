"""The sales accounts of bench/scale.sh: one per simulated user, since the login limit counts
10 attempts a minute per account. One process creates them all (a `flask create-user` each
would cost seconds of start-up apiece). Reads DATABASE_URL like the app. The locustfile
imports `sales_email` from here without the app, hence the imports inside main().

    .venv/bin/python bench/scale_accounts.py COUNT
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sales_email(number: int) -> str:
    """The account of the load test's sales user `number` (from 1)."""
    return f"scale-sales-{number}@orderdesk.test"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from actions.users import create_user
    from app import create_app
    from models import db
    from seed import DEMO_PASSWORD

    count = int(sys.argv[1])
    with create_app().app_context():
        for number in range(1, count + 1):
            create_user(
                db.session,
                sales_email(number),
                full_name=f"Scale Sales {number}",
                role="sales",
                password=DEMO_PASSWORD,
            )
        db.session.commit()


if __name__ == "__main__":
    main()
