"""Members report posts; the author of a hidden post appeals once and another moderator decides (issue 6 point 10).
The thread page's moderation tools: "Report" for members, "Appeal" for the author of a hidden post, the queue item
and "Add a fact note" for moderators."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, PermissionDenied
from peerpath.forum.models import Notification, Post
from peerpath.moderation import actions, reports
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
        reports.report_create(reporter=reporter, post=post, reason="unkind")
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    reports.report_create(reporter=group.peers[2], post=post, reason="unkind")
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN
    auto_hide = Action.objects.get(post=post, kind=Action.Kind.AUTO_HIDE, moderator=None)
    # Audited like a moderator's hide: no actor (PeerPath itself), the host, the post, the log row, how many reports.
    event = AuditEvent.objects.get(action="moderation.auto_hide")
    assert event.actor is None and event.organisation_id == group.space.organisation_id
    assert (event.object_type, event.object_id) == ("forum.post", str(post.pk))
    assert event.details == {"action": str(auto_hide.pk), "reports": 3}
    # A fourth report while it is hidden does not hide it again.
    fourth = make_user("fourth-reporter")
    join(fourth, group.space)
    reports.report_create(reporter=fourth, post=post, reason="unkind")
    assert Action.objects.filter(post=post, kind=Action.Kind.AUTO_HIDE).count() == 1
    assert AuditEvent.objects.filter(action="moderation.auto_hide").count() == 1
    # A moderator who finds nothing wrong approves it back.
    actions.item_approve(actor=group.space_moderator, item=group.item(post))
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    # The reports the moderator looked at are spent: one more report does not hide it again, three new ones do.
    others = [make_user(f"later-reporter-{index}") for index in range(3)]
    for other in others:
        join(other, group.space)
    reports.report_create(reporter=others[0], post=post, reason="unkind")
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    for other in others[1:]:
        reports.report_create(reporter=other, post=post, reason="unkind")
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN


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


def _appealed(group, hidden) -> QueueItem:
    actions.appeal_create(author=group.member, post=hidden, text="Please look again")
    return QueueItem.objects.get(post=hidden, status="open")


def _still_under_appeal(hidden, item: QueueItem) -> None:
    hidden.refresh_from_db()
    item.refresh_from_db()
    assert hidden.status == Post.Status.HIDDEN
    assert item.status == QueueItem.Status.OPEN and item.first_action_at is None
    assert Appeal.objects.get(post=hidden).status == Appeal.Status.OPEN


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        (actions.item_approve, {}),
        (actions.item_hide, {"reason": "Still false"}),
        (actions.item_ask_edit, {"reason": "Please edit"}),
        (actions.item_warn, {"reason": "Careful"}),
        (actions.item_mute, {"period": "1d", "reason": "Cool off"}),
        (actions.item_remove, {"reason": "Goodbye"}),
        (actions.item_escalate, {"reason": "Please look"}),
    ],
)
def test_an_appeal_is_settled_by_its_decision_only(group, hidden, action, kwargs):
    """Any other action on an appeal's item would resolve it (or act on the author) and leave the appeal open for
    ever: the service refuses it with a clear 409, whatever the page offers."""
    item = _appealed(group, hidden)
    logged = Action.objects.count()
    with pytest.raises(Conflict, match="restoring the post or upholding the hide") as refused:
        action(actor=group.organiser, item=item, **kwargs)
    assert refused.value.status == 409
    _still_under_appeal(hidden, item)
    assert Action.objects.count() == logged


def test_posting_another_action_on_an_appeal_is_refused_and_the_appeal_stays_open(world, client, group, hidden):
    item = _appealed(group, hidden)
    url = reverse("moderation_item", kwargs={"space_id": group.space.pk, "item_id": item.pk})
    client.force_login(world.people["moderator"])
    for action in ("hide", "ask_edit", "escalate", "approve", "warn", "remove"):
        response = client.post(url, {"action": action, "reason": "Still false"})
        assert response.status_code == 409, action
        assert "an appeal is decided by restoring the post or upholding the hide" in response.content.decode()
    _still_under_appeal(hidden, item)
    assert client.post(url, {"action": "restore", "reason": "Fair enough."}).status_code == 302
    assert Appeal.objects.get(post=hidden).status == Appeal.Status.RESTORED


def test_the_moderator_who_hid_the_post_cannot_decide_its_appeal(client, group, hidden):
    item = _appealed(group, hidden)
    assert Appeal.objects.get(post=hidden).hidden_by == group.space_moderator
    url = reverse("moderation_item", kwargs={"space_id": group.space.pk, "item_id": item.pk})
    client.force_login(group.space_moderator)
    for action in ("restore", "uphold"):
        response = client.post(url, {"action": action})
        assert response.status_code == 403, action
        assert "You hid this post: another moderator decides the appeal." in response.content.decode()
    # Nor by another way round: re-hiding or approving the item is refused too.
    assert client.post(url, {"action": "hide", "reason": "Again"}).status_code == 409
    assert client.post(url, {"action": "approve"}).status_code == 409
    _still_under_appeal(hidden, item)
    client.force_login(group.organiser)
    assert client.post(url, {"action": "uphold"}).status_code == 302
    appeal = Appeal.objects.get(post=hidden)
    assert appeal.status == Appeal.Status.UPHELD and appeal.decided_by == group.organiser


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


# --- The gates' remaining refusals (forum.access and moderation.access, line for line) -------------------------


def test_a_missing_post_is_the_same_404_for_reporting_noting_and_appealing(client, world, group):
    import uuid

    from django.http import Http404

    from peerpath.forum.access import access_post
    from peerpath.moderation.access import access_own_post, access_post_to_note

    missing = uuid.uuid4()
    for gate, person in ((access_post, group.member), (access_own_post, group.member),
                         (access_post_to_note, world.people["clinician"])):  # fmt: skip
        with pytest.raises(Http404):
            gate(person, missing)
    client.force_login(group.member)
    assert client.get(reverse("post_report", kwargs={"post_id": missing})).status_code == 404


def test_the_escalated_list_refuses_a_visitor_who_is_no_clinician(world):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    from peerpath.moderation.access import check_escalated_reader, clinician_organisations

    assert clinician_organisations(AnonymousUser()) == []
    with pytest.raises(Http404):
        check_escalated_reader(AnonymousUser())
    assert check_escalated_reader(world.people["clinician"]) == [world.home.pk]


def test_a_closed_space_tells_its_members_why_they_cannot_post(group):
    from peerpath.core.time import now
    from peerpath.forum.access import access_forum
    from peerpath.spaces.models import Space

    Space.objects.filter(pk=group.space.pk).update(archived_at=now())
    viewer = access_forum(group.member, group.space.pk)
    assert not viewer.may_post and viewer.why_not_post == "closed"
