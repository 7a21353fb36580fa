"""Seats cannot be overbooked under concurrency (SECURITY.md figure 8, issue 5 point 3): 200 members answering
"going" at the same moment for the last two seats of a meeting take exactly the capacity, the rest wait in order.

The threads start together at a barrier and each uses its own database connection. On PostgreSQL (CI's second run)
this proves the meeting's row lock in `meetings.rsvp_set`. On SQLite it proves the write lock PeerPath's embedded
database takes up front (IMMEDIATE transactions, WAL, a busy timeout): pytest's SQLite test database lives in memory
with a shared cache, where a second writer fails at once ("database table is locked") instead of queueing, which no
deployment does; so for this test the data are copied into a file database, and the threads and the checks use it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections

from peerpath.spaces import meetings, selectors
from peerpath.spaces.models import Meeting, Rsvp
from peerpath.spaces.tests.helpers import members, next_meeting, weekly_space
from peerpath.testing.concurrency import database_for_threads

CAPACITY = 20
ALREADY_SEATED = 18
AT_ONCE = 200
# PostgreSQL's default max_connections is 100, shared with anything else on the server: the 200 requests arrive
# together, but at most this many hold a connection at a time, as a deployment's web workers would.
CONNECTIONS = 30


def _rsvp_all_at_once(people: list[Any], meeting: Meeting, connect: Callable[[], None]) -> list[BaseException]:
    barrier = threading.Barrier(len(people))
    gate = threading.BoundedSemaphore(CONNECTIONS)
    errors: list[BaseException] = []

    def answer(user: Any) -> None:
        try:
            connect()
            barrier.wait(timeout=60)
            with gate:
                try:
                    meetings.rsvp_set(user=user, meeting=meeting, answer=Rsvp.Answer.GOING)
                finally:
                    connections.close_all()  # this thread's own connection
        except BaseException as error:  # every failure, reported below rather than lost in a thread
            errors.append(error)

    threads = [threading.Thread(target=answer, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "an RSVP never finished"
    return errors


@pytest.mark.django_db(transaction=True)
def test_200_simultaneous_rsvps_for_the_last_two_seats_take_exactly_the_capacity(world, tmp_path):
    a_space, _ = weekly_space(world)
    meeting = next_meeting(a_space)
    meetings.meeting_set_capacity(actor=world.people["coordinator"], meeting=meeting, capacity=CAPACITY)
    for user in members(a_space, ALREADY_SEATED, prefix="seated"):
        meetings.rsvp_set(user=user, meeting=meeting, answer=Rsvp.Answer.GOING)
    crowd = members(a_space, AT_ONCE, prefix="crowd")

    with database_for_threads(tmp_path) as connect:
        errors = _rsvp_all_at_once(crowd, meeting, connect)
        assert errors == []
        _check_the_outcome(meeting)


def _check_the_outcome(meeting: Meeting) -> None:
    rsvps = Rsvp.objects.filter(meeting=meeting)
    assert rsvps.count() == ALREADY_SEATED + AT_ONCE
    assert rsvps.filter(state=Rsvp.State.CONFIRMED).count() == CAPACITY
    waiting = list(rsvps.filter(state=Rsvp.State.WAITING).order_by("waiting_since", "created_at"))
    assert len(waiting) == ALREADY_SEATED + AT_ONCE - CAPACITY  # 198: all but the 2 who got the last seats
    # A strict queue: every place is distinct and the positions run 1..198 in the order of arrival.
    stamps = [rsvp.waiting_since for rsvp in waiting]
    assert None not in stamps and len(set(stamps)) == len(stamps)
    assert [selectors.waiting_position(rsvp) for rsvp in waiting] == list(range(1, len(waiting) + 1))
    assert all(rsvp.answer == Rsvp.Answer.GOING for rsvp in waiting)


@pytest.mark.django_db
def test_a_freed_seat_goes_to_exactly_one_waiting_member_first_come_first_served(world):
    a_space, _ = weekly_space(world)
    meeting = next_meeting(a_space)
    organiser = world.people["coordinator"]
    meetings.meeting_set_capacity(actor=organiser, meeting=meeting, capacity=2)
    seated, other_seated, first, second, third = members(a_space, 5)
    for user in (seated, other_seated, first, second, third):
        meetings.rsvp_set(user=user, meeting=meeting, answer=Rsvp.Answer.GOING)
    # `second` changes their mind and comes back: they go to the back of the queue.
    meetings.rsvp_set(user=second, meeting=meeting, answer=Rsvp.Answer.MAYBE)
    meetings.rsvp_set(user=second, meeting=meeting, answer=Rsvp.Answer.GOING)

    def state_of(user: Any) -> str:
        return Rsvp.objects.get(meeting=meeting, user=user).state

    assert [state_of(user) for user in (first, third, second)] == ["waiting"] * 3

    meetings.rsvp_set(user=seated, meeting=meeting, answer=Rsvp.Answer.NOT_GOING)
    assert [state_of(user) for user in (first, third, second)] == ["confirmed", "waiting", "waiting"]
    assert Rsvp.objects.filter(meeting=meeting, state=Rsvp.State.CONFIRMED).count() == 2
    assert selectors.waiting_position(Rsvp.objects.get(meeting=meeting, user=third)) == 1

    meetings.rsvp_set(user=other_seated, meeting=meeting, answer=Rsvp.Answer.MAYBE)
    assert [state_of(user) for user in (third, second)] == ["confirmed", "waiting"]
    # Saying "not going" while waiting frees nothing and promotes nobody.
    meetings.rsvp_set(user=second, meeting=meeting, answer=Rsvp.Answer.NOT_GOING)
    assert Rsvp.objects.filter(meeting=meeting, state=Rsvp.State.CONFIRMED).count() == 2
    assert not Rsvp.objects.filter(meeting=meeting, state=Rsvp.State.WAITING).exists()


@pytest.mark.django_db
def test_a_capacity_below_the_seats_taken_is_refused_and_more_seats_promote(world):
    from peerpath.core.errors import Conflict

    a_space, _ = weekly_space(world)
    meeting = next_meeting(a_space)
    organiser = world.people["coordinator"]
    meetings.meeting_set_capacity(actor=organiser, meeting=meeting, capacity=2)
    people = members(a_space, 4)
    for user in people:
        meetings.rsvp_set(user=user, meeting=meeting, answer=Rsvp.Answer.GOING)
    with pytest.raises(Conflict):
        meetings.meeting_set_capacity(actor=organiser, meeting=meeting, capacity=1)
    meeting.refresh_from_db()
    assert meeting.capacity == 2
    meetings.meeting_set_capacity(actor=organiser, meeting=meeting, capacity=3)
    assert Rsvp.objects.get(meeting=meeting, user=people[2]).state == Rsvp.State.CONFIRMED
    assert Rsvp.objects.get(meeting=meeting, user=people[3]).state == Rsvp.State.WAITING


@pytest.mark.django_db
def test_a_meeting_that_is_over_takes_no_more_answers(world, time_machine):
    from peerpath.core.errors import Conflict

    a_space, _ = weekly_space(world)
    meeting = next_meeting(a_space)
    time_machine.move_to(meeting.ends_at + timedelta(minutes=1))
    with pytest.raises(Conflict):
        meetings.rsvp_set(user=world.people["member"], meeting=meeting, answer=Rsvp.Answer.GOING)
    assert not Rsvp.objects.filter(meeting=meeting).exists()
