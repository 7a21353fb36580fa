"""Every change to schedules, meetings, RSVPs, attendance and meeting notes: atomic and audited (issue 5 points 3-5).

Seats are the one resource members compete for: an RSVP takes the meeting's row lock (PostgreSQL) or the database
write lock (SQLite, whose transactions are IMMEDIATE) before counting seats, so concurrent RSVPs for the last seats
take exactly the capacity and the rest wait, in order (SECURITY.md Business logic, figure 8).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from peerpath.accounts.models import User
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError
from peerpath.core.time import now
from peerpath.prescriptions.dose import Activity
from peerpath.prescriptions.models import Participation, Patient, Prescription
from peerpath.spaces import recurrence, tasks, tokens
from peerpath.spaces.common import active_membership, audit_event, check_runs, clean_text, enqueue_on_commit
from peerpath.spaces.models import (
    CHECK_IN_CLOSES_AFTER,
    CHECK_IN_OPENS_BEFORE,
    MATERIALISE_AHEAD,
    Attendance,
    Meeting,
    MeetingNote,
    Membership,
    Rsvp,
    Schedule,
    Space,
)

MAX_CAPACITY = 10_000
# How far ahead overlapping schedules are looked for.
_OVERLAP_WINDOW = timedelta(days=366)


def _check_mode(mode: str, join_url: str, place: str) -> None:
    if mode not in Schedule.Mode.values:
        raise DomainError(_("Choose online, in person, or both."), field="mode")
    if mode in (Schedule.Mode.ONLINE, Schedule.Mode.HYBRID) and not join_url:
        raise DomainError(_("An online meeting needs a join link."), field="join_url")
    if mode in (Schedule.Mode.IN_PERSON, Schedule.Mode.HYBRID) and not place:
        raise DomainError(_("A meeting in person needs a place."), field="place")
    if join_url and not join_url.lower().startswith("https://"):
        raise DomainError(_("The join link must start with https://."), field="join_url")


def _clean_details(title: str, join_url: str, place: str, mode: str, capacity: int | None) -> tuple[str, str, str]:
    """Title, join link and place of a schedule or a meeting, checked together with the mode and capacity."""
    title = clean_text(title, limit=120, field="title", label=_("A title"), required=True)
    join_url = clean_text(join_url, limit=500, field="join_url", label=_("The join link"))
    place = clean_text(place, limit=300, field="place", label=_("The place"))
    _check_mode(mode, join_url, place)
    _check_capacity(capacity)
    return title, join_url, place


def _check_capacity(capacity: int | None) -> None:
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError(_("A capacity is a number of seats from 1 to 10,000, or none."), field="capacity")


# --- Schedules -------------------------------------------------------------------------------------------------


@dataclass
class ScheduleData:
    title: str
    rrule: str
    starts_on: date
    start_time: time
    duration: timedelta
    timezone: str
    mode: str = Schedule.Mode.ONLINE
    join_url: str = ""
    place: str = ""
    capacity: int | None = None

    def validate(self) -> recurrence.Rule:
        self.title, self.join_url, self.place = _clean_details(
            self.title, self.join_url, self.place, self.mode, self.capacity
        )
        rule = recurrence.build_rule(
            text=self.rrule,
            starts_on=self.starts_on,
            start_time=self.start_time,
            duration=self.duration,
            timezone=self.timezone,
        )
        self.rrule = rule.text
        return rule


def rule_of(schedule: Schedule) -> recurrence.Rule:
    return recurrence.Rule(
        text=schedule.rrule,
        starts_on=schedule.starts_on,
        start_time=schedule.start_time,
        duration=schedule.duration,
        timezone=schedule.timezone,
    )


def _check_no_overlap(space: Space, rule: recurrence.Rule, *, exclude: Schedule | None = None) -> None:
    """Two schedules of one space may not hold meetings at the same time (issue 5, Bad input)."""
    start = max(now(), datetime.combine(rule.starts_on, rule.start_time).replace(tzinfo=rule.tz))
    end = start + _OVERLAP_WINDOW
    mine = rule.occurrences(start, end)
    if not mine:
        return
    others = Schedule.objects.filter(space=space, ended_at__isnull=True)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    for other in others:
        theirs = rule_of(other).occurrences(start - other.duration, end)
        for begins, ends in mine:
            for other_begins, other_ends in theirs:
                if begins < other_ends and other_begins < ends:
                    when = begins.astimezone(rule.tz)
                    raise Conflict(
                        _("This overlaps “%(title)s” on %(when)s.")
                        % {"title": other.title, "when": when.strftime("%a %d %b %Y %H:%M")},
                        field="rrule",
                    )


@transaction.atomic
def schedule_create(*, actor: User, space: Space, data: ScheduleData) -> Schedule:
    check_runs(actor, space)
    rule = data.validate()
    _check_no_overlap(space, rule)
    schedule = Schedule.objects.create(
        space=space,
        title=data.title,
        rrule=data.rrule,
        starts_on=data.starts_on,
        start_time=data.start_time,
        duration=data.duration,
        timezone=data.timezone,
        mode=data.mode,
        join_url=data.join_url,
        place=data.place,
        capacity=data.capacity,
    )
    audit_event("space.schedule_created", actor=actor, space=space, target=schedule, rrule=schedule.rrule)
    meetings_materialise(schedule=schedule)
    return schedule


@transaction.atomic
def schedule_update(*, actor: User, schedule: Schedule, data: ScheduleData, message: str = "") -> Schedule:
    """Change a schedule from now on: future meetings follow it; those the new rule drops are cancelled (members
    who answered are told) and past meetings keep their history."""
    space = schedule.space
    check_runs(actor, space)
    if schedule.ended_at is not None:
        raise Conflict(_("This schedule has ended."))
    rule = data.validate()
    _check_no_overlap(space, rule, exclude=schedule)
    message = clean_text(message, limit=500, field="message", label=_("The message"))
    message = message or _("The group's schedule changed.")
    for name in (
        "title",
        "rrule",
        "starts_on",
        "start_time",
        "duration",
        "timezone",
        "mode",
        "join_url",
        "place",
        "capacity",
    ):
        setattr(schedule, name, getattr(data, name))
    schedule.save()
    moment = now()
    wanted = {begins: ends for begins, ends in rule.occurrences(moment, moment + MATERIALISE_AHEAD)}
    for meeting in Meeting.objects.select_for_update().filter(schedule=schedule, starts_at__gt=moment):
        if meeting.original_start in wanted and meeting.status == Meeting.Status.SCHEDULED:
            if meeting.starts_at == meeting.original_start:  # not moved by hand: follow the schedule
                meeting.ends_at = wanted[meeting.original_start]
            _copy_details(schedule, meeting)
            meeting.sequence += 1
            meeting.save()
        elif meeting.rsvps.exists():
            _cancel(meeting, message)
        else:
            meeting.delete()
    audit_event("space.schedule_updated", actor=actor, space=space, target=schedule, rrule=schedule.rrule)
    meetings_materialise(schedule=schedule)
    return schedule


def _copy_details(schedule: Schedule, meeting: Meeting) -> None:
    meeting.title, meeting.timezone, meeting.mode = schedule.title, schedule.timezone, schedule.mode
    meeting.join_url, meeting.place = schedule.join_url, schedule.place
    confirmed = meeting.rsvps.filter(state=Rsvp.State.CONFIRMED).count()
    # A lower capacity never takes seats already given (issue 5, Bad input): the meeting keeps what it holds.
    meeting.capacity = schedule.capacity if schedule.capacity is None else max(schedule.capacity, confirmed)


@transaction.atomic
def schedule_end(*, actor: User, schedule: Schedule, message: str) -> Schedule:
    """Stop a schedule: its future meetings are cancelled with the message."""
    space = schedule.space
    check_runs(actor, space)
    message = clean_text(message, limit=500, field="message", label=_("A message to members"), required=True)
    if schedule.ended_at is not None:
        raise Conflict(_("This schedule has already ended."))
    schedule.ended_at = now()
    schedule.save(update_fields=["ended_at", "updated_at"])
    for meeting in Meeting.objects.select_for_update().filter(
        schedule=schedule, starts_at__gt=schedule.ended_at, status=Meeting.Status.SCHEDULED
    ):
        _cancel(meeting, message)
    audit_event("space.schedule_ended", actor=actor, space=space, target=schedule)
    return schedule


def meetings_materialise(*, schedule: Schedule, since: datetime | None = None, until: datetime | None = None) -> int:
    """Create the schedule's missing occurrences from `since` (default now) to the horizon; idempotent (an
    occurrence is keyed by its original start). Returns how many were created."""
    if schedule.ended_at is not None:
        return 0
    start = since or now()
    end = until or now() + MATERIALISE_AHEAD
    occurrences = rule_of(schedule).occurrences(start, end)
    if not occurrences:
        return 0
    existing = set(
        Meeting.objects.filter(schedule=schedule, original_start__gte=start, original_start__lt=end).values_list(
            "original_start", flat=True
        )
    )
    new = [
        Meeting(
            space_id=schedule.space_id,
            schedule=schedule,
            original_start=begins,
            title=schedule.title,
            starts_at=begins,
            ends_at=ends,
            timezone=schedule.timezone,
            mode=schedule.mode,
            join_url=schedule.join_url,
            place=schedule.place,
            capacity=schedule.capacity,
            check_in_nonce=tokens.new_nonce(),
        )
        for begins, ends in occurrences
        if begins not in existing
    ]
    Meeting.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def materialise_all() -> int:
    """The daily sweep: keep every live schedule's meetings materialised to the horizon."""
    created = 0
    for schedule in Schedule.objects.filter(ended_at__isnull=True, space__archived_at__isnull=True):
        created += meetings_materialise(schedule=schedule)
    return created


