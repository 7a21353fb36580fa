"""Schedules read back as words, and places resolved offline."""

from __future__ import annotations

from datetime import time

import pytest

from peerpath.directory.geo import haversine_km, resolve_place
from peerpath.directory.models import Listing
from peerpath.directory.schedule import describe_schedule, language_name


@pytest.mark.parametrize(
    ("frequency", "interval", "byday", "opens", "closes", "expected"),
    [
        ("WEEKLY", 1, "TU", time(19), time(20, 30), "every Tuesday, 19:00 to 20:30 (Europe/London)"),
        ("WEEKLY", 2, "MO,TH", None, None, "every other Monday and Thursday"),
        ("WEEKLY", 3, "", None, None, "every 3 weeks"),
        ("WEEKLY", 1, "", None, None, "every week"),
        ("MONTHLY", 1, "1TH", time(10), None, "the first Thursday of every month, 10:00 (Europe/London)"),
        ("MONTHLY", 2, "-1FR", None, None, "the last Friday of every 2 months"),
        ("MONTHLY", 1, "", None, None, "every month"),
        ("DAILY", 1, "", None, None, "every day"),
        ("DAILY", 2, "", None, None, "every 2 days"),
        ("", 1, "TU", None, None, ""),
        ("WEEKLY", 1, "XX,TU", None, None, "every Tuesday"),
    ],
)
def test_a_schedule_reads_as_words(frequency, interval, byday, opens, closes, expected):
    listing = Listing(
        schedule_frequency=frequency,
        schedule_interval=interval,
        schedule_byday=byday,
        schedule_opens_at=opens,
        schedule_closes_at=closes,
        schedule_timezone="Europe/London",
    )
    assert describe_schedule(listing) == expected


def test_languages_have_names():
    assert language_name("cy") == "Welsh"
    assert language_name("pa") == "Punjabi"
    assert language_name("xx") == "xx"


@pytest.mark.parametrize(
    ("text", "country", "near"),
    [
        ("Leeds", "GB", (53.80, -1.55)),
        ("leeds ", "GB", (53.80, -1.55)),
        ("Truro", "GB", (50.26, -5.05)),
        ("Portland, OR", "US", (45.52, -122.68)),
        ("Portland, ME", "US", (43.66, -70.26)),
        ("Cambridge, US", "US", (42.37, -71.11)),
        ("Cambridge", "GB", (52.20, 0.12)),
        ("10001", "US", (40.75, -74.00)),
        ("10001-1234", "US", (40.75, -74.00)),
        ("Londres", "GB", (51.51, -0.13)),
    ],
)
def test_places_resolve_offline(text, country, near):
    place = resolve_place(text)
    assert place is not None
    assert place.country == country
    assert haversine_km(place.latitude, place.longitude, *near) < 15


@pytest.mark.parametrize("text", ["", "   ", "Nowhere-on-Sea-and-Thames", "00000", "Leeds, ZZ"])
def test_unknown_places_are_none(text):
    assert resolve_place(text) is None


def test_great_circle_distance():
    assert haversine_km(53.7965, -1.5478, 51.5085, -0.1257) == pytest.approx(270, abs=5)
    assert haversine_km(0, 0, 0, 0) == 0
