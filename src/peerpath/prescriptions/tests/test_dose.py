"""The dose: its sentence in seed 000's words, its limits and its periods."""

from __future__ import annotations

from datetime import date

import pytest

from peerpath.core.errors import DomainError
from peerpath.prescriptions.dose import Dose

START = date(2026, 1, 31)


def make(activity="online_conversation", count=1, per="month", duration=3, unit="months", start=START) -> Dose:
    return Dose(activity=activity, count=count, per=per, duration=duration, duration_unit=unit, start=start)


@pytest.mark.parametrize(
    ("dose", "sentence"),
    [
        (make(), "Participate in 1 online conversation monthly for 3 months"),
        (
            make(count=2, per="week", duration=6, unit="weeks"),
            "Participate in 2 online conversations weekly for 6 weeks",
        ),
        (make("meeting", 1, "week", 3, "months"), "Attend 1 meeting weekly for 3 months"),
        (make("meeting", 4, "month", 1, "months"), "Attend 4 meetings monthly for 1 month"),
        (make("peer_contact", 1, "week", 1, "weeks"), "Have 1 contact with a peer supporter weekly for 1 week"),
        (make("peer_contact", 2, "month", 12, "months"), "Have 2 contacts with a peer supporter monthly for 12 months"),
        (make("any", 1, "week", 8, "weeks"), "Take part in 1 peer-support activity weekly for 8 weeks"),
        (make("any", 3, "month", 24, "months"), "Take part in 3 peer-support activities monthly for 24 months"),
    ],
)
def test_the_dose_reads_back_as_a_sentence_in_the_seeds_style(dose, sentence):
    assert dose.sentence() == sentence


@pytest.mark.parametrize(
    ("dose", "field", "words"),
    [
        (make(count=0), "count", "at least 1"),
        (make(count=8, per="week"), "count", "more than one a day"),
        (make(count=32, per="month"), "count", "more than one a day"),
        (make(duration=25), "duration", "at most 24 months"),
        (make(duration=105, unit="weeks", per="week"), "duration", "at most 24 months"),
        (make(duration=0), "duration", "ends before it starts"),
        (make(duration=-2), "duration", "ends before it starts"),
        (make(activity="lunch"), "activity", "what the patient should do"),
        (make(per="day"), "per", "per week or per month"),
    ],
)
def test_impossible_doses_are_refused_with_the_field_at_fault(dose, field, words):
    with pytest.raises(DomainError) as refused:
        dose.validate()
    assert refused.value.field == field
    assert words in refused.value.message


def test_monthly_periods_follow_the_calendar_and_stop_at_the_end():
    periods = make().periods()
    assert [(p.start, p.end) for p in periods] == [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2026, 2, 28), date(2026, 3, 31)),
        (date(2026, 3, 31), date(2026, 4, 30)),
    ]
    assert make().end == date(2026, 4, 30)


def test_weekly_periods_for_a_duration_in_months_cut_the_last_week_short():
    periods = make(per="week", duration=1, unit="months", start=date(2026, 3, 1)).periods()
    assert len(periods) == 5
    assert periods[0].start == date(2026, 3, 1) and periods[0].end == date(2026, 3, 8)
    assert periods[-1].start == date(2026, 3, 29) and periods[-1].end == date(2026, 4, 1)
    assert all(p.required == 1 for p in periods)
