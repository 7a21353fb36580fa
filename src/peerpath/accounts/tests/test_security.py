"""SECURITY.md's sign-in rules, tested as an attacker and as a person would meet them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core import mail
from django.test import Client
from django.utils import timezone

from peerpath.accounts import services
from peerpath.accounts.models import User
from peerpath.audit.models import AuditEvent
from peerpath.testing.personas import PERSONA_PASSWORD, TOTP_SECRET, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def current_code(secret: str = TOTP_SECRET) -> str:
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


def sign_in(client: Client, email: str, password: str = PERSONA_PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def signed_in_as(client: Client) -> User | None:
    response = client.get("/api/v1/me")
    return User.objects.get(pk=response.json()["id"]) if response.status_code == 200 else None


# --- Brute force (SECURITY.md: 5 per account in 30 minutes; ASVS 6.3.1) -------------------------------------


def test_sixth_attempt_is_refused_even_with_the_right_password(client, world):
    email = world["member"].email
    for _ in range(5):
        response = sign_in(client, email, "wrong password here")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = sign_in(client, email)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert b"Too many failed login attempts" in response.content
    assert AuditEvent.objects.filter(action="auth.locked_out", actor=world["member"]).exists()
    assert AuditEvent.objects.filter(action="auth.sign_in_failed", actor=world["member"]).count() == 5


def test_lockout_ends_after_thirty_minutes(client, world):
    email = world["member"].email
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            sign_in(client, email, "wrong password here")
        assert b"Too many" in sign_in(client, email).content
        traveller.shift(timedelta(minutes=31))
        response = sign_in(client, email)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(world["member"].pk)


def test_a_success_does_not_reset_the_count_for_an_attacker(client, world):
    """allauth gives back only the successful attempt's unit: interleaved successes don't reopen the door."""
    email = world["member"].email
    for _ in range(4):
        sign_in(client, email, "wrong password here")
    assert sign_in(client, email).status_code == 302
    client.logout()
    sign_in(client, email, "wrong password here")
    assert b"Too many" in sign_in(client, email).content


def test_lockout_of_one_account_leaves_others_alone(client, world):
    for _ in range(6):
        sign_in(client, world["member"].email, "wrong password here")
    assert sign_in(Client(), world["carer"].email).status_code == 302


def test_a_locked_unknown_account_gets_the_same_answer_as_a_real_one(world):
    real, ghost = Client(), Client()
    for _ in range(5):
        real_failed = sign_in(real, world["member"].email, "wrong password here")
        ghost_failed = sign_in(ghost, "nobody@example.org", "wrong password here")
    email = world["member"].email
    assert _visible_text(real_failed, email) == _visible_text(ghost_failed, "nobody@example.org")
    real_locked = sign_in(real, email)
    ghost_locked = sign_in(ghost, "nobody@example.org", PERSONA_PASSWORD)
    assert b"Too many" in real_locked.content
    assert _visible_text(real_locked, email) == _visible_text(ghost_locked, "nobody@example.org")


def _visible_text(response, typed_email: str) -> str:
    """The page as a person sees it, with the e-mail they typed and the CSRF token taken out."""
    import re

    text = response.content.decode().replace(typed_email, "X")
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return re.sub(r"\s+", " ", text)


# --- No user enumeration (ASVS 6.3.8) -----------------------------------------------------------------------


def test_sign_in_failure_reads_the_same_for_known_and_unknown_accounts(world):
    known = sign_in(Client(), world["member"].email, "wrong password here")
    unknown = sign_in(Client(), "nobody@example.org", "wrong password here")
    assert known.status_code == unknown.status_code == 200
    assert _visible_text(known, world["member"].email) == _visible_text(unknown, "nobody@example.org")


def test_password_reset_answers_the_same_for_known_and_unknown_accounts(world):
    known = Client().post("/accounts/password/reset/", {"email": world["member"].email})
    unknown = Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # Both get an e-mail; only the real account's holds a reset link.
    assert len(mail.outbox) == 2


# --- Passwords (ASVS 6.2.1, 6.2.4, 11.4.2) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, accepted",
    [
        ("short pass1", False),
        ("password1234", False),  # common
        ("123456789012", False),  # numeric
        ("aaaaaaaaaaaaaaaa", False),  # repetitive
        ("abcabcabcabc", False),
        ("qwertyuiopas", False),  # keyboard run
        ("x" * 300, False),  # over our generous maximum
        ("violet kettle morning rain", True),
        ("Ü" + "a long passphrase, 64 characters or more, must be accepted too!!", True),
    ],
)
def test_password_rules(password, accepted):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password)
    except ValidationError:
        assert not accepted
    else:
        assert accepted


def test_passwords_are_hashed_with_argon2id(world):
    user = make_user("hashcheck")
    user.set_password("violet kettle morning rain")
    assert user.password.startswith("argon2$argon2id$")


# --- MFA for staff (ASVS 6.3.3, 6.4.3) ------------------------------------------------------------------------


def test_staff_sign_in_asks_for_the_authenticator_code_before_anything(client, world):
    response = sign_in(client, world["clinician"].email)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    assert client.get("/settings/").status_code == 302  # still signed out
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(
        action="auth.sign_in_failed", actor=world["clinician"], details__factor="totp"
    ).exists()
    response = client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world["clinician"].pk)
    assert AuditEvent.objects.filter(action="auth.signed_in", actor=world["clinician"]).exists()


def test_staff_without_mfa_reach_nothing_but_mfa_set_up(client, world):
    newcomer = make_user("new-clinician")
    services.role_grant(actor=None, user=newcomer, organisation=world.home, role="clinician")
    assert sign_in(client, newcomer.email).status_code == 302
    for url in ("/", "/settings/", f"/organisations/{world.home.pk}/staff/", "/accounts/email/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/", url
    assert client.get("/api/v1/me").json()["code"] == "mfa_required"
    # Setting MFA up is reachable: allauth first asks for the password again, then shows the QR code.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(response["Location"], {"password": PERSONA_PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200


def test_a_member_given_a_staff_role_mid_session_must_set_up_mfa_at_once(client, world):
    client.force_login(world["member"])
    assert client.get("/settings/").status_code == 200
    services.role_grant(actor=None, user=world["member"], organisation=world.home, role="moderator")
    assert client.get("/settings/")["Location"] == "/accounts/2fa/totp/activate/"


def test_staff_cannot_remove_their_last_authenticator(client, world):
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator

    totp = Authenticator.objects.get(user=world["clinician"], type="totp")
    assert get_adapter().can_delete_authenticator(totp) is False
    member = make_user("member-with-mfa")
    services.mfa_enrol_totp(user=member, secret=TOTP_SECRET)
    assert get_adapter().can_delete_authenticator(Authenticator.objects.get(user=member, type="totp")) is True


def test_password_reset_never_bypasses_mfa(client, world):
    clinician = world["clinician"]
    client.post("/accounts/password/reset/", {"email": clinician.email})
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/password/reset/key/" in line)
    path = link[link.index("/accounts/") :].strip()
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    response = client.post(
        form_url, {"password1": "violet kettle morning rain", "password2": "violet kettle morning rain"}
    )
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    response = sign_in(client, clinician.email, "violet kettle morning rain")
    assert response["Location"] == "/accounts/2fa/authenticate/" and "_auth_user_id" not in client.session


# --- Sessions (ASVS 7.3.1-2; NIST 800-63B AAL2) ------------------------------------------------------------


def _signed_in(client: Client) -> bool:
    return client.get("/settings/").status_code == 200


def test_sign_in_starts_a_new_session(client, world):
    client.get(LOGIN)
    before = client.cookies["peerpath-session"].value if "peerpath-session" in client.cookies else None
    sign_in(client, world["member"].email)
    assert client.cookies["peerpath-session"].value != before


def test_staff_session_ends_after_30_idle_minutes(client, world):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(world["coordinator"])
        traveller.shift(timedelta(minutes=29))
        assert _signed_in(client)
        traveller.shift(timedelta(minutes=31))
        assert not _signed_in(client)
    assert AuditEvent.objects.filter(action="auth.session_expired", details__limit="idle").exists()


def test_staff_session_ends_after_12_hours_however_active(client, world):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(world["coordinator"])
        for _ in range(35):  # active every 20 minutes for 11h40
            traveller.shift(timedelta(minutes=20))
            assert _signed_in(client)
        traveller.shift(timedelta(minutes=21))
        assert not _signed_in(client)
    assert AuditEvent.objects.filter(action="auth.session_expired", details__limit="absolute").exists()


def test_member_session_survives_six_days_idle_but_not_eight(client, world):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(world["member"])
        traveller.shift(timedelta(days=6, hours=23))
        assert _signed_in(client)
        traveller.shift(timedelta(days=7, minutes=1))
        assert not _signed_in(client)


def test_member_session_ends_after_14_days_however_active(client, world):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(world["member"])
        for _ in range(4):
            traveller.shift(timedelta(days=3))
            assert _signed_in(client)
        traveller.shift(timedelta(days=2, minutes=1))
        assert not _signed_in(client)


def test_session_cookie_expiry_follows_the_policy(client, world):
    client.force_login(world["coordinator"])
    client.get("/settings/")
    assert client.session.get_expiry_age() <= 30 * 60 + 300


def test_changing_the_password_ends_other_sessions(world):
    laptop, phone = Client(), Client()
    laptop.force_login(world["member"])
    phone.force_login(world["member"])
    user = User.objects.get(pk=world["member"].pk)
    user.set_password("violet kettle morning rain")
    user.save(update_fields=["password"])
    assert not _signed_in(laptop) and not _signed_in(phone)


def test_disabling_an_account_ends_its_sessions(client, world):
    client.force_login(world["member"])
    User.objects.filter(pk=world["member"].pk).update(is_active=False)
    assert not _signed_in(client)


def test_sign_out_everywhere_ends_every_session(world):
    laptop, phone = Client(), Client()
    laptop.force_login(world["member"])
    phone.force_login(world["member"])
    response = laptop.post("/settings/sign-out-everywhere/")
    assert response.status_code == 302
    assert not _signed_in(laptop) and not _signed_in(phone)
    assert AuditEvent.objects.filter(action="account.signed_out_everywhere", actor=world["member"]).exists()


def test_pages_for_signed_in_people_are_never_cached(client, world):
    client.force_login(world["member"])
    assert "no-store" in client.get("/settings/")["Cache-Control"]
