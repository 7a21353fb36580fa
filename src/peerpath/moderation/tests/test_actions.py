"""The moderators' actions on a queue item (issue 6 point 10): approve, hide with a reason, ask the author to edit,
warn, mute for a period, remove from the space, escalate to a clinician. Each is in the space's moderation log and
the audit trail, starts the dashboard's clock and tells the author.

The set-up here (`Group`, `screens_as`) is shared by the other moderation page tests. Screening uses a tiny fake
detector so these tests do not depend on the real detectors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from peerpath.accounts.models import User
from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.forum import services as forum
from peerpath.forum.models import Notification, Post, Thread
from peerpath.forum.tests.helpers import forum_space, settle
from peerpath.moderation import actions
from peerpath.moderation.models import Action, Category, Mute, QueueItem
from peerpath.moderation.selectors import escalated_queue
from peerpath.screening.core import Context, Finding
from peerpath.spaces.models import Membership, Space
from peerpath.spaces.tests.helpers import join
from peerpath.testing.personas import World, make_user

pytestmark = pytest.mark.django_db

CRISIS_TEXT = "I can't do this any more. I want to end it all tonight."
PROMOTION_TEXT = "My shop sells the best magnesium, use discount code PAIN20."
MYTH_TEXT = "Honestly cinnamon cures diabetes, I stopped worrying."
MYTH_DETAIL = {
    "claim": "Cinnamon cures diabetes",
    "correction": "No food cures diabetes; cinnamon does not replace treatment.",
    "source_url": "https://www.diabetes.org.uk/",
}


class FakeDetector:
    """Finds a category by a marker phrase: enough to drive screening's decisions in these tests."""

    name = "fake"
    category = "any"
    markers = {
        "end it all": (Category.CRISIS, {}),
        "discount code": (Category.PROMOTION, {}),
        "cinnamon cures": (Category.MISINFORMATION, MYTH_DETAIL),
    }

    def detect(self, text: str, context: Context) -> list[Finding]:
        lowered = text.lower()
        return [
            Finding(category, 0.9, marker, self.name, dict(detail))
            for marker, (category, detail) in self.markers.items()
            if marker in lowered
        ]


@pytest.fixture(autouse=True)
def fake_detectors(monkeypatch):
    monkeypatch.setattr("peerpath.screening.detectors.ALL", [FakeDetector()])


@dataclass
class Group:
    space: Space
    organiser: User  # the coordinator persona
    member: User
    space_moderator: User
    listener: User
    peers: list[User]

    def post(self, author: User | None = None, body: str = "How do you pace on work days?", **kwargs) -> Post:
        outcome = forum.thread_create(
            author=author or self.member, space=self.space, title=kwargs.pop("title", "Pacing"), body=body
        )
        return outcome.post

    def item(self, post: Post) -> QueueItem:
        return QueueItem.objects.get(post=post, status=QueueItem.Status.OPEN)


def make_group(world: World) -> Group:
    """The weekly space: the coordinator organises it; the member persona, a space moderator, a listener and three
    more members belong, all settled past the new-member limits. The host's moderator, clinician and admin are staff
    of the host, not members."""
    space = forum_space(world)
    organiser = world.people["coordinator"]
    space_moderator = make_user("space-mod")
    join(space_moderator, space, role=Membership.Role.MODERATOR, organiser=organiser)
    listener = make_user("quiet-listener")
    join(listener, space, role=Membership.Role.LISTENER, organiser=organiser)
    peers = [make_user(f"peer-{index}") for index in range(3)]
    for peer in peers:
        join(peer, space)
    settle(space)
    world.people["space_moderator"] = space_moderator
    world.people["listener"] = listener
    return Group(space, organiser, world.people["member"], space_moderator, listener, peers)


@pytest.fixture
def group(world) -> Group:
    return make_group(world)


# --- Approve ---------------------------------------------------------------------------------------------------


