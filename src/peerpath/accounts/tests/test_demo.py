"""`peerpath demo`: the people a newcomer signs in as, with the password and codes it prints."""

from __future__ import annotations

import re
from io import StringIO

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import validate_totp_code
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from peerpath.accounts.management.commands.demo import DEMO_PASSWORD, PEOPLE, totp_secret_of
from peerpath.accounts.models import Organisation, RoleAssignment, User
from peerpath.accounts.roles import Role
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db

STAFF = {person.email for person in PEOPLE if person.is_staff}
PERSONAS = {person.persona for person in PEOPLE}


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def printed_password(output: str) -> str:
    match = re.search(r"Password for every demo account: (\S+)", output)
    assert match, output
    return match.group(1)


def printed_codes(output: str) -> dict[str, tuple[str, str]]:
    """e-mail -> (code, secret) as the command printed them."""
    return {
        email: (code, secret)
        for email, code, secret in re.findall(r"(\S+@peerpath\.demo)\s+code (\d{6})\s+secret ([A-Z2-7]+)", output)
    }


@pytest.fixture(autouse=True)
def _fast_hasher(settings) -> None:
    """Argon2 is slow on purpose and the demo hashes eight passwords a run; the flow is what is tested."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen():
    """Codes last 30 seconds: a test that crossed a boundary would fail for the wrong reason."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_the_demo_has_one_person_per_persona_and_staff_roles_of_the_matrix():
    everyone = {
        "member",
        "carer",
        "peer_supporter",
        "moderator",
        "clinician",
        "coordinator",
        "admin",
        "outsider",
    }
    staff = {"peer_supporter", "moderator", "clinician", "coordinator", "admin", "outsider"}
    assert everyone == PERSONAS
    assert staff == {person.persona for person in PEOPLE if person.is_staff}


def test_running_it_twice_creates_each_person_once():
    first = run_demo()
    second = run_demo()
    assert "Loaded the demo" in first
    assert "already loaded" in second
    assert User.objects.filter(email__endswith="@peerpath.demo").count() == len(PEOPLE)
    assert Organisation.objects.count() == 2
    assert printed_password(first) == printed_password(second) == DEMO_PASSWORD
    # The second run prints the same secrets: they are read back, not made anew.
    assert {email: secret for email, (_, secret) in printed_codes(first).items()} == {
        email: secret for email, (_, secret) in printed_codes(second).items()
    }


def test_the_outsider_works_for_the_other_organisation():
    run_demo()
    outsider = User.objects.get(email="outsider@peerpath.demo")
    roles = set(RoleAssignment.objects.filter(user=outsider).values_list("organisation__slug", "role"))
    assert roles == {
        ("northern-liver-foundation", Role.COORDINATOR),
        ("northern-liver-foundation", Role.CLINICIAN),
    }


def test_staff_have_an_authenticator_with_their_own_secret_and_members_none():
    output = run_demo()
    with_totp = set(Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list("user__email", flat=True))
    assert with_totp == STAFF
    codes = printed_codes(output)
    assert set(codes) == STAFF
    assert len({secret for _, secret in codes.values()}) == len(STAFF)


def test_every_demo_person_is_verified_and_the_password_passes_the_rules():
    run_demo()
    for user in User.objects.filter(email__endswith="@peerpath.demo"):
        assert user.emailaddress_set.get().verified
        validate_password(DEMO_PASSWORD, user)


def test_a_printed_code_validates_against_the_stored_secret(frozen):
    codes = printed_codes(run_demo())
    for email, (code, _) in codes.items():
        stored = totp_secret_of(User.objects.get(email=email))
        assert stored is not None and validate_totp_code(stored, code), email


def test_every_persona_signs_in_through_the_real_form_with_the_printed_password(frozen):
    output = run_demo()
    password, codes = printed_password(output), printed_codes(output)
    for person in PEOPLE:
        client = Client()
        response = client.post("/accounts/login/", {"login": person.email, "password": password})
        assert response.status_code == 302, person.email
        if person.is_staff:
            assert response["Location"] == "/accounts/2fa/authenticate/"
            assert "_auth_user_id" not in client.session, "staff are not in before the second factor"
            response = client.post("/accounts/2fa/authenticate/", {"code": codes[person.email][0]})
            assert response.status_code == 302, person.email
        assert response["Location"] == "/"
        assert client.session["_auth_user_id"] == str(User.objects.get(email=person.email).pk), person.email


def test_code_option_prints_the_code_the_app_would_show(frozen):
    codes = printed_codes(run_demo())
    assert run_demo("--code", "Clinician@peerpath.demo").strip() == codes["clinician@peerpath.demo"][0]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("someone@example.org", "demo accounts only"),
        ("member@peerpath.demo", "not a demo staff account"),
        ("nobody@peerpath.demo", "not a demo staff account"),
    ],
)
def test_code_option_refuses_what_is_not_a_demo_staff_account(email, message):
    run_demo()
    with pytest.raises(CommandError, match=message):
        run_demo("--code", email)


@pytest.mark.parametrize("args", [(), ("--code", "clinician@peerpath.demo")])
def test_it_refuses_to_run_in_production(settings, args):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        run_demo(*args)
    assert not User.objects.exists()


def test_it_loads_nothing_into_a_database_that_holds_other_people():
    make_user("real-person")
    output = run_demo()
    assert "no demo data loaded" in output
    assert not Organisation.objects.exists()
    assert User.objects.count() == 1
