"""Issue 5's journey in a real browser: a member finds an open space under "My groups", joins, says they are going
to a meeting, checks in with the code the organiser shows, and subscribes to their meetings in a calendar app —
then the same join, answer and check-in done with the keyboard alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from peerpath.core.time import now
from peerpath.spaces import meetings
from peerpath.spaces.meetings import MeetingData
from peerpath.spaces.models import Attendance, Meeting, Rsvp, Space
from peerpath.spaces.tests.helpers import JOIN_URL, space
from peerpath.testing.browser import axe_violations, describe, sign_in, staff_sign_in
from peerpath.testing.personas import PERSONA_PASSWORD, World, make_world

pytestmark = pytest.mark.browser

TITLE = "Evening check-in circle"


def _open_space_meeting_soon(world: World) -> tuple[Space, Meeting]:
    """An open space run by the coordinator, with a meeting starting in 10 minutes: check-in is open."""
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    meeting = meetings.meeting_create_one_off(
        actor=world.people["coordinator"],
        space=a_space,
        data=MeetingData(
            title=TITLE,
            starts_at=now() + timedelta(minutes=10),
            duration=timedelta(minutes=60),
            join_url=JOIN_URL,
            timezone="Europe/London",
        ),
    )
    return a_space, meeting


def _check_in_code_on_screen(browser_context_factory: Any, base_url: str, world: World, meeting: Meeting) -> str:
    """The organiser opens the meeting (from the space's meeting list) and reads the code shown there."""
    organiser = browser_context_factory(base_url=base_url).new_page()
    staff_sign_in(organiser, world.people["coordinator"])
    organiser.goto(f"/spaces/{meeting.space_id}/")
    with organiser.expect_navigation():
        organiser.get_by_role("link", name="Meetings", exact=True).click()
    with organiser.expect_navigation():
        organiser.get_by_role("link", name=TITLE).click()
    assert organiser.get_by_role("heading", name="Check-in code").is_visible()
    violations = axe_violations(organiser)
    assert not violations, describe(violations)
    code = organiser.locator("#check-in-code").first.inner_text().strip()
    organiser.context.close()
    assert code, "no check-in code on the organiser's meeting page"
    return code


def test_member_joins_answers_checks_in_and_subscribes_to_the_calendar(browser_context_factory, live_server, settings):
    settings.SITE_URL = live_server.url  # the personal feed URL points at this server
    world = make_world()
    a_space, meeting = _open_space_meeting_soon(world)
    bob = world.people["member"]

    # The member finds the space among the groups hosted on PeerPath and joins it.
    member = browser_context_factory(base_url=live_server.url).new_page()
    sign_in(member, bob.email, PERSONA_PASSWORD)
    with member.expect_navigation():
        member.get_by_role("link", name="My groups").click()
    hosted = member.locator("h2:has-text('Groups hosted on PeerPath') + ul")
    with member.expect_navigation():
        hosted.get_by_role("link", name=a_space.name).click()
    assert member.get_by_role("heading", level=1).inner_text() == a_space.name
    with member.expect_navigation():
        member.get_by_role("button", name=f"Join {a_space.name}").click()
    assert member.get_by_text(f"Welcome to {a_space.name}.").is_visible()
    assert member.get_by_role("heading", name="You are a member").is_visible()
    violations = axe_violations(member)
    assert not violations, describe(violations)

    # The member opens the meeting from the space's meetings and says they are going.
    with member.expect_navigation():
        member.get_by_role("link", name="Meetings", exact=True).click()
    with member.expect_navigation():
        member.get_by_role("link", name=TITLE).click()
    member.get_by_label("Going", exact=True).check()
    with member.expect_navigation():
        member.get_by_role("button", name="Save my answer").click()
    assert member.get_by_text("You have a seat", exact=True).is_visible()
    assert Rsvp.objects.get(meeting=meeting, user=bob).state == Rsvp.State.CONFIRMED
    violations = axe_violations(member)  # the meeting page with its answer and check-in forms
    assert not violations, describe(violations)

    # The organiser shows the check-in code; the member types it and presses Enter.
    code = _check_in_code_on_screen(browser_context_factory, live_server.url, world, meeting)
    member.get_by_label("Check-in code").fill(code)
    with member.expect_navigation():
        member.get_by_label("Check-in code").press("Enter")
    assert member.get_by_text("You are checked in. Welcome!").is_visible()
    assert member.get_by_text("You are checked in", exact=True).is_visible()
    assert Attendance.objects.filter(meeting=meeting, user=bob, method=Attendance.Method.CHECK_IN).exists()
    violations = axe_violations(member)
    assert not violations, describe(violations)

    # The member finds their calendar link and the feed holds the meeting, never its join link.
    with member.expect_navigation():
        member.get_by_role("link", name="My groups").click()
    with member.expect_navigation():
        member.get_by_role("link", name="Subscribe to your meetings in your calendar").click()
    violations = axe_violations(member)
    assert not violations, describe(violations)
    feed_url = member.get_by_label("Your personal calendar link").input_value()
    assert feed_url.startswith(f"{live_server.url}/calendar/"), feed_url
    response = member.request.get(feed_url)
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("text/calendar")
    ics = response.text().replace("\r\n ", "")  # unfold RFC 5545 continuation lines
    assert f"{meeting.pk}@peerpath" in ics
    assert TITLE in ics
    assert JOIN_URL not in ics
    member.context.close()


def _tab_to(page: Any, target: Any, *, limit: int = 80) -> None:
    """Press Tab until `target` has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {target}")


def test_join_answer_and_check_in_work_with_the_keyboard_alone(browser_context_factory, live_server):
    world = make_world()
    a_space, meeting = _open_space_meeting_soon(world)
    bob = world.people["member"]
    code = _check_in_code_on_screen(browser_context_factory, live_server.url, world, meeting)

    member = browser_context_factory(base_url=live_server.url).new_page()
    sign_in(member, bob.email, PERSONA_PASSWORD)
    member.goto(f"/spaces/{a_space.pk}/")

    _tab_to(member, member.get_by_role("button", name=f"Join {a_space.name}"))
    with member.expect_navigation():
        member.keyboard.press("Enter")
    assert member.get_by_role("heading", name="You are a member").is_visible()

    _tab_to(member, member.get_by_role("link", name="Meetings", exact=True))
    with member.expect_navigation():
        member.keyboard.press("Enter")
    _tab_to(member, member.get_by_role("link", name=TITLE))
    with member.expect_navigation():
        member.keyboard.press("Enter")

    going = member.get_by_label("Going", exact=True)
    _tab_to(member, going)
    member.keyboard.press("Space")
    assert going.is_checked()
    _tab_to(member, member.get_by_role("button", name="Save my answer"))
    with member.expect_navigation():
        member.keyboard.press("Enter")
    assert member.get_by_text("You have a seat", exact=True).is_visible()

    _tab_to(member, member.get_by_label("Check-in code"))
    member.keyboard.type(code)
    with member.expect_navigation():
        member.keyboard.press("Enter")
    assert member.get_by_text("You are checked in. Welcome!").is_visible()
    assert Rsvp.objects.get(meeting=meeting, user=bob).state == Rsvp.State.CONFIRMED
    assert Attendance.objects.filter(meeting=meeting, user=bob).exists()
    member.context.close()
