"""The meeting services: schedules and their refusals, moving and cancelling with a message to members, seats and
the waiting list, check-in codes, the attendance register and notes (issue 5 points 3-5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.spaces import meetings
from peerpath.spaces.meetings import MeetingData, ScheduleData
from peerpath.spaces.models import Attendance, Meeting, MeetingNote, Rsvp, Schedule
from peerpath.spaces.tests.helpers import JOIN_URL, members, next_meeting, schedule, space, weekly_space

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, noon in London. British Summer Time starts on Sunday 29 March 2026.
MONDAY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def weekly(world):
    a_space, a_schedule = weekly_space(world)
    return a_space, a_schedule, next_meeting(a_space)


def _data(**overrides: Any) -> ScheduleData:
    values: dict[str, Any] = {
        "title": "Thursday evening",
        "rrule": "FREQ=WEEKLY;BYDAY=TH",
        "starts_on": date(2026, 3, 5),
        "start_time": time(18, 30),
        "duration": timedelta(hours=1),
        "timezone": "Europe/London",
        "join_url": JOIN_URL,
    }
    values.update(overrides)
    return ScheduleData(**values)


def _subjects(prefix: str) -> dict[str, str]:
    return {
        str(message.to[0]): str(message.body)
        for message in mail.outbox
        if message.subject.startswith(f"[PeerPath] {prefix}")
    }


# --- Schedules -------------------------------------------------------------------------------------------------


def test_a_weekly_schedule_keeps_its_local_time_across_the_clock_change(world):
    a_space = space(world)
    created = meetings.schedule_create(actor=world.people["coordinator"], space=a_space, data=_data())
    starts = list(Meeting.objects.filter(schedule=created).values_list("starts_at", flat=True)[:5])
    assert starts[0] == datetime(2026, 3, 5, 18, 30, tzinfo=UTC)  # GMT
    assert starts[4] == datetime(2026, 4, 2, 17, 30, tzinfo=UTC)  # 18:30 BST
    assert AuditEvent.objects.filter(action="space.schedule_created").count() == 1


def test_only_those_who_run_the_space_add_schedules(world, weekly):
    a_space, _schedule, _meeting = weekly
    with pytest.raises(PermissionDenied):
        meetings.schedule_create(actor=world.people["member"], space=a_space, data=_data())
    assert Schedule.objects.filter(space=a_space).count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31"}, "31st of February"),
        ({"rrule": "FREQ=WEEKLY;UNTIL=20260301"}, "before its first meeting"),
        ({"rrule": "FREQ=HOURLY"}, "not more often"),
        ({"timezone": "Europe/Atlantis"}, "Choose a time zone"),
        ({"mode": "in_person"}, "needs a place"),
        ({"join_url": "http://meet.example.org/x"}, "must start with https://"),
        ({"capacity": 0}, "from 1 to 10,000"),
    ],
)
def test_impossible_schedules_are_refused_and_nothing_is_saved(world, overrides, message):
    a_space = space(world)
    with pytest.raises(DomainError, match=message):
        meetings.schedule_create(actor=world.people["coordinator"], space=a_space, data=_data(**overrides))
    assert not Schedule.objects.exists() and not Meeting.objects.exists()


def test_an_overlapping_schedule_is_refused(world, weekly):
    a_space, _schedule, _meeting = weekly
    clash = _data(rrule="FREQ=WEEKLY;BYDAY=TU", starts_on=date(2026, 3, 3), start_time=time(20, 0))
    with pytest.raises(Conflict, match="overlaps “Tuesday meeting”"):
        meetings.schedule_create(actor=world.people["coordinator"], space=a_space, data=clash)
    later = _data(rrule="FREQ=WEEKLY;BYDAY=TU", starts_on=date(2026, 3, 3), start_time=time(20, 30))
    meetings.schedule_create(actor=world.people["coordinator"], space=a_space, data=later)  # starts as the other ends
    assert Schedule.objects.filter(space=a_space).count() == 2


def test_changing_a_schedule_cancels_answered_meetings_it_drops_and_ending_it_tells_members(
    world, weekly, django_capture_on_commit_callbacks
):
    _space, a_schedule, meeting = weekly
    meetings.rsvp_set(user=world.people["member"], meeting=meeting, answer="going")
    unanswered = Meeting.objects.filter(schedule=a_schedule).order_by("starts_at")[1]
    wednesday = _data(title="Wednesday meeting", rrule="FREQ=WEEKLY;BYDAY=WE", starts_on=date(2026, 3, 4))
    with django_capture_on_commit_callbacks(execute=True):
        meetings.schedule_update(actor=world.people["coordinator"], schedule=a_schedule, data=wednesday,
                                 message="We move to Wednesdays.")  # fmt: skip
    meeting.refresh_from_db()
    assert meeting.is_cancelled and meeting.change_message == "We move to Wednesdays."
    assert not Meeting.objects.filter(pk=unanswered.pk).exists()
    assert Meeting.objects.filter(schedule=a_schedule, status="scheduled").first().title == "Wednesday meeting"
    assert world.people["member"].email in _subjects("Cancelled")

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meetings.schedule_end(actor=world.people["coordinator"], schedule=a_schedule, message="The group is closing.")
    assert not Meeting.objects.filter(schedule=a_schedule, status="scheduled").exists()
    assert "The group is closing." in _subjects("Cancelled")[world.people["member"].email]
    with pytest.raises(Conflict):
        meetings.schedule_end(actor=world.people["coordinator"], schedule=a_schedule, message="Again.")


# --- Move and cancel -------------------------------------------------------------------------------------------


def test_moving_a_meeting_tells_every_member_with_the_message(world, weekly, django_capture_on_commit_callbacks):
    _space, _schedule, meeting = weekly
    with django_capture_on_commit_callbacks(execute=True):
        moved = meetings.meeting_move(
            actor=world.people["coordinator"],
            meeting=meeting,
            starts_at=datetime(2026, 3, 4, 18, 0, tzinfo=UTC),
            message="Room change.",
        )
    assert moved.starts_at == datetime(2026, 3, 4, 18, 0, tzinfo=UTC) and moved.sequence == 1
    assert moved.ends_at - moved.starts_at == timedelta(minutes=90) and moved.change_message == "Room change."
    told = _subjects("Moved")
    assert set(told) == {world.people["member"].email, world.people["coordinator"].email}
    assert "Wednesday 4 March 2026, 18:00 (Europe/London)" in told[world.people["member"].email]
    assert "Room change." in told[world.people["member"].email]


def test_a_meeting_cannot_move_onto_another_into_the_past_or_without_a_message(world, weekly):
    a_space, _schedule, meeting = weekly
    following = Meeting.objects.filter(space=a_space, starts_at__gt=meeting.starts_at).order_by("starts_at")[0]
    organiser = world.people["coordinator"]
    with pytest.raises(Conflict, match="overlaps another meeting"):
        meetings.meeting_move(actor=organiser, meeting=meeting, starts_at=following.starts_at, message="Swap.")
    with pytest.raises(DomainError, match="future"):
        meetings.meeting_move(actor=organiser, meeting=meeting, starts_at=MONDAY - timedelta(days=1), message="x")
    with pytest.raises(DomainError, match="message"):
        meetings.meeting_move(actor=organiser, meeting=meeting, starts_at=MONDAY + timedelta(days=2), message=" ")
    meeting.refresh_from_db()
    assert meeting.starts_at == meeting.original_start and meeting.sequence == 0


def test_cancelling_tells_members_and_a_started_meeting_cannot_be_cancelled(
    world, weekly, clock, django_capture_on_commit_callbacks
):
    a_space, _schedule, meeting = weekly
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_cancel(actor=world.people["coordinator"], meeting=meeting, message="Snow.")
    assert "Snow." in _subjects("Cancelled")[world.people["member"].email]
    with pytest.raises(Conflict, match="already cancelled"):
        meetings.meeting_cancel(actor=world.people["coordinator"], meeting=meeting, message="Snow.")
    following = Meeting.objects.filter(space=a_space, starts_at__gt=meeting.starts_at).order_by("starts_at")[0]
    clock.move_to(following.starts_at + timedelta(minutes=1))
    with pytest.raises(Conflict, match="has started"):
        meetings.meeting_cancel(actor=world.people["coordinator"], meeting=following, message="Too late.")
    with pytest.raises(PermissionDenied):
        meetings.meeting_cancel(actor=world.people["member"], meeting=next_meeting(a_space), message="Not mine.")


# --- Seats and the waiting list --------------------------------------------------------------------------------


def test_the_capacity_cannot_go_below_the_seats_taken_and_more_seats_promote_those_waiting(world):
    a_space = space(world)
    schedule(world.people["coordinator"], a_space, capacity=2)
    meeting = next_meeting(a_space)
    people = members(a_space, 4)
    answers = [meetings.rsvp_set(user=person, meeting=meeting, answer="going") for person in people]
    assert [answer.state for answer in answers] == ["confirmed", "confirmed", "waiting", "waiting"]
    with pytest.raises(Conflict, match="2 people already have a seat"):
        meetings.meeting_set_capacity(actor=world.people["coordinator"], meeting=meeting, capacity=1)
    meeting.refresh_from_db()
    assert meeting.capacity == 2
    meetings.meeting_set_capacity(actor=world.people["coordinator"], meeting=meeting, capacity=3)
    states = dict(Rsvp.objects.filter(meeting=meeting).values_list("user__handle", "state"))
    assert states == {"peer-0": "confirmed", "peer-1": "confirmed", "peer-2": "confirmed", "peer-3": "waiting"}


def test_giving_up_a_seat_promotes_the_first_waiting_and_tells_them(world, django_capture_on_commit_callbacks):
    a_space = space(world)
    schedule(world.people["coordinator"], a_space, capacity=1)
    meeting = next_meeting(a_space)
    first, second, third = members(a_space, 3)
    for person in (first, second, third):
        meetings.rsvp_set(user=person, meeting=meeting, answer="going")
    with django_capture_on_commit_callbacks(execute=True):
        meetings.rsvp_set(user=first, meeting=meeting, answer="maybe")
    states = dict(Rsvp.objects.filter(meeting=meeting).values_list("user__handle", "state"))
    assert states == {"peer-0": "", "peer-1": "confirmed", "peer-2": "waiting"}
    assert [message.to for message in mail.outbox] == [[second.email]]


def test_only_members_answer_and_not_after_the_meeting(world, weekly, clock):
    _space, _schedule, meeting = weekly
    with pytest.raises(PermissionDenied):
        meetings.rsvp_set(user=world.people["carer"], meeting=meeting, answer="going")
    clock.move_to(meeting.ends_at)
    with pytest.raises(Conflict, match="over"):
        meetings.rsvp_set(user=world.people["member"], meeting=meeting, answer="going")
    assert not Rsvp.objects.exists()


# --- Check-in --------------------------------------------------------------------------------------------------


def test_the_check_in_code_works_in_its_window_only_and_for_its_own_meeting(world, weekly, clock):
    a_space, _schedule, meeting = weekly
    member = world.people["member"]
    code = meetings.check_in_code(meeting)
    following = Meeting.objects.filter(space=a_space, starts_at__gt=meeting.starts_at).order_by("starts_at")[0]
    assert len(code) == 6 and code != meetings.check_in_code(following)

    clock.move_to(meeting.starts_at - timedelta(minutes=16))
    with pytest.raises(Conflict, match="15 minutes before"):
        meetings.attendance_check_in(user=member, meeting=meeting, code=code)
    clock.move_to(meeting.starts_at - timedelta(minutes=15))
    with pytest.raises(DomainError, match="not this meeting"):
        meetings.attendance_check_in(user=member, meeting=meeting, code=meetings.check_in_code(following))
    with pytest.raises(PermissionDenied):
        meetings.attendance_check_in(user=world.people["carer"], meeting=meeting, code=code)
    assert not Attendance.objects.exists()

    attended = meetings.attendance_check_in(user=member, meeting=meeting, code=f"{code[:3].lower()} {code[3:]}")
    assert attended.method == Attendance.Method.CHECK_IN and attended.recorded_by is None
    assert meetings.attendance_check_in(user=member, meeting=meeting, code=code) == attended  # twice is once

    late = members(a_space, 1)[0]
    clock.move_to(meeting.ends_at + timedelta(minutes=31))
    with pytest.raises(Conflict, match="closed"):
        meetings.attendance_check_in(user=late, meeting=meeting, code=code)


def test_a_cancelled_meeting_takes_no_check_in(world, weekly, clock):
    _space, _schedule, meeting = weekly
    meetings.meeting_cancel(actor=world.people["coordinator"], meeting=meeting, message="Snow.")
    clock.move_to(meeting.starts_at)
    with pytest.raises(Conflict, match="cancelled"):
        meetings.attendance_check_in(user=world.people["member"], meeting=meeting, code=meetings.check_in_code(meeting))


# --- The attendance register -----------------------------------------------------------------------------------


def test_the_register_sets_exactly_who_attended_and_unticking_takes_it_back(world, weekly, clock):
    a_space, _schedule, meeting = weekly
    one, two = members(a_space, 2)
    organiser = world.people["coordinator"]
    clock.move_to(meeting.starts_at + timedelta(minutes=10))
    meetings.attendance_set(actor=organiser, meeting=meeting, present=[one.pk, two.pk])
    assert set(Attendance.objects.values_list("user", flat=True)) == {one.pk, two.pk}
    meetings.attendance_set(actor=organiser, meeting=meeting, present=[str(two.pk)])
    assert list(Attendance.objects.values_list("user", flat=True)) == [two.pk]
    assert AuditEvent.objects.filter(action="space.attendance_removed").count() == 1


def test_the_register_refuses_non_members_and_saves_nothing(world, weekly, clock):
    _space, _schedule, meeting = weekly
    clock.move_to(meeting.starts_at)
    with pytest.raises(DomainError, match="Only members"):
        meetings.attendance_set(
            actor=world.people["coordinator"],
            meeting=meeting,
            present=[world.people["member"].pk, world.people["carer"].pk],
        )
    assert not Attendance.objects.exists()
    with pytest.raises(PermissionDenied):
        meetings.attendance_set(actor=world.people["member"], meeting=meeting, present=[world.people["member"].pk])


def test_a_one_off_meeting_uses_the_space_time_zone_unless_told(world, weekly):
    a_space, _schedule, _meeting = weekly
    one_off = meetings.meeting_create_one_off(
        actor=world.people["coordinator"],
        space=a_space,
        data=MeetingData(title="Picnic", starts_at=datetime(2026, 6, 20, 11, 0, tzinfo=UTC),
                         duration=timedelta(hours=3), mode="in_person", place="The park"),
    )  # fmt: skip
    assert (
        one_off.timezone == "Europe/London" and one_off.schedule is None and len(meetings.check_in_code(one_off)) == 6
    )


# --- Notes -----------------------------------------------------------------------------------------------------


def test_notes_are_kept_one_per_meeting_and_rewritten(world, weekly):
    _space, _schedule, meeting = weekly
    organiser = world.people["coordinator"]
    meetings.meeting_note_save(actor=organiser, meeting=meeting, topics="Sleep", resources="", open_questions="")
    meetings.meeting_note_save(
        actor=organiser, meeting=meeting, topics="Sleep, pacing", resources="", open_questions="?"
    )
    note = MeetingNote.objects.get()
    assert (note.topics, note.open_questions, note.updated_by) == ("Sleep, pacing", "?", organiser)
    with pytest.raises(DomainError, match="at most 4000"):
        meetings.meeting_note_save(actor=organiser, meeting=meeting, topics="x" * 4001, resources="", open_questions="")
    with pytest.raises(PermissionDenied):
        meetings.meeting_note_save(actor=world.people["member"], meeting=meeting, topics="Mine", resources="",
                                   open_questions="")  # fmt: skip
    assert MeetingNote.objects.get().topics == "Sleep, pacing"
