"""CLI commands (DESIGN §5): create-user's scriptable account creation with clear refusals, and
seed-demo writing into the configured folders."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import func, select

from actions.two_factor import enrol_two_factor, new_secret
from actions.users import authenticate
from models import Attachment, User, db


def _user_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


def test_create_user_reads_the_password_from_stdin_and_the_user_can_log_in(app):
    # When an operator creates a sales user, piping the password in
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "Dana@Example.com",
            "--role",
            "sales",
            "--name",
            "Dana Scully",
            "--password-stdin",
        ],
        input="trust-no-one-1013\n",
    )

    # Then the command reports it, and the user authenticates with exactly that password
    assert result.exit_code == 0, result.output
    assert "Created sales dana@example.com" in result.output
    user = authenticate(db.session, "dana@example.com", "trust-no-one-1013")
    assert user is not None
    assert (user.role, user.full_name, user.active) == ("sales", "Dana Scully", True)
    assert authenticate(db.session, "dana@example.com", "trust-no-one-1013\n") is None


def test_an_unknown_role_is_refused_with_the_valid_choices_and_creates_nobody(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "eve@example.com", "--role", "root", "--password-stdin"],
        input="long-enough-password\n",
    )
    assert result.exit_code != 0
    assert "Invalid value for '--role'" in result.output
    assert "'admin', 'manager', 'sales', 'viewer'" in result.output
    assert _user_count() == 0


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("eve@example.com", "short", "Password must be at least 8 characters."),
        ("not-an-email", "long-enough-password", "not a valid email address"),
    ],
)
def test_bad_input_fails_with_a_clear_message_and_creates_nobody(app, email, password, message):
    # When the command is given a short password or a bad email
    result = app.test_cli_runner().invoke(
        args=["create-user", email, "--role", "viewer", "--password-stdin"], input=password + "\n"
    )
    # Then it fails with the reason, without a traceback, and no user exists
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert _user_count() == 0


def test_a_second_user_with_the_same_email_is_refused(app):
    runner = app.test_cli_runner()
    args = ["create-user", "dana@example.com", "--role", "viewer", "--password-stdin"]
    assert runner.invoke(args=args, input="first-password-1\n").exit_code == 0
    again = runner.invoke(args=args, input="second-password-2\n")
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert _user_count() == 1


def test_set_password_gives_a_locked_out_user_a_new_password(app, users):
    result = app.test_cli_runner().invoke(
        args=["set-password", "SALES@example.com", "--password-stdin"], input="brand-new-horse-7\n"
    )
    assert result.exit_code == 0, result.output
    assert "New password set for sales@example.com" in result.output
    assert authenticate(db.session, "sales@example.com", "brand-new-horse-7") is not None


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("nobody@example.com", "long-enough-password", "No user has the email"),
        ("sales@example.com", "x", "at least 8"),
    ],
)
def test_set_password_refuses_an_unknown_user_or_a_short_password(app, users, email, password, message):
    result = app.test_cli_runner().invoke(
        args=["set-password", email, "--password-stdin"], input=password + "\n"
    )
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_deactivate_user_stops_the_user_from_logging_in(app, users):
    result = app.test_cli_runner().invoke(args=["deactivate-user", "sales@example.com"])
    assert result.exit_code == 0, result.output
    assert "Deactivated sales@example.com" in result.output
    db.session.expire_all()
    assert authenticate(db.session, "sales@example.com", "correct-horse-42") is None


def test_deactivate_user_refuses_the_last_active_administrator(app, users):
    result = app.test_cli_runner().invoke(args=["deactivate-user", "admin@example.com"])
    assert result.exit_code == 1
    assert "At least one active administrator must remain" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(User.active).where(User.email == "admin@example.com")) is True


def test_reset_2fa_removes_a_users_two_factor_sign_in(app, users):
    secret = new_secret()
    enrol_two_factor(db.session, users["admin"], secret, pyotp.TOTP(secret).now())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reset-2fa", "Admin@Example.com"])
    assert result.exit_code == 0, result.output
    assert "Two-factor sign-in reset for admin@example.com" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(User.totp_secret).where(User.email == "admin@example.com")) is None


def test_reset_2fa_says_when_there_is_nothing_to_reset(app, users):
    result = app.test_cli_runner().invoke(args=["reset-2fa", "sales@example.com"])
    assert result.exit_code == 1
    assert "sales@example.com has no two-factor sign-in to reset" in result.output


def test_seed_demo_writes_the_demo_attachments_into_the_configured_upload_folder(app, tmp_path):
    # Given an app whose upload folder is an empty directory
    app.config["ORDERDESK_UPLOAD_DIR"] = str(tmp_path)

    # When the demo is seeded from the command line
    result = app.test_cli_runner().invoke(args=["seed-demo", "--orders", "12", "--seed", "3"])

    # Then every demo attachment is stored there, under its generated name
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    stored = sorted(db.session.scalars(select(Attachment.stored_name)))
    assert stored
    assert sorted(p.name for p in tmp_path.iterdir()) == stored
