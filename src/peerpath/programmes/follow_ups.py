"""Proactive follow-up (issue 16): each day, a digest to every supporter with follow-ups due in their caseload ("3
due today, 2 overdue, the oldest by 9 days; 1 patient not reached after three tries"), and each programme's
coordinator told of the patients nobody has reached for SILENT_DAYS days, once per silent spell.

Who gets what is found by a fixed number of queries however many supporters and patients there are (the counts are
aggregated in the database); then one e-mail per recipient (notifications.py writes it), naming no patient. Each goes
once: its `Notice` (unique kind and key) is claimed and committed before the message is handed to the mail server, so
a second run finds it and sends nothing, and no database lock is held while the mail server answers; a send that fails
gives the claim back, so the next run tries again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, Exists, F, Min, OuterRef, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat, Replace

from peerpath.accounts.models import RoleAssignment, User
from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.audit.services import record
from peerpath.core.time import now
from peerpath.programmes import notifications
from peerpath.programmes.models import Enrolment, Notice, Programme, Supporter
from peerpath.programmes.selectors import SILENT_DAYS, TRIES_FOR_REVIEW, silent_spell_key

# Enrolment ids named in one escalation's audit event, at most.
AUDITED_IDS = 200


@dataclass
class FollowUpSweep:
    """What one run did: e-mails sent and refused, and how many patients the coordinators were told of."""

    digests: int = 0
    digests_failed: int = 0
    escalated: int = 0  # patients newly silent that a coordinator was told of
    escalation_emails: int = 0
    escalations_failed: int = 0  # programmes whose coordinator could not be told: tried again at the next run


# --- The supporter's daily digest ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    """What one supporter's digest says, for their caseload in one organisation (one digest per supporter profile:
    each organisation's caseload has its own coordinator to ask)."""

    supporter: Supporter
    due_today: int
    overdue: int
    oldest_overdue_days: int  # 0 when nothing is overdue
    not_reached: int  # TRIES_FOR_REVIEW tries in a row without reaching the patient


def _hex(expression: Any) -> Replace:
    """A UUID column as the hex string `uuid.hex` gives, on SQLite and PostgreSQL alike."""
    return Replace(Cast(expression, CharField()), Value("-"), Value(""))


def digest_key(supporter_id: Any, day: date) -> str:
    return f"{str(supporter_id).replace('-', '')}:{day.isoformat()}"


def digests_due(today: date) -> list[Digest]:
    """Each supporter (not taking a break, with an address) with follow-ups due today or overdue in their caseload and
    no digest yet today: two queries however many supporters and patients."""
    sent_today = Notice.objects.filter(
        kind=Notice.Kind.FOLLOW_UP_DIGEST,
        key=Concat(_hex(OuterRef("supporter_id")), Value(f":{today.isoformat()}"), output_field=CharField()),
    )
    counts = (
        Enrolment.objects.filter(status=Enrolment.Status.ACTIVE, supporter__paused_at__isnull=True,
                                 supporter__user__is_active=True)
        .exclude(supporter__user__email="")
        .filter(~Exists(sent_today))
        .values("supporter_id")
        .annotate(due_today=Count("pk", filter=Q(next_due_on=today)),
                  overdue=Count("pk", filter=Q(next_due_on__lt=today)),
                  oldest=Min("next_due_on"),
                  not_reached=Count("pk", filter=Q(tries_since_reached__gte=TRIES_FOR_REVIEW)))
        .filter(Q(due_today__gt=0) | Q(overdue__gt=0))
        .order_by("supporter_id")
    )  # fmt: skip
    rows = list(counts)
    supporters = Supporter.objects.select_related("user", "organisation").in_bulk([row["supporter_id"] for row in rows])
    return [
        Digest(
            supporter=supporters[row["supporter_id"]],
            due_today=int(row["due_today"]),
            overdue=int(row["overdue"]),
            oldest_overdue_days=max((today - row["oldest"]).days, 0) if row["overdue"] else 0,
            not_reached=int(row["not_reached"]),
        )
        for row in rows
    ]


def _claim(notices: list[Notice]) -> bool:
    """Insert the notices, committed at once; False when one exists already (sent, or being sent by another run)."""
    try:
        with transaction.atomic():
            Notice.objects.bulk_create(notices)
    except IntegrityError:
        return False
    return True


