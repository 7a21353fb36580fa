"""Issue 6's journey in a real browser: a member starts typing a question, sees that it was answered before, still
posts their own thread, then replies with a known false claim that screening publishes and flags; the space's
organiser finds it in the moderation queue and adds a fact note, which the member sees under their post with a
notification. Then axe-core on the forum's pages, and the composer with the keyboard alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from peerpath.forum import services
from peerpath.forum.models import Notification, Post, Thread
from peerpath.forum.tests.helpers import forum_space, reply, thread
from peerpath.moderation.claims import load_claims
from peerpath.moderation.models import FactNote, QueueItem
from peerpath.spaces.models import Space
from peerpath.testing.browser import axe_violations, describe, sign_in, staff_sign_in
from peerpath.testing.personas import PERSONA_PASSWORD, World, make_world

pytestmark = pytest.mark.browser

ANSWERED = "Compression stockings in summer"
TYPED = "compression stockings when it is hot"
MY_BODY = "My legs swell in the heat. Do you still wear them in July?"
FALSE_CLAIM = "Honestly my GP told me fibromyalgia is not real, so I stopped my exercises."
WHAT_IS_WRONG = "Fibromyalgia is a real, recognised condition."
WHAT_IS_KNOWN = "It causes widespread pain and fatigue, and NICE guidance covers its care."
SOURCE = "https://www.nhs.uk/conditions/fibromyalgia/"


def _answered_space(world: World) -> tuple[Space, Thread]:
    """The fibromyalgia space (the coordinator organises it, the member belongs) with an answered thread, and the
    curated list of false claims loaded."""
    a_space = forum_space(world)
    # After the space: a transactional test before this one may have flushed the conditions the claims refer to,
    # and making the space's listing loads them again.
    report = load_claims()
    assert not report.skipped, report.skipped
    answered = thread(world.people["member"], a_space, ANSWERED, "Do you wear them when it is hot?")
    answer = reply(world.people["coordinator"], answered, "Lighter ones, and I put them on first thing.")
    services.answer_mark(actor=world.people["member"], thread=answered, post=answer)
    return a_space, answered


def _assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, describe(violations)


def _similar_shown(page: Any) -> Any:
    """The composer's "asked before" box, once htmx has put it under the title."""
    similar = page.locator("#similar")
    similar.get_by_role("link", name=ANSWERED).wait_for()
    return similar


def test_member_sees_the_answered_thread_posts_anyway_and_a_moderator_corrects_a_false_claim(
    browser_context_factory, live_server
):
    world = make_world()
    a_space, answered = _answered_space(world)
    bob = world.people["member"]

    # The member opens the space's forum and starts a thread; the answered one shows under the title as they type.
    member = browser_context_factory(base_url=live_server.url).new_page()
    sign_in(member, bob.email, PERSONA_PASSWORD)
    member.goto(f"/spaces/{a_space.pk}/")
    with member.expect_navigation():
        member.get_by_role("link", name="Forum", exact=True).click()
    assert member.get_by_role("link", name=ANSWERED).is_visible()
    _assert_accessible(member)  # the forum's list of threads
    with member.expect_navigation():
        member.get_by_role("link", name="Start a thread").click()
    member.get_by_label("Title", exact=True).press_sequentially(TYPED, delay=40)
    similar = _similar_shown(member)
    assert similar.get_by_role("heading", name="Has this been asked before?").is_visible()
    link = similar.get_by_role("link", name=ANSWERED).get_attribute("href")
    assert link == reverse("thread_detail", kwargs={"space_id": a_space.pk, "thread_id": answered.pk})
    _assert_accessible(member)  # the composer with the similar threads showing

    # They post their own thread all the same.
    member.get_by_label("Your post", exact=True).fill(MY_BODY)
    with member.expect_navigation():
        member.get_by_role("button", name="Post thread").click()
    assert member.get_by_role("heading", level=1).inner_text() == TYPED
    assert member.get_by_text(MY_BODY).is_visible()
    mine = Thread.objects.get(space=a_space, title=TYPED)
    assert Post.objects.get(thread=mine, is_opening=True).status == Post.Status.PUBLISHED

    # They reply with a known false claim: it is published, and flagged for the moderators.
    member.get_by_label("Your reply", exact=True).fill(FALSE_CLAIM)
    with member.expect_navigation():
        member.get_by_role("button", name="Post reply").click()
    claim_post = Post.objects.get(thread=mine, is_opening=False)
    assert claim_post.status == Post.Status.PUBLISHED
    assert member.get_by_text(FALSE_CLAIM).is_visible()
    assert QueueItem.objects.filter(post=claim_post, status=QueueItem.Status.OPEN).exists()

    # The organiser opens the moderation queue from the space and sees the flagged reply with what screening found.
    organiser = browser_context_factory(base_url=live_server.url).new_page()
    staff_sign_in(organiser, world.people["coordinator"])
    organiser.goto(f"/spaces/{a_space.pk}/")
    with organiser.expect_navigation():
        organiser.get_by_role("link", name="Moderation queue").click()
    item = organiser.locator(".pp-queue-item", has_text=FALSE_CLAIM)
    assert item.get_by_role("heading", name="What screening found").is_visible()
    assert item.get_by_text("Fibromyalgia is not a real condition").is_visible()
    assert item.get_by_text("fibromyalgia is not real", exact=True).is_visible()  # the evidence, quoted
    _assert_accessible(organiser)

    # From the item, the organiser goes to the post and adds a fact note.
    with organiser.expect_navigation():
        item.get_by_role("link", name=TYPED).click()
    post_card = organiser.locator(f"#post-{claim_post.pk}")
    with organiser.expect_navigation():
        post_card.get_by_role("link", name="Add a fact note").click()
    assert organiser.get_by_role("heading", name="Screening matched a known claim").is_visible()
    organiser.get_by_label("What is wrong in the post").fill(WHAT_IS_WRONG)
    organiser.get_by_label("What is known", exact=True).fill(WHAT_IS_KNOWN)
    organiser.get_by_label("Source (an https:// address)").fill(SOURCE)
    organiser.get_by_label("Source's title (optional)").fill("NHS: Fibromyalgia")
    _assert_accessible(organiser)
    with organiser.expect_navigation():
        organiser.get_by_role("button", name="Add the fact note").click()
    assert organiser.get_by_text("The fact note is added under the post, and the author is told.").is_visible()
    assert FactNote.objects.filter(post=claim_post).count() == 1

    # The member reloads their thread: the fact note is under their post, and a notification tells them.
    member.reload()
    notes = member.locator(f"#post-{claim_post.pk}").get_by_role("complementary", name="Fact notes on this post")
    assert notes.get_by_text(WHAT_IS_WRONG).is_visible()
    assert notes.get_by_text(WHAT_IS_KNOWN).is_visible()
    assert notes.get_by_role("link", name="NHS: Fibromyalgia").get_attribute("href") == SOURCE
    _assert_accessible(member)  # the thread page with a fact note
    unread = Notification.objects.filter(user=bob, read_at=None).count()
    assert Notification.objects.filter(user=bob, post=claim_post, read_at=None).exists()
    with member.expect_navigation():
        member.get_by_role("link", name=f"Notifications ({unread})").click()
    told = member.get_by_role("listitem").filter(has=member.get_by_role("link", name=TYPED))
    assert told.get_by_role("heading", name="A fact note on your post").is_visible(), told.all_inner_texts()
    _assert_accessible(member)
    for tab in (member, organiser):
        tab.context.close()