# --- One meeting -----------------------------------------------------------------------------------------------


@dataclass
class MeetingData:
    title: str
    starts_at: datetime
    duration: timedelta
    mode: str = Schedule.Mode.ONLINE
    join_url: str = ""
    place: str = ""
    capacity: int | None = None
    timezone: str = ""


@transaction.atomic
def meeting_create_one_off(
    *, actor: User, space: Space, data: MeetingData, kind: str = Meeting.Kind.REGULAR
) -> Meeting:
    check_runs(actor, space)
    title, join_url, place = _clean_details(data.title, data.join_url, data.place, data.mode, data.capacity)
    if data.starts_at.tzinfo is None:
        raise DomainError(_("The time needs a time zone."), field="starts_at")
    if data.starts_at <= now():
        raise DomainError(_("A new meeting must be in the future."), field="starts_at")
    if not timedelta(0) < data.duration <= recurrence.MAX_DURATION:
        raise DomainError(_("A meeting lasts more than no time and at most 8 hours."), field="duration")
    meeting = Meeting.objects.create(
        space=space,
        kind=kind,
        title=title,
        starts_at=data.starts_at,
        ends_at=data.starts_at + data.duration,
        timezone=data.timezone or space.timezone,
        mode=data.mode,
        join_url=join_url,
        place=place,
        capacity=data.capacity,
        check_in_nonce=tokens.new_nonce(),
    )
    audit_event("space.meeting_created", actor=actor, space=space, target=meeting, kind=kind)
    return meeting


