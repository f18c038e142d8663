"""`flask --app app create-token EMAIL --name NAME [--expires-days N]`: a token for scripts,
printed alone on standard output (TOKEN=$(…) keeps it), with clear refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import ApiToken, db

ORDERS = "/api/v1/orders/"


def _tokens() -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(select(ApiToken)))


def test_the_command_prints_only_the_token_and_the_token_works(app, users):
    # When an operator makes a token for the viewer, for 30 days
    result = app.test_cli_runner().invoke(
        args=["create-token", "Viewer@Example.com", "--name", "Nightly report", "--expires-days", "30"]
    )

    # Then standard output holds the token and nothing else; the warning goes to standard error
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert result.stdout == secret + "\n" and secret.startswith("odk_")
    assert result.stderr == (
        "API token 'Nightly report' for viewer@example.com: keep it now, it will not be shown again.\n"
    )
    [token] = _tokens()
    assert (token.name, token.user.email) == ("Nightly report", "viewer@example.com")
    assert token.expires_at - token.created_at == timedelta(days=30)
    # and the API lets a script in with it, as the viewer
    response = app.test_client().get(ORDERS, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_without_expires_days_the_token_never_expires(app, users):
    result = app.test_cli_runner().invoke(args=["create-token", "sales@example.com", "--name", "sync"])
    assert result.exit_code == 0, result.output
    assert _tokens()[0].expires_at is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.com", "--name", "sync"], "No user has the email 'nobody@example.com'."),
        (["sales@example.com", "--name", "  "], "Give the token a name that says what uses it."),
        (["sales@example.com", "--name", "sync", "--expires-days", "0"], "1 to 3650 days, or never."),
        (["sales@example.com", "--name", "sync", "--expires-days", "4000"], "1 to 3650 days, or never."),
    ],
)
def test_bad_input_fails_with_a_clear_message_exit_code_1_and_makes_nothing(app, users, args, message):
    result = app.test_cli_runner().invoke(args=["create-token", *args])

    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert _tokens() == []


def test_a_deactivated_user_gets_no_token(app, users):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["deactivate-user", "sales@example.com"]).exit_code == 0

    result = runner.invoke(args=["create-token", "sales@example.com", "--name", "sync"])

    assert result.exit_code == 1
    assert "sales@example.com is deactivated and cannot have API tokens." in result.stderr
    assert _tokens() == []


@pytest.mark.parametrize(
    "args",
    [
        ["sales@example.com"],  # no --name
        ["sales@example.com", "--name", "sync", "--expires-days", "soon"],
    ],
)
def test_a_missing_name_or_a_days_value_that_is_no_number_is_a_usage_error(app, users, args):
    result = app.test_cli_runner().invoke(args=["create-token", *args])

    assert result.exit_code == 2
    assert "Usage:" in result.stderr
    assert _tokens() == []
