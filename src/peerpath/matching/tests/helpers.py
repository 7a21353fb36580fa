"""Buddy programmes, extra people and matching profiles for tests, made through the services."""

from __future__ import annotations

from typing import Any

from peerpath.accounts import services as accounts
from peerpath.accounts.models import User
from peerpath.accounts.roles import Role as AccountRole
from peerpath.matching import services
from peerpath.matching.models import MatchProfile
from peerpath.programmes import services as programmes
from peerpath.programmes.models import Programme, Supporter
from peerpath.programmes.tests.helpers import programme
from peerpath.testing.personas import World, make_user


def buddy_programme(world: World, name: str = "Diabetes buddies", **fields: Any) -> Programme:
    return programme(world, name, support_kinds=["buddy", "one_to_one"], **fields)


def member(world: World, handle: str) -> User:
    person = make_user(handle)
    accounts.role_grant(actor=None, user=person, organisation=world.home, role=AccountRole.MEMBER)
    return person


def mentor(world: World, scheme: Programme, handle: str) -> tuple[User, Supporter]:
    person = make_user(handle)
    accounts.role_grant(actor=None, user=person, organisation=world.home, role=AccountRole.PEER_SUPPORTER)
    supporter = programmes.supporter_save(actor=world.people["coordinator"], organisation=world.home, user=person,
                                          data=programmes.SupporterData(programmes=[scheme]))  # fmt: skip
    return person, supporter


def data(**overrides: Any) -> services.ProfileData:
    values: dict[str, Any] = {
        "languages": ["en"],
        "formats": ["text", "video"],
        "age_band": "26_40",
        "life_stages": ["working"],
        "goals": ["daily_management", "emotional"],
        "availability": ["weekday_evening"],
        "timezone": "Europe/London",
        "interests": ["walking"],
        "about": "New to the pump and a bit lost.",
    }
    values.update(overrides)
    return services.ProfileData(**values)


def profile(
    user: User, scheme: Programme, role: str = "mentee", *, consent: bool = True, **overrides: Any
) -> MatchProfile:
    return services.profile_save(actor=user, programme=scheme, role=role, data=data(**overrides), give_consent=consent)
