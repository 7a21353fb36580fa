"""Group health (issue 5 point 6): active members, averages and trend, new, lapsed and missed members, and the
warnings with their sources (seed 002).

Every test builds a weekly Tuesday group at START (a Monday), so its members joined before any meeting, then moves
the clock to NOW, eleven Tuesdays later, and records who came.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from peerpath.accounts.models import User
from peerpath.spaces import meetings, services
from peerpath.spaces.health import (
    CRITICAL_MASS,
    SOURCE_CRITICAL_MASS,
    SOURCE_GAP,
    SOURCE_TOO_MANY,
    GroupHealth,
    Trend,
    band_of,
    group_health,
    missed_last_two,
)
from peerpath.spaces.models import Attendance, Meeting, Membership, Schedule, Space, TopicVote
from peerpath.spaces.tests.helpers import join, members, schedule, space
from peerpath.testing.personas import World, make_user

pytestmark = pytest.mark.django_db

START = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)  # a Monday
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday, after eleven Tuesday meetings
HELD = 11


@dataclass
class Group:
    world: World
    space: Space
    schedule: Schedule
    people: list[User]

    @property
    def organiser(self) -> User:
        return self.world.people["coordinator"]

    def held(self) -> list[Meeting]:
        """The meetings before now, oldest first."""
        return list(Meeting.objects.filter(space=self.space, starts_at__lt=NOW).order_by("starts_at"))

    def came(self, meeting: Meeting, people: Iterable[User]) -> None:
        """The organiser's register for one meeting."""
        meetings.attendance_set(actor=self.organiser, meeting=meeting, present=[person.pk for person in people])

    def came_to_last(self, count: int, people: Iterable[User]) -> None:
        chosen = list(people)
        for meeting in self.held()[-count:]:
            self.came(meeting, chosen)

    def membership(self, person: User) -> Membership:
        return Membership.objects.get(space=self.space, user=person)


@pytest.fixture
def traveller() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as coordinates:
        yield coordinates


def weekly_group(
    world: World, traveller: time_machine.Traveller, *, people: int = 3, rrule: str = "FREQ=WEEKLY;BYDAY=TU",
    name: str = "Fibromyalgia Tuesday Circle", starts_on: date | None = None,
) -> Group:  # fmt: skip
    """A group started at START with `people` members, the clock then at NOW."""
    a_space = space(world, name)
    a_schedule = schedule(world.people["coordinator"], a_space, rrule=rrule, starts_on=starts_on or START.date())
    joined = members(a_space, people, prefix=name.split()[0].lower())
    traveller.move_to(NOW)
    return Group(world=world, space=a_space, schedule=a_schedule, people=joined)


def bulk_attend(group: Group, meeting_list: list[Meeting], people: list[User]) -> None:
    """Attendance in volume, as factories do (the register itself is tested above)."""
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, user=person, method=Attendance.Method.MARKED)
        for meeting in meeting_list
        for person in people
    )


def codes(health: GroupHealth) -> list[str]:
    return [warning.code for warning in health.warnings]


# --- Figures ---------------------------------------------------------------------------------------------------


def test_the_weekly_group_has_held_eleven_meetings(world, traveller):
    group = weekly_group(world, traveller)
    health = group_health(group.space)
    assert len(health.meetings) == HELD
    assert health.meetings[-1].meeting.starts_at < NOW < health.meetings[-1].meeting.starts_at + timedelta(days=7)


def test_active_members_came_to_at_least_one_of_the_last_four_meetings(world, traveller):
    group = weekly_group(world, traveller, people=3)
    early, recent, _never = group.people
    group.came(group.held()[-5], [early])  # fifth from last: too long ago
    group.came(group.held()[-4], [recent])
    health = group_health(group.space)
    assert health.active_members == 1
    assert health.member_count == 4  # with the organiser


def test_regular_attenders_came_to_three_of_the_last_four(world, traveller):
    group = weekly_group(world, traveller, people=2)
    regular, occasional = group.people
    last_four = group.held()[-4:]
    group.came(last_four[0], [regular, occasional])
    group.came(last_four[1], [regular, occasional])
    group.came(last_four[2], [regular])
    health = group_health(group.space)
    assert [m.user for m in health.regular_attenders] == [regular]


def test_averages_compare_the_last_four_meetings_with_the_four_before(world, traveller):
    group = weekly_group(world, traveller, people=4)
    held = group.held()
    for meeting in held[-8:-4]:
        group.came(meeting, group.people)  # 4 each
    for meeting in held[-4:]:
        group.came(meeting, group.people[:2])  # 2 each
    health = group_health(group.space)
    assert (health.average_recent, health.average_before) == (2.0, 4.0)
    assert health.trend == Trend.FALLING