def _cancel(meeting: Meeting, message: str) -> None:
    meeting.status, meeting.change_message = Meeting.Status.CANCELLED, message
    meeting.sequence += 1
    meeting.save(update_fields=["status", "change_message", "sequence", "updated_at"])
    enqueue_on_commit(tasks.send_meeting_changed, str(meeting.pk), str(meeting.sequence))


def _lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("space__organisation").get(pk=meeting.pk)


@transaction.atomic
def meeting_cancel(*, actor: User, meeting: Meeting, message: str) -> Meeting:
    """Cancel one occurrence with a message to its members (issue 5 point 3)."""
    meeting = _lock(meeting)
    check_runs(actor, meeting.space)
    message = clean_text(message, limit=500, field="message", label=_("A message to members"), required=True)
    if meeting.is_cancelled:
        raise Conflict(_("This meeting is already cancelled."))
    if meeting.starts_at <= now():
        raise Conflict(_("A meeting that has started cannot be cancelled."))
    _cancel(meeting, message)
    audit_event("space.meeting_cancelled", actor=actor, space=meeting.space, target=meeting)
    return meeting


@transaction.atomic
def meeting_move(*, actor: User, meeting: Meeting, starts_at: datetime, message: str) -> Meeting:
    """Move one occurrence (same length) with a message to its members; the rest of the schedule stays."""
    meeting = _lock(meeting)
    check_runs(actor, meeting.space)
    message = clean_text(message, limit=500, field="message", label=_("A message to members"), required=True)
    if meeting.is_cancelled:
        raise Conflict(_("A cancelled meeting cannot be moved."))
    if meeting.starts_at <= now():
        raise Conflict(_("A meeting that has started cannot be moved."))
    if starts_at.tzinfo is None:
        raise DomainError(_("The time needs a time zone."), field="starts_at")
    if starts_at <= now():
        raise DomainError(_("Move it to a time in the future."), field="starts_at")
    length = meeting.ends_at - meeting.starts_at
    clash = (
        Meeting.objects.filter(
            space=meeting.space,
            status=Meeting.Status.SCHEDULED,
            starts_at__lt=starts_at + length,
            ends_at__gt=starts_at,
        )
        .exclude(pk=meeting.pk)
        .first()
    )
    if clash is not None:
        raise Conflict(
            _("That time overlaps another meeting of this space (%(title)s).") % {"title": clash.title},
            field="starts_at",
        )
    old = meeting.starts_at
    meeting.starts_at, meeting.ends_at = starts_at, starts_at + length
    meeting.change_message = message
    meeting.sequence += 1
    meeting.save(update_fields=["starts_at", "ends_at", "change_message", "sequence", "updated_at"])
    audit_event(
        "space.meeting_moved",
        actor=actor,
        space=meeting.space,
        target=meeting,
        old=old.isoformat(),
        new=starts_at.isoformat(),
    )
    enqueue_on_commit(tasks.send_meeting_changed, str(meeting.pk), str(meeting.sequence))
    return meeting


