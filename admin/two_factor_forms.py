"""What the two-factor pages share: the code form, the enrolment QR code and the policy."""

from __future__ import annotations

import segno
from flask import current_app
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from actions.two_factor import TwoFactorPolicy, provisioning_uri
from models import User


class CodeForm(FlaskForm):
    code = StringField(
        "Authentication code",
        validators=[DataRequired(message="Enter the code."), Length(max=20)],
        description="The 6-digit code from your authenticator app, or one of your recovery codes.",
    )


def qr_code_data_uri(user: User, secret: str) -> str:
    """The enrolment QR code as an SVG data URI (the CSP allows data: images, no extra route)."""
    return str(segno.make(provisioning_uri(user, secret), error="m").svg_data_uri(scale=5, border=2))


def two_factor_policy() -> TwoFactorPolicy:
    """ORDERDESK_REQUIRE_2FA, checked when the app starts."""
    return TwoFactorPolicy(current_app.config["ORDERDESK_REQUIRE_2FA"])
