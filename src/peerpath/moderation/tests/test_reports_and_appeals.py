"""Members report posts; the author of a hidden post appeals once and another moderator decides (issue 6 point 10).
The thread page's moderation tools: "Report" for members, "Appeal" for the author of a hidden post, the queue item
and "Add a fact note" for moderators."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.core.errors import Conflict, PermissionDenied
from peerpath.forum.models import Notification, Post
from peerpath.moderation import actions
from peerpath.moderation import services as moderation
from peerpath.moderation.models import Action, Appeal, QueueItem, Report
from peerpath.moderation.tests.test_actions import (  # noqa: F401 (fake_detectors: autouse)
    MYTH_TEXT,
    Group,
    fake_detectors,
    make_group,
)
from peerpath.spaces.tests.helpers import join
from peerpath.testing.matrix import LOGIN, check_matrix
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(world) -> Group:
    return make_group(world)


def report_url(post: Post) -> str:
    return reverse("post_report", kwargs={"post_id": post.pk})


def appeal_url(post: Post) -> str:
    return reverse("post_appeal", kwargs={"post_id": post.pk})


def thread_url(post: Post) -> str:
    return reverse("thread_detail", kwargs={"space_id": post.thread.space_id, "thread_id": post.thread_id})


# --- Reports ---------------------------------------------------------------------------------------------------


def test_report_permission_matrix(world, client, group):
    """Whoever may read the post reaches the form; a choice it refuses gives 400. Moderators who are not members
    reach it too, and the service then refuses (403): only members report. The post is members-only."""
    post = group.post(author=group.peers[0], body="Pacing helps me most on work days.")
    expect = {
        "anonymous": LOGIN, "member": 400, "listener": 400, "space_moderator": 400, "carer": 404,
        "peer_supporter": 404, "clinician": 404, "outsider": 404, "moderator": 400, "coordinator": 400, "admin": 400,
    }  # fmt: skip
    check_matrix(client, world, url=report_url(post), method="post", data={"reason": "shout"}, expect=expect)
    assert not Report.objects.exists()
    check_matrix(
        client, world, url=report_url(post), expect={**expect, **{k: 200 for k, v in expect.items() if v == 400}}
    )


def test_a_member_reports_with_a_reason_and_the_post_goes_to_the_queue(client, group):
    post = group.post(author=group.peers[0], body="Pacing helps me most on work days.")
    client.force_login(group.listener)  # listeners do not post, but they may report
    response = client.post(report_url(post), {"reason": "unkind", "note": "This felt like a pile-on"})
    assert response.status_code == 302 and response["Location"] == thread_url(post)
    item = QueueItem.objects.get(post=post, status="open")
    assert item.source == QueueItem.Source.REPORTS and item.category == "unkind" and not item.urgent
    again = client.post(report_url(post), {"reason": "other"})
    assert again.status_code == 409 and "You have already reported this post." in again.content.decode()


def test_a_non_member_moderator_cannot_report(world, client, group):
    post = group.post(author=group.peers[0], body="Pacing helps me most on work days.")
    client.force_login(world.people["moderator"])
    response = client.post(report_url(post), {"reason": "unkind"})
    assert response.status_code == 403
    assert "Only members of this space can report its posts." in response.content.decode()


def test_three_reports_from_different_members_hide_the_post_pending_review(group):
    post = group.post(body="Pacing helps me most on work days.")
    for reporter in group.peers[:2]:
        moderation.report_create(reporter=reporter, post=post, reason="unkind")
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    moderation.report_create(reporter=group.peers[2], post=post, reason="unkind")
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN
    assert Action.objects.filter(post=post, kind=Action.Kind.AUTO_HIDE, moderator=None).exists()
    # A moderator who finds nothing wrong approves it back.
    actions.item_approve(actor=group.space_moderator, item=group.item(post))
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


def test_a_report_storm_from_one_account_is_refused_with_429(client, group):
    authors = [make_user(f"writer-{index}") for index in range(11)]
    posts = []
    for index, author in enumerate(authors):
        join(author, group.space)
        posts.append(group.post(author=author, body=f"My pacing tip number {index}.", title=f"Tip {index}"))
    client.force_login(group.member)
    for post in posts[:10]:
        assert client.post(report_url(post), {"reason": "other"}).status_code == 302
    storm = client.post(report_url(posts[10]), {"reason": "other"})
    assert storm.status_code == 429
    assert "You have sent many reports in the last hour" in storm.content.decode()
    assert Report.objects.filter(reporter=group.member).count() == 10


# --- Appeals ---------------------------------------------------------------------------------------------------


@pytest.fixture
def hidden(group) -> Post:
    post = group.post(body=MYTH_TEXT)
    actions.item_hide(actor=group.space_moderator, item=group.item(post), reason="A known false claim")
    post.refresh_from_db()
    return post


def test_appeal_permission_matrix(world, client, group, hidden):
    """Only the author reaches the appeal form of their hidden post; everyone else gets 404."""
    expect = {
        "anonymous": LOGIN, "member": 200, "listener": 404, "space_moderator": 404, "carer": 404,
        "peer_supporter": 404, "clinician": 404, "outsider": 404, "moderator": 404, "coordinator": 404, "admin": 404,
    }  # fmt: skip
    check_matrix(client, world, url=appeal_url(hidden), expect=expect)


def test_the_author_appeals_once_and_another_moderator_restores_the_post(client, group, hidden):
    client.force_login(group.member)
    page = client.get(appeal_url(hidden))
    assert "A known false claim" in page.content.decode()
    assert client.post(appeal_url(hidden), {"text": ""}).status_code == 400
    sent = client.post(appeal_url(hidden), {"text": "It was a joke, I said so in the next line."})
    assert sent.status_code == 302
    again = client.post(appeal_url(hidden), {"text": "Please"})
    assert again.status_code == 409 and "a post can be appealed once" in again.content.decode()

    item = QueueItem.objects.get(post=hidden, status="open")
    assert item.source == QueueItem.Source.APPEAL
    with pytest.raises(PermissionDenied, match="another moderator decides"):
        actions.appeal_decide(actor=group.space_moderator, item=item, restore=True)
    with pytest.raises(Conflict, match="restoring the post or upholding"):
        actions.item_approve(actor=group.organiser, item=item)

    actions.appeal_decide(actor=group.organiser, item=item, restore=True, note="Fair enough.")
    hidden.refresh_from_db()
    assert hidden.status == Post.Status.PUBLISHED
    appeal = Appeal.objects.get(post=hidden)
    assert appeal.status == Appeal.Status.RESTORED and appeal.decided_by == group.organiser
    told = Notification.objects.get(user=group.member, kind=Notification.Kind.APPEAL_DECIDED)
    assert told.text == "Your post is restored. Fair enough."


def test_an_upheld_appeal_keeps_the_post_hidden(client, world, group, hidden):
    actions.appeal_create(author=group.member, post=hidden, text="Please look again")
    item = QueueItem.objects.get(post=hidden, status="open")
    client.force_login(world.people["moderator"])
    response = client.post(
        reverse("moderation_item", kwargs={"space_id": group.space.pk, "item_id": item.pk}),
        {"action": "uphold", "reason": "The claim is still false."},
    )
    assert response.status_code == 302
    hidden.refresh_from_db()
    assert hidden.status == Post.Status.HIDDEN
    assert Appeal.objects.get(post=hidden).status == Appeal.Status.UPHELD
    assert Action.objects.filter(post=hidden, kind=Action.Kind.UPHOLD).exists()


def test_only_a_hidden_post_can_be_appealed(group):
    post = group.post(body="Pacing helps me most on work days.")
    with pytest.raises(Conflict, match="Only a hidden post"):
        actions.appeal_create(author=group.member, post=post, text="Why?")


# --- The thread page's moderation tools ------------------------------------------------------------------------


def test_the_thread_page_shows_each_person_their_moderation_tools(world, client, group, hidden):
    reply_post = group.post(author=group.peers[0], body=MYTH_TEXT + " Really.", title="Diet")
    item = group.item(reply_post)

    client.force_login(group.peers[1])
    html = client.get(thread_url(reply_post)).content.decode()
    assert report_url(reply_post) in html and "Add a fact note" not in html

    client.force_login(group.member)
    html = client.get(thread_url(hidden)).content.decode()
    assert appeal_url(hidden) in html and report_url(hidden) not in html  # no reporting one's own post
    actions.appeal_create(author=group.member, post=hidden, text="Please look again")
    html = client.get(thread_url(hidden)).content.decode()
    assert appeal_url(hidden) not in html and "You appealed against this hide" in html

    client.force_login(group.space_moderator)
    html = client.get(thread_url(reply_post)).content.decode()
    assert reverse("moderation_item", kwargs={"space_id": group.space.pk, "item_id": item.pk}) in html
    assert reverse("post_fact_note", kwargs={"post_id": reply_post.pk}) in html
