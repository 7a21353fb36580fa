"""`peerpath demo`: two organisations and one person per persona, to try PeerPath on this machine.

Idempotent: once the demo organisations exist it only prints the sign-ins again. It loads nothing into a
database that already holds other people, and refuses to run at all with PEERPATH_ENV=production.
`peerpath demo --code EMAIL` prints the current authenticator code of a demo staff account.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from peerpath.accounts import services
from peerpath.accounts.models import Organisation, User
from peerpath.accounts.roles import STAFF_ROLES, Role
from peerpath.directory.demo import load_directory_demo
from peerpath.directory.selectors import public_listings
from peerpath.forum.demo import demo_forum_guide, load_forum_demo
from peerpath.matching.demo import demo_matching_guide, load_matching_demo
from peerpath.prescriptions.demo import load_prescriptions_demo, waiting_invitation_code
from peerpath.programmes.demo import demo_programme_guide, load_programmes_demo
from peerpath.screening import classifiers as screening_classifiers
from peerpath.spaces.demo import demo_space_guide, load_spaces_demo

DEMO_DOMAIN = "peerpath.demo"
# One memorable password for every demo person: long, not common, not repetitive (settings validators).
DEMO_PASSWORD = "kettle-harbour-lantern-47"


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    name: str
    slug: str
    kind: str


@dataclass(frozen=True)
class DemoPerson:
    persona: str
    handle: str
    legal_name: str
    organisation: str
    roles: tuple[str, ...]

    @property
    def email(self) -> str:
        return f"{self.persona.replace('_', '-')}@{DEMO_DOMAIN}"

    @property
    def is_staff(self) -> bool:
        return bool(STAFF_ROLES.intersection(self.roles))


ORGANISATIONS = (
    DemoOrganisation("home", "Riverside Health", "riverside-health", Organisation.Kind.CLINIC),
    DemoOrganisation("other", "Northern Liver Foundation", "northern-liver-foundation", Organisation.Kind.CHARITY),
)

PEOPLE = (
    DemoPerson("member", "amber-fox", "Priya Natarajan", "home", (Role.MEMBER,)),
    DemoPerson("carer", "tea-and-toast", "David Okafor", "home", (Role.CARER,)),
    DemoPerson("peer_supporter", "steady-steps", "Maureen Doyle", "home", (Role.PEER_SUPPORTER,)),
    DemoPerson("moderator", "fair-winds", "Tom Brennan", "home", (Role.MODERATOR,)),
    DemoPerson("clinician", "dr-ahmed", "Dr Yusuf Ahmed", "home", (Role.CLINICIAN,)),
    DemoPerson("coordinator", "sarah-w", "Sarah Whitfield", "home", (Role.COORDINATOR,)),
    DemoPerson("admin", "riverside-admin", "Gareth Lloyd", "home", (Role.ADMIN,)),
    DemoPerson("outsider", "fiona-c", "Fiona Campbell", "other", (Role.COORDINATOR, Role.CLINICIAN)),
)


def is_demo_email(email: str) -> bool:
    return email.strip().lower().endswith("@" + DEMO_DOMAIN)


def current_code(secret: str, *, at: float | None = None) -> str:
    """The authenticator code an app would show now for this base32 secret (RFC 6238, allauth's settings)."""
    moment = time.time() if at is None else at
    return format_hotp_value(hotp_value(secret, int(moment) // mfa_settings.TOTP_PERIOD))


def seconds_left_for_code(*, at: float | None = None) -> int:
    moment = time.time() if at is None else at
    return mfa_settings.TOTP_PERIOD - int(moment) % mfa_settings.TOTP_PERIOD


def totp_secret_of(user: User) -> str | None:
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    return str(decrypt(authenticator.data["secret"]))


def demo_loaded() -> bool:
    return Organisation.objects.filter(slug__in=[org.slug for org in ORGANISATIONS]).exists()


@transaction.atomic
def load_demo() -> None:
    """Everything through the account services, so the demo leaves the same audit trail as real use."""
    organisations = {
        org.key: services.organisation_create(name=org.name, kind=org.kind, slug=org.slug) for org in ORGANISATIONS
    }
    people: dict[str, User] = {}
    for person in PEOPLE:
        user = services.user_create(
            email=person.email,
            password=DEMO_PASSWORD,
            handle=person.handle,
            legal_name=person.legal_name,
            email_verified=True,
        )
        for role in person.roles:
            services.role_grant(actor=None, user=user, organisation=organisations[person.organisation], role=role)
        if person.is_staff:
            services.mfa_enrol_totp(user=user, secret=generate_totp_secret())
        people[person.persona] = user
    load_directory_demo(organisations=organisations, people=people)
    load_prescriptions_demo(organisation=organisations["home"], people=people)
    load_spaces_demo(organisations=organisations, people=people)
    load_forum_demo(people=people)
    load_programmes_demo(organisation=organisations["home"], people=people)
    load_matching_demo(organisation=organisations["home"], people=people)


class Command(BaseCommand):
    help = "Load demo organisations and people (development only) and print how to sign in as each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--code",
            metavar="EMAIL",
            help="Print the current authenticator code of a demo staff account (clinician@peerpath.demo).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo is for trying PeerPath out: it refuses to run in production.")
        if options["code"]:
            self._print_code(options["code"])
            return
        if demo_loaded():
            self.stdout.write("The demo data is already loaded.")
        elif User.objects.exists():
            self.stdout.write("This database holds accounts that are not the demo's: no demo data loaded.")
            return
        else:
            load_demo()
            self.stdout.write(self.style.SUCCESS("Loaded the demo: two organisations and one person per role."))
            self.stdout.write(
                f"Directory: {public_listings().count()} public listings, and more in the vetting queue. "
                "Search it without signing in: http://127.0.0.1:8000/directory/?q=POTS"
            )
        self._print_sign_ins()

    def _print_code(self, email: str) -> None:
        if not is_demo_email(email):
            raise CommandError(f"Codes are shown for demo accounts only (…@{DEMO_DOMAIN}).")
        user = User.objects.filter(email__iexact=email.strip()).first()
        secret = totp_secret_of(user) if user is not None else None
        if secret is None:
            raise CommandError(f"{email} is not a demo staff account with an authenticator.")
        self.stdout.write(current_code(secret))
        self.stderr.write(f"(valid for about {seconds_left_for_code()} more seconds)")

    def _print_sign_ins(self) -> None:
        names = dict(Organisation.objects.filter(slug__in=[o.slug for o in ORGANISATIONS]).values_list("slug", "name"))
        org_names = {org.key: names.get(org.slug, org.name) for org in ORGANISATIONS}
        users = {user.email: user for user in User.objects.filter(email__in=[p.email for p in PEOPLE])}
        write = self.stdout.write
        write("")
        write(self.style.MIGRATE_HEADING("Demo sign-ins (this machine only)"))
        write(f"  Password for every demo account: {DEMO_PASSWORD}")
        write("")
        for person in PEOPLE:
            if person.email not in users:
                continue
            roles = " + ".join(str(Role(role).label) for role in person.roles)
            write(f"  {person.email:<32} {person.legal_name:<18} {roles} at {org_names[person.organisation]}")
        write("")
        write(self.style.MIGRATE_HEADING("Staff also need an authenticator code (two-factor authentication)"))
        write("  Add the secret or the otpauth:// link to an authenticator app, or type the code shown.")
        adapter = get_mfa_adapter()
        example = ""
        for person in PEOPLE:
            user = users.get(person.email)
            secret = totp_secret_of(user) if user is not None else None
            if user is None or secret is None:
                continue
            example = example or person.email
            write(f"  {person.email:<32} code {current_code(secret)}   secret {secret}")
            write(f"      {adapter.build_totp_url(user, secret)}")
        if example:
            write("")
            period, left = mfa_settings.TOTP_PERIOD, seconds_left_for_code()
            write(f"  Codes change every {period} seconds (these for {left} more).")
            write(f"  Print a fresh one: .venv/bin/peerpath demo --code {example}")
        code = waiting_invitation_code(f"member@{DEMO_DOMAIN}")
        if code:
            write("")
            write(self.style.MIGRATE_HEADING("A peer-support prescription is waiting for the demo patient"))
            write(f"  Sign in as member@{DEMO_DOMAIN}, open http://127.0.0.1:8000/invitations/ and type {code}")
        programme_guide = demo_programme_guide("http://127.0.0.1:8000") + demo_matching_guide("http://127.0.0.1:8000")
        if programme_guide:
            write("")
            write(self.style.MIGRATE_HEADING("A peer-supporter programme: caseloads and contacts"))
            for line in programme_guide:
                write(line)
        guide = demo_space_guide("http://127.0.0.1:8000") + demo_forum_guide("http://127.0.0.1:8000")
        if guide:
            write("")
            write(self.style.MIGRATE_HEADING("Groups hosted on PeerPath, their forums and moderation"))
            for line in guide:
                write(line)
        rules_only = screening_classifiers.degraded()
        if rules_only:
            write("")
            write(self.style.WARNING(f"Screening runs on its rules alone ({'; '.join(rules_only)}): see /healthz."))
        write("")
