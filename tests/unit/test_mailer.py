"""Send Email as actions: addresses checked before anything is kept, the message built from the
stored copy, and every send recorded as sent or failed (transports stand in for a server here;
tests/functional/test_email_smtp.py uses a real one)."""

from __future__ import annotations

import smtplib
import socket
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, select

from actions.attachments import add_attachment
from actions.email_templates import order_confirmation, render_email_template
from actions.errors import PermissionDenied, ValidationFailed
from actions.mailer import (
    EmailData,
    MailSettings,
    build_message,
    compose_email,
    default_recipient,
    deliver,
    parse_addresses,
    send_email,
)
from models import Email
from tests import factories
from tests.functional.test_email_smtp import SmtpSink, _free_port

PDF = b"%PDF-1.4\n%%EOF\n"
SETTINGS = MailSettings(server="mail.example", port=25, sender="OrderDesk <od@orderdesk.example>")


@pytest.fixture
def setup(session):
    users = factories.make_users(session)
    order = factories.make_order(session, factories.make_catalog(session), actor=users["sales"])
    session.flush()
    return users, order


def _data(**overrides):
    values = {"to": "buyer@acme.example", "subject": "Hi", "body": "Hello"}
    values.update(overrides)
    return EmailData(**values)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a@b.example", ["a@b.example"]),
        ("a@b.example, c.d+x@e-f.example; g@h.io", ["a@b.example", "c.d+x@e-f.example", "g@h.io"]),
        ("Bea Buyer <bea@acme.example>", ["Bea Buyer <bea@acme.example>"]),
        ('"Buyer" <bea@acme.example>', ["Buyer <bea@acme.example>"]),
    ],
)
def test_valid_address_lists_are_accepted(text, expected):
    assert parse_addresses(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "plainaddress",
        "@acme.example",
        "bea@",
        "bea@acme",
        "bea@@acme.example",
        "bea@acme..example",
        ".bea@acme.example",
        "bea@acme.example\r\nBcc: x@y.example",
        "Bea <bea@acme.example",
        "bea @acme.example",
    ],
)
def test_invalid_addresses_are_refused_with_the_address_named(text):
    with pytest.raises(ValidationFailed, match="is not a valid email address"):
        parse_addresses(text)


def test_to_is_required_but_cc_is_not():
    with pytest.raises(ValidationFailed, match="at least one"):
        parse_addresses(" , ")
    assert parse_addresses("", label="Cc", required=False) == []


def test_the_default_recipient_is_the_customer_users_email(setup):
    _users, order = setup
    assert default_recipient(order) == "buyer@acme.example"


def test_an_invalid_email_is_refused_before_anything_is_kept(session, setup):
    users, order = setup
    for data in (
        _data(to="nobody"),
        _data(cc="bad@"),
        _data(subject=" "),
        _data(body=""),
        _data(attachment_ids=[999]),
    ):
        with pytest.raises(ValidationFailed):
            compose_email(session, order, data, actor=users["sales"])
    with pytest.raises(PermissionDenied):
        compose_email(session, order, _data(), actor=users["viewer"])
    assert session.scalar(select(func.count()).select_from(Email)) == 0


def test_a_sent_email_records_its_headers_message_id_and_time(session, setup, storage):
    users, order = setup
    pdf = add_attachment(
        session, order, filename="po.pdf", data=PDF, comment=None, actor=users["sales"], storage=storage
    )
    email = compose_email(
        session, order, _data(cc="boss@acme.example", attachment_ids=[pdf.id]), actor=users["sales"]
    )
    assert (email.status, email.attempts, email.attachments) == (
        "pending",
        0,
        [{"id": pdf.id, "name": "po.pdf"}],
    )
    sent = []

    send_email(
        session,
        email,
        settings=SETTINGS,
        storage=storage,
        reply_to="s@x.example",
        transport=lambda message, settings: sent.append(message) or {},
    )

    assert (email.status, email.attempts, email.error) == ("sent", 1, None)
    assert email.sent_at is not None and email.message_id == sent[0]["Message-ID"]
    assert email.headers["From"] == "OrderDesk <od@orderdesk.example>"
    assert email.headers["Cc"] == "boss@acme.example"
    assert [p.get_filename() for p in sent[0].iter_attachments()] == ["po.pdf"]
    with pytest.raises(ValidationFailed, match="already been sent"):
        send_email(session, email, settings=SETTINGS, storage=storage)


