"""Gates for moderation: the object, or the same 404 for "missing" and "not yours" (ARCHITECTURE.md §3).

Who moderates a space: its organisers and moderators, and the host's moderators, coordinators and admins
(`forum.access.moderates`). An organisation's one queue, its dashboard and its crisis lines: its coordinators and
admins. Escalated posts and fact notes: the host's clinicians too, for posts a moderator escalated to them (or that
they may read anyway); a moderator adds a fact note to any post of a space they moderate.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from peerpath.accounts.access import access_managed_organisation
from peerpath.accounts.models import Organisation
from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.accounts.selectors import managed_organisations, roles_in
from peerpath.audit.services import record_access, record_denied
from peerpath.core.access import uuid_or_404
from peerpath.forum.access import ForumViewer, access_forum, access_post, forum_viewer
from peerpath.forum.models import Post
from peerpath.moderation.models import Action, MisinformationClaim, QueueItem
from peerpath.spaces.access import SpaceViewer
from peerpath.spaces.selectors import membership_of


def _deny(user: Any, object_type: str, object_id: Any) -> Http404:
    record_denied(actor=user, object_type=object_type, object_id=str(object_id))
    return Http404()


def access_space_moderation(user: Any, space_id: Any, *, purpose: str = "moderation") -> ForumViewer:
    """A space's queue, log and settings: the people who moderate it. Reading the queue is audited."""
    viewer = access_forum(user, space_id)
    if not viewer.is_moderator:
        raise _deny(user, "spaces.space", space_id)
    record_access(actor=user, target=viewer.space, organisation=viewer.space.organisation, purpose=purpose)
    return viewer


def access_queue_item(user: Any, space_id: Any, item_id: Any) -> tuple[ForumViewer, QueueItem]:
    """One item of a space's queue (open or dealt with), for those who moderate the space."""
    viewer = access_space_moderation(user, space_id, purpose="moderation_item")
    item = (
        QueueItem.objects.select_related("post__thread", "post__author", "post__appeal")
        .filter(pk=uuid_or_404(item_id), space=viewer.space)
        .first()
    )
    if item is None:
        raise _deny(user, "moderation.queueitem", item_id)
    item.space = viewer.space
    item.post.thread.space = viewer.space
    return viewer, item


def access_crisis_item(user: Any, item_id: Any) -> tuple[QueueItem, str]:
    """A crisis item's page (issue 15 point 7), open or dealt with: those who moderate its space ("moderator"), and
    the host's clinicians once a moderator passed it to them ("clinician"). The read is audited."""
    from peerpath.moderation.crisis_work import crisis_role

    item = (
        QueueItem.objects.select_related("post__thread__space__organisation", "post__author", "space__organisation")
        .filter(pk=uuid_or_404(item_id))
        .first()
    )
    role = crisis_role(user, item) if item is not None and item.is_crisis else ""
    if item is None or not role:
        raise _deny(user, "moderation.queueitem", item_id)
    record_access(actor=user, target=item.post, organisation=item.space.organisation, purpose=f"crisis_item_{role}")
    return item, role


def access_own_notification(user: Any, notification_id: Any) -> Any:
    """One of the person's own notifications (a crisis alert opens its item through it)."""
    from peerpath.forum.models import Notification

    notification = (
        Notification.objects.select_related("thread").filter(pk=uuid_or_404(notification_id), user_id=user.pk).first()
    )
    if notification is None:
        raise _deny(user, "forum.notification", notification_id)
    return notification


def access_organisation_moderation(user: Any, organisation_id: Any) -> Organisation:
    """An organisation's one queue and dashboard, and its crisis lines: its coordinators and admins."""
    return access_managed_organisation(user, organisation_id)


def access_own_post(user: Any, post_id: Any) -> Post:
    """A post of the person's own that they may see (to appeal against its hide)."""
    _viewer, post = access_post(user, post_id)
    if post.author_id is None or post.author_id != getattr(user, "pk", None):
        raise _deny(user, "forum.post", post_id)
    return post


def clinician_organisations(user: Any) -> list[Any]:
    """The organisations where the person is a clinician (escalated posts come from their spaces)."""
    from peerpath.accounts.models import RoleAssignment

    if not getattr(user, "is_authenticated", False):
        return []
    return list(RoleAssignment.objects.filter(user=user, role=Role.CLINICIAN).values_list("organisation_id", flat=True))


def check_escalated_reader(user: Any) -> list[Any]:
    """The escalated-posts page is for clinicians; everyone else gets the same 404."""
    organisations = clinician_organisations(user)
    if not organisations:
        raise _deny(user, "moderation.escalated", "list")
    return organisations


def _was_escalated(post: Post) -> bool:
    return Action.objects.filter(post=post, kind=Action.Kind.ESCALATE).exists()


def access_post_to_note(user: Any, post_id: Any) -> tuple[ForumViewer, Post]:
    """A post someone may add a fact note to: a moderator of its space, or a clinician of the host for a post a
    moderator escalated to them or that they may read anyway. Deleted posts take no notes."""
    try:
        viewer, post = access_post(user, post_id)
    except Http404:
        viewer, post = _escalated_post_for_clinician(user, post_id)
    # Both ways in already hold the rest: access_post only returns a post the person may read, and the clinician's
    # way in only a post escalated to them.
    if not (viewer.is_moderator or viewer.is_host_clinician) or post.status == Post.Status.DELETED:
        raise _deny(user, "forum.post", post_id)
    return viewer, post


def _escalated_post_for_clinician(user: Any, post_id: Any) -> tuple[ForumViewer, Post]:
    """A clinician of the host who is not a member reaches a members-only post only once it was escalated."""
    post = (
        Post.objects.select_related("thread__space__listing", "thread__space__organisation", "author")
        .filter(pk=uuid_or_404(post_id))
        .first()
    )
    if post is None:
        raise _deny(user, "forum.post", post_id)
    space = post.thread.space
    if Role.CLINICIAN not in roles_in(user, space.organisation_id) or not _was_escalated(post):
        raise _deny(user, "forum.post", post_id)
    host_roles = roles_in(user, space.organisation_id)
    seen = SpaceViewer(
        space=space, membership=membership_of(user, space), manages_host=bool(ORG_MANAGER_ROLES & host_roles)
    )
    viewer = forum_viewer(user, seen)
    record_access(actor=user, target=post, organisation=space.organisation, purpose="escalated_post")
    return viewer, post


# --- The curated misinformation list: coordinators and admins of any organisation -------------------------------


def may_edit_claims(user: Any) -> bool:
    return managed_organisations(user).exists()


def check_claims_editor(user: Any) -> None:
    """The gate of the claims pages: coordinators and admins of any organisation; others get a 404."""
    if not may_edit_claims(user):
        record_denied(actor=user, object_type="moderation.misinformationclaim", object_id="list")
        raise Http404


def access_claim(user: Any, claim_id: Any) -> MisinformationClaim:
    claim_pk = uuid_or_404(claim_id)
    claim = (
        MisinformationClaim.objects.select_related("condition").filter(pk=claim_pk).first()
        if may_edit_claims(user)
        else None
    )
    if claim is None:
        record_denied(actor=user, object_type="moderation.misinformationclaim", object_id=str(claim_pk))
        raise Http404
    return claim
