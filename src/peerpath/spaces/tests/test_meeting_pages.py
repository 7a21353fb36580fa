"""The meeting pages: who may open each (permission matrices), what members and non-members see, RSVP with a
waiting list, check-in by code, the attendance register, notes, schedules and moving or cancelling a meeting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.core.time import now
from peerpath.spaces import meetings, services
from peerpath.spaces.models import Attendance, Meeting, MeetingNote, Rsvp, Schedule
from peerpath.spaces.tests.helpers import JOIN_URL, join, members, next_meeting, schedule, space, weekly_space
from peerpath.testing.browser import axe_violations, describe, sign_in, staff_sign_in
from peerpath.testing.matrix import LOGIN, check_matrix
from peerpath.testing.personas import PERSONA_PASSWORD, make_world

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, noon in London (GMT): the weekly space meets on Tuesdays at 19:00.
MONDAY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TUESDAY_19 = datetime(2026, 3, 3, 19, 0, tzinfo=UTC)

# Pages for whoever runs the space: its organiser (the coordinator persona) and the host's admin.
RUNNERS_ONLY = {
    "anonymous": LOGIN,
    "member": 404,
    "carer": 404,
    "peer_supporter": 404,
    "moderator": 404,
    "clinician": 404,
    "coordinator": 200,
    "admin": 200,
    "outsider": 404,
}


@pytest.fixture(autouse=True)
def clock(request):
    cache.clear()
    if request.node.get_closest_marker("browser"):  # the browser and the live server keep real time
        yield None
    else:
        with time_machine.travel(MONDAY, tick=False) as traveller:
            yield traveller
    cache.clear()


@pytest.fixture
def weekly(world):
    a_space, a_schedule = weekly_space(world)
    return a_space, a_schedule, next_meeting(a_space)


def _url(meeting: Meeting, tail: str = "") -> str:
    return f"/spaces/{meeting.space_id}/meetings/{meeting.pk}/{tail}"


def _text(response) -> str:
    return response.content.decode()


# --- Permission matrices ---------------------------------------------------------------------------------------


def test_the_meeting_list_is_for_members_and_the_hosts_managers(client, world, weekly):
    a_space, _schedule, _meeting = weekly
    check_matrix(
        client,
        world,
        url=f"/spaces/{a_space.pk}/meetings/",
        expect={**RUNNERS_ONLY, "member": 200},
    )


@pytest.mark.parametrize("tail", ["schedules/new/", "meetings/new/"])
def test_adding_schedules_and_meetings_is_for_those_who_run_the_space(client, world, weekly, tail):
    a_space, _schedule, _meeting = weekly
    check_matrix(client, world, url=f"/spaces/{a_space.pk}/{tail}", expect=RUNNERS_ONLY)


def test_editing_a_schedule_is_for_those_who_run_the_space(client, world, weekly):
    a_space, a_schedule, _meeting = weekly
    check_matrix(client, world, url=f"/spaces/{a_space.pk}/schedules/{a_schedule.pk}/", expect=RUNNERS_ONLY)


def test_a_schedule_of_another_space_is_not_found(client, world, weekly):
    a_space, _schedule, _meeting = weekly
    other = space(world, "Long Covid Thursday Group")
    theirs = schedule(world.people["coordinator"], other, rrule="FREQ=WEEKLY;BYDAY=TH")
    client.force_login(world.people["coordinator"])
    assert client.get(f"/spaces/{other.pk}/schedules/{theirs.pk}/").status_code == 200
    assert client.get(f"/spaces/{a_space.pk}/schedules/{theirs.pk}/").status_code == 404


@pytest.mark.parametrize("tail", ["attendance/", "notes/", "change/"])
def test_running_one_meeting_is_for_those_who_run_the_space(client, world, weekly, tail):
    _space, _schedule, meeting = weekly
    check_matrix(client, world, url=_url(meeting, tail), expect=RUNNERS_ONLY)


def test_a_meeting_of_a_public_space_can_be_seen_by_anyone(client, world, weekly):
    _space, _schedule, meeting = weekly
    check_matrix(client, world, url=_url(meeting), expect=dict.fromkeys(RUNNERS_ONLY, 200))


def test_a_meeting_under_another_space_is_not_found(client, world, weekly):
    _space, _schedule, meeting = weekly
    other = space(world, "Long Covid Thursday Group")
    client.force_login(world.people["member"])
    assert client.get(f"/spaces/{other.pk}/meetings/{meeting.pk}/").status_code == 404


def test_answering_is_for_members(client, world, weekly):
    _space, _schedule, meeting = weekly
    check_matrix(
        client,
        world,
        url=_url(meeting, "rsvp/"),
        method="post",
        data={"answer": "maybe"},
        # The admin sees members' content as the host's manager, but is not a member: refused with a reason.
        expect={**RUNNERS_ONLY, "member": 302, "coordinator": 302, "admin": 403},
    )
    assert Rsvp.objects.filter(meeting=meeting).count() == 2


def test_checking_in_is_for_members(client, world, weekly, clock):
    _space, _schedule, meeting = weekly
    clock.move_to(TUESDAY_19)
    check_matrix(
        client,
        world,
        url=_url(meeting, "check-in/"),
        method="post",
        data={"code": meetings.check_in_code(meeting)},
        expect={**RUNNERS_ONLY, "member": 302, "coordinator": 302, "admin": 403},
    )
    assert set(Attendance.objects.filter(meeting=meeting).values_list("user__handle", flat=True)) == {
        "member",
        "coordinator",
    }


# --- The meeting as members and others see it ------------------------------------------------------------------


def test_a_non_member_sees_when_and_where_but_no_link_people_cards_or_notes(client, world, weekly, clock):
    _space, _schedule, meeting = weekly
    services.intro_card_save(
        user=world.people["member"], space=meeting.space, data=services.IntroCardData(hoping_for="Pacing tips")
    )
    meetings.rsvp_set(user=world.people["member"], meeting=meeting, answer="going")
    meetings.meeting_note_save(
        actor=world.people["coordinator"], meeting=meeting, topics="Sleep", resources="", open_questions=""
    )
    clock.move_to(TUESDAY_19 - timedelta(minutes=5))
    client.force_login(world.people["carer"])
    page = _text(client.get(_url(meeting)))
    assert "Tuesday meeting" in page and "Tuesday 3 March 2026, 19:00" in page and "Europe/London" in page
    assert JOIN_URL not in page and "Pacing tips" not in page and "Sleep" not in page
    assert "Who is coming" not in page and 'name="answer"' not in page and 'name="code"' not in page
    assert "Join the group to answer" in page


def test_a_member_sees_who_is_coming_with_intro_cards_and_new_members_marked(client, world, weekly):
    _space, _schedule, meeting = weekly
    member = world.people["member"]
    services.intro_card_save(
        user=member, space=meeting.space, data=services.IntroCardData(lived_with="1_5", can_offer="Recipes")
    )
    meetings.rsvp_set(user=member, meeting=meeting, answer="going")
    meetings.rsvp_set(user=world.people["coordinator"], meeting=meeting, answer="maybe")
    client.force_login(member)
    page = _text(client.get(_url(meeting)))
    going = page.split('id="coming-going"')[1].split('id="notes"')[0]
    assert "member" in going and "1 to 5 years" in going and "Recipes" in going and "New" in going
    assert "Member Testperson" not in page and "member@example.org" not in page
    assert "You have a seat" in page
    assert page.split('id="coming-maybe"')[1].count("coordinator") == 1


def test_the_join_link_appears_15_minutes_before_the_start_and_goes_at_the_end(client, world, weekly, clock):
    _space, _schedule, meeting = weekly
    client.force_login(world.people["member"])
    page = _text(client.get(_url(meeting)))
    assert JOIN_URL not in page and "The join link appears here 15 minutes before the start" in page
    clock.move_to(meeting.starts_at - timedelta(minutes=15))
    assert JOIN_URL in _text(client.get(_url(meeting)))
    clock.move_to(meeting.ends_at)
    assert JOIN_URL not in _text(client.get(_url(meeting)))


def test_the_organiser_sees_the_code_in_the_check_in_window_only(client, world, weekly, clock):
    _space, _schedule, meeting = weekly
    code = meetings.check_in_code(meeting)
    client.force_login(world.people["coordinator"])
    assert code not in _text(client.get(_url(meeting)))
    clock.move_to(meeting.starts_at - timedelta(minutes=10))
    client.force_login(world.people["coordinator"])  # a staff session ends after 30 idle minutes
    page = _text(client.get(_url(meeting)))
    assert code in page and "read this out or show it on screen" in page.lower()
    client.force_login(world.people["member"])
    assert code not in _text(client.get(_url(meeting)))


def test_the_accepted_clinician_guest_is_shown_as_guest(client, world, weekly):
    a_space, _schedule, _meeting = weekly
    proposal = services.topic_propose(user=world.people["member"], space=a_space, title="Sleep and pain")
    session = services.clinician_session_create(
        actor=world.people["coordinator"],
        space=a_space,
        clinician=world.people["clinician"],
        proposals=[proposal],
        data=services.SessionData(starts_at=MONDAY + timedelta(days=3), duration=timedelta(hours=1), mode="online",
                                  join_url=JOIN_URL),
    )  # fmt: skip
    services.guest_respond(user=world.people["clinician"], meeting=session, accept=True)
    client.force_login(world.people["member"])
    assert "Guest: clinician, clinician" in _text(client.get(_url(session)))
    client.force_login(world.people["clinician"])
    assert client.get(_url(session)).status_code == 200


def test_a_cancelled_meeting_shows_the_message_and_takes_no_answers(client, world, weekly):
    _space, _schedule, meeting = weekly
    meetings.meeting_cancel(actor=world.people["coordinator"], meeting=meeting, message="The room is flooded.")
    client.force_login(world.people["member"])
    page = _text(client.get(_url(meeting)))
    assert "Cancelled" in page and "The room is flooded." in page and 'name="answer"' not in page
    response = client.post(_url(meeting, "rsvp/"), {"answer": "going"})
    assert response.status_code == 409 and "This meeting is cancelled." in _text(response)


# --- RSVP ------------------------------------------------------------------------------------------------------


def test_going_takes_a_seat_then_the_waiting_list_and_a_freed_seat_goes_to_the_first_waiting(
    client, world, django_capture_on_commit_callbacks
):
    a_space = space(world)
    schedule(world.people["coordinator"], a_space, capacity=1)
    meeting = next_meeting(a_space)
    first, second, third = members(a_space, 3)
    for person in (first, second, third):
        client.force_login(person)
        response = client.post(_url(meeting, "rsvp/"), {"answer": "going"}, follow=True)
        assert response.status_code == 200
    client.force_login(third)
    assert "You are number 2 on the waiting list" in _text(client.get(_url(meeting)))
    client.force_login(first)
    assert "You have a seat" in _text(client.get(_url(meeting)))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(meeting, "rsvp/"), {"answer": "not_going"})
    client.force_login(second)
    assert "You have a seat" in _text(client.get(_url(meeting)))
    client.force_login(third)
    assert "You are number 1 on the waiting list" in _text(client.get(_url(meeting)))
    assert [m.to for m in mail.outbox if "seat" in m.subject.lower()] == [[second.email]]


def test_a_bad_answer_is_refused_on_the_form(client, world, weekly):
    _space, _schedule, meeting = weekly
    client.force_login(world.people["member"])
    response = client.post(_url(meeting, "rsvp/"), {"answer": "perhaps"})
    assert response.status_code == 400 and "Select a valid choice" in _text(response)
    assert not Rsvp.objects.filter(meeting=meeting).exists()


# --- Check-in --------------------------------------------------------------------------------------------------


def test_a_member_checks_in_with_the_code_and_a_wrong_or_late_code_is_refused(client, world, weekly, clock):
    _space, _schedule, meeting = weekly
    code = meetings.check_in_code(meeting)
    member = world.people["member"]
    client.force_login(member)
    early = client.post(_url(meeting, "check-in/"), {"code": code})
    assert early.status_code == 409 and "from 15 minutes before" in _text(early)
    clock.move_to(meeting.starts_at + timedelta(minutes=5))
    assert 'name="code"' in _text(client.get(_url(meeting)))
    wrong = client.post(_url(meeting, "check-in/"), {"code": "AAAAAA" if code != "AAAAAA" else "BBBBBB"})
    assert wrong.status_code == 400 and "not this meeting&#x27;s check-in code" in _text(wrong)
    assert not Attendance.objects.filter(meeting=meeting).exists()
    response = client.post(_url(meeting, "check-in/"), {"code": f" {code[:3].lower()}-{code[3:]} "}, follow=True)
    assert "You are checked in" in _text(response)
    attendance = Attendance.objects.get(meeting=meeting, user=member)
    assert attendance.method == Attendance.Method.CHECK_IN


def test_a_code_from_another_meeting_is_refused(client, world, weekly, clock):
    a_space, _schedule, meeting = weekly
    following = Meeting.objects.filter(space=a_space, starts_at__gt=meeting.starts_at).order_by("starts_at")[0]
    clock.move_to(meeting.starts_at)
    client.force_login(world.people["member"])
    response = client.post(_url(meeting, "check-in/"), {"code": meetings.check_in_code(following)})
    assert response.status_code == 400 and not Attendance.objects.exists()


def test_check_in_closes_30_minutes_after_the_end(client, world, weekly, clock):
    _space, _schedule, meeting = weekly
    clock.move_to(meeting.ends_at + timedelta(minutes=31))
    client.force_login(world.people["member"])
    response = client.post(_url(meeting, "check-in/"), {"code": meetings.check_in_code(meeting)})
    assert response.status_code == 409 and "Check-in for this meeting has closed." in _text(response)


def test_guessing_codes_is_limited_per_member(client, world, weekly, clock):
    _space, _schedule, meeting = weekly
    code = meetings.check_in_code(meeting)
    clock.move_to(meeting.starts_at)
    client.force_login(world.people["member"])
    for _attempt in range(20):
        assert (
            client.post(_url(meeting, "check-in/"), {"code": "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"}).status_code
            == 400
        )
    limited = client.post(_url(meeting, "check-in/"), {"code": code})
    assert limited.status_code == 429 and "wait 15 minutes" in _text(limited)
    assert not Attendance.objects.exists()


# --- Attendance register ---------------------------------------------------------------------------------------


def test_the_register_lists_going_first_selects_them_without_saving_and_saves_the_ticks(client, world, weekly, clock):
    a_space, _schedule, meeting = weekly
    aaron, zoe = members(a_space, 2, prefix="z-peer")[0], members(a_space, 1, prefix="a-peer")[0]
    meetings.rsvp_set(user=aaron, meeting=meeting, answer="going")
    clock.move_to(meeting.starts_at + timedelta(minutes=20))
    client.force_login(world.people["coordinator"])
    page = _text(client.get(_url(meeting, "attendance/")))
    assert page.index("z-peer-0") < page.index("a-peer-0") < page.index(">member<") if ">member<" in page else True
    assert page.index("z-peer-0") < page.index("a-peer-0")

    selected = _text(client.post(_url(meeting, "attendance/"), {"action": "select_going", "present": [str(zoe.pk)]}))
    assert f'value="{aaron.pk}" checked' in selected and f'value="{zoe.pk}" checked' in selected
    assert not Attendance.objects.exists()

    saved = client.post(
        _url(meeting, "attendance/"), {"action": "save", "present": [str(aaron.pk), str(zoe.pk)]}, follow=True
    )
    assert "Attendance saved: 2 attended." in _text(saved) and "2 attended so far" in _text(saved)
    client.post(_url(meeting, "attendance/"), {"action": "save", "present": [str(zoe.pk)]})
    assert list(Attendance.objects.values_list("user", flat=True)) == [zoe.pk]


def test_attendance_cannot_be_taken_before_the_meeting(client, world, weekly):
    _space, _schedule, meeting = weekly
    client.force_login(world.people["coordinator"])
    response = client.post(
        _url(meeting, "attendance/"), {"action": "save", "present": [str(world.people["member"].pk)]}
    )
    assert response.status_code == 409 and "from 15 minutes before the meeting starts" in _text(response)
    assert not Attendance.objects.exists()


# --- Notes -----------------------------------------------------------------------------------------------------


def test_notes_saved_by_the_organiser_are_shown_to_members(client, world, weekly):
    _space, _schedule, meeting = weekly
    client.force_login(world.people["coordinator"])
    response = client.post(
        _url(meeting, "notes/"),
        {"topics": "Pacing", "resources": "https://example.org/pacing", "open_questions": "Does heat help?"},
    )
    assert response.status_code == 302
    assert client.get(_url(meeting, "notes/")).content.decode().count("Does heat help?") == 1
    client.force_login(world.people["member"])
    page = _text(client.get(_url(meeting)))
    assert "Pacing" in page and 'href="https://example.org/pacing"' in page and "Does heat help?" in page
    too_long = client.post(_url(meeting, "notes/"), {"topics": "x" * 4001})
    assert too_long.status_code == 404  # members do not write notes
    client.force_login(world.people["coordinator"])
    too_long = client.post(_url(meeting, "notes/"), {"topics": "x" * 4001})
    assert too_long.status_code == 400 and MeetingNote.objects.get().topics == "Pacing"


# --- Schedules -------------------------------------------------------------------------------------------------


def _schedule_form(**overrides):
    data = {
        "title": "Thursday evening",
        "how_often": "weekly",
        "rrule": "",
        "starts_on": "2026-03-05",
        "start_time": "18:30",
        "minutes": "60",
        "timezone": "Europe/London",
        "mode": "online",
        "join_url": JOIN_URL,
        "place": "",
        "capacity": "",
    }
    data.update(overrides)
    return data


def test_an_organiser_adds_a_weekly_schedule_and_its_meetings_appear(client, world):
    a_space = space(world)
    client.force_login(world.people["coordinator"])
    form = _text(client.get(f"/spaces/{a_space.pk}/schedules/new/"))
    assert 'value="weekly" required id="id_how_often_0" checked' in form
    response = client.post(f"/spaces/{a_space.pk}/schedules/new/", _schedule_form(), follow=True)
    assert response.status_code == 200
    created = Schedule.objects.get(space=a_space)
    assert created.rrule == "FREQ=WEEKLY;BYDAY=TH" and created.duration == timedelta(minutes=60)
    page = _text(response)
    assert "Thursday 5 March 2026, 18:30" in page and "Every Thursday at 18:30 (Europe/London)" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"how_often": "custom", "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31"}, "31st of February"),
        ({"how_often": "custom", "rrule": "FREQ=WEEKLY;UNTIL=20260101"}, "ends (UNTIL) before its first meeting"),
        ({"how_often": "custom", "rrule": ""}, "Write the custom rule"),
        ({"mode": "in_person", "join_url": ""}, "needs a place"),
        ({"timezone": "Mars/Olympus"}, "Select a valid choice"),
    ],
)
def test_impossible_schedules_come_back_as_form_errors_and_nothing_is_saved(client, world, overrides, message):
    a_space = space(world)
    client.force_login(world.people["coordinator"])
    response = client.post(f"/spaces/{a_space.pk}/schedules/new/", _schedule_form(**overrides))
    assert response.status_code == 400 and message in _text(response)
    assert not Schedule.objects.exists() and not Meeting.objects.exists()


def test_an_overlapping_schedule_is_refused(client, world, weekly):
    a_space, _schedule, _meeting = weekly
    client.force_login(world.people["coordinator"])
    response = client.post(
        f"/spaces/{a_space.pk}/schedules/new/", _schedule_form(starts_on="2026-03-03", start_time="19:30")
    )
    assert response.status_code == 409 and "This overlaps “Tuesday meeting”" in _text(response)
    assert 'id="id_how_often_error"' in _text(response)  # a preset's clash is shown against "How often"
    assert Schedule.objects.filter(space=a_space).count() == 1


def test_editing_a_schedule_moves_its_future_meetings_and_ending_it_cancels_them(
    client, world, weekly, django_capture_on_commit_callbacks
):
    a_space, a_schedule, meeting = weekly
    meetings.rsvp_set(user=world.people["member"], meeting=meeting, answer="going")
    client.force_login(world.people["coordinator"])
    url = f"/spaces/{a_space.pk}/schedules/{a_schedule.pk}/"
    page = _text(client.get(url))
    assert 'value="Tuesday meeting"' in page and "Every Tuesday at 19:00" in page
    changed = client.post(
        url, {**_schedule_form(title="Tuesday meeting", starts_on="2026-03-03", start_time="19:00"), "action": "save"}
    )
    assert changed.status_code == 302
    meeting.refresh_from_db()
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=60) and meeting.join_url == JOIN_URL

    missing = client.post(url, {"action": "end", "end-message": ""})
    assert missing.status_code == 400 and "This field is required" in _text(missing)
    with django_capture_on_commit_callbacks(execute=True):
        ended = client.post(url, {"action": "end", "end-message": "We are merging with Thursday."})
    assert ended.status_code == 302
    meeting.refresh_from_db()
    assert meeting.is_cancelled and meeting.change_message == "We are merging with Thursday."
    assert any("Cancelled" in message.subject for message in mail.outbox)
    assert "Edit or end" not in _text(client.get(f"/spaces/{a_space.pk}/meetings/"))


def test_an_organiser_adds_a_one_off_meeting_in_person(client, world):
    a_space = space(world)
    client.force_login(world.people["coordinator"])
    data = {
        "title": "Summer picnic",
        "day": "2026-06-20",
        "start_time": "12:00",
        "minutes": "180",
        "timezone": "Europe/London",
        "mode": "in_person",
        "place": "Riverside Park bandstand",
        "capacity": "30",
    }
    response = client.post(f"/spaces/{a_space.pk}/meetings/new/", data, follow=True)
    picnic = Meeting.objects.get(space=a_space)
    assert picnic.starts_at == datetime(2026, 6, 20, 11, 0, tzinfo=UTC)  # British Summer Time
    assert "Riverside Park bandstand" in _text(response) and "Saturday 20 June 2026, 12:00" in _text(response)
    past = client.post(f"/spaces/{a_space.pk}/meetings/new/", {**data, "day": "2026-03-01"})
    assert past.status_code == 400 and "must be in the future" in _text(past)
    assert Meeting.objects.filter(space=a_space).count() == 1


# --- Move, cancel, capacity ------------------------------------------------------------------------------------


def test_moving_a_meeting_tells_members_and_shows_the_message(
    client, world, weekly, django_capture_on_commit_callbacks
):
    _space, _schedule, meeting = weekly
    client.force_login(world.people["coordinator"])
    form = {"action": "move", "move-day": "2026-03-04", "move-start_time": "18:00", "move-message": "Room change."}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(meeting, "change/"), form, follow=True)
    meeting.refresh_from_db()
    assert meeting.starts_at == datetime(2026, 3, 4, 18, 0, tzinfo=UTC)
    assert "Room change." in _text(response) and "Wednesday 4 March 2026, 18:00" in _text(response)
    told = {
        address for message in mail.outbox if message.subject.startswith("[PeerPath] Moved") for address in message.to
    }
    assert told == {world.people["member"].email, world.people["coordinator"].email}


def test_cancelling_needs_a_message(client, world, weekly):
    _space, _schedule, meeting = weekly
    client.force_login(world.people["coordinator"])
    assert client.post(_url(meeting, "change/"), {"action": "cancel", "cancel-message": ""}).status_code == 400
    meeting.refresh_from_db()
    assert not meeting.is_cancelled
    client.post(_url(meeting, "change/"), {"action": "cancel", "cancel-message": "Snow."})
    meeting.refresh_from_db()
    assert meeting.is_cancelled and meeting.change_message == "Snow."


def test_capacity_cannot_go_below_the_seats_taken(client, world, weekly):
    a_space, _schedule, meeting = weekly
    for person in members(a_space, 2):
        meetings.rsvp_set(user=person, meeting=meeting, answer="going")
    client.force_login(world.people["coordinator"])
    response = client.post(_url(meeting, "change/"), {"action": "capacity", "capacity-capacity": "1"})
    assert response.status_code == 409 and "2 people already have a seat" in _text(response)
    meeting.refresh_from_db()
    assert meeting.capacity is None
    assert client.post(_url(meeting, "change/"), {"action": "capacity", "capacity-capacity": "2"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.capacity == 2


# --- Queries stay flat as members grow -------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _busy(a_space, meeting, people) -> None:
    for index, person in enumerate(people):
        services.intro_card_save(user=person, space=a_space, data=services.IntroCardData(can_offer=f"Offer {index}"))
        meetings.rsvp_set(user=person, meeting=meeting, answer="going" if index % 2 else "maybe")


@pytest.mark.parametrize("page", ["list", "detail", "attendance"])
def test_the_meeting_pages_make_the_same_number_of_queries_for_5_or_30_members(
    client, world, weekly, page, django_assert_max_num_queries, clock
):
    a_space, _schedule, meeting = weekly
    _busy(a_space, meeting, members(a_space, 5))
    clock.move_to(meeting.starts_at)
    url = {
        "list": f"/spaces/{a_space.pk}/meetings/",
        "detail": _url(meeting),
        "attendance": _url(meeting, "attendance/"),
    }[page]
    client.force_login(world.people["coordinator"])
    client.get(url)  # warm the session
    five = _queries(client, url)
    _busy(a_space, meeting, members(a_space, 25, prefix="more"))
    with django_assert_max_num_queries(five):
        response = client.get(url)
    assert "more-24" in _text(response) or page == "list"


def test_the_list_shows_counts_answers_and_past_meetings_with_notes(client, world, weekly, clock):
    a_space, _schedule, meeting = weekly
    member = world.people["member"]
    meetings.rsvp_set(user=member, meeting=meeting, answer="going")
    clock.move_to(meeting.starts_at)
    meetings.attendance_set(actor=world.people["coordinator"], meeting=meeting, present=[member.pk])
    meetings.meeting_note_save(
        actor=world.people["coordinator"], meeting=meeting, topics="Sleep", resources="", open_questions=""
    )
    clock.move_to(meeting.ends_at + timedelta(hours=1))
    client.force_login(member)
    page = _text(client.get(f"/spaces/{a_space.pk}/meetings/"))
    past = page.split('id="past"')[1]
    assert "Tuesday 3 March 2026, 19:00" in past and "Notes of 3 Mar" in past
    upcoming = page.split('id="upcoming"')[1].split('id="past"')[0]
    assert "Tuesday 10 March 2026, 19:00" in upcoming and "Not answered" in upcoming
    assert "Add a schedule" not in page
    assert now() > meeting.ends_at
    join(world.people["carer"], a_space)
    client.force_login(world.people["coordinator"])
    assert "Add a schedule" in _text(client.get(f"/spaces/{a_space.pk}/meetings/"))


# --- In the browser: axe-core and the keyboard -----------------------------------------------------------------


def _axe(page, path: str) -> None:
    page.goto(path)
    violations = axe_violations(page)
    assert not violations, f"{path}:\n{describe(violations)}"


@pytest.mark.browser
def test_the_meeting_pages_have_no_serious_accessibility_violations_and_check_in_works_by_keyboard(
    browser_context_factory, live_server
):
    world = make_world()
    a_space = space(world)
    a_schedule = schedule(world.people["coordinator"], a_space)
    join(world.people["member"], a_space)
    services.intro_card_save(
        user=world.people["member"], space=a_space, data=services.IntroCardData(lived_with="new", can_offer="Tea")
    )
    soon = meetings.meeting_create_one_off(
        actor=world.people["coordinator"],
        space=a_space,
        data=meetings.MeetingData(title="Drop-in", starts_at=now() + timedelta(minutes=10),
                                  duration=timedelta(hours=1), mode="hybrid", join_url=JOIN_URL, place="Room 2"),
    )  # fmt: skip
    meetings.rsvp_set(user=world.people["member"], meeting=soon, answer="going")
    meetings.meeting_note_save(
        actor=world.people["coordinator"], meeting=soon, topics="Pacing", resources="", open_questions="Heat?"
    )

    organiser_context = browser_context_factory(base_url=live_server.url)
    organiser = organiser_context.new_page()
    staff_sign_in(organiser, world.people["coordinator"])
    for path in (
        f"/spaces/{a_space.pk}/meetings/",
        _url(soon),
        _url(soon, "attendance/"),
        _url(soon, "notes/"),
        _url(soon, "change/"),
        f"/spaces/{a_space.pk}/meetings/new/",
        f"/spaces/{a_space.pk}/schedules/{a_schedule.pk}/",
    ):
        _axe(organiser, path)
    organiser.goto(f"/spaces/{a_space.pk}/schedules/new/")
    organiser.get_by_label("Title").fill("")
    with organiser.expect_navigation():
        organiser.get_by_role("button", name="Add the schedule").click()
    assert organiser.locator(".nhsuk-error-summary").is_visible()
    assert not axe_violations(organiser), describe(axe_violations(organiser))
    organiser_context.close()

    member_context = browser_context_factory(base_url=live_server.url)
    member = member_context.new_page()
    sign_in(member, world.people["member"].email, PERSONA_PASSWORD)
    _axe(member, _url(soon))
    code_box = member.get_by_label("Check-in code")
    code_box.fill("AAAAAA" if meetings.check_in_code(soon) != "AAAAAA" else "BBBBBB")
    with member.expect_navigation():
        code_box.press("Enter")
    assert member.locator(".nhsuk-error-summary").is_visible()
    assert not axe_violations(member), describe(axe_violations(member))
    member.get_by_label("Check-in code").fill(meetings.check_in_code(soon))
    with member.expect_navigation():
        member.get_by_label("Check-in code").press("Enter")
    assert member.get_by_text("You are checked in").first.is_visible()
    member_context.close()
