"""Reads for programmes, already filtered to what the asking person may see (issue 16)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Case, CharField, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.functions import Cast, Coalesce, Concat, ExtractDay, ExtractMonth, ExtractYear, Replace, RowNumber

from peerpath.accounts.models import RoleAssignment
from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.accounts.selectors import managed_organisations, roles_in
from peerpath.core.time import now
from peerpath.programmes.models import (
    WELLBEING_QUESTIONS,
    Channel,
    CoreFunction,
    Enrolment,
    Interaction,
    Notice,
    Programme,
    Supporter,
    WellbeingAlert,
    WellbeingCheckIn,
)
from peerpath.spaces.models import CheckInRequest
from peerpath.spaces.reach import Reach
from peerpath.spaces.selectors import check_in_requests_for

# Tries in a row without reaching the patient after which the coordinator reviews the patient.
TRIES_FOR_REVIEW = 3
# No contact that reached the patient for this many days: the coordinator is told (the "no contact in N days" list).
SILENT_DAYS = 28


def silent_spell_key() -> Concat:
    """The key of an enrolment's current silent spell, "<enrolment id in hex>:<YYYYMMDD>" of the day (UTC) of the
    last contact that reached the patient, or of the assignment: the `Notice` key of the coordinator's escalation,
    made in the database so that the queue and the sweep (follow_ups.py) find it by an index lookup. A new contact
    that reached the patient starts a new spell, so a new silence is escalated again."""
    spell = Coalesce("last_contact_at", "assigned_at")
    day = ExtractYear(spell, tzinfo=UTC) * 10000 + ExtractMonth(spell, tzinfo=UTC) * 100 + ExtractDay(spell, tzinfo=UTC)
    return Concat(
        Replace(Cast("pk", CharField()), Value("-"), Value("")), Value(":"), Cast(day, CharField()),
        output_field=CharField(),
    )  # fmt: skip


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

    due: list[QueueRow]
    due_total: int
    not_reached: list[QueueRow]
    not_reached_total: int
    silent: list[QueueRow]
    silent_total: int
    unassigned: int


@dataclass(frozen=True)
class QueueRow:
    """A patient on the follow-up queue: what the coordinator's page shows of their enrolment, read as plain values
    (a page of 150 rows built as model instances spent most of its time building them)."""

    enrolment_id: Any
    patient_name: str
    supporter_handle: str
    supporter_paused: bool
    last_contact: datetime | None
    due: date
    tries: int
    escalated_at: datetime | None = None  # silent patients: when the coordinator was told of this silent spell

    @classmethod
    def of(cls, values: dict[str, Any]) -> QueueRow:
        started = values["assigned_at"] or values["enrolled_at"]
        return cls(
            enrolment_id=values["pk"],
            patient_name=f"{values['patient__given_name']} {values['patient__family_name']}",
            supporter_handle=values["supporter__user__handle"] or "",
            supporter_paused=values["supporter__paused_at"] is not None,
            last_contact=values["last_contact_at"],
            due=values["next_due_on"] or started.date(),
            tries=values["tries_since_reached"],
            escalated_at=values.get("escalated_at"),
        )


# Patients shown in each list of the follow-up queue (the page says how many more there are): a list a coordinator
# can scan on a phone, and a page that stays quick at 50,000 patients.
QUEUE_LENGTH = 25


def programme_follow_ups(programme: Programme, *, limit: int = QUEUE_LENGTH, today: date | None = None) -> FollowUps:
    """The coordinator's follow-up queue: a fixed number of queries however many patients the programme holds. Each
    list walks an index of the enrolments in its own order and stops at `limit` (see `_first`)."""
    today = today or now().date()
    active = Enrolment.objects.filter(programme=programme, status=Enrolment.Status.ACTIVE)
    assigned = active.filter(supporter__isnull=False)
    due = assigned.filter(next_due_on__lte=today)
    silent_since = now() - timedelta(days=SILENT_DAYS)
    silent = assigned.filter(Q(last_contact_at__lt=silent_since)
                             | Q(last_contact_at__isnull=True, assigned_at__lt=silent_since))  # fmt: skip
    # When the coordinator was told of each silent patient's current silent spell (None: not yet).
    told = Subquery(Notice.objects.filter(kind=Notice.Kind.SILENT_ESCALATION, key=OuterRef("spell_key"))
                    .values("sent_at")[:1])  # fmt: skip
    not_reached = assigned.filter(tries_since_reached__gte=TRIES_FOR_REVIEW)
    return FollowUps(
        due=_first(due, ("next_due_on", "pk"), limit),
        due_total=due.count(),
        not_reached=_first(not_reached, ("-tries_since_reached", "-pk"), limit),  # the most tries first
        not_reached_total=not_reached.count(),
        silent=_first(silent, (F("last_contact_at").asc(nulls_first=True), "pk"), limit,
                      annotate={"spell_key": silent_spell_key(), "escalated_at": told}),
        # In two parts, each a range of the index (SQLite does not split the OR of a count by itself).
        silent_total=assigned.filter(last_contact_at__lt=silent_since).count()
        + assigned.filter(last_contact_at__isnull=True, assigned_at__lt=silent_since).count(),
        unassigned=active.filter(supporter__isnull=True).count(),
    )  # fmt: skip


QUEUE_FIELDS = (
    "pk", "enrolled_at", "assigned_at", "last_contact_at", "next_due_on", "tries_since_reached",
    "patient__given_name", "patient__family_name", "supporter__paused_at", "supporter__user__handle",
)  # fmt: skip


def _first(
    enrolments: QuerySet[Enrolment], order: tuple[Any, ...], limit: int, *, annotate: dict[str, Any] | None = None
) -> list[QueueRow]:
    """The first `limit` of the enrolments in `order`, with their patient and supporter. Two queries: the ids from
    the enrolment table alone, which the database answers by walking an index in that order and stopping at `limit`
    (with the joins in the same query, SQLite's planner started from the supporters and sorted every match), then
    those rows' values that the page shows."""
    ids = list(enrolments.order_by(*order).values_list("pk", flat=True)[:limit])
    rows = Enrolment.objects.filter(pk__in=ids)
    for name, expression in (annotate or {}).items():
        rows = rows.annotate(**{name: expression})
    found = {values["pk"]: values for values in rows.values(*QUEUE_FIELDS, *(annotate or {}))}
    return [QueueRow.of(found[pk]) for pk in ids]


CONCERN_FIELDS = (
    "enrolment_id", "occurred_at", "concern", "concern_note", "enrolment__patient__given_name",
    "enrolment__patient__family_name", "supporter__user__handle",
)  # fmt: skip


def _open_concerns_of(programme: Programme) -> QuerySet[Interaction]:
    # Both conditions of the partial index interaction_open_concern, so that only open concerns are read.
    return Interaction.objects.filter(enrolment__programme=programme, concern_closed_at__isnull=True).exclude(
        concern=Interaction.Concern.NONE
    )


def open_concerns(programme: Programme, *, limit: int = 50) -> list[Interaction]:
    """Concerns supporters raised in the programme that no coordinator has closed yet, safeguarding first, oldest
    first within each kind: at most `limit`, read through the index of open concerns however long the history."""
    safeguarding_first = Case(When(concern=Interaction.Concern.SAFEGUARDING, then=Value(0)), default=Value(1))
    concerns = (
        _open_concerns_of(programme)
        .select_related("enrolment__patient", "supporter__user")
        .only(*CONCERN_FIELDS)
        .order_by(safeguarding_first, "occurred_at", "pk")
    )
    return list(concerns[:limit])


def open_concern_count(programme: Programme) -> int:
    """How many concerns of the programme are open (the queue shows the first ones)."""
    return _open_concerns_of(programme).count()


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


# --- Supporters' own wellbeing -------------------------------------------------------------------------------

# Each supporter is asked how they are every two weeks. Two check-ins unanswered in a row (28 days from the first one
# due) and their supervisor is asked to get in touch: withdrawing is how a supporter who is struggling often shows it.
CHECK_IN_DAYS = 14
MISSED_IN_A_ROW = 2
# Check-ins shown per supporter on the team's board, as a trend per question.
TREND_LENGTH = 4


def check_ins_began() -> datetime | None:
    """When this installation started asking: the moment the check-ins' table was created. A supporter who joined
    before is first asked from then, so that turning check-ins on does not report every supporter of long standing
    as having missed two."""
    applied = (
        MigrationRecorder(connection)
        .migration_qs.filter(app="programmes", name__endswith="_wellbeing")
        .values_list("applied", flat=True)
        .first()
    )
    return applied if isinstance(applied, datetime) else None


@dataclass(frozen=True)
class CheckInStatus:
    """Where a supporter is with their check-ins at a moment: when the next one is (or was) due, and how many
    fortnights have passed since then without an answer."""

    last_answered_at: datetime | None
    due_at: datetime
    moment: datetime

    @property
    def is_due(self) -> bool:
        return self.moment >= self.due_at

    @property
    def missed(self) -> int:
        if self.moment < self.due_at:
            return 0
        return (self.moment - self.due_at) // timedelta(days=CHECK_IN_DAYS)

    @property
    def missed_in_a_row(self) -> bool:
        return self.missed >= MISSED_IN_A_ROW


def check_in_status(
    supporter: Supporter, last_answered_at: datetime | None, *, began: datetime | None, moment: datetime
) -> CheckInStatus:
    """The first check-in is due when the supporter joins (or when check-ins began, if later); each next one two
    weeks after the last answer."""
    if last_answered_at is not None:
        due_at = last_answered_at + timedelta(days=CHECK_IN_DAYS)
    else:
        due_at = max(supporter.created_at, began) if began is not None else supporter.created_at
    return CheckInStatus(last_answered_at, due_at, moment)


def check_in_due(supporter: Supporter) -> bool:
    """Whether the supporter's check-in is due now (the caseload page asks them how they are)."""
    last = supporter.check_ins.order_by("-answered_at").values_list("answered_at", flat=True).first()
    return check_in_status(supporter, last, began=check_ins_began(), moment=now()).is_due


def latest_check_ins(supporter_ids: Iterable[Any], *, per_supporter: int = TREND_LENGTH) -> dict[Any, list[Any]]:
    """Each supporter's latest check-ins, newest first: one query however many supporters."""
    ranked = (
        WellbeingCheckIn.objects.filter(supporter_id__in=list(supporter_ids))
        .annotate(rank=Window(RowNumber(), partition_by=[F("supporter_id")], order_by=[F("answered_at").desc()]))
        .filter(rank__lte=per_supporter)
        .order_by("supporter_id", "-answered_at")
    )
    grouped: dict[Any, list[Any]] = {}
    for check_in in ranked:
        grouped.setdefault(check_in.supporter_id, []).append(check_in)
    return grouped


@dataclass(frozen=True)
class TrendLine:
    label: str
    values: tuple[int, ...]  # oldest first


def trend_of(check_ins: list[WellbeingCheckIn]) -> list[TrendLine]:
    """One line per question, the answers of the given check-ins (newest first) read oldest to newest."""
    oldest_first = list(reversed(check_ins))
    return [
        TrendLine(str(label), tuple(int(getattr(check_in, field_name)) for check_in in oldest_first))
        for field_name, _question, label in WELLBEING_QUESTIONS
    ]


@dataclass(frozen=True)
class OwnWellbeing:
    supporter: Supporter
    status: CheckInStatus
    recent: list[WellbeingCheckIn]  # newest first

    @property
    def dates(self) -> list[datetime]:
        return [check_in.answered_at for check_in in reversed(self.recent)]

    @property
    def trend(self) -> list[TrendLine]:
        return trend_of(self.recent)


def own_wellbeing(user: Any, *, moment: datetime | None = None) -> list[OwnWellbeing]:
    """The person's own supporter profiles, each with when their next check-in is due and their latest answers."""
    moment = moment or now()
    supporters = list(supporters_of(user).select_related("organisation").order_by("organisation__name"))
    recent = latest_check_ins(supporter.pk for supporter in supporters)
    began = check_ins_began()
    rows = []
    for supporter in supporters:
        mine = recent.get(supporter.pk, [])
        last = mine[0].answered_at if mine else None
        rows.append(OwnWellbeing(supporter, check_in_status(supporter, last, began=began, moment=moment), mine))
    return rows


@dataclass(frozen=True)
class Overload:
    """A caseload above a cap: in one programme (programme_id set), or across the supporter's programmes."""

    programme_id: Any
    programme_name: str
    caseload: int
    cap: int


def caseload_overloads(supporter_ids: Iterable[Any]) -> dict[Any, list[Overload]]:
    """Each supporter whose active caseload is above a cap, in two queries. In one programme: above its cap (the
    cap may have been lowered under them, or patients moved outside the services). Across programmes: above the
    highest cap of the programmes they support or hold patients in, so more than any one of their coordinators
    would give a supporter; this is the load a per-programme cap cannot see."""
    ids = list(supporter_ids)
    held = (
        Enrolment.objects.filter(supporter_id__in=ids, status=Enrolment.Status.ACTIVE)
        .values("supporter_id", "programme_id", "programme__name", "programme__caseload_cap")
        .annotate(count=Count("pk"))
        .order_by("supporter_id", "programme__name")
    )
    highest: dict[Any, int] = {}
    for supporter_id, cap in Supporter.programmes.through.objects.filter(supporter_id__in=ids).values_list(
        "supporter_id", "programme__caseload_cap"
    ):
        highest[supporter_id] = max(highest.get(supporter_id, 0), cap)
    overloads: dict[Any, list[Overload]] = {}
    totals: dict[Any, tuple[int, int]] = {}  # supporter -> (patients, programmes holding them)
    for row in held:
        supporter_id, count, cap = row["supporter_id"], int(row["count"]), int(row["programme__caseload_cap"])
        highest[supporter_id] = max(highest.get(supporter_id, 0), cap)
        patients, programmes = totals.get(supporter_id, (0, 0))
        totals[supporter_id] = (patients + count, programmes + 1)
        if count > cap:
            overloads.setdefault(supporter_id, []).append(
                Overload(row["programme_id"], row["programme__name"], count, cap)
            )
    for supporter_id, (patients, programmes) in totals.items():
        if programmes > 1 and patients > highest[supporter_id]:
            overloads.setdefault(supporter_id, []).append(Overload(None, "", patients, highest[supporter_id]))
    return overloads


def open_wellbeing_alerts(supporter_ids: Iterable[Any]) -> QuerySet[WellbeingAlert]:
    """The supporters' alerts nobody has followed up yet, newest first."""
    return (
        WellbeingAlert.objects.filter(supporter_id__in=list(supporter_ids), resolved_at__isnull=True)
        .select_related("supporter__user", "programme", "check_in")
        .order_by("-created_at")
    )


def managed_wellbeing_alerts(user: Any) -> QuerySet[WellbeingAlert]:
    """Alerts about the supporters of the organisations the person runs (the gate uses this)."""
    return WellbeingAlert.objects.filter(supporter__in=managed_supporters(user))


@dataclass(frozen=True)
class TeamMember:
    """One supporter on the team's wellbeing board."""

    supporter: Supporter
    caseload: int  # in this programme
    cap: int
    overloads: list[Overload]
    check_ins: list[WellbeingCheckIn]  # newest first
    status: CheckInStatus
    notes: list[tuple[datetime, str]]  # newest first; empty unless the viewer may read them
    alerts: list[WellbeingAlert]
    # Signs from the apps that give supporters other work (matching: repeated declines or rematches), in words.
    signs: list[str] = field(default_factory=list)

    @property
    def over_capacity(self) -> bool:
        return bool(self.overloads)

    @property
    def dates(self) -> list[datetime]:
        return [check_in.answered_at for check_in in reversed(self.check_ins)]

    @property
    def trend(self) -> list[TrendLine]:
        return trend_of(self.check_ins)

    @property
    def latest_asks_for_attention(self) -> bool:
        return bool(self.check_ins) and self.check_ins[0].asks_for_attention

    @property
    def needs_a_look(self) -> bool:
        return (bool(self.alerts) or self.over_capacity or self.status.missed > 0 or self.latest_asks_for_attention
                or bool(self.signs))  # fmt: skip


# What other apps add to the wellbeing board: (programme, supporters) -> {supporter id: sentences}. An app that gives
# supporters work of its own registers here (programmes cannot import it: it is built on programmes).
BoardSigns = Callable[[Programme, list[Supporter]], dict[Any, list[str]]]
_board_signs: list[BoardSigns] = []


def on_wellbeing_board(provider: BoardSigns) -> BoardSigns:
    if provider not in _board_signs:
        _board_signs.append(provider)
    return provider


def reads_wellbeing_notes(viewer: Any, supporter: Supporter, *, coordinator: bool) -> bool:
    """A supporter's notes are for their supervisor and the organisation's coordinators, not every admin."""
    return coordinator or (supporter.supervisor_id is not None and supporter.supervisor_id == viewer.pk)


def team_wellbeing(programme: Programme, *, viewer: Any, moment: datetime | None = None) -> list[TeamMember]:
    """The programme's supporters, those who need a look first, each with their latest check-ins, caseload against
    the cap, missed check-ins and open alerts: a fixed number of queries however large the team."""
    moment = moment or now()
    supporters = list(programme.supporters.select_related("user", "organisation").order_by("user__handle"))
    ids = [supporter.pk for supporter in supporters]
    recent = latest_check_ins(ids)
    overloads = caseload_overloads(ids)
    caseloads = dict(
        Enrolment.objects.filter(programme=programme, supporter_id__in=ids, status=Enrolment.Status.ACTIVE)
        .values("supporter_id")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("supporter_id", "count")
    )
    alerts: dict[Any, list[WellbeingAlert]] = {}
    for alert in open_wellbeing_alerts(ids):
        alerts.setdefault(alert.supporter_id, []).append(alert)
    coordinator = Role.COORDINATOR in roles_in(viewer, programme.organisation_id)
    began = check_ins_began()
    signs: dict[Any, list[str]] = {}
    for provider in list(_board_signs):
        for supporter_id, sentences in provider(programme, supporters).items():
            signs.setdefault(supporter_id, []).extend(sentences)
    members = []
    for supporter in supporters:
        mine = recent.get(supporter.pk, [])
        readable = reads_wellbeing_notes(viewer, supporter, coordinator=coordinator)
        notes = [(item.answered_at, item.note) for item in mine if item.note] if readable else []
        for item in mine:
            item.note = ""  # what the viewer may read is in `notes`; the rows carry none
        members.append(
            TeamMember(
                supporter=supporter,
                caseload=int(caseloads.get(supporter.pk, 0)),
                cap=programme.caseload_cap,
                overloads=overloads.get(supporter.pk, []),
                check_ins=mine,
                status=check_in_status(supporter, mine[0].answered_at if mine else None, began=began, moment=moment),
                notes=notes,
                alerts=alerts.get(supporter.pk, []),
                signs=signs.get(supporter.pk, []),
            )
        )
    return sorted(members, key=lambda member: not member.needs_a_look)


def enrolment_contacts(enrolment: Enrolment, *, limit: int = 50) -> list[Interaction]:
    """The enrolment's newest contacts, for the patient's page of their supporter and the coordinator."""
    return list(Interaction.objects.filter(enrolment=enrolment).select_related("supporter__user", "listing")[:limit])


def waiting_for_supporter(programme: Programme) -> int:
    """How many of the programme's running enrolments have no supporter yet."""
    return Enrolment.objects.filter(programme=programme, status=Enrolment.Status.ACTIVE, supporter__isnull=True).count()


# --- How a supporter can reach a patient or a group member ---------------------------------------------------


def enrolment_reach(enrolment: Enrolment) -> Reach:
    """The phone and e-mail the patient chose to share with their supporter, while the enrolment runs: an ended
    place in a programme shows none (they were shared for the support, not for ever)."""
    if enrolment.status != Enrolment.Status.ACTIVE:
        return Reach()
    return Reach(enrolment.contact_phone, enrolment.contact_email, enrolment.programme.organisation.country)


def caseload_check_ins(user: Any) -> QuerySet[CheckInRequest]:
    """The check-ins group organisers asked for that belong in the person's caseload: the open requests they may
    handle (`check_in_requests_for`), of the organisations where they support patients (a supporter profile) or
    hold the peer-supporter role; not those of organisations they only run."""
    if not getattr(user, "is_authenticated", False):
        return CheckInRequest.objects.none()
    profiles = Supporter.objects.filter(user=user).values("organisation")
    supporting = RoleAssignment.objects.filter(user=user, role=Role.PEER_SUPPORTER).values("organisation")
    return check_in_requests_for(user).filter(
        Q(membership__space__organisation__in=profiles) | Q(membership__space__organisation__in=supporting)
    )
