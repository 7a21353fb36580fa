"""Gates for forums, threads and posts: the object, or the same 404 for "missing" and "not yours".

Who reads: everyone, for a public forum or a public thread of a space anyone may find; otherwise the space's active
members (listeners included), its moderators and the host's moderators, coordinators and admins. Who posts: active
members who are not listeners and not muted. Held and hidden posts are seen by their author and the moderators only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import Http404

from peerpath.accounts.roles import Role
from peerpath.accounts.selectors import roles_in
from peerpath.audit.services import record_denied
from peerpath.core.access import uuid_or_404
from peerpath.forum.indexing import forum_is_public
from peerpath.forum.models import Post, Thread
from peerpath.moderation.selectors import has_crisis, muted_until
from peerpath.spaces.access import SpaceViewer, access_space
from peerpath.spaces.models import Membership
from peerpath.spaces.selectors import HOST_MODERATOR_ROLES, public_spaces

# HOST_MODERATOR_ROLES, the host-organisation roles that moderate every space it hosts, is defined beside
# `visible_spaces`, which lets them reach every such space whatever its listing's status; the forum's lists and
# search import it from here.


@dataclass
class ForumViewer:
    """A space's forum as one person sees it, decided once, here."""

    space_viewer: SpaceViewer
    forum_public: bool
    space_public: bool
    is_moderator: bool
    is_host_clinician: bool
    muted_until: datetime | None

    @property
    def space(self) -> Any:
        return self.space_viewer.space

    @property
    def user_is_member(self) -> bool:
        return self.space_viewer.is_member

    @property
    def reads_everything(self) -> bool:
        """Every thread, not only the public ones."""
        return (self.forum_public and self.space_public) or self.user_is_member or self.is_moderator

    @property
    def may_post(self) -> bool:
        return self.space_viewer.has_voice and self.muted_until is None and self.space.archived_at is None

    @property
    def why_not_post(self) -> str:
        if self.may_post:
            return ""
        if self.space.archived_at is not None:
            return "closed"
        if not self.space_viewer.is_member:
            return "not_member"
        if self.muted_until is not None:
            return "muted"
        return "listener"


def _deny(user: Any, object_type: str, object_id: Any) -> Http404:
    record_denied(actor=user, object_type=object_type, object_id=str(object_id))
    return Http404()


def moderates(user: Any, space: Any, membership: Membership | None = None) -> bool:
    """Space organisers and moderators, and the host's moderators, coordinators and admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    if membership is not None and membership.is_leader:
        return True
    return bool(HOST_MODERATOR_ROLES & roles_in(user, space.organisation_id))


def forum_viewer(user: Any, space_viewer: SpaceViewer) -> ForumViewer:
    space = space_viewer.space
    host_roles = roles_in(user, space.organisation_id)
    return ForumViewer(
        space_viewer=space_viewer,
        forum_public=forum_is_public(space),
        space_public=public_spaces().filter(pk=space.pk).exists(),
        is_moderator=moderates(user, space, space_viewer.membership),
        is_host_clinician=Role.CLINICIAN in host_roles,
        muted_until=muted_until(user, space) if getattr(user, "is_authenticated", False) else None,
    )


def access_forum(user: Any, space_id: Any) -> ForumViewer:
    """A space's forum: anyone who may find the space gets the viewer; what they read is decided per thread."""
    return forum_viewer(user, access_space(user, space_id))


def thread_readable(viewer: ForumViewer, thread: Thread) -> bool:
    """Members and moderators read every thread of the space; anyone else a public one, never a thread with a post
    from someone who may be in crisis (issue 15 point 7: a crisis thread can never be made public)."""
    if viewer.user_is_member or viewer.is_moderator:
        return True
    if not (viewer.reads_everything or (thread.is_public and viewer.space_public)):
        return False
    return not has_crisis(thread)


def access_thread(user: Any, space_id: Any, thread_id: Any) -> tuple[ForumViewer, Thread]:
    viewer = access_forum(user, space_id)
    thread = (
        Thread.objects.select_related("author", "answer").filter(pk=uuid_or_404(thread_id), space=viewer.space).first()
    )
    if thread is None or not thread_readable(viewer, thread):
        raise _deny(user, "forum.thread", thread_id)
    thread.space = viewer.space
    return viewer, thread


def post_visible(viewer: ForumViewer, post: Post, user: Any) -> bool:
    if post.status in Post.VISIBLE_STATUSES:
        return True
    return viewer.is_moderator or (post.author_id is not None and post.author_id == getattr(user, "pk", None))


def access_post(user: Any, post_id: Any) -> tuple[ForumViewer, Post]:
    """A post the person may see (to react, quote, bookmark, report, edit): in a thread they may read, and
    published, or their own, or they moderate. The same 404 otherwise (issue 6: a reaction on a post the person
    cannot see is refused)."""
    post = (
        Post.objects.select_related("thread__space__listing", "thread__space__organisation", "author")
        .filter(pk=uuid_or_404(post_id))
        .first()
    )
    if post is None:
        raise _deny(user, "forum.post", post_id)
    try:
        viewer, thread = access_thread(user, post.thread.space_id, post.thread_id)
    except Http404:
        raise _deny(user, "forum.post", post_id) from None
    if not post_visible(viewer, post, user):
        raise _deny(user, "forum.post", post_id)
    post.thread = thread
    return viewer, post
