"""E-mail from spaces (issue 5 points 3, 7 and 8): reminders, moved and cancelled meetings, a seat come free, answers to
requests, the clinician's invitation. Tasks run at once (root conftest.py); e-mail goes to Django's test outbox.

E-mail crosses servers we do not run: no message names another member, quotes an intro card or carries a join link.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail

from peerpath.accounts.models import User
from peerpath.spaces import meetings, services, tasks
from peerpath.spaces.models import Meeting, Membership, Notice, Rsvp, Schedule, Space
from peerpath.spaces.services import IntroCardData, SessionData
from peerpath.spaces.tests.helpers import JOIN_URL, join, schedule, space, weekly_space
from peerpath.testing.personas import World, make_user

pytestmark = pytest.mark.django_db

MONDAY = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)
TUESDAY_MEETING = datetime(2027, 1, 12, 19, 0, tzinfo=UTC)  # every Tuesday at 19:00 London time (GMT in January)
CARD_SECRETS = ("Pacing after a flare", "Recipes for bad days", "My divorce")


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def group(world: World, clock: Any) -> dict[str, Any]:
    """The weekly space on Monday morning, before Tuesday's meeting, with members who chose different reminders:
    the organiser and the member keep the default (the day before); aster wants both; birch only the hour before;
    cedar is not going; dune has left."""
    a_space, _schedule = weekly_space(world)
    people = {name: make_user(name) for name in ("aster-wren", "birch-lark", "cedar-finch", "dune-heron")}
    for person in people.values():
        join(person, a_space, organiser=world.people["coordinator"])
    _preferences(people["aster-wren"], a_space, day=True, hour=True)
    _preferences(people["birch-lark"], a_space, day=False, hour=True)
    services.membership_leave(user=people["dune-heron"], space=a_space)
    services.intro_card_save(
        user=world.people["member"],
        space=a_space,
        data=IntroCardData(hoping_for=CARD_SECRETS[0], can_offer=CARD_SECRETS[1], avoid_topics=CARD_SECRETS[2]),
    )
    meeting = Meeting.objects.get(space=a_space, starts_at=TUESDAY_MEETING)
    meetings.rsvp_set(user=people["aster-wren"], meeting=meeting, answer=Rsvp.Answer.GOING)
    meetings.rsvp_set(user=people["cedar-finch"], meeting=meeting, answer=Rsvp.Answer.NOT_GOING)
    return {"space": a_space, "meeting": meeting, **people}


def _preferences(user: User, a_space: Space, *, day: bool, hour: bool) -> None:
    services.membership_set_preferences(
        user=user, space=a_space, remind_day_before=day, remind_hour_before=hour, peer_check_in_ok=False
    )


def _to(messages: list[Any]) -> list[str]:
    return sorted(address for message in messages for address in message.to)


def _with_subject(start: str) -> list[Any]:
    return [message for message in mail.outbox if message.subject.startswith(f"[PeerPath] {start}")]


def _assert_private(world: World, extra_secrets: tuple[str, ...] = ()) -> None:
    """No e-mail names anyone but its recipient, quotes an intro card or carries a join link."""
    handles = {user.email: user.handle for user in User.objects.all()}
    # The member persona's handle is the word "member", which the messages use as a word.
    named = {handle for handle in handles.values() if handle != "member"}
    assert mail.outbox
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        [recipient] = message.to
        for handle in named - {handles[recipient]}:
            assert handle not in text, (message.subject, handle)
        for secret in (*CARD_SECRETS, JOIN_URL, *extra_secrets):
            assert secret not in text, (message.subject, secret)


# --- Reminders -----------------------------------------------------------------------------------------------------


def test_the_day_before_reminder_goes_once_to_members_who_chose_it(world, group, clock):
    clock.move_to(TUESDAY_MEETING - timedelta(hours=26))
    tasks.send_due_reminders.enqueue()
    assert mail.outbox == []  # too early

    clock.move_to(TUESDAY_MEETING - timedelta(hours=24))
    tasks.send_due_reminders.enqueue()
    tasks.send_due_reminders.enqueue()  # the sweep runs twice: nothing more

    sent = _with_subject("Fibromyalgia Tuesday Circle meets tomorrow")
    assert len(sent) == len(mail.outbox) == 3
    assert _to(sent) == ["aster-wren@example.org", "coordinator@example.org", "member@example.org"]
    message = sent[0]
    assert "Tuesday 12 January 2027, 19:00 (Europe/London)" in message.subject
    assert f"/spaces/{group['space'].pk}/meetings/{group['meeting'].pk}/" in message.body
    assert "The join link appears on the meeting page 15 minutes before the start." in message.body
    assert Notice.objects.filter(kind=Notice.Kind.REMINDER_DAY).count() == 3
    _assert_private(world)


def test_the_hour_before_reminder_goes_once_to_members_who_chose_it(world, group, clock):
    clock.move_to(TUESDAY_MEETING - timedelta(minutes=60))
    tasks.send_due_reminders.enqueue()
    clock.move_to(TUESDAY_MEETING - timedelta(minutes=50))
    tasks.send_due_reminders.enqueue()

    sent = _with_subject("Fibromyalgia Tuesday Circle meets soon")
    assert len(sent) == len(mail.outbox) == 2
    assert _to(sent) == ["aster-wren@example.org", "birch-lark@example.org"]
    _assert_private(world)


def test_not_going_turns_the_reminders_off_and_changing_the_answer_back_on(world, group, clock):
    meetings.rsvp_set(user=group["cedar-finch"], meeting=group["meeting"], answer=Rsvp.Answer.MAYBE)
    meetings.rsvp_set(user=world.people["member"], meeting=group["meeting"], answer=Rsvp.Answer.NOT_GOING)
    clock.move_to(TUESDAY_MEETING - timedelta(hours=24))
    tasks.send_due_reminders.enqueue()
    assert _to(mail.outbox) == ["aster-wren@example.org", "cedar-finch@example.org", "coordinator@example.org"]


def test_a_moved_meeting_is_reminded_at_its_new_time(world, group, clock, django_capture_on_commit_callbacks):
    clock.move_to(TUESDAY_MEETING - timedelta(hours=24))
    tasks.send_due_reminders.enqueue()
    assert len(mail.outbox) == 3

    clock.move_to(TUESDAY_MEETING - timedelta(hours=9))
    wednesday = TUESDAY_MEETING + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_move(
            actor=world.people["coordinator"], meeting=group["meeting"], starts_at=wednesday, message="The room moved."
        )
    mail.outbox.clear()

    clock.move_to(TUESDAY_MEETING)  # 24 hours before the new time; the old time has no meeting now
    tasks.send_due_reminders.enqueue()
    tasks.send_due_reminders.enqueue()
    sent = _with_subject("Fibromyalgia Tuesday Circle meets tomorrow")
    assert len(sent) == len(mail.outbox) == 3
    assert _to(sent) == ["aster-wren@example.org", "coordinator@example.org", "member@example.org"]
    assert all("Wednesday 13 January 2027, 19:00 (Europe/London)" in message.subject for message in sent)


# --- Moved and cancelled ---------------------------------------------------------------------------------------------


def test_a_move_tells_every_active_member_with_the_organisers_message(
    world, group, clock, django_capture_on_commit_callbacks
):
    wednesday = TUESDAY_MEETING + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_move(
            actor=world.people["coordinator"],
            meeting=group["meeting"],
            starts_at=wednesday,
            message="The library is closed on Tuesday.",
        )
    sent = _with_subject("Moved: Fibromyalgia Tuesday Circle, Wednesday 13 January 2027, 19:00")
    assert len(sent) == len(mail.outbox) == 5
    assert _to(sent) == [
        "aster-wren@example.org",
        "birch-lark@example.org",
        "cedar-finch@example.org",
        "coordinator@example.org",
        "member@example.org",
    ]
    assert all("The library is closed on Tuesday." in message.body for message in sent)
    assert all("has moved to Wednesday 13 January 2027, 19:00 (Europe/London)" in message.body for message in sent)
    _assert_private(world)


def test_a_cancellation_tells_every_active_member_once(world, group, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_cancel(actor=world.people["coordinator"], meeting=group["meeting"], message="Snow.")
    meeting = group["meeting"]
    meeting.refresh_from_db()
    tasks.send_meeting_changed.enqueue(str(meeting.pk), str(meeting.sequence))  # the task runs again: nothing more
    sent = _with_subject("Cancelled: Fibromyalgia Tuesday Circle, Tuesday 12 January 2027, 19:00")
    assert len(sent) == len(mail.outbox) == 5
    assert "dune-heron@example.org" not in _to(sent)
    assert all("is cancelled" in message.body and "Snow." in message.body for message in sent)

    clock.move_to(TUESDAY_MEETING - timedelta(hours=24))
    tasks.send_due_reminders.enqueue()
    assert len(mail.outbox) == 5  # no reminder for a cancelled meeting
    _assert_private(world)


# --- Seats, requests, invitations --------------------------------------------------------------------------------


def test_a_seat_come_free_is_offered_by_e_mail_to_the_first_waiting(world, clock, django_capture_on_commit_callbacks):
    a_space = space(world)
    schedule(world.people["coordinator"], a_space, capacity=1)
    first, second, third = (make_user(name) for name in ("aster-wren", "birch-lark", "cedar-finch"))
    for person in (first, second, third):
        join(person, a_space)
    meeting = Meeting.objects.get(space=a_space, starts_at=TUESDAY_MEETING)
    with django_capture_on_commit_callbacks(execute=True):
        for person in (first, second, third):
            meetings.rsvp_set(user=person, meeting=meeting, answer=Rsvp.Answer.GOING)
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        meetings.rsvp_set(user=first, meeting=meeting, answer=Rsvp.Answer.NOT_GOING)
    [message] = mail.outbox
    assert message.to == ["birch-lark@example.org"]
    assert message.subject == (
        "[PeerPath] A seat is yours: Fibromyalgia Tuesday Circle, Tuesday 12 January 2027, 19:00 (Europe/London)"
    )
    assert Rsvp.objects.get(user=second).state == Rsvp.State.CONFIRMED
    _assert_private(world)


def test_an_answered_request_is_e_mailed(world, clock, django_capture_on_commit_callbacks):
    a_space = space(world, join_policy=Space.JoinPolicy.REQUEST)
    welcome, sorry = make_user("aster-wren"), make_user("birch-lark")
    requests = {
        person: services.membership_join(user=person, space=a_space, reason="I was diagnosed last month.")
        for person in (welcome, sorry)
    }
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_decide(actor=world.people["coordinator"], membership=requests[welcome], approve=True)
        services.membership_decide(actor=world.people["coordinator"], membership=requests[sorry], approve=False)
    [yes] = _with_subject("Welcome to Fibromyalgia Tuesday Circle")
    [no] = _with_subject("Your request to join Fibromyalgia Tuesday Circle")
    assert yes.to == ["aster-wren@example.org"] and "was approved" in yes.body
    assert no.to == ["birch-lark@example.org"] and "was not approved" in no.body
    assert len(mail.outbox) == 2
    _assert_private(world, ("diagnosed last month",))


def test_the_clinician_is_e_mailed_the_invitation_with_the_topics(world, clock, django_capture_on_commit_callbacks):
    a_space, _schedule = weekly_space(world)
    topic = services.topic_propose(user=world.people["member"], space=a_space, title="Pacing and sleep")
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.clinician_session_create(
            actor=world.people["coordinator"],
            space=a_space,
            clinician=world.people["clinician"],
            proposals=[topic],
            data=SessionData(
                starts_at=MONDAY + timedelta(days=10),
                duration=timedelta(hours=1),
                mode=Schedule.Mode.ONLINE,
                join_url="https://meet.example.org/clinician-qa",
            ),
        )
    [message] = mail.outbox
    assert message.to == ["clinician@example.org"]
    assert message.subject == "[PeerPath] Invitation to a Q&A session with Fibromyalgia Tuesday Circle"
    assert "- Pacing and sleep" in message.body and "/sessions/" in message.body
    assert "Thursday 21 January 2027, 10:00 (Europe/London)" in message.body
    tasks.send_guest_invitation.enqueue(str(meeting.pk))  # once only
    assert len(mail.outbox) == 1
    _assert_private(world, ("https://meet.example.org/clinician-qa",))


def test_no_e_mail_goes_to_a_member_who_left(world, group, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_cancel(actor=world.people["coordinator"], meeting=group["meeting"], message="Snow.")
    clock.move_to(TUESDAY_MEETING + timedelta(days=6))  # next week's meeting, a day ahead
    tasks.send_due_reminders.enqueue()
    assert mail.outbox
    assert "dune-heron@example.org" not in _to(mail.outbox)
    assert Membership.objects.get(user=group["dune-heron"]).status == Membership.Status.LEFT


def test_the_clinician_guest_is_told_of_a_move_and_reminded_the_day_before(
    world, clock, django_capture_on_commit_callbacks
):
    a_space, _schedule = weekly_space(world)
    topic = services.topic_propose(user=world.people["member"], space=a_space, title="Pacing and sleep")
    with django_capture_on_commit_callbacks(execute=True):
        session = services.clinician_session_create(
            actor=world.people["coordinator"],
            space=a_space,
            clinician=world.people["clinician"],
            proposals=[topic],
            data=SessionData(
                starts_at=MONDAY + timedelta(days=10),
                duration=timedelta(hours=1),
                mode=Schedule.Mode.ONLINE,
                join_url="https://meet.example.org/clinician-qa",
            ),
        )
    services.guest_respond(user=world.people["clinician"], meeting=session, accept=True)
    mail.outbox.clear()
    new_start = MONDAY + timedelta(days=11)
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_move(
            actor=world.people["coordinator"],
            meeting=session,
            starts_at=new_start,
            message="The nurse can come a day later.",
        )
    assert "clinician@example.org" in _to(_with_subject("Moved"))
    mail.outbox.clear()
    clock.move_to(new_start - timedelta(hours=24))
    tasks.send_due_reminders.enqueue()
    [reminder] = [message for message in mail.outbox if message.to == ["clinician@example.org"]]
    assert "You are the guest clinician of this session." in reminder.body


def test_a_guest_cannot_answer_after_the_session(world, clock):
    a_space, _schedule = weekly_space(world)
    topic = services.topic_propose(user=world.people["member"], space=a_space, title="Pacing and sleep")
    session = services.clinician_session_create(
        actor=world.people["coordinator"],
        space=a_space,
        clinician=world.people["clinician"],
        proposals=[topic],
        data=SessionData(
            starts_at=MONDAY + timedelta(days=2),
            duration=timedelta(hours=1),
            mode=Schedule.Mode.ONLINE,
            join_url="https://meet.example.org/clinician-qa",
        ),
    )
    clock.move_to(MONDAY + timedelta(days=3))
    with pytest.raises(services.Conflict, match="over"):
        services.guest_respond(user=world.people["clinician"], meeting=session, accept=True)
    session.refresh_from_db()
    assert session.guest_status == Meeting.GuestStatus.INVITED