def test_a_refused_send_is_kept_as_failed_and_a_second_send_counts_attempts(session, setup, storage):
    users, order = setup
    email = compose_email(session, order, _data(), actor=users["sales"])

    def refuse(message, settings):
        raise smtplib.SMTPDataError(554, b"5.7.1 Rejected")

    send_email(session, email, settings=SETTINGS, storage=storage, transport=refuse)
    assert (email.status, email.attempts) == ("failed", 1)
    assert email.error == "The mail server at mail.example:25 refused the email: Rejected."

    send_email(session, email, settings=SETTINGS, storage=storage, transport=lambda m, s: {})
    assert (email.status, email.attempts, email.error) == ("sent", 2, None)


def test_nothing_is_written_while_the_server_is_asked(session, setup, storage):
    # Given a pending email with an attachment, kept, and read again as a job worker reads it
    users, order = setup
    pdf = add_attachment(
        session, order, filename="po.pdf", data=PDF, comment=None, actor=users["sales"], storage=storage
    )
    email_id = compose_email(session, order, _data(attachment_ids=[pdf.id]), actor=users["sales"]).id
    session.commit()
    session.expunge_all()
    email = session.get(Email, email_id)
    writes = []

    def transport(message, settings):
        # What has been flushed by now is what the database holds
        writes.append(session.connection().exec_driver_sql("SELECT attempts FROM emails").scalar())
        return {}

    # When it is sent; then the server was asked before the attempt was written
    send_email(session, email, settings=SETTINGS, storage=storage, transport=transport)
    assert writes == [0]
    assert (email.status, email.attempts) == ("sent", 1)


def test_an_attachment_deleted_before_a_retry_fails_the_send_with_its_name(session, setup, tmp_path, storage):
    users, order = setup
    pdf = add_attachment(
        session, order, filename="po.pdf", data=PDF, comment=None, actor=users["sales"], storage=storage
    )
    email = compose_email(session, order, _data(attachment_ids=[pdf.id]), actor=users["sales"])
    (tmp_path / pdf.stored_name).unlink()

    send_email(session, email, settings=SETTINGS, storage=storage, transport=lambda m, s: {})

    assert email.status == "failed" and "po.pdf" in email.error


def test_the_message_carries_the_stored_copy(session, setup):
    users, order = setup
    email = compose_email(session, order, _data(body="Line <1>\r\nLine 2"), actor=users["sales"])
    message = build_message(email, sender="od@orderdesk.example", order_number="SO-1")
    assert message["To"] == "buyer@acme.example" and message["X-OrderDesk-Order"] == "SO-1"
    assert message.get_content() == "Line <1>\nLine 2\n"


def test_the_order_confirmation_template_has_number_lines_totals_and_addresses(session, setup):
    users, order = setup
    subject, body = order_confirmation(session, order, sender=users["sales"])
    assert subject == f"Order confirmation: {order.identifier}"
    for text in (
        order.identifier,
        "PO number: PO-1001",
        "WID-1  Widget: 2 item x $10.00 = $20.00",
        "Subtotal: $45.50",
        "Shipping: $10.00",
        "Tax: $4.55",
        "Total: $60.05",
        "Billing address:",
        "1 Main St",
        "12345 Springfield",
        "Dear Bea Buyer",
        "Sales User",
    ):
        assert text in body
    with pytest.raises(ValidationFailed):
        render_email_template(session, "nope", order)


def test_deliver_logs_in_when_a_username_is_configured():
    # Given a real SMTP server that offers a login (plain text allowed on 127.0.0.1)
    sink = SmtpSink(port=_free_port())
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    controller = Controller(
        sink, hostname=sink.host, port=sink.port, auth_require_tls=False, authenticator=authenticator
    )
    controller.start()
    try:
        from email.message import EmailMessage

        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@b.example", "c@d.example", "Hi"
        message.set_content("x")
        good = MailSettings(server=sink.host, port=sink.port, username="od", password="s3cret")
        # When sent with the configured login, it logs in and the message arrives
        deliver(message, good)
    finally:
        controller.stop()
    assert logins[0] == (b"od", b"s3cret") and len(sink.received) == 1


