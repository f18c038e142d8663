"""OrderDesk's application factory and command-line commands. Nothing is built at import time."""

from __future__ import annotations

import math
import os
import secrets
import sys
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click
from flask import Flask
from flask_migrate import Migrate
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from actions.documents import check_paper_size
from actions.errors import DomainError
from actions.money import CURRENCIES
from actions.two_factor import TwoFactorPolicy
from actions.users import is_time_zone
from models import db
from models.dialect import configure_engine, normalize_database_url
from models.storage import open_storage

migrate = Migrate()
T = TypeVar("T")


def _secret_key(app: Flask) -> str:
    """SECRET_KEY from the environment, else the development key `make run` made in instance/.

    Only development and tests may make that key. A command of the `flask` CLI other than
    `flask run` signs nothing, so without either key it gets a throw-away one.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    development = app.debug or app.testing or os.environ.get("ORDERDESK_ENV") == "development"
    if development:
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
        return path.read_text().strip()
    command = click.get_current_context(silent=True)
    if command is not None and command.command.name != "run":
        return secrets.token_hex(32)
    raise RuntimeError("SECRET_KEY must be set (see README: Configuration).")


def _base_url() -> str:
    """Where users reach OrderDesk; absolute links (e.g. in calendar files) start with it."""
    default = f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
    return os.environ.get("ORDERDESK_BASE_URL", default).rstrip("/")


def _trusted_hosts(base_url: str) -> list[str]:
    """Requests for any other Host are refused: the base URL's host, this machine's names, and
    ORDERDESK_TRUSTED_HOSTS (comma-separated, e.g. a load balancer's address)."""
    extra = [h.strip() for h in os.environ.get("ORDERDESK_TRUSTED_HOSTS", "").split(",") if h.strip()]
    return list(dict.fromkeys([urlsplit(base_url).hostname or "127.0.0.1", "127.0.0.1", "localhost", *extra]))


def parse_retry_delays(value: str | Iterable[float]) -> tuple[float, ...]:
    """ORDERDESK_EMAIL_RETRY_DELAYS and ORDERDESK_WEBHOOK_RETRY_DELAYS: the pauses before each
    further try, in seconds: "120,480", or numbers; "" for none.

    Raises: ValueError for anything that is not a positive number of seconds.
    """
    parts = [p.strip() for p in value.split(",")] if isinstance(value, str) else list(value)
    if isinstance(value, str) and parts == [""]:
        return ()
    delays = []
    for part in parts:
        seconds = float(part)
        if not math.isfinite(seconds) or seconds <= 0:
            raise ValueError(part)
        delays.append(seconds)
    return tuple(delays)


def _bound_waits(app: Flask) -> None:
    """A database or Redis that drops packets must not hang requests (and /healthz) for
    minutes: connecting and each answer wait at most ORDERDESK_CONNECT_TIMEOUT seconds."""
    timeout = app.config["ORDERDESK_CONNECT_TIMEOUT"]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # libpq counts whole seconds, two at least.
        connect_args = {"connect_timeout": max(2, math.ceil(timeout))}
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect_args}
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("redis"):
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": timeout, "socket_timeout": timeout}
        )


