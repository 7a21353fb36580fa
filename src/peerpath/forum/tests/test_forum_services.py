"""The forum's services, as the pages and the API use them: posting, replies, edits, deletion, reactions, answers,
bookmarks, follows, visibility, and participation counted against a prescription (issue 6 points 1, 2 and 5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.forum import services
from peerpath.forum.models import Bookmark, Follow, Notification, Post, PostRevision, Reaction, SearchDocument, Thread
from peerpath.forum.tests.helpers import forum_space, reply, thread
from peerpath.moderation.models import Mute
from peerpath.spaces import services as space_services
from peerpath.spaces.models import Membership, Space
from peerpath.spaces.tests.helpers import join

pytestmark = pytest.mark.django_db


@pytest.fixture
def circle(world) -> Space:
    return forum_space(world)


@pytest.fixture
def pacing(world, circle) -> Thread:
    return thread(world.people["member"], circle)


def test_a_member_starts_a_thread_that_is_published_audited_and_followed(world, circle):
    member = world.people["member"]
    outcome = services.thread_create(author=member, space=circle, title="  Sleep  ", body="What helps you sleep?")
    assert outcome.published and not outcome.held and not outcome.is_crisis
    created = outcome.post.thread
    assert created.title == "Sleep"
    assert Follow.objects.filter(user=member, thread=created).exists()
    assert SearchDocument.objects.filter(post=outcome.post).exists()
    assert AuditEvent.objects.filter(action="forum.thread_created").exists()


def test_a_reply_counts_and_tells_followers(world, pacing):
    coordinator = world.people["coordinator"]
    post = reply(coordinator, pacing)
    pacing.refresh_from_db()
    assert pacing.reply_count == 1
    assert Notification.objects.filter(user=world.people["member"], kind="reply", post=post).exists()
    assert not Notification.objects.filter(user=coordinator, kind="reply").exists()


@pytest.mark.parametrize("state", ["listener", "muted", "removed"])
def test_people_without_a_voice_cannot_post(world, circle, pacing, state):
    carer, coordinator = world.people["carer"], world.people["coordinator"]
    membership = join(carer, circle, organiser=coordinator)
    if state == "listener":
        space_services.membership_set_role(actor=coordinator, membership=membership, role=Membership.Role.LISTENER)
    elif state == "muted":
        Mute.objects.create(space=circle, user=carer, until=now() + timedelta(hours=2), reason="Cool off", by=None)
    else:
        space_services.membership_remove(actor=coordinator, membership=membership, reason="Rules")
    with pytest.raises(PermissionDenied):
        services.post_reply(author=carer, thread=pacing, body="Hello there")
    with pytest.raises(PermissionDenied):
        services.thread_create(author=carer, space=circle, title="Hi", body="Hello there")


def test_a_mute_that_ended_lets_the_member_post_again(world, circle, pacing):
    carer = world.people["carer"]
    join(carer, circle)
    Mute.objects.create(space=circle, user=carer, until=now() - timedelta(minutes=1), reason="Over", by=None)
    assert services.post_reply(author=carer, thread=pacing, body="I am back").published


def test_an_edit_keeps_the_old_version_for_moderators(world, pacing):
    opening = pacing.posts.get(is_opening=True)
    services.post_edit(author=world.people["member"], post=opening, body="New words", title="New title")
    revision = PostRevision.objects.get(post=opening)
    assert revision.body == "How do you pace?" and revision.title == "Pacing on work days"
    opening.refresh_from_db()
    assert opening.edited_at is not None
    with pytest.raises(PermissionDenied):
        services.post_edit(author=world.people["coordinator"], post=opening, body="Not mine")


def test_deleting_leaves_a_tombstone_and_unmarks_the_answer(world, pacing):
    answer = reply(world.people["coordinator"], pacing)
    services.answer_mark(actor=world.people["member"], thread=pacing, post=answer)
    services.post_delete(author=world.people["coordinator"], post=answer)
    answer.refresh_from_db()
    pacing.refresh_from_db()
    assert answer.status == Post.Status.DELETED and answer.body == ""
    assert pacing.answer_id is None
    assert not SearchDocument.objects.filter(post=answer).exists()


def test_reactions_are_once_per_kind_and_not_helpful_on_your_own_post(world, pacing):
    post = reply(world.people["coordinator"], pacing)
    member = world.people["member"]
    services.reaction_set(user=member, post=post, kind="helpful", on=True)
    services.reaction_set(user=member, post=post, kind="helpful", on=True)
    assert Reaction.objects.filter(post=post).count() == 1
    with pytest.raises(Conflict):
        services.reaction_set(user=world.people["coordinator"], post=post, kind="helpful", on=True)
    with pytest.raises(DomainError):
        services.reaction_set(user=member, post=post, kind="angry", on=True)


def test_only_the_threads_author_or_a_moderator_marks_the_answer(world, circle, pacing):
    carer = world.people["carer"]
    join(carer, circle)
    answer = reply(world.people["coordinator"], pacing)
    with pytest.raises(PermissionDenied):
        services.answer_mark(actor=carer, thread=pacing, post=answer)
    services.answer_mark(actor=world.people["member"], thread=pacing, post=answer)
    assert Notification.objects.filter(user=world.people["coordinator"], kind="answered").exists()
    with pytest.raises(DomainError):
        services.answer_mark(actor=world.people["member"], thread=pacing, post=pacing.posts.get(is_opening=True))


def test_bookmarks_and_follows_switch_on_and_off(world, pacing):
    member = world.people["member"]
    post = pacing.posts.get(is_opening=True)
    services.bookmark_set(user=member, post=post, on=True)
    services.bookmark_set(user=member, post=post, on=True)
    assert Bookmark.objects.filter(user=member).count() == 1
    services.bookmark_set(user=member, post=post, on=False)
    assert not Bookmark.objects.exists()
    assert services.follow_set(user=member, thread=pacing, channel="email").channel == "email"
    assert services.follow_set(user=member, thread=pacing, channel=None) is None
    with pytest.raises(DomainError):
        services.follow_set(user=member, thread=pacing, channel="pigeon")


def test_only_moderators_change_visibility(world, circle, pacing):
    with pytest.raises(PermissionDenied):
        services.forum_settings_update(actor=world.people["member"], space=circle, public=True)
    with pytest.raises(PermissionDenied):
        services.thread_set_public(actor=world.people["member"], thread=pacing, public=True)
    services.thread_set_public(actor=world.people["moderator"], thread=pacing, public=True)
    assert SearchDocument.objects.get(post__thread=pacing).is_public


def test_a_forum_post_counts_as_an_online_conversation_for_the_clinician(world):
    from peerpath.prescriptions.adherence import clinician_view
    from peerpath.prescriptions.tests.helpers import accepted

    a_space = forum_space(world)
    prescription = accepted(world, listing=a_space.listing)
    before = clinician_view(prescription, now().date())
    assert before.adherence is not None
    thread(world.people["member"], a_space, title="My first week", body="Hello everyone, I am new here.")
    after = clinician_view(prescription, now().date())
    assert after.adherence is not None
    assert after.adherence.total_count == before.adherence.total_count + 1
    assert after.adherence.met == before.adherence.met + 1


def test_a_hidden_or_deleted_post_stops_counting_for_the_clinician_and_a_restored_one_counts_again(world):
    from peerpath.prescriptions.adherence import clinician_view
    from peerpath.prescriptions.models import Participation
    from peerpath.prescriptions.tests.helpers import accepted

    a_space = forum_space(world)
    prescription = accepted(world, listing=a_space.listing)
    before = clinician_view(prescription, now().date()).adherence
    assert before is not None
    opening = thread(world.people["member"], a_space, title="My first week", body="Hello, I am new.")
    first = opening.posts.get(is_opening=True)
    second = reply(world.people["member"], opening, "And a second thought.")
    assert Participation.objects.filter(source_ref__in=[f"post:{first.pk}", f"post:{second.pk}"]).count() == 2

    services.post_unpublish(post=first, status=Post.Status.HIDDEN, note="Please keep to the rules")
    services.post_delete(author=world.people["member"], post=second)
    assert not Participation.objects.filter(source="forum_post", patient=prescription.patient).exists()
    after = clinician_view(prescription, now().date()).adherence
    assert after is not None and after.total_count == before.total_count
    assert AuditEvent.objects.filter(action="participation.retracted").count() == 2

    services.post_publish(post=first)  # a moderator restores it: it counts again
    assert Participation.objects.filter(source_ref=f"post:{first.pk}").count() == 1


HELD_TEXT = "My shop sells the best magnesium, use discount code PAIN20."  # promotion: held by default


def _approve(world, post: Post) -> None:
    from peerpath.moderation import actions
    from peerpath.moderation.models import QueueItem

    item = QueueItem.objects.get(post=post, status=QueueItem.Status.OPEN)
    actions.item_approve(actor=world.people["coordinator"], item=item)


def test_a_hidden_reply_stops_counting_and_an_approved_one_counts_once(world, circle, pacing):
    coordinator, carer = world.people["coordinator"], world.people["carer"]
    shown = reply(coordinator, pacing)
    join(carer, circle, organiser=coordinator)
    Membership.objects.filter(user=carer).update(joined_at=now() - timedelta(days=2))
    held = services.post_reply(author=carer, thread=pacing, body=HELD_TEXT).post
    assert held.status == Post.Status.HELD
    pacing.refresh_from_db()
    assert pacing.reply_count == 1  # the held reply is not counted yet

    _approve(world, held)
    pacing.refresh_from_db()
    assert pacing.reply_count == 2

    services.post_unpublish(post=shown, status=Post.Status.HIDDEN, note="Off topic")
    pacing.refresh_from_db()
    assert pacing.reply_count == 1
    # Published again (a moderator restores it): counted once, not twice.
    services.post_publish(post=shown)
    services.post_publish(post=shown)
    pacing.refresh_from_db()
    assert pacing.reply_count == 2


def test_followers_are_told_of_a_reply_once_even_when_it_is_published_again(world, pacing):
    post = reply(world.people["coordinator"], pacing)
    services.post_unpublish(post=post, status=Post.Status.HELD, note="Please check the link")
    services.post_publish(post=post)
    told = Notification.objects.filter(user=world.people["member"], kind="reply", post=post)
    assert told.count() == 1


def test_a_held_edit_keeps_the_old_title_until_a_moderator_publishes_it(world, pacing):
    member = world.people["member"]
    opening = pacing.posts.get(is_opening=True)
    outcome = services.post_edit(author=member, post=opening, title="Insulin: stop it for a week", body=HELD_TEXT)
    assert outcome.held
    pacing.refresh_from_db()
    assert pacing.title == "Pacing on work days"  # nobody reads the unreviewed title
    assert not SearchDocument.objects.filter(thread=pacing, title__icontains="insulin").exists()
    opening.refresh_from_db()
    assert opening.pending_title == "Insulin: stop it for a week"

    _approve(world, opening)
    pacing.refresh_from_db()
    opening.refresh_from_db()
    assert pacing.title == "Insulin: stop it for a week"
    assert opening.pending_title == ""


def test_a_published_edit_changes_the_title_at_once(world, pacing):
    opening = pacing.posts.get(is_opening=True)
    services.post_edit(author=world.people["member"], post=opening, title="Pacing on long days", body="How?")
    pacing.refresh_from_db()
    assert pacing.title == "Pacing on long days"


def test_reactions_bookmarks_follows_and_reading_notifications_are_audited(world, pacing):
    carer = world.people["coordinator"]
    post = reply(world.people["member"], pacing, "Rest before you need it.")
    services.reaction_set(user=carer, post=post, kind=Reaction.Kind.HELPFUL, on=True)
    services.reaction_set(user=carer, post=post, kind=Reaction.Kind.HELPFUL, on=True)  # no change, no event
    services.reaction_set(user=carer, post=post, kind=Reaction.Kind.HELPFUL, on=False)
    services.bookmark_set(user=carer, post=post, on=True)
    services.bookmark_set(user=carer, post=post, on=False)
    services.follow_set(user=carer, thread=pacing, channel="email")
    services.follow_set(user=carer, thread=pacing, channel=None)
    member = world.people["member"]
    reply(carer, pacing, "Thank you, that helps.")
    assert services.notifications_read(user=member) >= 1
    actions = list(AuditEvent.objects.filter(actor=carer, action__startswith="forum.").values_list("action", flat=True))
    assert actions.count("forum.reaction_added") == 1
    assert {"forum.reaction_removed", "forum.bookmark_added", "forum.bookmark_removed", "forum.followed",
            "forum.unfollowed"} <= set(actions)  # fmt: skip
    assert AuditEvent.objects.filter(actor=member, action="forum.notifications_read").exists()
