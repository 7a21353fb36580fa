"""Reads for programmes, already filtered to what the asking person may see (issue 16)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery

from peerpath.accounts.models import RoleAssignment
from peerpath.accounts.roles import ORG_MANAGER_ROLES
from peerpath.core.time import now
from peerpath.programmes.models import Channel, CoreFunction, Enrolment, Interaction, Programme, Supporter


def managed_programmes(user: Any) -> QuerySet[Programme]:
    """Programmes of the organisations the person runs as a coordinator or admin."""
    if not getattr(user, "is_authenticated", False):
        return Programme.objects.none()
    organisations = RoleAssignment.objects.filter(user=user, role__in=ORG_MANAGER_ROLES).values("organisation")
    return Programme.objects.filter(organisation__in=organisations)


def supporters_of(user: Any) -> QuerySet[Supporter]:
    """The person's own supporter profiles (one per organisation they support patients for)."""
    if not getattr(user, "is_authenticated", False):
        return Supporter.objects.none()
    return Supporter.objects.filter(user=user)


def visible_enrolments(user: Any) -> QuerySet[Enrolment]:
    """Active enrolments in the person's own caseload, and every enrolment of the programmes they manage."""
    if not getattr(user, "is_authenticated", False):
        return Enrolment.objects.none()
    own = Enrolment.objects.filter(supporter__user=user, status=Enrolment.Status.ACTIVE)
    managed = Enrolment.objects.filter(programme__in=managed_programmes(user))
    return (own | managed).distinct()


@dataclass(frozen=True)
class CaseloadRow:
    enrolment: Enrolment
    last_contact: datetime | None
    due: date

    @property
    def overdue_days(self) -> int:
        return max((now().date() - self.due).days, 0)


def _with_contacts(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    latest = Interaction.objects.filter(enrolment=OuterRef("pk")).order_by("-occurred_at", "-created_at")
    return enrolments.select_related("patient", "programme", "supporter__user").annotate(
        last_contact=Max("interactions__occurred_at"),
        latest_follow_up=Subquery(latest.values("next_follow_up")[:1]),
    )


def next_due(enrolment: Enrolment, last_contact: datetime | None, latest_follow_up: date | None) -> date:
    """When the patient should next be contacted: the date the last contact set; else the programme's cadence after
    the last contact; else at once (the day they were put in the caseload)."""
    if latest_follow_up is not None:
        return latest_follow_up
    if last_contact is not None:
        return last_contact.date() + timedelta(days=enrolment.programme.follow_up_days)
    return (enrolment.assigned_at or enrolment.enrolled_at).date()


def caseload(supporter: Supporter) -> list[CaseloadRow]:
    """The supporter's patients, overdue first, then by the date each is due: one query however long the list."""
    enrolments = _with_contacts(Enrolment.objects.filter(supporter=supporter, status=Enrolment.Status.ACTIVE))
    rows = []
    for enrolment in enrolments:
        last_contact: datetime | None = getattr(enrolment, "last_contact", None)
        follow_up: date | None = getattr(enrolment, "latest_follow_up", None)
        rows.append(CaseloadRow(enrolment, last_contact, next_due(enrolment, last_contact, follow_up)))
    return sorted(rows, key=lambda row: (row.due, row.enrolment.patient.family_name))


def programme_caseloads(programme: Programme) -> list[tuple[Supporter, int]]:
    """Each supporter of the programme with their active caseload in it, fullest first."""
    supporters = programme.supporters.select_related("user").annotate(
        active=Count(
            "enrolments", filter=Q(enrolments__programme=programme, enrolments__status=Enrolment.Status.ACTIVE)
        )
    )
    return sorted(((supporter, int(supporter.active)) for supporter in supporters), key=lambda pair: -pair[1])


# --- The patient's own contacts ------------------------------------------------------------------------------


def own_enrolments(user: Any) -> QuerySet[Enrolment]:
    """The signed-in person's enrolments, as a patient: those of every patient record linked to their account,
    ended ones included (the contacts logged in them are still theirs)."""
    if not getattr(user, "is_authenticated", False):
        return Enrolment.objects.none()
    return Enrolment.objects.filter(patient__user=user)


@dataclass(frozen=True)
class PatientContact:
    """A contact as the patient sees it: everything the supporter logged except the concern and its note."""

    occurred_at: datetime
    channel: str
    duration_minutes: int
    functions: tuple[str, ...]
    discussed: str
    resources: str
    listing: str
    next_follow_up: date | None
    supporter_handle: str

    @classmethod
    def of(cls, interaction: Interaction) -> PatientContact:
        return cls(
            occurred_at=interaction.occurred_at,
            channel=str(Channel(interaction.channel).label),
            duration_minutes=interaction.duration_minutes,
            functions=tuple(str(CoreFunction(value).label) for value in interaction.functions
                            if value in CoreFunction.values),
            discussed=interaction.discussed,
            resources=interaction.resources,
            listing=interaction.listing.name if interaction.listing is not None else "",
            next_follow_up=interaction.next_follow_up,
            supporter_handle=interaction.supporter.user.handle,
        )  # fmt: skip


@dataclass(frozen=True)
class EnrolmentContacts:
    enrolment: Enrolment
    contacts: list[PatientContact]


def own_contacts(user: Any) -> list[EnrolmentContacts]:
    """Each of the person's enrolments (running ones first, then the newest) with every contact logged in it, newest
    first: a fixed number of queries however many there are. The supervisor's note is never even loaded."""
    contacts = (
        Interaction.objects.select_related("supporter__user", "listing")
        .defer("concern", "concern_note")
        .order_by("-occurred_at", "-created_at")
    )
    enrolments = (
        own_enrolments(user)
        .select_related("programme__organisation", "supporter__user")
        .prefetch_related(Prefetch("interactions", queryset=contacts))
        .order_by("status", "-enrolled_at")
    )
    return [
        EnrolmentContacts(enrolment, [PatientContact.of(item) for item in enrolment.interactions.all()])
        for enrolment in enrolments
    ]
