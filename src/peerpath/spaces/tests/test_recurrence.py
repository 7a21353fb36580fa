"""Meeting schedules as RFC 5545 rules in the meeting's own time zone (issue 5 point 3 and "Bad input")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from peerpath.core.errors import Conflict, DomainError
from peerpath.spaces import meetings, recurrence
from peerpath.spaces.models import Meeting, Schedule
from peerpath.spaces.tests.helpers import schedule, space

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)


def rule(text: str, starts_on: date, *, at: time = time(19, 0), zone: str = "Europe/London") -> recurrence.Rule:
    return recurrence.build_rule(
        text=text, starts_on=starts_on, start_time=at, duration=timedelta(minutes=90), timezone=zone
    )


def starts(a_rule: recurrence.Rule, since: date, until: date) -> list[datetime]:
    """Occurrence starts in UTC between two dates."""
    begin = datetime.combine(since, time(0, 0), tzinfo=UTC)
    end = datetime.combine(until, time(0, 0), tzinfo=UTC)
    return [begins for begins, _ in a_rule.occurrences(begin, end)]


def local(moments: list[datetime], zone: ZoneInfo) -> list[str]:
    return [moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M") for moment in moments]


# --- Frequencies -----------------------------------------------------------------------------------------------


def test_weekly_meets_every_week_on_the_start_days_weekday():
    tuesday = date(2027, 1, 5)
    text = recurrence.preset_rule("weekly", tuesday)
    assert text == "FREQ=WEEKLY;BYDAY=TU"
    assert local(starts(rule(text, tuesday), tuesday, date(2027, 1, 27)), LONDON) == [
        "Tue 2027-01-05 19:00",
        "Tue 2027-01-12 19:00",
        "Tue 2027-01-19 19:00",
        "Tue 2027-01-26 19:00",
    ]


def test_fortnightly_meets_every_other_week():
    tuesday = date(2027, 1, 5)
    text = recurrence.preset_rule("fortnightly", tuesday)
    assert local(starts(rule(text, tuesday), tuesday, date(2027, 2, 10)), LONDON) == [
        "Tue 2027-01-05 19:00",
        "Tue 2027-01-19 19:00",
        "Tue 2027-02-02 19:00",
    ]


def test_monthly_meets_on_the_same_weekday_of_the_month():
    second_thursday = date(2027, 1, 14)
    text = recurrence.preset_rule("monthly", second_thursday)
    assert text == "FREQ=MONTHLY;BYDAY=2TH"
    assert local(starts(rule(text, second_thursday), second_thursday, date(2027, 4, 1)), LONDON) == [
        "Thu 2027-01-14 19:00",
        "Thu 2027-02-11 19:00",
        "Thu 2027-03-11 19:00",
    ]


def test_a_monthly_start_in_the_fifth_week_means_the_last_weekday():
    fifth_friday = date(2027, 1, 29)
    text = recurrence.preset_rule("monthly", fifth_friday)
    assert text == "FREQ=MONTHLY;BYDAY=-1FR"
    assert local(starts(rule(text, fifth_friday), fifth_friday, date(2027, 3, 1)), LONDON) == [
        "Fri 2027-01-29 19:00",
        "Fri 2027-02-26 19:00",
    ]


def test_a_custom_rule_with_two_days_and_a_count():
    monday = date(2027, 1, 4)
    a_rule = rule("freq=weekly;byday=MO,TH;count=3", monday, at=time(12, 30))
    assert a_rule.text == "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=3"
    assert local(starts(a_rule, monday, date(2027, 3, 1)), LONDON) == [
        "Mon 2027-01-04 12:30",
        "Thu 2027-01-07 12:30",
        "Mon 2027-01-11 12:30",
    ]


def test_until_is_the_last_day_inclusive():
    monday = date(2027, 1, 4)
    a_rule = rule("FREQ=WEEKLY;BYDAY=MO;UNTIL=20270118", monday)
    assert local(starts(a_rule, monday, date(2027, 3, 1)), LONDON) == [
        "Mon 2027-01-04 19:00",
        "Mon 2027-01-11 19:00",
        "Mon 2027-01-18 19:00",
    ]


# --- Daylight saving -------------------------------------------------------------------------------------------


def test_london_meeting_stays_at_19_local_across_the_march_change_and_moves_an_hour_in_utc():
    # British Summer Time begins on Sunday 28 March 2027.
    a_rule = rule("FREQ=WEEKLY;BYDAY=TU", date(2027, 3, 16))
    found = starts(a_rule, date(2027, 3, 16), date(2027, 4, 7))
    assert local(found, LONDON) == [
        "Tue 2027-03-16 19:00",
        "Tue 2027-03-23 19:00",
        "Tue 2027-03-30 19:00",
        "Tue 2027-04-06 19:00",
    ]
    assert [moment.strftime("%H:%M") for moment in found] == ["19:00", "19:00", "18:00", "18:00"]
    assert found[2] - found[1] == timedelta(days=7) - HOUR


def test_london_meeting_stays_at_19_local_across_the_october_change():
    # British Summer Time ends on Sunday 31 October 2027.
    a_rule = rule("FREQ=WEEKLY;BYDAY=TU", date(2027, 10, 19))
    found = starts(a_rule, date(2027, 10, 19), date(2027, 11, 3))
    assert local(found, LONDON) == ["Tue 2027-10-19 19:00", "Tue 2027-10-26 19:00", "Tue 2027-11-02 19:00"]
    assert [moment.strftime("%H:%M") for moment in found] == ["18:00", "18:00", "19:00"]
    assert found[2] - found[1] == timedelta(days=7) + HOUR


def test_new_york_meeting_stays_at_19_local_when_the_us_changes_its_clocks():
    # US daylight time: from Sunday 14 March to Sunday 7 November 2027. 19:00 EST is midnight UTC.
    spring = starts(
        rule("FREQ=WEEKLY;BYDAY=WE", date(2027, 3, 10), zone="America/New_York"), date(2027, 3, 10), date(2027, 3, 20)
    )
    assert local(spring, NEW_YORK) == ["Wed 2027-03-10 19:00", "Wed 2027-03-17 19:00"]
    assert [moment.strftime("%d %H:%M") for moment in spring] == ["11 00:00", "17 23:00"]
    autumn = starts(
        rule("FREQ=WEEKLY;BYDAY=WE", date(2027, 11, 3), zone="America/New_York"), date(2027, 11, 3), date(2027, 11, 12)
    )
    assert local(autumn, NEW_YORK) == ["Wed 2027-11-03 19:00", "Wed 2027-11-10 19:00"]
    assert [moment.strftime("%d %H:%M") for moment in autumn] == ["03 23:00", "11 00:00"]


def test_the_same_utc_week_differs_between_london_and_new_york_in_the_weeks_their_changes_disagree():
    # From 14 to 28 March 2027 New York is already on daylight time and London is not: 4 hours apart, not 5.
    london = starts(
        rule("FREQ=WEEKLY;BYDAY=TU", date(2027, 3, 16), at=time(19, 0)), date(2027, 3, 16), date(2027, 3, 17)
    )
    new_york = starts(
        rule("FREQ=WEEKLY;BYDAY=TU", date(2027, 3, 16), at=time(15, 0), zone="America/New_York"),
        date(2027, 3, 16),
        date(2027, 3, 17),
    )
    assert london == new_york


@pytest.mark.django_db
def test_materialised_meetings_keep_19_local_through_the_change(world):
    with time_machine.travel(datetime(2027, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        a_space = space(world)
        schedule(world.people["coordinator"], a_space, starts_on=date(2027, 3, 2))
        found = list(Meeting.objects.filter(space=a_space, starts_at__lt=datetime(2027, 4, 7, tzinfo=UTC)))
    assert [meeting.starts_at.astimezone(LONDON).strftime("%d %H:%M") for meeting in found] == [
        "02 19:00",
        "09 19:00",
        "16 19:00",
        "23 19:00",
        "30 19:00",
        "06 19:00",
    ]
    assert [meeting.starts_at.strftime("%H:%M") for meeting in found] == ["19:00"] * 4 + ["18:00"] * 2
    assert {meeting.timezone for meeting in found} == {"Europe/London"}
    assert all(meeting.ends_at - meeting.starts_at == timedelta(minutes=90) for meeting in found)


# Meeting hours only: a wall-clock time that a daylight-saving change skips (02:30 on the spring night) does not
# exist, so no rule can hold it; every zone below changes its clocks between midnight and 04:00.
ZONES = [
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "America/Sao_Paulo",
]


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    starts_on=st.dates(min_value=date(2026, 1, 1), max_value=date(2032, 12, 31)),
    at=st.times(min_value=time(6, 0), max_value=time(22, 59)).map(lambda t: t.replace(second=0, microsecond=0)),
    days=st.sets(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1, max_size=3),
    interval=st.integers(min_value=1, max_value=4),
)
def test_every_weekly_occurrence_is_at_the_start_time_on_the_local_clock(zone, starts_on, at, days, interval):
    a_rule = rule(f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={','.join(sorted(days))}", starts_on, at=at, zone=zone)
    found = a_rule.occurrences(
        datetime.combine(starts_on, time(0, 0), tzinfo=UTC) - timedelta(days=1),
        datetime.combine(starts_on, time(0, 0), tzinfo=UTC) + timedelta(days=400),
    )
    assert found
    tz = ZoneInfo(zone)
    for begins, ends in found:
        assert begins.astimezone(tz).time() == at
        assert begins.astimezone(tz).strftime("%a")[:2].upper() in days
        assert (ends.astimezone(tz).replace(tzinfo=None) - begins.astimezone(tz).replace(tzinfo=None)) == timedelta(
            minutes=90
        )


# --- Impossible or unsupported schedules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "starts_on", "message"),
    [
        ("FREQ=WEEKLY;BYDAY=TU;UNTIL=20270101", date(2027, 2, 2), "ends (UNTIL) before its first meeting"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31", date(2027, 1, 1), "31st of February"),
        ("FREQ=MONTHLY;BYMONTHDAY=30;BYMONTH=2", date(2027, 1, 1), "never produces a meeting"),
        ("FREQ=WEEKLY;COUNT=5;UNTIL=20271231", date(2027, 1, 1), "COUNT or UNTIL, not both"),
        ("FREQ=HOURLY", date(2027, 1, 1), "not more often"),
        ("FREQ=MINUTELY;INTERVAL=15", date(2027, 1, 1), "not more often"),
        ("BYDAY=TU", date(2027, 1, 1), "needs a FREQ"),
        ("FREQ=WEEKLY;INTERVAL=0", date(2027, 1, 1), "INTERVAL must be between 1 and 12"),
        ("FREQ=WEEKLY;BYHOUR=3", date(2027, 1, 1), "BYHOUR is not supported"),
        ("FREQ=WEEKLY;UNTIL=20270231", date(2027, 1, 1), "not a real date"),
        ("FREQ=WEEKLY;FREQ=DAILY", date(2027, 1, 1), "gives FREQ twice"),
        ("FREQ=WEEKLY;COUNT=0", date(2027, 1, 1), "COUNT must be between 1 and 1000"),
        ("FREQ", date(2027, 1, 1), "NAME=VALUE"),
    ],
)
def test_an_impossible_or_unsupported_rule_is_refused_clearly(text, starts_on, message):
    with pytest.raises(DomainError) as refused:
        rule(text, starts_on)
    assert message in refused.value.message
    assert refused.value.field == "rrule"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "europe/london", "GMT+25"])
def test_an_unknown_time_zone_is_refused(zone):
    with pytest.raises(DomainError) as refused:
        rule("FREQ=WEEKLY", date(2027, 1, 5), zone=zone)
    assert refused.value.field == "timezone"


@pytest.mark.parametrize(("duration", "field"), [(timedelta(0), "duration"), (timedelta(hours=9), "duration")])
def test_a_meeting_of_no_length_or_too_long_is_refused(duration, field):
    with pytest.raises(DomainError) as refused:
        recurrence.build_rule(
            text="FREQ=WEEKLY", starts_on=date(2027, 1, 5), start_time=time(19), duration=duration, timezone="UTC"
        )
    assert refused.value.field == field


@pytest.mark.django_db
def test_an_overlapping_second_schedule_is_refused_and_nothing_is_saved(world):
    a_space = space(world)
    organiser = world.people["coordinator"]
    schedule(organiser, a_space)  # Tuesdays 19:00-20:30 London
    before = (Schedule.objects.count(), Meeting.objects.count())
    with pytest.raises(Conflict) as refused:
        # Tuesdays 14:30 New York is 19:30 London: inside the first meeting.
        schedule(organiser, a_space, start_time=time(14, 30), timezone="America/New_York", title="Overlap")
    assert "overlaps “Tuesday meeting”" in refused.value.message
    assert (Schedule.objects.count(), Meeting.objects.count()) == before
    # Back to back is not an overlap.
    schedule(organiser, a_space, start_time=time(20, 30), title="Late")
    assert Schedule.objects.count() == before[0] + 1


@pytest.mark.django_db
def test_a_bad_schedule_saves_nothing(world):
    a_space = space(world)
    with pytest.raises(DomainError):
        schedule(world.people["coordinator"], a_space, rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31")
    assert not Schedule.objects.filter(space=a_space).exists()
    assert not Meeting.objects.filter(space=a_space).exists()


@pytest.mark.django_db
def test_materialising_again_creates_nothing_new(world):
    a_space = space(world)
    a_schedule = schedule(world.people["coordinator"], a_space)
    count = Meeting.objects.filter(schedule=a_schedule).count()
    assert count >= 16  # 120 days of weekly meetings
    assert meetings.meetings_materialise(schedule=a_schedule) == 0
    assert meetings.materialise_all() == 0
    assert Meeting.objects.filter(schedule=a_schedule).count() == count


@pytest.mark.django_db
def test_materialising_later_adds_only_the_new_horizon(world):
    a_space = space(world)
    a_schedule = schedule(world.people["coordinator"], a_space)
    count = Meeting.objects.filter(schedule=a_schedule).count()
    with time_machine.travel(datetime.now(tz=UTC) + timedelta(days=14)):
        assert meetings.meetings_materialise(schedule=a_schedule) == 2
    assert Meeting.objects.filter(schedule=a_schedule).count() == count + 2


# --- Describing a rule -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "starts_on", "zone", "wording"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", date(2027, 1, 5), "Europe/London", "Every Tuesday at 19:00 (Europe/London)"),
        ("FREQ=WEEKLY", date(2027, 1, 5), "Europe/London", "Every Tuesday at 19:00 (Europe/London)"),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            date(2027, 1, 5),
            "Europe/London",
            "Every other Tuesday at 19:00 (Europe/London)",
        ),
        (
            "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TH",
            date(2027, 1, 4),
            "UTC",
            "Every 3 weeks on Monday and Thursday at 19:00 (UTC)",
        ),
        (
            "FREQ=MONTHLY;BYDAY=1TH",
            date(2027, 1, 7),
            "America/New_York",
            "The first Thursday of every month at 19:00 (America/New_York)",
        ),
        (
            "FREQ=MONTHLY;BYDAY=-1FR",
            date(2027, 1, 29),
            "Europe/London",
            "The last Friday of every month at 19:00 (Europe/London)",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=15",
            date(2027, 1, 15),
            "Europe/London",
            "Day 15 of every month at 19:00 (Europe/London)",
        ),
        ("FREQ=DAILY", date(2027, 1, 5), "Europe/London", "Every day at 19:00 (Europe/London)"),
    ],
)
def test_a_rule_is_described_in_plain_words(text, starts_on, zone, wording):
    assert recurrence.describe(rule(text, starts_on, zone=zone)) == wording


def test_monthly_or_rarer_is_a_gap_risk_and_weekly_is_not():
    assert rule("FREQ=MONTHLY;BYDAY=1TH", date(2027, 1, 7)).is_monthly_or_rarer()
    assert rule("FREQ=WEEKLY;INTERVAL=4", date(2027, 1, 7)).is_monthly_or_rarer()
    assert not rule("FREQ=WEEKLY;INTERVAL=2", date(2027, 1, 7)).is_monthly_or_rarer()
    assert not rule("FREQ=WEEKLY", date(2027, 1, 7)).is_monthly_or_rarer()