def test_search_and_knowledge_pages_pass_axe(browser_context_factory, live_server):
    world = make_world()
    _space, answered = _answered_space(world)
    services.thread_set_public(actor=world.people["coordinator"], thread=answered, public=True)

    visitor = browser_context_factory(base_url=live_server.url).new_page()
    visitor.goto("/search/")
    _assert_accessible(visitor)  # signed out, nothing searched yet
    visitor.get_by_label("Words to search for").fill("compression")
    with visitor.expect_navigation():
        visitor.get_by_label("Words to search for").press("Enter")
    assert visitor.get_by_role("link", name=ANSWERED).first.is_visible()
    _assert_accessible(visitor)  # signed out, with the public thread found

    visitor.goto("/knowledge/")
    _assert_accessible(visitor)
    with visitor.expect_navigation():
        visitor.get_by_role("link", name="Fibromyalgia").click()
    assert visitor.get_by_role("link", name=ANSWERED).is_visible()
    _assert_accessible(visitor)
    visitor.context.close()

    member = browser_context_factory(base_url=live_server.url).new_page()
    sign_in(member, world.people["member"].email, PERSONA_PASSWORD)
    member.goto("/search/?q=stockings")
    assert member.get_by_role("link", name=ANSWERED).first.is_visible()
    _assert_accessible(member)  # signed in, with results and the filters
    member.context.close()


def _tab_to(page: Any, target: Any, *, limit: int = 80) -> None:
    """Press Tab until `target` has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {target}")


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_the_composer_works_with_the_keyboard_alone(browser_context_factory, live_server, key):
    world = make_world()
    a_space, _answered = _answered_space(world)
    member = browser_context_factory(base_url=live_server.url).new_page()
    sign_in(member, world.people["member"].email, PERSONA_PASSWORD)
    member.goto(f"/spaces/{a_space.pk}/forum/new/")

    _tab_to(member, member.get_by_label("Title", exact=True))
    member.keyboard.type(TYPED, delay=30)
    _similar_shown(member)
    _tab_to(member, member.get_by_label("Your post", exact=True))
    member.keyboard.type(MY_BODY)
    _tab_to(member, member.get_by_role("button", name="Post thread"))
    with member.expect_navigation():
        member.keyboard.press(key)
    assert member.get_by_role("heading", level=1).inner_text() == TYPED
    assert Thread.objects.filter(space=a_space, title=TYPED).exists()
    member.context.close()
