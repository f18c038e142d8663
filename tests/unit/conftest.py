"""Unit-test data on the plain session (no Flask): one user per role and a small catalog."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.factories import make_catalog, make_users


@pytest.fixture
def catalog(session: Session) -> dict[str, Any]:
    made = make_catalog(session)
    session.commit()
    return made


@pytest.fixture
def users(session: Session) -> dict[str, Any]:
    made = make_users(session)
    session.commit()
    return made