def test_a_growing_group_is_rising_and_a_stable_one_steady(world, traveller):
    group = weekly_group(world, traveller, people=4)
    held = group.held()
    for meeting in held[-8:]:
        group.came(meeting, group.people[:3])
    assert group_health(group.space).trend == Trend.STEADY
    for meeting in held[-4:]:
        group.came(meeting, group.people)
    assert group_health(group.space).trend == Trend.RISING


def test_the_trend_needs_more_than_four_meetings(world, traveller):
    group = weekly_group(world, traveller)
    Meeting.objects.filter(pk__in=[m.pk for m in group.held()[:-4]]).delete()
    health = group_health(group.space)
    assert health.average_before is None
    assert health.trend == Trend.UNKNOWN


def test_cancelled_and_future_meetings_are_not_held(world, traveller):
    group = weekly_group(world, traveller, people=1)
    last = group.held()[-1]
    group.came(group.held()[-2], group.people)
    Meeting.objects.filter(pk=last.pk).update(status=Meeting.Status.CANCELLED)
    health = group_health(group.space)
    assert len(health.meetings) == HELD - 1
    assert health.meetings[-1].attended == 1  # the one before the cancelled one is now the last


def test_new_members_joined_in_the_last_28_days(world, traveller):
    group = weekly_group(world, traveller, people=1)
    newcomer = make_user("newcomer")
    services.membership_join(user=newcomer, space=group.space)
    health = group_health(group.space)
    assert [m.user for m in health.new_members] == [newcomer]


# --- Missed their last two -------------------------------------------------------------------------------------


def test_a_member_who_missed_the_last_two_meetings_is_listed_and_lapsed_if_they_came_before(world, traveller):
    group = weekly_group(world, traveller, people=3)
    lapsed, never_came, here = group.people
    group.came(group.held()[-3], [lapsed, here])
    group.came(group.held()[-1], [here])
    services.membership_set_preferences(
        user=lapsed, space=group.space, remind_day_before=True, remind_hour_before=False, peer_check_in_ok=True
    )
    health = group_health(group.space)
    missed = {item.membership.user: item for item in health.missed}
    assert set(missed) == {lapsed, never_came, group.organiser}
    assert missed[lapsed].attended_before and missed[lapsed].may_ask_check_in
    assert not missed[never_came].attended_before and not missed[never_came].may_ask_check_in
    assert missed[lapsed].last == group.held()[-1]
    assert [m.user for m in health.lapsed_members] == [lapsed]
    assert "missed" in codes(health)


def test_missed_last_two_names_the_last_meeting_only_after_two_missed(world, traveller):
    group = weekly_group(world, traveller, people=2)
    away, came_last_week = group.people
    group.came(group.held()[-1], [came_last_week])
    assert missed_last_two(group.space, group.membership(away)) == group.held()[-1]
    assert missed_last_two(group.space, group.membership(came_last_week)) is None


def test_a_member_who_joined_after_the_second_last_meeting_has_not_missed_two(world, traveller):
    group = weekly_group(world, traveller, people=0)
    traveller.move_to(group.held()[-1].starts_at - timedelta(days=1))
    newcomer = make_user("newcomer")
    membership = services.membership_join(user=newcomer, space=group.space)
    traveller.move_to(NOW)
    assert missed_last_two(group.space, membership) is None
    assert newcomer not in [item.membership.user for item in group_health(group.space).missed]


def test_an_open_check_in_request_is_shown_and_not_asked_twice(world, traveller):
    group = weekly_group(world, traveller, people=1)
    (person,) = group.people
    services.membership_set_preferences(
        user=person, space=group.space, remind_day_before=True, remind_hour_before=False, peer_check_in_ok=True
    )
    services.check_in_request_create(actor=group.organiser, membership=group.membership(person))
    (item,) = [item for item in group_health(group.space).missed if item.membership.user == person]
    assert item.check_in_open and not item.may_ask_check_in


# --- Warnings --------------------------------------------------------------------------------------------------


def test_a_weekly_group_below_critical_mass_is_told_to_invite_or_merge_with_the_smallest_similar_space(
    world, traveller
):
    group = weekly_group(world, traveller, people=2)
    group.came_to_last(4, group.people)
    bigger = space(world, "Fibro Friends", conditions=("fibromyalgia",))
    smaller = space(world, "Fibro Walkers", conditions=("fibromyalgia", "chronic-pain"))
    space(world, "Diabetes Chat", conditions=("diabetes",))
    join(make_user("friend"), bigger)
    health = group_health(group.space)
    (warning,) = [warning for warning in health.warnings if warning.code == "critical_mass"]
    assert warning.sentence.startswith("Below critical mass: 2 active members.")
    assert warning.source == SOURCE_CRITICAL_MASS
    assert [similar.space for similar in warning.similar] == [smaller, bigger]
    assert [similar.members for similar in warning.similar] == [1, 2]