def test_approving_a_held_post_publishes_it_and_tells_the_author(group):
    post = group.post(body=PROMOTION_TEXT)
    assert post.status == Post.Status.HELD
    item = group.item(post)

    actions.item_approve(actor=group.space_moderator, item=item)

    post.refresh_from_db()
    item.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    assert item.status == QueueItem.Status.RESOLVED and item.resolution == "approve"
    assert item.first_action_at is not None and item.resolved_by == group.space_moderator
    assert Notification.objects.filter(user=group.member, kind=Notification.Kind.POST_APPROVED, post=post).exists()
    assert Action.objects.filter(space=group.space, post=post, kind=Action.Kind.APPROVE).count() == 1


def test_approving_a_flagged_post_keeps_it_published_and_clears_the_flag(group):
    post = group.post(body=MYTH_TEXT)
    assert post.status == Post.Status.PUBLISHED
    item = actions.item_approve(actor=group.organiser, item=group.item(post))
    assert item.status == QueueItem.Status.RESOLVED
    assert not Notification.objects.filter(user=group.member, kind=Notification.Kind.POST_APPROVED).exists()


def test_a_member_or_listener_cannot_act_on_the_queue(group):
    item = group.item(group.post(body=PROMOTION_TEXT))
    for person in (group.peers[0], group.listener, group.member):
        with pytest.raises(PermissionDenied):
            actions.item_approve(actor=person, item=item)
    actions.item_approve(actor=group.space_moderator, item=item)


def test_an_item_already_dealt_with_is_refused(group):
    item = group.item(group.post(body=PROMOTION_TEXT))
    actions.item_approve(actor=group.space_moderator, item=item)
    with pytest.raises(Conflict, match="already dealt with"):
        actions.item_hide(actor=group.organiser, item=item, reason="Promotion")


# --- Hide ------------------------------------------------------------------------------------------------------


def test_hiding_needs_a_reason_that_the_author_then_sees_and_is_emailed(group, django_capture_on_commit_callbacks):
    post = group.post(body=MYTH_TEXT)
    item = group.item(post)
    with pytest.raises(DomainError, match="Give a reason"):
        actions.item_hide(actor=group.space_moderator, item=item, reason="  ")
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED

    with django_capture_on_commit_callbacks(execute=True):
        actions.item_hide(actor=group.space_moderator, item=item, reason="This repeats a known false claim.")

    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN and post.moderator_note == "This repeats a known false claim."
    note = Notification.objects.get(user=group.member, kind=Notification.Kind.POST_HIDDEN)
    assert note.text == "This repeats a known false claim."
    assert [message.to for message in mail.outbox] == [[group.member.email]]
    assert "This repeats a known false claim." in mail.outbox[0].body
    assert MYTH_TEXT not in mail.outbox[0].body  # e-mail never quotes the post


# --- Ask to edit -----------------------------------------------------------------------------------------------


def test_asking_to_edit_holds_the_post_and_the_authors_edit_puts_it_back_in_the_queue(group):
    post = group.post(body=MYTH_TEXT)
    item = group.item(post)
    actions.item_ask_edit(actor=group.space_moderator, item=item, reason="Please take out the cinnamon claim.")
    post.refresh_from_db()
    assert post.status == Post.Status.HELD
    assert not QueueItem.objects.filter(post=post, status=QueueItem.Status.OPEN).exists()
    assert Notification.objects.filter(user=group.member, kind=Notification.Kind.EDIT_ASKED).exists()

    forum.post_edit(author=group.member, post=post, body="Cinnamon tastes nice in porridge, that is all.")

    back = QueueItem.objects.get(post=post, status=QueueItem.Status.OPEN)
    post.refresh_from_db()
    assert post.status == Post.Status.HELD
    actions.item_approve(actor=group.space_moderator, item=back)
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED and post.moderator_note == ""


# --- Warn, mute, remove ----------------------------------------------------------------------------------------


def test_a_warning_tells_the_author_and_leaves_the_item_open(group):
    post = group.post(body=MYTH_TEXT)
    item = actions.item_warn(actor=group.space_moderator, item=group.item(post), reason="Please check facts.")
    assert item.status == QueueItem.Status.OPEN and item.first_action_at is not None
    assert Notification.objects.get(user=group.member, kind=Notification.Kind.WARNING).text == "Please check facts."