def _load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    overrides = overrides or {}
    app.testing = bool(overrides.get("TESTING", False))
    default_db = "sqlite:///" + str(Path(app.instance_path) / "orderdesk.db")
    app.config.update(
        SQLALCHEMY_DATABASE_URI=normalize_database_url(os.environ.get("DATABASE_URL", default_db)),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SESSION_COOKIE_HTTPONLY=True,
        # Idle time after which a session ends (each request starts the time again).
        PERMANENT_SESSION_LIFETIME=timedelta(
            minutes=int(os.environ.get("ORDERDESK_SESSION_IDLE_MINUTES", "480"))
        ),
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("ORDERDESK_HTTPS") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        # Login attempts are counted where every worker sees them once Redis is configured.
        RATELIMIT_STORAGE_URI=os.environ.get("REDIS_URL") or "memory://",
        # Redis out of reach: count in this process meanwhile rather than refuse every login.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        ORDERDESK_UPLOAD_DIR=os.environ.get("ORDERDESK_UPLOAD_DIR", str(Path(app.instance_path) / "uploads")),
        # Attachments and the files jobs make (under jobs/): a folder or s3://bucket/prefix;
        # unset, the upload folder.
        ORDERDESK_STORAGE=os.environ.get("ORDERDESK_STORAGE", "").strip() or None,
        ORDERDESK_S3_ENDPOINT_URL=os.environ.get("ORDERDESK_S3_ENDPOINT_URL", "").strip() or None,
        ORDERDESK_MAX_UPLOAD_MB=int(os.environ.get("ORDERDESK_MAX_UPLOAD_MB", "10")),
        ORDERDESK_HTTPS=os.environ.get("ORDERDESK_HTTPS") == "1",
        # Proxies in front (load balancer, nginx) whose X-Forwarded-For/-Proto are believed:
        # the login throttle then counts per client address, not per load balancer.
        ORDERDESK_PROXIES=os.environ.get("ORDERDESK_PROXIES", "0"),
        ORDERDESK_BASE_URL=_base_url(),
        ORDERDESK_DEFAULT_CURRENCY=os.environ.get("ORDERDESK_DEFAULT_CURRENCY", "USD").strip().upper(),
        ORDERDESK_DEFAULT_TIMEZONE=os.environ.get("ORDERDESK_DEFAULT_TIMEZONE", "UTC").strip() or "UTC",
        ORDERDESK_REQUIRE_2FA=os.environ.get("ORDERDESK_REQUIRE_2FA", "off").strip().lower(),
        REDIS_URL=os.environ.get("REDIS_URL") or None,
        # Seconds to wait for PostgreSQL or Redis to answer before calling it down.
        ORDERDESK_CONNECT_TIMEOUT=float(os.environ.get("ORDERDESK_CONNECT_TIMEOUT", "3")),
        # Printed on invoices and packing slips; the address's lines are separated by "\n".
        ORDERDESK_SELLER_NAME=os.environ.get("ORDERDESK_SELLER_NAME", "OrderDesk").strip() or "OrderDesk",
        ORDERDESK_SELLER_ADDRESS=os.environ.get("ORDERDESK_SELLER_ADDRESS", ""),
        ORDERDESK_PAPER_SIZE=os.environ.get("ORDERDESK_PAPER_SIZE", "A4"),
        # The daily overdue check's time of day (HH:MM, the site's time zone); unset = off.
        ORDERDESK_CANCEL_OVERDUE_AT=os.environ.get("ORDERDESK_CANCEL_OVERDUE_AT", "").strip() or None,
        # Seconds a running job's worker may be silent before another worker takes it over.
        ORDERDESK_JOB_STALE_SECONDS=int(os.environ.get("ORDERDESK_JOB_STALE_SECONDS", "20")),
        ORDERDESK_EXPORT_KEEP_DAYS=int(os.environ.get("ORDERDESK_EXPORT_KEEP_DAYS", "7")),
        # Orders per transaction in a bulk job.
        ORDERDESK_JOB_CHUNK=int(os.environ.get("ORDERDESK_JOB_CHUNK", "500")),
        ORDERDESK_API_RATE_LIMIT=os.environ.get("ORDERDESK_API_RATE_LIMIT", "600 per minute"),
        # Calls with a token that is not valid, per address: guessing tokens is throttled.
        ORDERDESK_API_REFUSED_TOKEN_LIMIT=os.environ.get(
            "ORDERDESK_API_REFUSED_TOKEN_LIMIT", "30 per minute"
        ),
        # Seconds before each further try of an email whose send failed ("" = one try only).
        ORDERDESK_EMAIL_RETRY_DELAYS=os.environ.get("ORDERDESK_EMAIL_RETRY_DELAYS", "120,480"),
        # Seconds before each further try of a webhook delivery the endpoint did not take.
        ORDERDESK_WEBHOOK_RETRY_DELAYS=os.environ.get("ORDERDESK_WEBHOOK_RETRY_DELAYS", "10,60,300,1800"),
        # Webhooks to private and loopback addresses (tests and development only).
        ORDERDESK_WEBHOOKS_ALLOW_PRIVATE=os.environ.get("ORDERDESK_WEBHOOKS_ALLOW_PRIVATE") == "1",
        # The job queue's SQLite file when REDIS_URL is unset (default: instance/jobs-queue.db);
        # the web processes and the workers must name the same one.
        ORDERDESK_QUEUE_FILE=os.environ.get("ORDERDESK_QUEUE_FILE") or None,
        MAIL_SERVER=os.environ.get("MAIL_SERVER", "localhost"),
        MAIL_PORT=int(os.environ.get("MAIL_PORT", "25")),
        MAIL_USE_TLS=os.environ.get("MAIL_USE_TLS", "0").lower() in ("1", "true", "yes"),
        MAIL_USERNAME=os.environ.get("MAIL_USERNAME") or None,
        MAIL_PASSWORD=os.environ.get("MAIL_PASSWORD") or None,
        MAIL_DEFAULT_SENDER=os.environ.get("MAIL_DEFAULT_SENDER", "OrderDesk <orderdesk@localhost>"),
    )
    app.config.update(overrides)
    _bound_waits(app)
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = _trusted_hosts(app.config["ORDERDESK_BASE_URL"])
    if "MAX_CONTENT_LENGTH" not in overrides:
        # One MB above the upload limit: a slightly larger file reaches the upload check and
        # gets its message; anything bigger is cut off early with a 413 (also explained).
        app.config["MAX_CONTENT_LENGTH"] = (int(app.config["ORDERDESK_MAX_UPLOAD_MB"]) + 1) << 20
    if app.config["ORDERDESK_DEFAULT_CURRENCY"] not in CURRENCIES:
        raise RuntimeError(f"ORDERDESK_DEFAULT_CURRENCY must be one of {', '.join(CURRENCIES)}.")
    if not is_time_zone(app.config["ORDERDESK_DEFAULT_TIMEZONE"]):
        raise RuntimeError(
            "ORDERDESK_DEFAULT_TIMEZONE must be an IANA time zone such as Europe/Paris or UTC."
        )
    try:
        app.config["ORDERDESK_PROXIES"] = int(app.config["ORDERDESK_PROXIES"])
        if app.config["ORDERDESK_PROXIES"] < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise RuntimeError(
            "ORDERDESK_PROXIES must be how many proxies stand in front, such as 1 (0: none)."
        ) from None
    try:
        app.config["ORDERDESK_PAPER_SIZE"] = check_paper_size(str(app.config["ORDERDESK_PAPER_SIZE"]))
    except DomainError as exc:
        raise RuntimeError(f"ORDERDESK_PAPER_SIZE: {exc.message}") from None
    if app.config["ORDERDESK_REQUIRE_2FA"] not in {p.value for p in TwoFactorPolicy}:
        raise RuntimeError("ORDERDESK_REQUIRE_2FA must be one of off, admin, all.")
    try:
        app.config["ORDERDESK_EMAIL_RETRY_DELAYS"] = parse_retry_delays(
            app.config["ORDERDESK_EMAIL_RETRY_DELAYS"]
        )
    except (TypeError, ValueError):
        raise RuntimeError(
            "ORDERDESK_EMAIL_RETRY_DELAYS must be seconds separated by commas, such as 120,480."
        ) from None
    try:
        app.config["ORDERDESK_WEBHOOK_RETRY_DELAYS"] = parse_retry_delays(
            app.config["ORDERDESK_WEBHOOK_RETRY_DELAYS"]
        )
    except (TypeError, ValueError):
        raise RuntimeError(
            "ORDERDESK_WEBHOOK_RETRY_DELAYS must be seconds separated by commas, such as 10,60,300,1800."
        ) from None
    try:
        open_storage(app.config["ORDERDESK_STORAGE"] or app.config["ORDERDESK_UPLOAD_DIR"])
    except ValueError as exc:
        raise RuntimeError(f"ORDERDESK_STORAGE: {exc} See README: Configuration.") from None
    if "SECRET_KEY" not in overrides:
        app.config["SECRET_KEY"] = _secret_key(app)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a configured OrderDesk application; `config` overrides the environment."""
    app = Flask(__name__, instance_relative_config=True)
    _load_config(app, config)
    if hops := app.config["ORDERDESK_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    with app.app_context():
        configure_engine(db.engine)

    from actions.audit import install_audit_listeners
    from actions.text_limits import install_length_checks
    from admin import init_admin
    from admin.jobs.queue import init_jobs

    install_length_checks(Session)
    install_audit_listeners(Session)
    init_admin(app)
    init_jobs(app)
    _register_commands(app)
    return app


def create_web_app() -> Flask:
    """The application as the web server runs it: `create_app()`, with every page template
    compiled before the worker takes its first request. Jinja compiles a template on first use,
    so a fresh or recycled worker's first order grid took about 170 ms instead of 14, and its
    first order page 77 ms instead of 10; compiling them all takes about half a second of the
    worker's start instead. Commands and tests use `create_app()` and do not pay for it."""
    app = create_app()
    for name in app.jinja_env.list_templates(extensions=["html"]):
        app.jinja_env.get_template(name)
    return app


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _run(operation: Callable[[], T]) -> T:
    """Run one action for a command: commit, or roll back and exit with the refusal."""
    from actions.errors import DomainError

    try:
        result = operation()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    return result


