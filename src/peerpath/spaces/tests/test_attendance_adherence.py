"""Attendance flows into a prescription's adherence (issue 5 point 4 → issue 4's participation): a member with an
accepted prescription for the space's listing who is marked present, or checks in, moves their clinician's view;
unticking takes it back; a member without a prescription records nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from peerpath.core.time import now
from peerpath.prescriptions.adherence import PeriodState, Sharing, clinician_view
from peerpath.prescriptions.models import Participation
from peerpath.prescriptions.tests.helpers import accepted, group
from peerpath.spaces import meetings
from peerpath.spaces.tests.helpers import join, next_meeting, weekly_space

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def prescribed(world):
    """The weekly space, its next meeting, and the member's accepted, shared prescription: 1 meeting a week."""
    a_space, _schedule = weekly_space(world)
    prescription = accepted(world, listing=a_space.listing, activity="meeting", per="week")
    return a_space, next_meeting(a_space), prescription


def _first_week(prescription):
    view = clinician_view(prescription, now().date())
    assert view.sharing == Sharing.SHARED and view.adherence is not None
    return view.adherence.periods[0]


def test_being_marked_present_meets_the_week_and_unticking_takes_it_back(world, prescribed, clock):
    _space, meeting, prescription = prescribed
    member = world.people["member"]
    assert _first_week(prescription).state == PeriodState.CURRENT
    clock.move_to(meeting.starts_at + timedelta(minutes=30))
    meetings.attendance_set(actor=world.people["coordinator"], meeting=meeting, present=[member.pk])
    week = _first_week(prescription)
    assert (week.count, week.state) == (1, PeriodState.MET)
    participation = Participation.objects.get(patient=prescription.patient)
    assert participation.source == Participation.Source.ATTENDANCE and participation.listing == meeting.space.listing

    meetings.attendance_set(actor=world.people["coordinator"], meeting=meeting, present=[])
    week = _first_week(prescription)
    assert (week.count, week.state) == (0, PeriodState.CURRENT)
    assert not Participation.objects.exists()


def test_checking_in_with_the_code_meets_the_week(world, prescribed, clock):
    _space, meeting, prescription = prescribed
    clock.move_to(meeting.starts_at)
    meetings.attendance_check_in(user=world.people["member"], meeting=meeting, code=meetings.check_in_code(meeting))
    assert _first_week(prescription).state == PeriodState.MET


def test_marking_twice_counts_once(world, prescribed, clock):
    _space, meeting, prescription = prescribed
    member = world.people["member"]
    clock.move_to(meeting.starts_at)
    meetings.attendance_check_in(user=member, meeting=meeting, code=meetings.check_in_code(meeting))
    meetings.attendance_set(actor=world.people["coordinator"], meeting=meeting, present=[member.pk])
    assert _first_week(prescription).count == 1


def test_a_member_without_a_prescription_records_no_participation(world, prescribed, clock):
    a_space, meeting, _prescription = prescribed
    carer = world.people["carer"]
    join(carer, a_space)
    clock.move_to(meeting.starts_at)
    meetings.attendance_set(actor=world.people["coordinator"], meeting=meeting, present=[carer.pk])
    assert not Participation.objects.exists()


def test_a_prescription_for_another_group_does_not_count_this_meeting(world, clock):
    a_space, _schedule = weekly_space(world)
    elsewhere = accepted(world, listing=group(world, "Another Fibromyalgia Group"), activity="meeting", per="week")
    meeting = next_meeting(a_space)
    clock.move_to(meeting.starts_at)
    meetings.attendance_set(actor=world.people["coordinator"], meeting=meeting, present=[world.people["member"].pk])
    assert _first_week(elsewhere).count == 0 and not Participation.objects.exists()