def test_a_week_long_mute_stops_posting_until_it_ends(group, django_capture_on_commit_callbacks):
    post = group.post(body=PROMOTION_TEXT)
    item = group.item(post)
    with pytest.raises(DomainError, match="Choose how long"):
        actions.item_mute(actor=group.space_moderator, item=item, period="forever", reason="Selling")

    with django_capture_on_commit_callbacks(execute=True):
        mute = actions.item_mute(actor=group.space_moderator, item=item, period="7d", reason="Selling again")

    assert mute.until - now() > timedelta(days=6, hours=23)
    assert Notification.objects.filter(user=group.member, kind=Notification.Kind.MUTED).exists()
    assert mail.outbox[0].to == [group.member.email] and "muted" in mail.outbox[0].subject
    with pytest.raises(PermissionDenied, match="muted you"):
        group.post(body="A question about sleep.", title="Sleep")
    with time_machine.travel(now() + timedelta(days=7, minutes=1)):
        assert group.post(body="A question about sleep.", title="Sleep").status == Post.Status.PUBLISHED
    assert Mute.objects.filter(user=group.member).count() == 1


def test_removing_the_author_ends_their_membership(group):
    post = group.post(body=PROMOTION_TEXT)
    item = group.item(post)
    with pytest.raises(DomainError):
        actions.item_remove(actor=group.space_moderator, item=item, reason="")
    membership = actions.item_remove(actor=group.space_moderator, item=item, reason="Repeated selling")
    assert membership.status == Membership.Status.REMOVED
    assert Action.objects.filter(kind=Action.Kind.REMOVE, subject=group.member).exists()
    with pytest.raises(PermissionDenied):
        group.post(body="Back again", title="Hello")


# --- Escalate --------------------------------------------------------------------------------------------------


def test_escalating_tells_the_host_clinicians_and_lists_the_post_for_them(world, group):
    post = group.post(body=MYTH_TEXT)
    item = group.item(post)
    escalated = actions.item_escalate(actor=group.space_moderator, item=item, reason="Is this dangerous?")

    item.refresh_from_db()
    assert item.status == QueueItem.Status.RESOLVED and item.resolution == "escalate"
    assert escalated.source == QueueItem.Source.ESCALATION and escalated.status == QueueItem.Status.OPEN
    clinician = world.people["clinician"]
    assert Notification.objects.filter(user=clinician, kind=Notification.Kind.ESCALATED, post=post).exists()
    assert list(escalated_queue([world.home.pk])) == [escalated]
    assert list(escalated_queue([world.other.pk])) == []
    with pytest.raises(Conflict, match="already with"):
        actions.item_escalate(actor=group.space_moderator, item=escalated, reason="")


# --- The log and the audit trail -------------------------------------------------------------------------------


def test_every_action_is_in_the_log_and_the_audit_trail(group):
    post = group.post(body=MYTH_TEXT)
    item = group.item(post)
    actions.item_warn(actor=group.space_moderator, item=item, reason="Careful")
    actions.item_hide(actor=group.organiser, item=item, reason="False claim")
    kinds = list(Action.objects.filter(space=group.space).values_list("kind", "moderator__handle"))
    assert kinds == [("hide", group.organiser.handle), ("warn", group.space_moderator.handle)]
    audited = set(AuditEvent.objects.filter(action__startswith="moderation.").values_list("action", flat=True))
    assert {"moderation.warn", "moderation.hide"} <= audited


def test_host_moderators_coordinators_and_admins_moderate_every_space_of_the_host(world, group):
    for persona in ("moderator", "admin"):
        item = group.item(group.post(body=PROMOTION_TEXT + f" {persona}", title=f"Offer {persona}"))
        actions.item_approve(actor=world.people[persona], item=item)
    item = group.item(group.post(body=PROMOTION_TEXT, title="Offer outsider"))
    for persona in ("outsider", "clinician"):
        with pytest.raises(PermissionDenied):
            actions.item_approve(actor=world.people[persona], item=item)
    assert Thread.objects.filter(space=group.space).count() == 3
