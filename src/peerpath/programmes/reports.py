"""The coordinator's figures for a programme (issue 16 point 8): caseloads against the cap, contacts per week by
channel and by core function, the follow-up figures, and the contacts of a date range as coded rows for a funder's
report. Pure reads: each takes a programme (and a date range), none checks who asks; the views call the gate first.

Weeks start on Monday and days are those of the current time zone, in the database's grouping as in the ranges.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from peerpath.core.time import now
from peerpath.programmes.models import Channel, CoreFunction, Enrolment, Interaction, Programme, Supporter
from peerpath.programmes.selectors import SILENT_DAYS, TRIES_FOR_REVIEW, programme_caseloads

WEEKS = 12


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end`, both included, in the current time zone."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The first moment after the period."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def weeks(self) -> list[date]:
        """The Monday of every week the period touches, oldest first."""
        first = self.start - timedelta(days=self.start.weekday())
        return [first + timedelta(weeks=index) for index in range((self.end - first).days // 7 + 1)]


def last_weeks(today: date, weeks: int = WEEKS) -> Period:
    """The current week (up to today) and the `weeks - 1` whole weeks before it."""
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(weeks=weeks - 1), today)


def contacts_in(programme: Programme, period: Period) -> QuerySet[Interaction]:
    """Every contact logged in the programme's enrolments (ended ones included) during the period."""
    return Interaction.objects.filter(
        enrolment__programme=programme, occurred_at__gte=period.since, occurred_at__lt=period.until
    )


# --- Supporters and their caseloads -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SupporterLoad:
    supporter: Supporter
    active: int
    cap: int

    @property
    def paused(self) -> bool:
        return self.supporter.is_paused

    @property
    def full(self) -> bool:
        return self.active >= self.cap


def supporter_loads(programme: Programme) -> list[SupporterLoad]:
    """Each supporter of the programme with their active caseload in it against the programme's cap, fullest first."""
    return [
        SupporterLoad(supporter, active, programme.caseload_cap) for supporter, active in programme_caseloads(programme)
    ]


# --- Contacts per week ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekRow:
    week: date  # its Monday
    contacts: int
    counts: tuple[int, ...]  # one per column of the table


@dataclass(frozen=True)
class WeeklyTable:
    """Weeks as rows, one column per channel or per core function, with each week's number of contacts."""

    columns: tuple[tuple[str, str], ...]  # (code, label)
    rows: tuple[WeekRow, ...]
    contacts: int
    totals: tuple[int, ...]


@dataclass(frozen=True)
class WeeklyContacts:
    period: Period
    by_channel: WeeklyTable
    by_function: WeeklyTable


def _table(
    weeks: Sequence[date], columns: Sequence[tuple[str, str]], per_week: dict[date, Counter[str]],
    contacts: Counter[date],
) -> WeeklyTable:  # fmt: skip
    rows = tuple(
        WeekRow(week, contacts[week], tuple(per_week.get(week, Counter())[code] for code, _label in columns))
        for week in weeks
    )
    totals = tuple(sum(row.counts[index] for row in rows) for index in range(len(columns)))
    return WeeklyTable(tuple(columns), rows, sum(contacts.values()), totals)


def _columns(choices: type[Channel] | type[CoreFunction], codes: Iterable[str]) -> list[tuple[str, str]]:
    wanted = set(codes)
    return [(str(code), str(label)) for code, label in choices.choices if code in wanted]


def weekly_contacts(programme: Programme, period: Period) -> WeeklyContacts:
    """Contacts per week, by channel and by core function: one grouped query (week, channel, functions) whose few
    rows are summed here. A contact counts once under each core function it served, so a week's function counts can
    add up to more than its contacts. Counting inside the JSON list in Python keeps the query the same on SQLite and
    PostgreSQL; the rows are at most a few dozen combinations a week, however many contacts there are."""
    grouped = (
        contacts_in(programme, period)
        .annotate(week=TruncWeek("occurred_at", output_field=DateField()))
        .values_list("week", "channel", "functions")
        .annotate(count=Count("pk"))
        .order_by()
    )
    contacts: Counter[date] = Counter()
    channels: dict[date, Counter[str]] = {}
    functions: dict[date, Counter[str]] = {}
    for week, channel, served, count in grouped:
        contacts[week] += count
        channels.setdefault(week, Counter())[channel] += count
        for function in set(served or ()):
            functions.setdefault(week, Counter())[function] += count
    used_channels = {code for per_week in channels.values() for code in per_week}
    weeks = period.weeks
    return WeeklyContacts(
        period=period,
        by_channel=_table(weeks, _columns(Channel, {*programme.channels, *used_channels}), channels, contacts),
        by_function=_table(weeks, _columns(CoreFunction, CoreFunction.values), functions, contacts),
    )


# --- Follow-ups -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpFigures:
    """The programme's follow-up queue in numbers, by the same rules as `selectors.programme_follow_ups`."""

    overdue: int  # due before today
    due_today: int
    not_reached: int  # TRIES_FOR_REVIEW tries in a row without reaching the patient
    silent: int  # no contact that reached the patient for SILENT_DAYS days
    unassigned: int  # waiting for a supporter


def follow_up_figures(programme: Programme, today: date) -> FollowUpFigures:
    """One aggregate query over the programme's active enrolments."""
    silent_since = now() - timedelta(days=SILENT_DAYS)
    assigned = Q(supporter__isnull=False)
    silent = Q(last_contact_at__lt=silent_since) | Q(last_contact_at__isnull=True, assigned_at__lt=silent_since)
    figures = Enrolment.objects.filter(programme=programme, status=Enrolment.Status.ACTIVE).aggregate(
        overdue=Count("pk", filter=assigned & Q(next_due_on__lt=today)),
        due_today=Count("pk", filter=assigned & Q(next_due_on=today)),
        not_reached=Count("pk", filter=assigned & Q(tries_since_reached__gte=TRIES_FOR_REVIEW)),
        silent=Count("pk", filter=assigned & silent),
        unassigned=Count("pk", filter=Q(supporter__isnull=True)),
    )
    return FollowUpFigures(**{key: int(value) for key, value in figures.items()})


# --- The contacts as coded rows ---------------------------------------------------------------------------------

# Dated, coded and attributed, with a pseudonymous patient reference (the enrolment's id): never a name, the concern
# note or what was discussed, which the query below does not even load.
CONTACT_COLUMNS: tuple[str, ...] = (
    "date",
    "programme",
    "supporter",
    "patient_ref",
    "channel",
    "duration_minutes",
    *CoreFunction.values,
    "reached",
    "concern",
)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def contact_rows(programme: Programme, period: Period) -> list[tuple[str | int, ...]]:
    """One row per contact of the period, oldest first, in the order of CONTACT_COLUMNS."""
    contacts = (
        contacts_in(programme, period)
        .order_by("occurred_at", "pk")
        .values_list(
            "occurred_at", "supporter__user__handle", "enrolment_id", "channel", "duration_minutes", "functions",
            "reached", "concern",
        )
    )  # fmt: skip
    rows: list[tuple[str | int, ...]] = []
    for occurred_at, handle, enrolment_id, channel, duration, functions, reached, concern in contacts:
        served = set(functions or ())
        rows.append((
            timezone.localtime(occurred_at).date().isoformat(), programme.name, handle, str(enrolment_id), channel,
            duration, *(int(code in served) for code in CoreFunction.values), _yes_no(reached),
            _yes_no(concern != Interaction.Concern.NONE),
        ))  # fmt: skip
    return rows
