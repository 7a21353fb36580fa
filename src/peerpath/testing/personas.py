"""The people every PeerPath test talks about, in one place (STYLE.md practice 9).

Two organisations: Riverside Health (home) and Hillview Clinic (the outsider's). Staff personas have an
authenticator app, as the MFA rule demands, so a test can sign them in and reach staff pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.contrib.auth.hashers import make_password

from peerpath.accounts import services
from peerpath.accounts.models import Organisation, User
from peerpath.accounts.roles import Role

# One hash for every test persona: Argon2 is slow on purpose, and tests create many people.
PERSONA_PASSWORD = "correct horse battery staple 42"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@cache
def persona_password_hash() -> str:
    return make_password(PERSONA_PASSWORD)


# persona name -> (role in its organisation or None, organisation key)
PERSONA_ROLES: dict[str, tuple[str | None, str]] = {
    "member": (Role.MEMBER, "home"),
    "carer": (Role.CARER, "home"),
    "peer_supporter": (Role.PEER_SUPPORTER, "home"),
    "moderator": (Role.MODERATOR, "home"),
    "clinician": (Role.CLINICIAN, "home"),
    "coordinator": (Role.COORDINATOR, "home"),
    "admin": (Role.ADMIN, "home"),
    "outsider": (Role.COORDINATOR, "other"),
}
PERSONAS: tuple[str, ...] = ("anonymous", *PERSONA_ROLES)
STAFF_PERSONAS = frozenset({"peer_supporter", "moderator", "clinician", "coordinator", "admin", "outsider"})


@dataclass
class World:
    home: Organisation
    other: Organisation
    people: dict[str, User]

    def __getitem__(self, name: str) -> User | None:
        return None if name == "anonymous" else self.people[name]


def make_user(handle: str, *, email: str | None = None, legal_name: str = "", verified: bool = True) -> User:
    user = services.user_create(
        email=email or f"{handle}@example.org",
        password=None,
        handle=handle,
        legal_name=legal_name,
        email_verified=verified,
    )
    user.password = persona_password_hash()
    user.save(update_fields=["password"])
    return user


def make_world() -> World:
    home = services.organisation_create(name="Riverside Health", kind=Organisation.Kind.CLINIC, slug="riverside")
    other = services.organisation_create(name="Hillview Clinic", kind=Organisation.Kind.CLINIC, slug="hillview")
    people: dict[str, User] = {}
    for name, (role, org_key) in PERSONA_ROLES.items():
        user = make_user(name.replace("_", "-"), legal_name=f"{name.replace('_', ' ').title()} Testperson")
        if role is not None:
            services.role_grant(actor=None, user=user, organisation=home if org_key == "home" else other, role=role)
        if name in STAFF_PERSONAS:
            services.mfa_enrol_totp(user=user, secret=TOTP_SECRET)
        people[name] = user
    return World(home=home, other=other, people=people)
