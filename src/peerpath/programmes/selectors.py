"""Reads for programmes, already filtered to what the asking person may see (issue 16)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet

from peerpath.accounts.models import RoleAssignment
from peerpath.accounts.roles import ORG_MANAGER_ROLES
from peerpath.accounts.selectors import managed_organisations
from peerpath.core.time import now
from peerpath.programmes.models import Channel, CoreFunction, Enrolment, Interaction, Programme, Supporter

# Tries in a row without reaching the patient after which the coordinator reviews the patient.
TRIES_FOR_REVIEW = 3
# No contact that reached the patient for this many days: the coordinator is told (the "no contact in N days" list).
SILENT_DAYS = 28


def managed_programmes(user: Any) -> QuerySet[Programme]:
    """Programmes of the organisations the person runs as a coordinator or admin."""
    if not getattr(user, "is_authenticated", False):
        return Programme.objects.none()
    organisations = RoleAssignment.objects.filter(user=user, role__in=ORG_MANAGER_ROLES).values("organisation")
    return Programme.objects.filter(organisation__in=organisations)


def managed_supporters(user: Any) -> QuerySet[Supporter]:
    """Supporter profiles of the organisations the person runs (the list page and the gate share this)."""
    return Supporter.objects.filter(organisation__in=managed_organisations(user))


def managed_enrolments(user: Any) -> QuerySet[Enrolment]:
    """Enrolments of the programmes the person manages, ended ones included."""
    return Enrolment.objects.filter(programme__in=managed_programmes(user))


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

    @property
    def needs_review(self) -> bool:
        """Not reached after TRIES_FOR_REVIEW tries in a row: the coordinator looks at the patient."""
        return self.enrolment.tries_since_reached >= TRIES_FOR_REVIEW


def _row(enrolment: Enrolment) -> CaseloadRow:
    due = enrolment.next_due_on or (enrolment.assigned_at or enrolment.enrolled_at).date()
    return CaseloadRow(enrolment, enrolment.last_contact_at, due)


def caseload(supporter: Supporter) -> list[CaseloadRow]:
    """The supporter's patients, the most overdue first: one query however long the list or the history (the
    services keep each enrolment's next due date as contacts are logged)."""
    enrolments = (
        Enrolment.objects.filter(supporter=supporter, status=Enrolment.Status.ACTIVE)
        .select_related("patient", "programme")
        .order_by(F("next_due_on").asc(nulls_first=True), "patient__family_name", "pk")
    )
    return [_row(enrolment) for enrolment in enrolments]


@dataclass(frozen=True)
class FollowUps:
    """A programme's follow-up queue: contacts due or overdue (most overdue first), patients not reached after
    several tries, patients without contact for too long, and patients waiting for a supporter."""

    due: list[CaseloadRow]
    due_total: int
    not_reached: list[CaseloadRow]
    silent: list[CaseloadRow]
    unassigned: int


def programme_follow_ups(programme: Programme, *, limit: int = 50, today: date | None = None) -> FollowUps:
    """The coordinator's follow-up queue: a fixed number of queries, each a range of the (programme, status, due)
    index, however many patients the programme holds."""
    today = today or now().date()
    active = Enrolment.objects.filter(programme=programme, status=Enrolment.Status.ACTIVE)
    assigned = active.filter(supporter__isnull=False).select_related("patient", "programme", "supporter__user")
    due = assigned.filter(next_due_on__lte=today).order_by("next_due_on", "pk")
    silent_since = now() - timedelta(days=SILENT_DAYS)
    return FollowUps(
        due=[_row(enrolment) for enrolment in due[:limit]],
        due_total=due.count(),
        not_reached=[
            _row(enrolment)
            for enrolment in assigned.filter(tries_since_reached__gte=TRIES_FOR_REVIEW).order_by("pk")[:limit]
        ],
        silent=[
            _row(enrolment)
            for enrolment in assigned.filter(Q(last_contact_at__lt=silent_since)
                                             | Q(last_contact_at__isnull=True, assigned_at__lt=silent_since))
            .order_by(F("last_contact_at").asc(nulls_first=True), "pk")[:limit]
        ],
        unassigned=active.filter(supporter__isnull=True).count(),
    )  # fmt: skip


def open_concerns(programme: Programme) -> list[Interaction]:
    """Concerns supporters raised in the programme that no coordinator has closed yet, safeguarding first, oldest
    first within each kind."""
    concerns = (
        Interaction.objects.filter(enrolment__programme=programme, concern_closed_at__isnull=True)
        .exclude(concern=Interaction.Concern.NONE)
        .select_related("enrolment__patient", "supporter__user")
        .order_by("occurred_at", "pk")
    )
    return sorted(concerns, key=lambda item: item.concern != Interaction.Concern.SAFEGUARDING)


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
