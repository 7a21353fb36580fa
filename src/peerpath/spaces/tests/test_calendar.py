"""iCalendar feeds (issue 5 point 3): what a calendar client receives, parsed back as a client would read it."""

from __future__ import annotations

import logging
from datetime import time, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from peerpath.core.time import now
from peerpath.spaces import meetings, services
from peerpath.spaces.models import CalendarFeed, Meeting, Schedule, Space
from peerpath.spaces.tests.helpers import JOIN_URL, join, next_meeting, schedule, space, weekly_space
from peerpath.testing.browser import axe_violations, describe, sign_in
from peerpath.testing.matrix import LOGIN, check_matrix
from peerpath.testing.personas import PERSONA_PASSWORD, make_world

pytestmark = pytest.mark.django_db

EVERYONE_SIGNED_IN: dict[str, int | str] = {
    "anonymous": LOGIN,
    "member": 200,
    "carer": 200,
    "peer_supporter": 200,
    "moderator": 200,
    "clinician": 200,
    "coordinator": 200,
    "admin": 200,
    "outsider": 200,
}
EVERYONE: dict[str, int | str] = {**EVERYONE_SIGNED_IN, "anonymous": 200}


def feed_path(user: Any) -> str:
    url = services.feed_url(services.calendar_feed_for(user=user))
    return url[url.index("/calendar/") :]


def parse(response: Any) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(cal: Calendar) -> dict[str, Any]:
    return {str(event["UID"]): event for event in cal.walk("VEVENT")}


def assert_wire_form(body: bytes) -> None:
    """Every line ends in CRLF and none is longer than 75 octets (RFC 5545 §3.1): what strict clients demand."""
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert max(len(line) for line in body.split(b"\r\n")) <= 75


# --- The member's feed -----------------------------------------------------------------------------------------


def test_member_feed_holds_each_meeting_at_its_local_time_with_its_time_zone(client, world):
    a_space, a_schedule = weekly_space(world)
    response = client.get(feed_path(world.people["member"]))
    cal = parse(response)
    assert_wire_form(response.content)
    assert str(cal["PRODID"]) and str(cal["VERSION"]) == "2.0"
    assert str(cal["CALSCALE"]) == "GREGORIAN" and str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "My PeerPath meetings"
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in response.content
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content
    expected = Meeting.objects.filter(schedule=a_schedule)
    found = events(cal)
    assert set(found) == {f"{meeting.pk}@peerpath" for meeting in expected}
    for meeting in expected:
        event = found[f"{meeting.pk}@peerpath"]
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert event["DTSTART"].dt.time() == time(19, 0)
        assert event["DTSTART"].dt == meeting.starts_at
        assert event["DTEND"].dt == meeting.ends_at
        assert event["DTSTAMP"].dt.utcoffset() == timedelta(0)
        assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
        assert str(event["URL"]).endswith(f"/spaces/{a_space.pk}/meetings/{meeting.pk}/")
        assert str(event["LOCATION"]) == "Online"
        assert "15 minutes before the start" in str(event["DESCRIPTION"])
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/London"]


def test_no_feed_holds_a_join_link_or_anyones_name_or_address(client, world):
    a_space, _ = weekly_space(world)
    member = world.people["member"]
    member_feed = client.get(feed_path(member)).content
    public = client.get(f"/spaces/{a_space.pk}/calendar.ics").content
    client.force_login(member)
    one = client.get(f"/spaces/{a_space.pk}/meetings/{next_meeting(a_space).pk}/calendar.ics").content
    for body in (member_feed, public, one):
        text = body.decode().replace("\r\n ", "")  # unfolded
        assert JOIN_URL not in text and "meet.example.org" not in text
        for person in world.people.values():
            assert person.email not in text
            assert person.legal_name not in text


def test_a_moved_and_a_cancelled_meeting_carry_a_higher_sequence_and_stay_in_the_feed(client, world):
    a_space, _ = weekly_space(world)
    organiser = world.people["coordinator"]
    first, second = Meeting.objects.filter(space=a_space, starts_at__gt=now()).order_by("starts_at")[:2]
    moved = meetings.meeting_move(
        actor=organiser, meeting=first, starts_at=first.starts_at + timedelta(days=1), message="Room change"
    )
    meetings.meeting_cancel(actor=organiser, meeting=second, message="Bank holiday")
    found = events(parse(client.get(feed_path(world.people["member"]))))
    moved_event, cancelled_event = found[f"{first.pk}@peerpath"], found[f"{second.pk}@peerpath"]
    assert int(moved_event["SEQUENCE"]) == 1 and str(moved_event["STATUS"]) == "CONFIRMED"
    assert moved_event["DTSTART"].dt == moved.starts_at
    assert moved_event["DTSTART"].dt.strftime("%a %H:%M") == "Wed 19:00"
    assert int(cancelled_event["SEQUENCE"]) == 1 and str(cancelled_event["STATUS"]) == "CANCELLED"
    assert str(cancelled_event["SUMMARY"]).startswith("Cancelled:")
    # The organisers' words stay on the meeting page, behind sign-in; the feed only points there.
    assert "Bank holiday" not in str(cancelled_event["DESCRIPTION"])