def test_starttls_is_required_when_configured():
    # Given a server without STARTTLS, a TLS-only configuration refuses to send in clear text
    sink = SmtpSink(port=_free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        from email.message import EmailMessage

        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@b.example", "c@d.example", "Hi"
        message.set_content("x")
        with pytest.raises(smtplib.SMTPNotSupportedError):
            deliver(message, MailSettings(server=sink.host, port=sink.port, use_tls=True))
    finally:
        controller.stop()
    assert sink.received == []


class _RefusingRecipients(SmtpSink):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return "550 5.1.1 No such user here"


@pytest.fixture
def real_server():
    """Start an aiosmtpd server on 127.0.0.1 with the given handler and options."""
    controllers = []

    def start(sink=None, **options):
        sink = sink or SmtpSink()
        sink.port = _free_port()
        controller = Controller(sink, hostname=sink.host, port=sink.port, **options)
        controller.start()
        controllers.append(controller)
        return sink

    yield start
    for controller in controllers:
        controller.stop()


def _send_to(session, setup, storage, settings):
    users, order = setup
    email = compose_email(session, order, _data(), actor=users["sales"])
    return send_email(session, email, settings=settings, storage=storage)


def test_a_refused_connection_says_the_server_did_not_answer_and_logs_the_errno(
    session, setup, storage, caplog
):
    port = _free_port()
    with caplog.at_level("WARNING", logger="actions.mailer"):
        email = _send_to(session, setup, storage, MailSettings(server="127.0.0.1", port=port))
    assert (email.status, email.error) == ("failed", f"The mail server at 127.0.0.1:{port} did not answer.")
    assert "Errno" in caplog.text and "Connection refused" in caplog.text


def test_a_server_that_never_greets_is_a_timeout_in_words(session, setup, storage, caplog):
    # Given a socket that accepts connections but never says anything
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with caplog.at_level("WARNING", logger="actions.mailer"):
            email = _send_to(
                session, setup, storage, MailSettings(server="127.0.0.1", port=port, timeout=0.3)
            )
    assert email.error == f"The mail server at 127.0.0.1:{port} did not answer within 0.3 seconds."
    assert "timed out" in caplog.text


def test_a_refused_login_is_said_in_words(session, setup, storage, real_server, caplog):
    sink = real_server(
        auth_require_tls=False, authenticator=lambda *args: AuthResult(success=False, handled=False)
    )
    settings = MailSettings(server=sink.host, port=sink.port, username="od", password="wrong")
    with caplog.at_level("WARNING", logger="actions.mailer"):
        email = _send_to(session, setup, storage, settings)
    assert email.error == (
        f"The mail server at {sink.host}:{sink.port} refused the user name or password of the mail settings."
    )
    # The port is random and may itself contain the digits: look for the code as the server sent it.
    assert "(535, b'" in caplog.text and f"{sink.port}" in email.error
    assert "535" not in email.error.replace(f"{sink.host}:{sink.port}", "")
    assert sink.received == []


def test_a_server_without_tls_is_said_in_words_when_tls_is_required(session, setup, storage, real_server):
    sink = real_server()
    email = _send_to(session, setup, storage, MailSettings(server=sink.host, port=sink.port, use_tls=True))
    assert email.error == (
        f"The mail server at {sink.host}:{sink.port} does not offer a secure (TLS) connection, "
        "and the mail settings require one."
    )
    assert sink.received == []


def test_refused_recipients_are_named_without_the_servers_codes(session, setup, storage, real_server, caplog):
    sink = real_server(_RefusingRecipients())
    with caplog.at_level("WARNING", logger="actions.mailer"):
        email = _send_to(session, setup, storage, MailSettings(server=sink.host, port=sink.port))
    assert email.error == (
        f"The mail server at {sink.host}:{sink.port} refused every recipient (buyer@acme.example)."
    )
    # The port is random and may itself contain the digits: look for the code as the server sent it.
    assert "(550, b'" in caplog.text and f"{sink.port}" in email.error
    assert "550" not in email.error.replace(f"{sink.host}:{sink.port}", "")


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (
            smtplib.SMTPSenderRefused(553, b"5.1.8 Bad sender", "od@orderdesk.example"),
            "refused the sender address od@orderdesk.example.",
        ),
        (
            smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
            "closed the connection before the email was sent.",
        ),
        (
            smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server."),
            "does not offer a sign-in, and the mail settings have a user name.",
        ),
        (
            ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"),
            "refused a secure (TLS) connection.",
        ),
        (smtplib.SMTPDataError(552, b"5.3.4 Message too big."), "refused the email: Message too big."),
    ],
)
def test_other_failures_are_said_in_words_without_technical_detail(session, setup, storage, exc, words):
    users, order = setup
    email = compose_email(session, order, _data(), actor=users["sales"])

    def fail(message, settings):
        raise exc

    send_email(session, email, settings=SETTINGS, storage=storage, transport=fail)
    assert email.error == f"The mail server at mail.example:25 {words}"


def test_an_unknown_server_name_is_said_in_words(session, setup, storage):
    users, order = setup
    email = compose_email(session, order, _data(), actor=users["sales"])

    def fail(message, settings):
        raise socket.gaierror(-2, "Name or service not known")

    send_email(session, email, settings=SETTINGS, storage=storage, transport=fail)
    assert email.error == "The mail server name mail.example could not be found."