def _file_count(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


def _register_commands(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", required=True, type=click.Choice(["admin", "manager", "sales", "viewer"]))
    @click.option("--name", "full_name", default="", help="Full name (defaults to the email).")
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
    def create_user_command(email: str, role: str, full_name: str, password_stdin: bool) -> None:
        """Create a back-office user; prompts for the password unless --password-stdin."""
        from actions.users import create_user

        password = _read_password(password_stdin)
        user = _run(lambda: create_user(db.session, email, full_name=full_name, role=role, password=password))
        click.echo(f"Created {user.role} {user.email}")

    @app.cli.command("set-password")
    @click.argument("email")
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
    def set_password_command(email: str, password_stdin: bool) -> None:
        """Give a user a new password (e.g. a locked-out administrator)."""
        from actions.users import find_user, set_password

        password = _read_password(password_stdin)
        user = _run(lambda: set_password(db.session, find_user(db.session, email), password))
        click.echo(f"New password set for {user.email}")

    @app.cli.command("deactivate-user")
    @click.argument("email")
    def deactivate_user_command(email: str) -> None:
        """Stop a user from logging in (the last active administrator cannot be deactivated)."""
        from actions.users import deactivate_user, find_user

        user = _run(lambda: deactivate_user(db.session, find_user(db.session, email)))
        click.echo(f"Deactivated {user.email}")

    @app.cli.command("reset-2fa")
    @click.argument("email")
    def reset_two_factor_command(email: str) -> None:
        """Remove a user's two-factor sign-in (lost phone); they set it up again if required."""
        from actions.two_factor import reset_two_factor
        from actions.users import find_user

        user = _run(lambda: reset_two_factor(db.session, find_user(db.session, email)))
        click.echo(f"Two-factor sign-in reset for {user.email}")

    @app.cli.command("create-token")
    @click.argument("email")
    @click.option("--name", required=True, help='What uses the token, e.g. "Warehouse sync".')
    @click.option("--expires-days", type=int, default=None, help="Days until it expires (default: never).")
    def create_token_command(email: str, name: str, expires_days: int | None) -> None:
        """Make a personal API token for a user and print it (only it, on standard output)."""
        from actions.api_tokens import create_api_token
        from actions.users import find_user
        from models import utcnow

        made = _run(
            lambda: create_api_token(
                db.session, find_user(db.session, email), name=name, expires_days=expires_days, now=utcnow()
            )
        )
        click.echo(made.secret)
        token = made.token
        note = f"API token {token.name!r} for {token.user.email}: keep it now, it will not be shown again."
        click.echo(note, err=True)

    @app.cli.command("cancel-overdue")
    def cancel_overdue_command() -> None:
        """Cancel open orders whose ship-until date has passed (today still counts as in time)."""
        from actions.lifecycle import cancel_overdue
        from models import utcnow

        numbers = _run(lambda: cancel_overdue(db.session, utcnow().date()))
        if numbers:
            click.echo(f"Cancelled {len(numbers)} overdue orders: {', '.join(numbers)}")
        else:
            click.echo("No overdue open orders.")

    @app.cli.command("rebuild-dashboard")
    def rebuild_dashboard_command() -> None:
        """Compute the dashboard's running totals again from every order (after a bulk load)."""
        from actions.rollups import rebuild_rollups

        count = _run(lambda: rebuild_rollups(db.session))
        click.echo(f"Dashboard totals rebuilt from {count:,} orders.")

    @app.cli.command("worker")
    @click.option("--threads", default=2, show_default=True, help="Jobs run at the same time.")
    @click.option(
        "--nice",
        default=10,
        show_default=True,
        type=click.IntRange(0, 19),
        help="How far below the web server's the worker's CPU priority is (0: the same).",
    )
    def worker_command(threads: int, nice: int) -> None:
        """Run a job worker: bulk actions, large exports, emails, the daily overdue check."""
        from admin.jobs.worker import run_worker

        run_worker(app, threads=threads, nice=nice)

    @app.cli.command("move-attachments")
    @click.option("--to", "target_url", required=True, help="The new storage: s3://bucket/prefix.")
    @click.option("--delete-local", is_flag=True, help="Remove each local file once the target holds it.")
    def move_attachments_command(target_url: str, delete_local: bool) -> None:
        """Copy the attachments and job files of the local folder to another storage (S3);
        safe to run again, it copies only what is not there yet."""
        from models.storage_copy import CopyFailed, copy_files

        # The folder in use: ORDERDESK_STORAGE when it names one, else the upload folder.
        configured = app.config["ORDERDESK_STORAGE"] or ""
        folder = configured if configured and not configured.startswith("s3:") else None
        source = open_storage(folder or app.config["ORDERDESK_UPLOAD_DIR"])
        try:
            target = open_storage(target_url, endpoint_url=app.config["ORDERDESK_S3_ENDPOINT_URL"])
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--to") from None
        if target.url == source.url:
            raise click.BadParameter(f"{source.url} is where the files are already.", param_hint="--to")
        if not target.ping():
            raise click.ClickException(
                f"{target.url} does not answer: check the bucket, ORDERDESK_S3_ENDPOINT_URL "
                "and the AWS_* credentials."
            )
        try:
            report = copy_files(source, target, delete_source=delete_local)
        except (CopyFailed, OSError) as exc:
            raise click.ClickException(f"{exc} What was copied stays; run the command again.") from None
        click.echo(
            f"Copied {_file_count(report.copied)} from {source.url} to {target.url} "
            f"({report.already_there} already there)."
        )
        if delete_local:
            click.echo(f"Removed {_file_count(report.deleted)} from {source.url}.")
        click.echo(f"Now set ORDERDESK_STORAGE={target.url} and restart OrderDesk and its workers.")

    @app.cli.command("seed-demo")
    @click.option("--orders", default=300, show_default=True, help="How many orders to create.")
    @click.option("--seed", "seed_value", default=42, show_default=True, help="Random seed.")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
    def seed_demo_command(orders: int, seed_value: int, if_empty: bool) -> None:
        """Fill the database with the deterministic demo (SPEC §9)."""
        from admin.settings import storage
        from seed import seed_demo

        report = seed_demo(
            db.session,
            storage=storage(),
            orders=orders,
            seed=seed_value,
            if_empty=if_empty,
            echo=click.echo,
        )
        click.echo(report)
