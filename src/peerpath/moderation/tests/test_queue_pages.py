"""The queue pages (issue 6 points 10 and 12): a space's queue with what screening found and what members reported,
one item and its actions, the moderation log, the organisation's one queue with its dashboard, and the clinicians'
escalated list. Who may see each, what they show, and a cost that does not grow with the queue."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from peerpath.core.time import now
from peerpath.forum.models import Post
from peerpath.moderation import actions, reports, selectors
from peerpath.moderation.models import QueueItem
from peerpath.moderation.tests.test_actions import (  # noqa: F401 (fake_detectors: autouse)
    MYTH_DETAIL,
    MYTH_TEXT,
    PROMOTION_TEXT,
    Group,
    fake_detectors,
    make_group,
)
from peerpath.testing.matrix import LOGIN, check_matrix

# No module-wide django_db mark: every test reaches the database through `world` (pytest-django's `db`), and the
# browser test through `live_server` (a transactional database) — a django_db mark there breaks SQLite's shared
# in-memory connection between the live server's threads.


@pytest.fixture
def group(world) -> Group:
    return make_group(world)


def queue_url(group: Group) -> str:
    return reverse("moderation_queue", kwargs={"space_id": group.space.pk})


def item_url(group: Group, item: QueueItem) -> str:
    return reverse("moderation_item", kwargs={"space_id": group.space.pk, "item_id": item.pk})


# The space's moderation pages: its organiser (the coordinator persona) and moderators, the host's moderators and
# admins. Members, listeners, the host's clinicians and other organisations get the same 404 as a missing page.
SPACE_MODERATORS = {
    "anonymous": LOGIN,
    "member": 404,
    "listener": 404,
    "carer": 404,
    "peer_supporter": 404,
    "clinician": 404,
    "outsider": 404,
    "space_moderator": 200,
    "moderator": 200,
    "coordinator": 200,
    "admin": 200,
}


def test_queue_permission_matrix(world, client, group):
    check_matrix(client, world, url=queue_url(group), expect=SPACE_MODERATORS)


def test_log_permission_matrix(world, client, group):
    check_matrix(client, world, url=reverse("moderation_log", kwargs={"space_id": group.space.pk}),
                 expect=SPACE_MODERATORS)  # fmt: skip


def test_item_permission_matrix(world, client, group):
    item = group.item(group.post(body=PROMOTION_TEXT))
    check_matrix(client, world, url=item_url(group, item), expect=SPACE_MODERATORS)
    # A choice the form refuses: those who pass the gate get 400 and nothing changes.
    expect = {persona: 400 if outcome == 200 else outcome for persona, outcome in SPACE_MODERATORS.items()}
    check_matrix(client, world, url=item_url(group, item), method="post", data={"action": "shout"}, expect=expect)
    item.refresh_from_db()
    assert item.status == QueueItem.Status.OPEN and item.first_action_at is None


def test_an_item_of_another_space_is_404_even_for_its_moderators(world, client, group):
    from peerpath.forum.tests.helpers import forum_space

    other = forum_space(world, name="Long Covid Thursday Circle")
    client.force_login(world.people["coordinator"])
    item = group.item(group.post(body=PROMOTION_TEXT))
    wrong = reverse("moderation_item", kwargs={"space_id": other.pk, "item_id": item.pk})
    assert client.get(wrong).status_code == 404


def test_organisation_queue_permission_matrix(world, client, group):
    url = reverse("organisation_queue", kwargs={"organisation_id": world.home.pk})
    expect = {**SPACE_MODERATORS, "space_moderator": 404, "moderator": 404}
    check_matrix(client, world, url=url, expect=expect)


def test_escalated_list_permission_matrix(world, client, group):
    expect = {persona: 404 for persona in SPACE_MODERATORS} | {"anonymous": LOGIN, "clinician": 200}
    check_matrix(client, world, url=reverse("escalated_posts"), expect=expect)


# --- What the queue shows --------------------------------------------------------------------------------------


def test_the_queue_shows_each_post_with_findings_evidence_correction_and_reports(client, group):
    myth = group.post(body=MYTH_TEXT)
    held = group.post(body=PROMOTION_TEXT, title="Magnesium")
    reports.report_create(reporter=group.peers[0], post=myth, reason="misinformation", note="Not true at all")
    client.force_login(group.space_moderator)

    html = client.get(queue_url(group)).content.decode()

    assert MYTH_TEXT in html and "discount code PAIN20" in html  # the held post too
    assert "Known misinformation" in html and "<q>cinnamon cures</q>" in html
    assert MYTH_DETAIL["correction"] in html and MYTH_DETAIL["source_url"] in html
    assert "Misinformation: Not true at all" in html
    assert "Held for review" in html and held.status == Post.Status.HELD
    assert 'name="action" value="approve"' in html and 'value="hide"' in html
    assert "2 items waiting" in html


def test_the_queue_lists_the_oldest_first_with_how_long_each_waited(client, group):
    start = now()
    with time_machine.travel(start - timedelta(hours=3), tick=False):
        older = group.post(body=PROMOTION_TEXT, title="First")
    with time_machine.travel(start - timedelta(minutes=7), tick=False):
        newer = group.post(body=MYTH_TEXT, title="Second")
    client.force_login(group.organiser)
    with time_machine.travel(start, tick=False):
        html = client.get(queue_url(group)).content.decode()
    assert html.index(f"item-{group.item(older).pk}") < html.index(f"item-{group.item(newer).pk}")
    assert "waiting 3 hours" in html and "waiting 7 minutes" in html


def test_acting_from_the_item_page_hides_the_post_and_returns_to_the_queue(client, group):
    post = group.post(body=MYTH_TEXT)
    item = group.item(post)
    client.force_login(group.space_moderator)
    page = client.get(item_url(group, item))
    assert page.status_code == 200 and MYTH_TEXT in page.content.decode()

    refused = client.post(item_url(group, item), {"action": "hide", "reason": ""})
    assert refused.status_code == 400
    assert "Give a reason: the author will see it." in refused.content.decode()

    done = client.post(item_url(group, item), {"action": "hide", "reason": "A known false claim"})
    assert done.status_code == 302 and done["Location"] == queue_url(group)
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN
    assert "Nothing is waiting" in client.get(queue_url(group)).content.decode()


def test_a_refused_action_is_shown_on_the_page_not_a_500(client, group):
    item = group.item(group.post(body=PROMOTION_TEXT))
    client.force_login(group.space_moderator)
    client.post(item_url(group, item), {"action": "approve"})
    again = client.post(item_url(group, item), {"action": "approve"})
    assert again.status_code == 409
    assert "This item was already dealt with." in again.content.decode()


def test_the_log_lists_actions_newest_first_by_handle(client, group):
    item = group.item(group.post(body=MYTH_TEXT))
    actions.item_warn(actor=group.space_moderator, item=item, reason="Check your facts")
    actions.item_hide(actor=group.organiser, item=item, reason="False claim")
    client.force_login(group.space_moderator)
    html = client.get(reverse("moderation_log", kwargs={"space_id": group.space.pk})).content.decode()
    assert html.index("False claim") < html.index("Check your facts")
    assert group.space_moderator.handle in html and "Testperson" not in html  # handles only, never legal names


# --- The organisation's dashboard and the escalated list -------------------------------------------------------


def test_the_dashboard_shows_queue_size_median_first_action_and_crisis_waits(world, client, group):
    start = now()
    with time_machine.travel(start - timedelta(hours=1), tick=False):
        first = group.item(group.post(body=PROMOTION_TEXT, title="One"))
        second = group.item(group.post(body=MYTH_TEXT, title="Two"))
    with time_machine.travel(start - timedelta(minutes=50), tick=False):
        actions.item_warn(actor=group.organiser, item=first, reason="Careful")  # 10 minutes to first action
    with time_machine.travel(start - timedelta(minutes=30), tick=False):
        actions.item_approve(actor=group.organiser, item=second)  # 30 minutes
    client.force_login(world.people["coordinator"])
    with time_machine.travel(start, tick=False):
        html = client.get(reverse("organisation_queue", kwargs={"organisation_id": world.home.pk})).content.decode()
    assert 'data-figure="queue-size">1</dd>' in html
    assert 'data-figure="median-first-action">20 minutes</dd>' in html
    assert 'data-figure="awaiting-first-action">0</dd>' in html
    assert 'data-figure="crisis-waiting">0</dd>' in html
    assert 'data-figure="longest-wait">1 hour</dd>' in html
    assert group.space.name in html


def test_items_nobody_acted_on_count_in_the_median_at_their_wait_so_far(world, client, group):
    """An unworked queue must not look fast: two items acted on within minutes, three left waiting for two hours
    (and one for forty days, beyond the 30-day window, still counted) give a median of two hours, not minutes."""
    start = now()
    with time_machine.travel(start - timedelta(days=40), tick=False):
        group.post(body=MYTH_TEXT, title="Forgotten")
    with time_machine.travel(start - timedelta(hours=2), tick=False):
        quick = [
            group.item(group.post(author=group.peers[index], body=PROMOTION_TEXT, title=f"Quick {index}"))
            for index in range(2)
        ]
        for index in range(2):
            group.post(author=group.peers[index], body=MYTH_TEXT, title=f"Waiting {index}")
    with time_machine.travel(start - timedelta(hours=2) + timedelta(minutes=5), tick=False):
        actions.item_approve(actor=group.organiser, item=quick[0])
    with time_machine.travel(start - timedelta(hours=2) + timedelta(minutes=10), tick=False):
        actions.item_warn(actor=group.organiser, item=quick[1], reason="Careful")
    with time_machine.travel(start, tick=False):
        board = selectors.dashboard_of(world.home)
        client.force_login(world.people["coordinator"])
        html = client.get(reverse("organisation_queue", kwargs={"organisation_id": world.home.pk})).content.decode()
    # 5 and 10 minutes; 2 hours, 2 hours and 40 days waiting so far: the median is 2 hours.
    assert board.median_first_action == timedelta(hours=2)
    assert board.awaiting_first_action == 3 and board.queue_size == 4
    assert 'data-figure="median-first-action">2 hours</dd>' in html
    assert 'data-figure="awaiting-first-action">3</dd>' in html
    assert "An item nobody has acted on yet counts at its wait so far" in html


def test_the_dashboard_of_an_empty_queue_says_so(world, client):
    board = selectors.dashboard_of(world.home)
    assert board.median_first_action is None and board.awaiting_first_action == 0 and board.queue_size == 0
    client.force_login(world.people["coordinator"])
    html = client.get(reverse("organisation_queue", kwargs={"organisation_id": world.home.pk})).content.decode()
    assert 'data-figure="median-first-action">No items yet</dd>' in html


def test_a_clinician_sees_escalated_posts_of_their_organisation(world, client, group):
    post = group.post(body=MYTH_TEXT)
    actions.item_escalate(actor=group.space_moderator, item=group.item(post), reason="Please look")
    client.force_login(world.people["clinician"])
    html = client.get(reverse("escalated_posts")).content.decode()
    assert MYTH_TEXT in html
    assert reverse("post_fact_note", kwargs={"post_id": post.pk}) in html


# --- Query counts ----------------------------------------------------------------------------------------------


def _fill(group: Group, count: int, offset: int = 0) -> None:
    for index in range(offset, offset + count):
        author = group.peers[index % len(group.peers)]
        post = group.post(author=author, body=f"{MYTH_TEXT} number {index}", title=f"Offer {index}")
        reports.report_create(reporter=group.member, post=post, reason="misinformation", note=f"myth {index}")
        item = group.item(post)
        actions.item_warn(actor=group.organiser, item=item, reason=f"Warning {index}")


@pytest.mark.parametrize("name", ["moderation_queue", "moderation_log"])
def test_queue_and_log_cost_does_not_grow_with_their_length(client, group, django_assert_max_num_queries, name):
    url = reverse(name, kwargs={"space_id": group.space.pk})
    client.force_login(group.space_moderator)
    with time_machine.travel(now() - timedelta(hours=2), tick=True):
        _fill(group, 3)
    client.get(url)  # warm the session and the caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    with time_machine.travel(now() - timedelta(hours=1), tick=True):
        _fill(group, 9, offset=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_organisation_queue_cost_does_not_grow(world, client, group, django_assert_max_num_queries):
    url = reverse("organisation_queue", kwargs={"organisation_id": world.home.pk})
    client.force_login(world.people["admin"])
    _fill(group, 2)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _fill(group, 8, offset=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


# --- In a real browser: axe-core on every moderation page, and the queue by keyboard ---------------------------


def _axe_clean(tab, url: str) -> str:
    from peerpath.testing.browser import axe_violations, describe

    response = tab.goto(url)
    assert response is not None and response.status == 200, url
    violations = axe_violations(tab)
    assert not violations, f"{url}\n{describe(violations)}"
    return tab.content()


@pytest.mark.browser
def test_moderation_pages_pass_axe_and_the_queue_works_by_keyboard(browser_context_factory, live_server):
    from peerpath.testing.browser import sign_in, staff_sign_in
    from peerpath.testing.personas import PERSONA_PASSWORD, make_world

    world = make_world()
    group = make_group(world)
    myth = group.post(author=group.peers[0], body=MYTH_TEXT)
    reports.report_create(reporter=group.peers[1], post=myth, reason="misinformation", note="Not true")
    held = group.post(author=group.peers[1], body=PROMOTION_TEXT, title="Magnesium")
    hidden = group.post(body=MYTH_TEXT + " Truly.", title="Diet")
    actions.item_hide(actor=group.organiser, item=group.item(hidden), reason="A false claim")
    actions.item_escalate(actor=group.organiser, item=group.item(myth), reason="Please look")

    def tab_for(user, staff: bool = False):
        tab = browser_context_factory(base_url=live_server.url).new_page()
        if staff:
            staff_sign_in(tab, user)
        else:
            sign_in(tab, user.email, PERSONA_PASSWORD)
        return tab

    space_id = group.space.pk
    moderator = tab_for(group.space_moderator)
    for url in (
        reverse("moderation_queue", kwargs={"space_id": space_id}),
        reverse("moderation_item", kwargs={"space_id": space_id, "item_id": group.item(held).pk}),
        reverse("moderation_log", kwargs={"space_id": space_id}),
        reverse("moderation_settings", kwargs={"space_id": space_id}),
        reverse("post_fact_note", kwargs={"post_id": myth.pk}),
    ):
        _axe_clean(moderator, url)

    # By keyboard: from the top of the queue, Tab to the held post's "Approve and publish" and press Enter.
    moderator.goto(reverse("moderation_queue", kwargs={"space_id": space_id}))
    for _step in range(200):
        moderator.keyboard.press("Tab")
        if moderator.evaluate("document.activeElement.textContent.trim()") == "Approve and publish":
            break
    else:
        raise AssertionError("Approve and publish is not reachable by keyboard")
    with moderator.expect_navigation():
        moderator.keyboard.press("Enter")
    held.refresh_from_db()
    assert held.status == Post.Status.PUBLISHED

    member = tab_for(group.member)
    _axe_clean(member, reverse("post_report", kwargs={"post_id": held.pk}))
    _axe_clean(member, reverse("post_appeal", kwargs={"post_id": hidden.pk}))
    thread = reverse("thread_detail", kwargs={"space_id": space_id, "thread_id": held.thread_id})
    _axe_clean(member, thread)  # with the report form's tools under each post

    coordinator = tab_for(world.people["coordinator"], staff=True)
    _axe_clean(coordinator, reverse("organisation_queue", kwargs={"organisation_id": world.home.pk}))
    _axe_clean(coordinator, reverse("crisis_lines", kwargs={"organisation_id": world.home.pk}))

    clinician = tab_for(world.people["clinician"], staff=True)
    _axe_clean(clinician, reverse("escalated_posts"))
    _axe_clean(clinician, reverse("post_fact_note", kwargs={"post_id": myth.pk}))


def test_a_mail_server_that_refuses_does_not_undo_or_break_a_moderators_decision(
    client, group, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMailServer"
    post = group.post(body=MYTH_TEXT)
    item = group.item(post)
    client.force_login(group.space_moderator)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(item_url(group, item), {"action": "hide", "reason": "A known false claim"})
    assert done.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN


class RefusingMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("the mail server went away")