def send_digest(digest: Digest, today: date, report: FollowUpSweep) -> bool:
    """E-mail one supporter their digest unless it went today; True when sent."""
    supporter = digest.supporter
    notice = Notice(kind=Notice.Kind.FOLLOW_UP_DIGEST, key=digest_key(supporter.pk, today), recipient=supporter.user,
                    sent_at=now())  # fmt: skip
    if not _claim([notice]):
        return False
    subject, body = notifications.follow_up_digest_message(digest, tries=TRIES_FOR_REVIEW)
    if not _send_or_give_back(to=supporter.user.email, subject=subject, body=body, about=supporter, claims=[notice]):
        report.digests_failed += 1
        return False
    record(action="notification.sent", actor=None, organisation=supporter.organisation, target=notice,
           details={"kind": Notice.Kind.FOLLOW_UP_DIGEST, "supporter": str(supporter.pk),
                    "due_today": digest.due_today, "overdue": digest.overdue,
                    "not_reached": digest.not_reached})  # fmt: skip
    report.digests += 1
    return True


def _send_or_give_back(*, to: str, subject: str, body: str, about: Any, claims: list[Notice]) -> bool:
    """Send, or delete the claims so that the next run tries again (and re-raise what is not a mail error)."""
    try:
        sent = notifications.send_one(to=to, subject=subject, body=body, about=about)
    except Exception:
        Notice.objects.filter(pk__in=[notice.pk for notice in claims]).delete()
        raise
    if not sent:
        Notice.objects.filter(pk__in=[notice.pk for notice in claims]).delete()
    return sent


# --- "No contact in N days": the coordinator is told ------------------------------------------------------------


@dataclass(frozen=True)
class Silence:
    """An active enrolment whose patient nobody has reached for SILENT_DAYS days, not yet escalated."""

    enrolment_id: Any
    programme_id: Any
    supervisor_id: Any
    key: str  # selectors.silent_spell_key


def silent_cutoff(today: date) -> datetime:
    """Silent by the start of the day (UTC): every run of a day finds the same patients, so a coordinator hears at
    most once a day per programme."""
    return datetime.combine(today, clock.min, tzinfo=UTC) - timedelta(days=SILENT_DAYS)


def newly_silent(today: date) -> dict[Any, list[Silence]]:
    """Per programme, its assigned, active enrolments with no contact that reached the patient (or, never reached,
    no assignment) for SILENT_DAYS days by today, whose silent spell no coordinator was told of: one query."""
    rows = (
        Enrolment.objects.filter(status=Enrolment.Status.ACTIVE, supporter__isnull=False)
        .alias(spell=Coalesce("last_contact_at", "assigned_at"))
        .filter(spell__lt=silent_cutoff(today))
        .annotate(spell_key=silent_spell_key())
        .filter(~Exists(Notice.objects.filter(kind=Notice.Kind.SILENT_ESCALATION, key=OuterRef("spell_key"))))
        .values_list("pk", "programme_id", "supporter__supervisor_id", "spell_key")
        .order_by("programme_id", F("last_contact_at").asc(nulls_first=True), "pk")
    )
    found: dict[Any, list[Silence]] = defaultdict(list)
    for enrolment_id, programme_id, supervisor_id, key in rows:
        found[programme_id].append(Silence(enrolment_id, programme_id, supervisor_id, key))
    return dict(found)


def _usable(person: User | None) -> bool:
    return person is not None and person.is_active and bool(person.email)


def _coordinators(programme: Programme, managers: set[tuple[Any, Any]]) -> list[User]:
    """The programme's coordinator while they still run its organisation; otherwise the organisation's coordinators
    (a query only then)."""
    coordinator = programme.coordinator
    if _usable(coordinator) and (coordinator.pk, programme.organisation_id) in managers:
        return [coordinator]
    return list(
        User.objects.filter(
            pk__in=RoleAssignment.objects.filter(
                organisation_id=programme.organisation_id, role=Role.COORDINATOR
            ).values("user"),
            is_active=True,
        )
        .exclude(email="")
        .order_by("handle")
    )


