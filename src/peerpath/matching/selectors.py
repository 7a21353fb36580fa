"""Reads of matching profiles, filtered to what the asker may see (issue 17).

Who may join a programme's pool, and in which role: a member looks for a buddy in a programme that offers buddy
support ("buddy" in its support kinds) of an organisation they are a member, carer or patient of; a peer supporter
offers to be a mentor in the programmes they support. There is no separate volunteer-mentor role in accounts, so a
supporter is the mentor. The list page and the gate both read `joinable_roles`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from peerpath.accounts.models import RoleAssignment
from peerpath.accounts.roles import Role as AccountRole
from peerpath.directory.models import Listing
from peerpath.matching.models import MatchProfile
from peerpath.matching.vocabulary import Role
from peerpath.prescriptions.models import Patient, Prescription
from peerpath.programmes.models import Programme, SupportKind
from peerpath.programmes.selectors import managed_programmes

MEMBER_ROLES = frozenset({AccountRole.MEMBER, AccountRole.CARER})


def offers_buddy(programme: Programme) -> bool:
    return programme.status == Programme.Status.ACTIVE and SupportKind.BUDDY in (programme.support_kinds or [])


def joinable_programmes(user: Any) -> list[tuple[Programme, list[str]]]:
    """The running buddy programmes the person may join, each with the roles open to them (mentor first)."""
    if not getattr(user, "is_authenticated", False):
        return []
    member_orgs = set(
        RoleAssignment.objects.filter(user=user, role__in=MEMBER_ROLES).values_list("organisation_id", flat=True)
    ) | set(Patient.objects.filter(user=user).values_list("organisation_id", flat=True))
    supported = set(Programme.objects.filter(supporters__user=user).values_list("pk", flat=True))
    candidates = Programme.objects.filter(status=Programme.Status.ACTIVE).select_related("organisation")
    candidates = candidates.filter(organisation_id__in=member_orgs) | candidates.filter(pk__in=supported)
    joinable = []
    for programme in candidates.distinct().order_by("organisation__name", "name"):
        if not offers_buddy(programme):
            continue  # support_kinds is a JSON list: SQLite cannot filter on its items
        roles = ([Role.MENTOR.value] if programme.pk in supported else []) + (
            [Role.MENTEE.value] if programme.organisation_id in member_orgs else []
        )
        joinable.append((programme, roles))
    return joinable


def joinable_roles(user: Any, programme: Programme) -> list[str]:
    """The roles the person may take in this programme's pool; empty: none."""
    for candidate, roles in joinable_programmes(user):
        if candidate.pk == programme.pk:
            return roles
    return []


def own_profiles(user: Any) -> QuerySet[MatchProfile]:
    if not getattr(user, "is_authenticated", False):
        return MatchProfile.objects.none()
    return MatchProfile.objects.filter(user=user)


def pool(programme: Programme) -> QuerySet[MatchProfile]:
    """The programme's pool: profiles whose owner consented to be matched and has not withdrawn."""
    return MatchProfile.objects.filter(
        programme=programme, consent_given_at__isnull=False, consent_withdrawn_at__isnull=True
    )


def managed_buddy_programmes(user: Any) -> list[Programme]:
    """Buddy programmes of the organisations the person runs: whose pools they see."""
    return [programme for programme in managed_programmes(user).select_related("organisation")
            if offers_buddy(programme)]  # fmt: skip


def pool_listing(programme: Programme) -> list[MatchProfile]:
    """The pool as the coordinator's page shows it: handle, role, consent date; mentors first."""
    return list(pool(programme).select_related("user").order_by("-role", "consent_given_at"))


@dataclass(frozen=True)
class PrescribedBuddy:
    """A running prescription of "a buddy for …" (a kind of support, no listing), and the clinic's buddy programme
    whose pool it leads to."""

    prescription: Prescription
    programme: Programme


def prescribed_buddies(user: Any) -> list[PrescribedBuddy]:
    """The person's running buddy prescriptions, each with the prescribing clinic's buddy programme for that
    condition (one that names the condition first, else one that names none). Joining its pool stays the person's
    own choice: the profile and the consent to be matched are theirs to give."""
    if not getattr(user, "is_authenticated", False):
        return []
    prescriptions = (
        Prescription.objects.filter(patient__user=user, listing__isnull=True, support_kind=Listing.Kind.BUDDY,
                                    status__in=Prescription.RUNNING_STATUSES)
        .select_related("condition", "organisation")
        .order_by("-created_at")
    )  # fmt: skip
    found = []
    for prescription in prescriptions:
        programmes = [
            programme
            for programme in Programme.objects.filter(organisation_id=prescription.organisation_id,
                                                      status=Programme.Status.ACTIVE)
            .prefetch_related("conditions").order_by("name")
            if offers_buddy(programme)
        ]  # fmt: skip
        named = [p for p in programmes if prescription.condition_id in {c.pk for c in p.conditions.all()}]
        general = [p for p in programmes if not p.conditions.all()]
        if named or general:
            found.append(PrescribedBuddy(prescription=prescription, programme=(named or general)[0]))
    return found
