"""Two-factor sign-in in actions/: enrolment proves the app holds the secret, codes work once,
recovery codes are used up, and a reset leaves the user without it and signed out."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import func, select

from actions.errors import ValidationFailed
from actions.two_factor import (
    RECOVERY_CODE_COUNT,
    TwoFactorPolicy,
    enrol_two_factor,
    new_secret,
    provisioning_uri,
    regenerate_recovery_codes,
    remaining_recovery_codes,
    reset_two_factor,
    reset_two_factor_of_users,
    turn_off_two_factor,
    two_factor_required,
    verify_second_factor,
)
from actions.users import create_user
from models import RecoveryCode

NOW = 1_790_000_000.0  # a fixed instant: codes are computed for it
STEP = 30


@pytest.fixture
def user(session):
    made = create_user(session, "ann@example.com", full_name="Ann", role="admin", password="long-enough-pw")
    session.commit()
    return made


@pytest.fixture
def enrolled(session, user):
    secret = new_secret()
    codes = enrol_two_factor(session, user, secret, pyotp.TOTP(secret).at(NOW), now=NOW)
    session.commit()
    return secret, codes


def test_enrolment_with_the_apps_current_code_turns_it_on_and_gives_ten_recovery_codes(
    session, user, enrolled
):
    secret, codes = enrolled
    assert user.two_factor_enabled and user.totp_secret == secret
    assert len(codes) == RECOVERY_CODE_COUNT == len(set(codes))
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    # Only hashes are stored.
    stored = session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == RECOVERY_CODE_COUNT
    assert not {code.replace("-", "") for code in codes} & set(stored)


def test_enrolment_with_a_wrong_code_is_refused_and_leaves_it_off(session, user):
    secret = new_secret()
    with pytest.raises(ValidationFailed, match="does not match"):
        enrol_two_factor(
            session, user, secret, "000000" if pyotp.TOTP(secret).at(NOW) != "000000" else "111111", now=NOW
        )
    assert not user.two_factor_enabled
    assert remaining_recovery_codes(session, user) == 0


def test_the_provisioning_address_names_orderdesk_and_the_user(user):
    uri = provisioning_uri(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert uri.startswith("otpauth://totp/OrderDesk:ann%40example.com?")
    assert "issuer=OrderDesk" in uri and "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri


def test_a_later_code_is_accepted_once_and_a_replayed_one_is_refused(session, user, enrolled):
    secret, _ = enrolled
    later = NOW + 2 * STEP
    code = pyotp.TOTP(secret).at(later)
    verify_second_factor(session, user, code, now=later)
    with pytest.raises(ValidationFailed, match="not valid"):
        verify_second_factor(session, user, code, now=later)


def test_a_code_one_step_old_still_works_for_clock_drift_but_two_steps_old_does_not(session, user, enrolled):
    secret, _ = enrolled
    later = NOW + 10 * STEP
    verify_second_factor(session, user, pyotp.TOTP(secret).at(later - STEP), now=later)
    with pytest.raises(ValidationFailed):
        verify_second_factor(session, user, pyotp.TOTP(secret).at(later - 3 * STEP), now=later + STEP)


def test_the_enrolment_code_cannot_be_used_again_to_sign_in(session, user, enrolled):
    secret, _ = enrolled
    with pytest.raises(ValidationFailed):
        verify_second_factor(session, user, pyotp.TOTP(secret).at(NOW), now=NOW)


def test_a_recovery_code_works_once_whatever_its_case_spaces_or_dash(session, user, enrolled):
    _, codes = enrolled
    verify_second_factor(session, user, " " + codes[0].upper().replace("-", " ") + " ", now=NOW)
    assert remaining_recovery_codes(session, user) == RECOVERY_CODE_COUNT - 1
    with pytest.raises(ValidationFailed):
        verify_second_factor(session, user, codes[0], now=NOW)


def test_another_users_recovery_code_does_not_work(session, user, enrolled):
    _, codes = enrolled
    bob = create_user(session, "bob@example.com", full_name="Bob", role="sales", password="long-enough-pw")
    secret = new_secret()
    enrol_two_factor(session, bob, secret, pyotp.TOTP(secret).at(NOW), now=NOW)
    with pytest.raises(ValidationFailed):
        verify_second_factor(session, bob, codes[1], now=NOW)
    assert remaining_recovery_codes(session, user) == RECOVERY_CODE_COUNT


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "x" * 500])
def test_malformed_codes_are_refused(session, user, enrolled, code):
    with pytest.raises(ValidationFailed, match="not valid"):
        verify_second_factor(session, user, code, now=NOW)


def test_a_user_without_two_factor_has_no_code_to_verify(session, user):
    with pytest.raises(ValidationFailed):
        verify_second_factor(session, user, "123456", now=NOW)


def test_new_recovery_codes_replace_the_old_ones(session, user, enrolled):
    secret, old = enrolled
    new = regenerate_recovery_codes(session, user, pyotp.TOTP(secret).now())
    assert not set(new) & set(old)
    assert remaining_recovery_codes(session, user) == RECOVERY_CODE_COUNT
    with pytest.raises(ValidationFailed):
        verify_second_factor(session, user, old[0])
    verify_second_factor(session, user, new[0])


def test_turning_it_off_needs_a_valid_code_and_is_refused_where_it_is_required(session, user, enrolled):
    secret, codes = enrolled
    with pytest.raises(ValidationFailed, match="required for your account"):
        turn_off_two_factor(session, user, codes[0], policy=TwoFactorPolicy.ADMIN)
    with pytest.raises(ValidationFailed, match="not valid"):
        turn_off_two_factor(session, user, "000000x", policy=TwoFactorPolicy.OFF)
    turn_off_two_factor(session, user, codes[0], policy=TwoFactorPolicy.OFF)
    assert not user.two_factor_enabled
    assert session.scalar(select(func.count()).select_from(RecoveryCode)) == 0


def test_a_reset_removes_it_and_ends_the_users_sessions(session, user, enrolled):
    token_before = user.session_token
    reset_two_factor(session, user)
    assert not user.two_factor_enabled and user.totp_last_step is None
    assert user.session_token != token_before
    assert remaining_recovery_codes(session, user) == 0
    with pytest.raises(ValidationFailed, match="no two-factor sign-in to reset"):
        reset_two_factor(session, user)


def test_a_reset_of_several_users_resets_those_who_have_it(session, user, enrolled):
    bob = create_user(session, "bob@example.com", full_name="Bob", role="sales", password="long-enough-pw")
    assert reset_two_factor_of_users(session, [user, bob]) == [user]


@pytest.mark.parametrize(
    ("policy", "role", "required"),
    [
        (TwoFactorPolicy.OFF, "admin", False),
        (TwoFactorPolicy.ADMIN, "admin", True),
        (TwoFactorPolicy.ADMIN, "manager", False),
        (TwoFactorPolicy.ALL, "viewer", True),
    ],
)
def test_the_policy_says_who_must_use_it(user, policy, role, required):
    user.role = role
    assert two_factor_required(user, policy) is required