@transaction.atomic
def meeting_set_capacity(*, actor: User, meeting: Meeting, capacity: int | None) -> Meeting:
    """Change one meeting's seats; never below the seats already taken. More seats promote those waiting."""
    meeting = _lock(meeting)
    check_runs(actor, meeting.space)
    _check_capacity(capacity)
    confirmed = Rsvp.objects.filter(meeting=meeting, state=Rsvp.State.CONFIRMED).count()
    if capacity is not None and capacity < confirmed:
        raise Conflict(
            _("%(n)s people already have a seat: the capacity cannot go below that.") % {"n": confirmed},
            field="capacity",
        )
    old = meeting.capacity
    meeting.capacity = capacity
    meeting.save(update_fields=["capacity", "updated_at"])
    _promote(meeting)
    audit_event(
        "space.meeting_capacity_changed", actor=actor, space=meeting.space, target=meeting, old=old, new=capacity
    )
    return meeting


# --- RSVPs -----------------------------------------------------------------------------------------------------


@transaction.atomic
def rsvp_set(*, user: User, meeting: Meeting, answer: str) -> Rsvp:
    """Going, maybe or not going. "Going" takes a seat while there is one, else a place on the waiting list; giving
    up a seat promotes the first waiting."""
    if answer not in Rsvp.Answer.values:
        raise DomainError(_("Answer going, maybe or not going."), field="answer")
    meeting = _lock(meeting)
    active_membership(user, meeting.space)
    if meeting.is_cancelled:
        raise Conflict(_("This meeting is cancelled."))
    if meeting.ends_at <= now():
        raise Conflict(_("This meeting is over."))
    rsvp = Rsvp.objects.filter(meeting=meeting, user=user).first()
    if rsvp is not None and rsvp.answer == answer:
        return rsvp
    had_seat = rsvp is not None and rsvp.state == Rsvp.State.CONFIRMED
    if rsvp is None:
        rsvp = Rsvp(meeting=meeting, user=user)
    rsvp.answer = answer
    if answer == Rsvp.Answer.GOING:
        taken = Rsvp.objects.filter(meeting=meeting, state=Rsvp.State.CONFIRMED).count()
        if meeting.capacity is None or taken < meeting.capacity:
            rsvp.state, rsvp.waiting_since = Rsvp.State.CONFIRMED, None
        else:
            rsvp.state, rsvp.waiting_since = Rsvp.State.WAITING, now()
    else:
        rsvp.state, rsvp.waiting_since = Rsvp.State.NONE, None
    rsvp.save()
    record(
        action="space.rsvp",
        actor=user,
        organisation=meeting.space.organisation,
        target=rsvp,
        details={"answer": answer, "state": rsvp.state},
    )
    if had_seat and rsvp.state != Rsvp.State.CONFIRMED:
        _promote(meeting)
    return rsvp


