"""Issue 15's forum pages in a real browser: the help lines on a crisis writer's thread, the personal-data question
in the composer and the moderator's list of queues pass axe-core (0 serious or critical) and work with the keyboard
alone."""

from __future__ import annotations

from typing import Any

import pytest

from peerpath.forum import services
from peerpath.forum.models import Post
from peerpath.forum.tests.helpers import forum_space
from peerpath.forum.tests.safety import CRISIS_TEXT, PHONE_TEXT, FakeDetector
from peerpath.testing.browser import axe_violations, describe, sign_in, staff_sign_in
from peerpath.testing.personas import PERSONA_PASSWORD, make_world

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def fake_screening(monkeypatch: Any) -> None:
    monkeypatch.setattr("peerpath.screening.detectors.ALL", [FakeDetector()])


def _assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, describe(violations)


def _tab_to(page: Any, target: Any, *, limit: int = 120) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {target}")


def test_the_help_lines_on_the_writers_thread_pass_axe_and_reach_the_keyboard(browser_context_factory, live_server):
    world = make_world()
    a_space = forum_space(world)
    outcome = services.thread_create(author=world.people["member"], space=a_space, title="Tonight", body=CRISIS_TEXT)
    member = browser_context_factory(base_url=live_server.url).new_page()
    sign_in(member, world.people["member"].email, PERSONA_PASSWORD)
    member.goto(f"/spaces/{a_space.pk}/forum/{outcome.post.thread_id}/")
    panel = member.get_by_test_id("crisis-support")
    assert panel.is_visible()
    assert "A moderator has been asked to look at your post" in panel.inner_text()
    call = member.get_by_role("link", name="Call Samaritans on 116 123")
    assert call.get_attribute("href") == "tel:116123"
    assert member.get_by_role("link", name="Text Shout on 85258").get_attribute("href") == "sms:85258?body=SHOUT"
    _assert_accessible(member)
    _tab_to(member, call)  # every line can be reached and dialled without a pointer
    member.context.close()


def test_the_personal_data_question_passes_axe_and_publishing_anyway_works_by_keyboard(
    browser_context_factory, live_server
):
    world = make_world()
    a_space = forum_space(world)
    member = browser_context_factory(base_url=live_server.url).new_page()
    sign_in(member, world.people["member"].email, PERSONA_PASSWORD)
    member.goto(f"/spaces/{a_space.pk}/forum/new/")
    member.get_by_label("Title", exact=True).fill("Evenings")
    member.get_by_label("Your post", exact=True).fill(PHONE_TEXT)
    with member.expect_navigation():
        member.get_by_role("button", name="Post thread").click()
    check = member.get_by_test_id("personal-data-check")
    assert "a phone number" in check.inner_text()
    assert member.get_by_label("Your post", exact=True).input_value() == PHONE_TEXT
    assert not Post.objects.filter(author=world.people["member"]).exists()
    _assert_accessible(member)
    publish = member.get_by_role("button", name="Publish anyway")
    _tab_to(member, publish)
    with member.expect_navigation():
        member.keyboard.press("Enter")
    assert member.get_by_role("heading", level=1).inner_text() == "Your post waits for a moderator"
    assert "It seems to contain a phone number" in member.get_by_test_id("held-reasons").inner_text()
    _assert_accessible(member)
    member.context.close()


def test_the_moderators_list_of_queues_passes_axe(browser_context_factory, live_server):
    world = make_world()
    a_space = forum_space(world)
    services.thread_create(author=world.people["member"], space=a_space, title="Tonight", body=CRISIS_TEXT)
    moderator = browser_context_factory(base_url=live_server.url).new_page()
    staff_sign_in(moderator, world.people["moderator"])
    moderator.goto("/")
    with moderator.expect_navigation():
        moderator.get_by_role("link", name="Moderation", exact=True).click()
    assert moderator.get_by_text("1 crisis post waiting").is_visible()
    _assert_accessible(moderator)
    moderator.context.close()