def test_a_group_at_critical_mass_has_no_such_warning(world, traveller):
    group = weekly_group(world, traveller, people=CRITICAL_MASS)
    bulk_attend(group, group.held()[-1:], group.people)
    assert "critical_mass" not in codes(group_health(group.space))


def test_a_new_group_that_has_not_met_yet_gets_no_critical_mass_warning(world, traveller):
    group = weekly_group(world, traveller)
    Meeting.objects.filter(space=group.space, starts_at__lt=NOW).delete()
    assert group_health(group.space).warnings == []


def test_a_monthly_group_is_warned_of_the_gap_not_of_critical_mass(world, traveller):
    group = weekly_group(world, traveller, rrule="FREQ=MONTHLY;BYDAY=1TU")
    health = group_health(group.space)
    (warning,) = [warning for warning in health.warnings if warning.code == "gap_risk"]
    assert warning.sentence.startswith("Gap risk: a missed monthly meeting leaves a two-month gap")
    assert warning.source == SOURCE_GAP
    assert "critical_mass" not in codes(health)


def test_a_weekly_group_with_a_monthly_extra_has_no_gap_risk(world, traveller):
    group = weekly_group(world, traveller)
    schedule(group.organiser, group.space, rrule="FREQ=MONTHLY;BYDAY=1TH", starts_on=NOW.date(), title="Social")
    assert "gap_risk" not in codes(group_health(group.space))


def _crowd(group: Group, zones: list[str]) -> list[User]:
    crowd = members(group.space, len(zones), prefix="crowd")
    for person, zone in zip(crowd, zones, strict=True):
        Membership.objects.filter(space=group.space, user=person).update(timezone=zone)
    bulk_attend(group, group.held()[-3:], crowd)
    return crowd


def test_more_than_fifty_regulars_in_two_bands_are_offered_a_split_by_time_zone(world, traveller):
    group = weekly_group(world, traveller, people=0)
    _crowd(group, ["Europe/London"] * 28 + ["America/New_York"] * 20 + ["America/Chicago"] * 2 + [""] * 3)
    health = group_health(group.space)
    (warning,) = [warning for warning in health.warnings if warning.code == "too_many"]
    assert warning.source == SOURCE_TOO_MANY
    assert warning.split is not None and warning.split.by == "timezone"
    assert "53 people came to at least 3 of the last 4 meetings" in warning.sentence
    assert "By time zone: Europe and Africa: 28, Americas: 22." in warning.sentence
    assert "3 regular attenders have not said where they live." in warning.sentence


def test_more_than_fifty_regulars_in_one_band_are_offered_a_split_by_the_top_topics(world, traveller):
    group = weekly_group(world, traveller, people=0)
    crowd = _crowd(group, ["Europe/London"] * 51)
    sleep = services.topic_propose(user=crowd[0], space=group.space, title="Sleep")
    services.topic_propose(user=crowd[1], space=group.space, title="Work and benefits")
    TopicVote.objects.bulk_create(TopicVote(proposal=sleep, user=person) for person in crowd[2:6])
    (warning,) = [warning for warning in group_health(group.space).warnings if warning.code == "too_many"]
    assert warning.split is not None and warning.split.by == "topic"
    assert "By sub-topic, around the most-voted open topics: “Sleep” (5 votes), “Work and benefits” (1 vote)." in (
        warning.sentence
    )


def test_a_split_without_topics_says_to_ask_the_members(world, traveller):
    group = weekly_group(world, traveller, people=0)
    _crowd(group, [""] * 51)
    (warning,) = [warning for warning in group_health(group.space).warnings if warning.code == "too_many"]
    assert "ask them which sub-topics they would meet about" in warning.sentence


def test_fifty_regulars_are_not_too_many(world, traveller):
    group = weekly_group(world, traveller, people=0)
    _crowd(group, [""] * 50)
    assert "too_many" not in codes(group_health(group.space))


@pytest.mark.parametrize(
    ("zone", "band"),
    [
        ("Europe/London", "Europe and Africa"),
        ("Africa/Nairobi", "Europe and Africa"),
        ("America/Los_Angeles", "Americas"),
        ("Asia/Kolkata", "Asia and Oceania"),
        ("Pacific/Auckland", "Asia and Oceania"),
        ("", None),
        ("Not/AZone", None),
    ],
)
def test_time_zones_fall_in_bands(zone, band):
    assert band_of(zone, NOW) == band