def _promote(meeting: Meeting) -> list[Rsvp]:
    """Fill free seats from the waiting list, first come first served (the caller holds the meeting's lock)."""
    if meeting.is_cancelled or meeting.ends_at <= now():
        return []
    waiting = Rsvp.objects.filter(meeting=meeting, state=Rsvp.State.WAITING).order_by("waiting_since", "created_at")
    if meeting.capacity is not None:
        free = meeting.capacity - Rsvp.objects.filter(meeting=meeting, state=Rsvp.State.CONFIRMED).count()
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting)
    for rsvp in promoted:
        rsvp.state, rsvp.waiting_since = Rsvp.State.CONFIRMED, None
        rsvp.save(update_fields=["state", "waiting_since", "updated_at"])
        record(action="space.rsvp_promoted", actor=None, organisation=meeting.space.organisation, target=rsvp)
        enqueue_on_commit(tasks.send_seat_free, str(rsvp.pk))
    return promoted


def rsvp_withdraw_all(*, user: User, space: Space) -> None:
    """A member who leaves gives up their answers to future meetings (inside the caller's transaction)."""
    for meeting in Meeting.objects.select_for_update().filter(space=space, ends_at__gt=now(), rsvps__user=user):
        had_seat = Rsvp.objects.filter(meeting=meeting, user=user, state=Rsvp.State.CONFIRMED).exists()
        Rsvp.objects.filter(meeting=meeting, user=user).delete()
        if had_seat:
            _promote(meeting)


# --- Attendance ------------------------------------------------------------------------------------------------


