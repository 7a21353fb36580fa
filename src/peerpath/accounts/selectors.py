"""Reads about people and organisations, already filtered to what the asking person may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from peerpath.accounts.models import Organisation, RoleAssignment, User
from peerpath.accounts.roles import ORG_MANAGER_ROLES, STAFF_ROLES, TEAM_ROLES, Role


@dataclass
class OrganisationRoles:
    organisation: Organisation
    roles: list[str] = field(default_factory=list)

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles]

    @property
    def manages(self) -> bool:
        return bool(ORG_MANAGER_ROLES.intersection(self.roles))


def roles_of(user: Any) -> set[str]:
    """Every role the person holds in any organisation (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_peerpath_roles", None)
    if cached is None:
        cached = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        user._peerpath_roles = cached
    return set(cached)


def roles_in(user: Any, organisation_id: Any) -> set[str]:
    """The roles a person holds in one organisation."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(RoleAssignment.objects.filter(user=user, organisation_id=organisation_id).values_list("role", flat=True))


def requires_mfa(user: Any) -> bool:
    return bool(STAFF_ROLES.intersection(roles_of(user)))


def has_totp(user: Any) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def roles_by_organisation(user: Any) -> list[OrganisationRoles]:
    if not getattr(user, "is_authenticated", False):
        return []
    grouped: dict[Any, OrganisationRoles] = {}
    for assignment in RoleAssignment.objects.filter(user=user).select_related("organisation"):
        entry = grouped.setdefault(assignment.organisation_id, OrganisationRoles(assignment.organisation))
        entry.roles.append(assignment.role)
    return sorted(grouped.values(), key=lambda entry: entry.organisation.name)


def managed_organisations(user: Any) -> QuerySet[Organisation]:
    """Organisations whose staff list and audit log this person may see."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        role_assignments__user=user, role_assignments__role__in=ORG_MANAGER_ROLES
    ).distinct()


def organisation_team(organisation: Organisation) -> list[tuple[User, list[RoleAssignment]]]:
    """The people who work or volunteer for an organisation, each with their team roles there."""
    team_roles = RoleAssignment.objects.filter(organisation=organisation, role__in=TEAM_ROLES).order_by("role")
    people = (
        User.objects.filter(role_assignments__in=team_roles)
        .distinct()
        .order_by("handle")
        .prefetch_related(Prefetch("role_assignments", queryset=team_roles, to_attr="team_roles"))
    )
    return [(person, list(person.team_roles)) for person in people]


def handle_taken(handle: str, *, exclude: User | None = None) -> bool:
    others = User.objects.filter(handle__iexact=handle)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    return others.exists()


def user_by_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()