def test_other_spaces_meetings_are_not_in_a_members_feed(client, world):
    mine, _ = weekly_space(world)
    theirs = space(world, "Long COVID Thursday Group")
    schedule(world.people["coordinator"], theirs, rrule="FREQ=WEEKLY;BYDAY=TH", title="Thursday meeting")
    found = events(parse(client.get(feed_path(world.people["member"]))))
    assert found
    spaces_in_feed = set(
        Meeting.objects.filter(pk__in=[uid.split("@")[0] for uid in found]).values_list("space", flat=True)
    )
    assert spaces_in_feed == {mine.pk}
    services.membership_leave(user=world.people["member"], space=mine)
    assert not events(parse(client.get(feed_path(world.people["member"]))))


def test_a_revoked_token_a_wrong_token_and_a_malformed_one_all_get_404(client, world):
    weekly_space(world)
    member = world.people["member"]
    old = feed_path(member)
    assert client.get(old).status_code == 200
    services.calendar_feed_revoke(user=member)
    new = feed_path(member)
    assert new != old
    assert client.get(new).status_code == 200
    assert client.get(old).status_code == 404
    assert client.get("/calendar/" + "0" * 40 + ".ics").status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_a_disabled_accounts_feed_gets_404(client, world):
    weekly_space(world)
    member = world.people["member"]
    path = feed_path(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get(path).status_code == 404


def test_the_feed_is_never_cached_and_sends_no_referrer(client, world):
    weekly_space(world)
    response = client.get(feed_path(world.people["member"]))
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_feed_notes_its_last_use_at_most_once_an_hour(client, world):
    weekly_space(world)
    member = world.people["member"]
    path = feed_path(member)
    start = now()
    with time_machine.travel(start, tick=False):
        client.get(path)
    feed = CalendarFeed.objects.get(user=member, revoked_at__isnull=True)
    assert feed.last_used_at == start
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        client.get(path)
    feed.refresh_from_db()
    assert feed.last_used_at == start
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        client.get(path)
    feed.refresh_from_db()
    assert feed.last_used_at == start + timedelta(minutes=61)


def test_the_feed_takes_the_same_few_queries_for_10_meetings_or_60(client, world):
    a_space = space(world)
    organiser = world.people["coordinator"]
    join(world.people["member"], a_space, organiser=organiser)
    path = feed_path(world.people["member"])

    def count() -> tuple[int, int, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            cal = parse(client.get(path))
        return len(queries), len(cal.walk("VEVENT")), [query["sql"] for query in queries]

    tomorrow = now().date() + timedelta(days=1)
    schedule(
        organiser, a_space, rrule="FREQ=DAILY;COUNT=10", starts_on=tomorrow, start_time=time(10, 0), title="Morning"
    )
    client.get(path)  # the first fetch notes the feed's use
    few, ten, sql = count()
    schedule(
        organiser, a_space, rrule="FREQ=DAILY;COUNT=50", starts_on=tomorrow, start_time=time(15, 0), title="Afternoon",
        timezone="America/New_York",
    )  # fmt: skip
    many, sixty, _ = count()
    assert (ten, sixty) == (10, 60)
    assert few == many == 2
    # The token check is one query on the unique (indexed) hash.
    assert "token_hash" in sql[0] and "spaces_calendarfeed" in sql[0]


def test_meetings_in_two_time_zones_bring_both_vtimezones(client, world):
    a_space = space(world)
    organiser = world.people["coordinator"]
    join(world.people["member"], a_space, organiser=organiser)
    schedule(organiser, a_space, rrule="FREQ=WEEKLY;BYDAY=MO", title="London")
    schedule(organiser, a_space, rrule="FREQ=WEEKLY;BYDAY=FR", title="New York", timezone="America/New_York")
    cal = parse(client.get(feed_path(world.people["member"])))
    assert sorted(str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")) == ["America/New_York", "Europe/London"]
    for event in cal.walk("VEVENT"):
        zone = event["DTSTART"].params["TZID"]
        assert zone == ("America/New_York" if "New York" in str(event["SUMMARY"]) else "Europe/London")
        assert event["DTSTART"].dt.time() == time(19, 0)


# --- The manage page -------------------------------------------------------------------------------------------


def test_every_signed_in_person_has_a_calendar_page(client, world):
    check_matrix(client, world, url="/calendar/", expect=EVERYONE_SIGNED_IN)


def test_the_calendar_page_shows_the_link_and_revoking_makes_a_new_one(client, world):
    a_space, _ = weekly_space(world)
    member = world.people["member"]
    client.force_login(member)
    page = client.get("/calendar/")
    assert page["Cache-Control"].startswith("no-store") or "no-store" in page["Cache-Control"]
    old = services.feed_url(services.calendar_feed_for(user=member))
    html = page.content.decode()
    assert old in html and a_space.name in html
    assert "webcal://" in html
    answer = client.post("/calendar/", follow=True)
    assert answer.redirect_chain[-1][0] == "/calendar/"
    new = services.feed_url(services.calendar_feed_for(user=member))
    assert new != old
    assert new in answer.content.decode() and old not in answer.content.decode()
    client.logout()
    assert client.get(old[old.index("/calendar/") :]).status_code == 404


# --- A public space's calendar and one meeting -----------------------------------------------------------------


def test_a_public_spaces_calendar_is_times_and_titles_for_anyone(client, world):
    a_space, _ = weekly_space(world)
    check_matrix(client, world, url=f"/spaces/{a_space.pk}/calendar.ics", expect=EVERYONE)
    response = client.get(f"/spaces/{a_space.pk}/calendar.ics")
    assert response["Cache-Control"] == "public, max-age=900"
    cal = parse(response)
    assert str(cal["X-WR-CALNAME"]) == a_space.name
    found = list(cal.walk("VEVENT"))
    assert len(found) == Meeting.objects.filter(space=a_space).count() > 0
    for event in found:
        assert "LOCATION" not in event and "DESCRIPTION" not in event
        assert event["DTSTART"].params["TZID"] == "Europe/London"


def test_a_space_that_does_not_publish_its_calendar_gets_404(client, world):
    a_space, _ = weekly_space(world)
    Space.objects.filter(pk=a_space.pk).update(is_public=False)
    assert client.get(f"/spaces/{a_space.pk}/calendar.ics").status_code == 404
    client.force_login(world.people["member"])
    assert client.get(f"/spaces/{a_space.pk}/calendar.ics").status_code == 404
    assert client.get("/spaces/00000000-0000-4000-8000-000000000000/calendar.ics").status_code == 404


def test_add_to_calendar_gives_one_meeting_as_a_download(client, world):
    a_space, _ = weekly_space(world)
    meeting = next_meeting(a_space)
    url = f"/spaces/{a_space.pk}/meetings/{meeting.pk}/calendar.ics"
    check_matrix(client, world, url=url, expect=EVERYONE)
    client.force_login(world.people["member"])
    response = client.get(url)
    assert response["Content-Disposition"].startswith("attachment; filename=")
    (event,) = parse(response).walk("VEVENT")
    assert str(event["UID"]) == f"{meeting.pk}@peerpath"
    assert str(event["LOCATION"]) == "Online" and "DESCRIPTION" in event
    client.logout()
    (public_event,) = parse(client.get(url)).walk("VEVENT")
    assert "LOCATION" not in public_event and "DESCRIPTION" not in public_event


def test_a_meeting_in_person_gives_its_place_to_members(client, world):
    a_space = space(world)
    organiser = world.people["coordinator"]
    join(world.people["member"], a_space, organiser=organiser)
    schedule(organiser, a_space, mode=Schedule.Mode.IN_PERSON, join_url="", place="Riverside Library, Room 2")
    client.force_login(world.people["member"])
    meeting = next_meeting(a_space)
    (event,) = parse(client.get(f"/spaces/{a_space.pk}/meetings/{meeting.pk}/calendar.ics")).walk("VEVENT")
    assert str(event["LOCATION"]) == "Riverside Library, Room 2"
    assert "join link" not in str(event["DESCRIPTION"])


def test_a_meeting_of_another_space_gets_404(client, world):
    a_space, _ = weekly_space(world)
    other = space(world, "Long COVID Thursday Group")
    meeting = next_meeting(a_space)
    client.force_login(world.people["member"])
    assert client.get(f"/spaces/{other.pk}/meetings/{meeting.pk}/calendar.ics").status_code == 404


# --- The token stays out of logs -------------------------------------------------------------------------------


def test_request_logs_mask_a_feed_token(world):
    token = feed_path(world.people["member"]).removeprefix("/calendar/").removesuffix(".ics")
    shown = []
    for name, args in (
        ("django.server", ('"%s" %s %s', f"GET /calendar/{token}.ics HTTP/1.1", 200, 1234)),
        ("django.request", ("Not Found: %s", f"/calendar/{token}.ics")),
    ):
        logger = logging.getLogger(name)
        handlers = logger.handlers or logging.getLogger().handlers
        record = logger.makeRecord(name, logging.WARNING, __file__, 1, args[0], args[1:], None)
        for handler in handlers:
            assert all(flt.filter(record) for flt in handler.filters)
        shown.append(record.getMessage())
    assert shown == ['"GET /calendar/[token].ics HTTP/1.1" 200 1234', "Not Found: /calendar/[token].ics"]
    assert all(token not in line for line in shown)


@pytest.mark.browser
def test_the_calendar_page_has_no_serious_accessibility_violations(axe_page):
    world = make_world()
    weekly_space(world)
    sign_in(axe_page, world.people["member"].email, PERSONA_PASSWORD)
    axe_page.goto("/calendar/")
    assert axe_page.locator("h1").count() == 1
    assert axe_page.get_by_label("Your personal calendar link").input_value().endswith(".ics")
    violations = axe_violations(axe_page)
    assert not violations, describe(violations)
    # By keyboard: the revoke button is reachable and works.
    axe_page.get_by_role("button", name="Revoke and make a new link").focus()
    with axe_page.expect_navigation():
        axe_page.keyboard.press("Enter")
    assert "The old link no longer works" in axe_page.content()