def _check_attendance_window(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise Conflict(_("This meeting was cancelled."))
    if now() < meeting.starts_at - CHECK_IN_OPENS_BEFORE:
        raise Conflict(_("Attendance can be taken from 15 minutes before the meeting starts."))


def _prescriptions_counting(user: User, meeting: Meeting) -> list[Prescription]:
    """The member's running prescriptions that a meeting of this space counts towards."""
    listing_id = meeting.space.listing_id
    return [
        prescription
        for prescription in Prescription.objects.filter(
            patient__user=user, status__in=Prescription.RUNNING_STATUSES
        ).select_related("patient")
        if prescription.listing_id in (None, listing_id) and prescription.dose.counts(Activity.MEETING)
    ]


def _record_participation(attendance: Attendance, meeting: Meeting, recorded_by: User | None) -> int:
    """Attendance moves the member's clinician's adherence view (issue 5 point 4 → issue 4's participation)."""
    from peerpath.prescriptions.services import participation_record

    patients: dict[Any, Patient] = {}
    for prescription in _prescriptions_counting(attendance.user, meeting):
        patients[prescription.patient_id] = prescription.patient
    for patient in patients.values():
        participation_record(
            patient=patient,
            activity=Activity.MEETING,
            when=min(meeting.starts_at, now()),
            source=Participation.Source.ATTENDANCE,
            listing=meeting.space.listing,
            recorded_by=recorded_by,
            source_ref=f"attendance:{attendance.pk}",
        )
    return len(patients)


def _attend(meeting: Meeting, user: User, *, method: str, recorded_by: User | None) -> Attendance:
    attendance = Attendance.objects.filter(meeting=meeting, user=user).first()
    if attendance is not None:
        return attendance
    attendance = Attendance.objects.create(meeting=meeting, user=user, method=method, recorded_by=recorded_by)
    record(
        action="space.attended",
        actor=recorded_by or user,
        organisation=meeting.space.organisation,
        target=attendance,
        details={"method": method, "meeting": str(meeting.pk)},
    )
    _record_participation(attendance, meeting, recorded_by)
    return attendance


@transaction.atomic
def attendance_set(*, actor: User, meeting: Meeting, present: Iterable[Any]) -> list[Attendance]:
    """The organiser's one-screen register: exactly these members attended. Unticking someone takes back their
    attendance and the participation it recorded."""
    meeting = _lock(meeting)
    check_runs(actor, meeting.space)
    _check_attendance_window(meeting)
    wanted = {str(user_id) for user_id in present}
    members = {
        str(membership.user_id): membership.user
        for membership in Membership.objects.filter(
            space=meeting.space, status=Membership.Status.ACTIVE
        ).select_related("user")
    }
    already = {str(user_id) for user_id in meeting.attendances.values_list("user_id", flat=True)}
    unknown = wanted - set(members) - already
    if unknown:
        raise DomainError(_("Only members of the space can be marked as attending."), field="present")
    result = []
    for user_id in sorted(wanted):
        user = members.get(user_id)
        if user is not None:
            result.append(_attend(meeting, user, method=Attendance.Method.MARKED, recorded_by=actor))
    for attendance in meeting.attendances.select_related("user").exclude(user_id__in=list(wanted)):
        _unattend(attendance, actor)
    return result


def _unattend(attendance: Attendance, actor: User) -> None:
    from peerpath.prescriptions.services import participation_retract

    for patient in Patient.objects.filter(user_id=attendance.user_id):
        participation_retract(
            patient=patient,
            source=Participation.Source.ATTENDANCE,
            source_ref=f"attendance:{attendance.pk}",
            actor=actor,
        )
    record(
        action="space.attendance_removed",
        actor=actor,
        organisation=attendance.meeting.space.organisation,
        target=attendance,
    )
    attendance.delete()


@transaction.atomic
def attendance_check_in(*, user: User, meeting: Meeting, code: str) -> Attendance:
    """A member checks in with the short code shown in the meeting (issue 5 point 4)."""
    meeting = _lock(meeting)
    active_membership(user, meeting.space)
    _check_attendance_window(meeting)
    if now() > meeting.ends_at + CHECK_IN_CLOSES_AFTER:
        raise Conflict(_("Check-in for this meeting has closed."), field="code")
    if not tokens.code_matches(meeting.pk, meeting.check_in_nonce, code):
        raise DomainError(_("That is not this meeting's check-in code."), field="code")
    return _attend(meeting, user, method=Attendance.Method.CHECK_IN, recorded_by=None)


def check_in_code(meeting: Meeting) -> str:
    return tokens.check_in_code(meeting.pk, meeting.check_in_nonce)


# --- Notes -----------------------------------------------------------------------------------------------------


@transaction.atomic
def meeting_note_save(
    *, actor: User, meeting: Meeting, topics: str, resources: str, open_questions: str
) -> MeetingNote:
    meeting = _lock(meeting)
    check_runs(actor, meeting.space)
    values = {
        "topics": clean_text(topics, limit=4000, field="topics", label=_("Topics covered")),
        "resources": clean_text(resources, limit=4000, field="resources", label=_("Resources shared")),
        "open_questions": clean_text(
            open_questions, limit=4000, field="open_questions", label=_("Questions left open")
        ),
    }
    note, created = MeetingNote.objects.get_or_create(meeting=meeting, defaults={**values, "updated_by": actor})
    if not created:
        for name, value in values.items():
            setattr(note, name, value)
        note.updated_by = actor
        note.save()
    audit_event("space.meeting_note_saved", actor=actor, space=meeting.space, target=note)
    from peerpath.forum.indexing import index_note  # the forum's search finds notes (issue 6 point 3)

    index_note(note)
    return note