def escalate_programme(programme: Programme, silences: list[Silence], *, managers: set[tuple[Any, Any]],
                       supervisors: dict[Any, User], report: FollowUpSweep) -> bool:  # fmt: skip
    """Tell the coordinator how many of the programme's patients newly went silent, and each supporter's supervisor
    (when someone else) how many of theirs; True when the coordinator was told. The escalation counts as made once
    the coordinator has it: when no coordinator could be told the claims are given back and the next run tries
    again; a supervisor's refused e-mail is not retried (the coordinator has it)."""
    coordinators = _coordinators(programme, managers)
    if not coordinators:
        report.escalations_failed += 1
        return False
    moment = now()
    claims = [Notice(kind=Notice.Kind.SILENT_ESCALATION, key=silence.key, recipient=coordinators[0], sent_at=moment)
              for silence in silences]  # fmt: skip
    if not _claim(claims):
        return False  # another run is telling them
    enrolment_ids = [silence.enrolment_id for silence in silences]
    try:
        told = [person for person in coordinators if _send(person, programme, enrolment_ids, as_supervisor=False)]
    except Exception:
        Notice.objects.filter(pk__in=[notice.pk for notice in claims]).delete()
        raise
    if not told:
        Notice.objects.filter(pk__in=[notice.pk for notice in claims]).delete()
        report.escalations_failed += 1
        return False
    report.escalated += len(silences)
    report.escalation_emails += len(told)
    by_supervisor: dict[Any, list[Any]] = defaultdict(list)
    for silence in silences:
        by_supervisor[silence.supervisor_id].append(silence.enrolment_id)
    told_ids = {person.pk for person in told}
    for supervisor_id, enrolment_ids in by_supervisor.items():
        supervisor = supervisors.get(supervisor_id)
        if (
            supervisor is not None
            and supervisor.pk not in told_ids
            and _usable(supervisor)
            and (supervisor.pk, programme.organisation_id) in managers
            and _send(supervisor, programme, enrolment_ids, as_supervisor=True)
        ):
            report.escalation_emails += 1
    return True


def _send(person: User, programme: Programme, enrolment_ids: list[Any], *, as_supervisor: bool) -> bool:
    subject, body = notifications.silent_escalation_message(
        person, programme, count=len(enrolment_ids), days=SILENT_DAYS, as_supervisor=as_supervisor
    )
    if not notifications.send_one(to=person.email, subject=subject, body=body, about=programme):
        return False
    record(action="notification.sent", actor=None, organisation=programme.organisation, target=programme,
           details={"kind": Notice.Kind.SILENT_ESCALATION, "to": "supervisor" if as_supervisor else "coordinator",
                    "count": len(enrolment_ids),
                    # The first ones only: one event stays small however neglected the programme; each escalated
                    # silent spell has its own Notice row besides.
                    "enrolments": [str(enrolment_id) for enrolment_id in enrolment_ids[:AUDITED_IDS]]})  # fmt: skip
    return True


def escalate_silent(today: date, report: FollowUpSweep) -> None:
    """Every programme with patients newly silent: four queries to find who is told what, then the e-mails."""
    found = newly_silent(today)
    if not found:
        return
    programmes = Programme.objects.select_related("coordinator", "organisation").in_bulk(list(found))
    supervisor_ids = {silence.supervisor_id for silences in found.values() for silence in silences}
    supervisor_ids.discard(None)
    supervisors = User.objects.in_bulk(list(supervisor_ids))
    people = supervisor_ids | {programme.coordinator_id for programme in programmes.values()}
    managers = set(
        RoleAssignment.objects.filter(user_id__in=list(people), role__in=ORG_MANAGER_ROLES).values_list(
            "user_id", "organisation_id"
        )
    )
    for programme_id, silences in found.items():
        escalate_programme(programmes[programme_id], silences, managers=managers, supervisors=supervisors,
                           report=report)  # fmt: skip


def follow_up_sweep(*, today: date | None = None) -> FollowUpSweep:
    """The day's proactive follow-up (queued daily by `peerpath run_scheduler`): each supporter's digest of the
    follow-ups due, then each coordinator told of the patients who newly went SILENT_DAYS days without being
    reached. Safe to run again: what went today is not sent again, what failed is tried again."""
    today = today or now().date()
    report = FollowUpSweep()
    for digest in digests_due(today):
        send_digest(digest, today, report)
    escalate_silent(today, report)
    return report
