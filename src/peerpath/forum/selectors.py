"""Reads of the forum that depend on who is asking: lists already filtered to what the viewer may see, so that a list
and the gates in access.py cannot disagree (ARCHITECTURE.md §3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from peerpath.accounts.models import RoleAssignment
from peerpath.accounts.selectors import roles_of
from peerpath.core.time import now
from peerpath.forum.access import HOST_MODERATOR_ROLES, ForumViewer
from peerpath.forum.models import Bookmark, Follow, ForumSettings, Notification, Post, PostRevision, Reaction, Thread
from peerpath.forum.reasons import held_reasons
from peerpath.moderation import crisis
from peerpath.moderation.models import FactNote, QueueItem, Screening
from peerpath.moderation.selectors import crisis_threads
from peerpath.screening.categories import Category
from peerpath.screening.core import DECIDING_CONFIDENCE
from peerpath.spaces.models import Membership
from peerpath.spaces.selectors import public_spaces, visible_spaces

__all__ = [
    "CrisisSupport",
    "ReactionCount",
    "bookmarks_of",
    "crisis_support",
    "follow_of",
    "held_reasons_of",
    "moderated_spaces",
    "moderates_anything",
    "notifications_of",
    "opening_visible",
    "post_revisions",
    "public_threads",
    "readable_threads",
    "thread_posts",
    "threads_for",
    "unread_count",
]


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _visible_post(user: Any, *, moderator: bool, prefix: str = "") -> Q:
    """Published and deleted posts (tombstones) for everyone; held and hidden ones for their author and moderators."""
    if moderator:
        return Q()
    visible = Q(**{f"{prefix}status__in": Post.VISIBLE_STATUSES})
    if _signed_in(user):
        visible |= Q(**{f"{prefix}author": user})
    return visible


def _opening_shown(user: Any, *, moderator: bool) -> Q:
    """A thread whose opening post waits for review (or was hidden) is not listed for others: its title was screened
    with it."""
    if moderator:
        return Q()
    opening = Post.objects.filter(thread=OuterRef("pk"), is_opening=True)
    visible = Q(Exists(opening.filter(status__in=Post.VISIBLE_STATUSES)))
    if _signed_in(user):
        visible |= Q(author=user)
    return visible


def threads_for(viewer: ForumViewer, user: Any) -> QuerySet[Thread]:
    """The threads of the viewer's space they may read, most recent activity first: every thread for members and
    moderators (and everyone, in a public forum of a public space), else only threads made public."""
    threads = Thread.objects.filter(space=viewer.space)
    if not viewer.reads_everything:
        if not viewer.space_public:
            return Thread.objects.none()
        threads = threads.filter(is_public=True)
    if not (viewer.user_is_member or viewer.is_moderator):
        threads = threads.exclude(pk__in=crisis_threads())  # never public (issue 15 point 7)
    return (
        threads.filter(_opening_shown(user, moderator=viewer.is_moderator))
        .select_related("author")
        .order_by("-last_activity_at", "-pk")
    )


def opening_visible(viewer: ForumViewer, thread: Thread, user: Any) -> bool:
    """Whether the person may see the thread at all beyond the gate: its opening post is visible to them."""
    return Thread.objects.filter(pk=thread.pk).filter(_opening_shown(user, moderator=viewer.is_moderator)).exists()


@dataclass(frozen=True)
class ReactionCount:
    kind: str
    label: str
    count: int
    mine: bool


def thread_posts(viewer: ForumViewer, thread: Thread, user: Any) -> list[Post]:
    """The thread's posts the person may see, oldest first, each with `reaction_counts`, `bookmarked` and its quoted
    post and fact notes loaded: a fixed number of queries however long the thread is."""
    posts = list(
        thread.posts.filter(_visible_post(user, moderator=viewer.is_moderator))
        .select_related("author", "quoted__author")
        .prefetch_related(Prefetch("fact_notes", queryset=FactNote.objects.select_related("author")))
        .order_by("created_at", "pk")
    )
    ids = [post.pk for post in posts]
    counts: dict[tuple[Any, str], int] = {
        (row["post"], row["kind"]): row["n"]
        for row in Reaction.objects.filter(post__in=ids).values("post", "kind").annotate(n=Count("pk"))
    }
    mine: set[tuple[Any, str]] = set()
    bookmarked: set[Any] = set()
    if _signed_in(user):
        mine = set(Reaction.objects.filter(post__in=ids, user=user).values_list("post", "kind"))
        bookmarked = set(Bookmark.objects.filter(post__in=ids, user=user).values_list("post", flat=True))
    for post in posts:
        post.reaction_counts = [  # type: ignore[attr-defined]
            ReactionCount(
                kind=kind, label=str(label), count=counts.get((post.pk, kind), 0), mine=(post.pk, kind) in mine
            )
            for kind, label in Reaction.Kind.choices
        ]
        post.bookmarked = post.pk in bookmarked  # type: ignore[attr-defined]
        # A quote of a post the person may not see shows no link to it.
        if post.quoted is not None and not (
            viewer.is_moderator
            or post.quoted.status in Post.VISIBLE_STATUSES
            or (post.quoted.author_id is not None and post.quoted.author_id == getattr(user, "pk", None))
        ):
            post.quoted = None
    return posts


def post_revisions(post: Post) -> QuerySet[PostRevision]:
    """A post's earlier versions, newest first (callers are behind the moderator check)."""
    return post.revisions.select_related("edited_by").order_by("-created_at")


def _moderated(user: Any, prefix: str = "") -> Q:
    """Threads (or, with a prefix, rows reached through one) of spaces the person moderates: as the space's
    organiser or moderator, or as a moderator, coordinator or admin of its host."""
    host_orgs = RoleAssignment.objects.filter(user=user, role__in=HOST_MODERATOR_ROLES).values("organisation")
    leading = Membership.objects.filter(
        user=user, status=Membership.Status.ACTIVE, role__in=Membership.LEADER_ROLES
    ).values("space")
    return Q(**{f"{prefix}space__organisation__in": host_orgs}) | Q(**{f"{prefix}space__in": leading})


def public_threads() -> QuerySet[Thread]:
    """Threads anyone may read: in a public forum or made public, in a space anyone may find, with a published (or
    deleted) opening post, and no crisis post. What the sitemap lists."""
    public_forums = ForumSettings.objects.filter(public=True).values("space")
    opening = Post.objects.filter(thread=OuterRef("pk"), is_opening=True, status__in=Post.VISIBLE_STATUSES)
    return (
        Thread.objects.filter(Q(space__in=public_forums) | Q(is_public=True), space__in=public_spaces())
        .filter(Exists(opening))
        .exclude(pk__in=crisis_threads())  # a thread with a crisis post is never public (issue 15 point 7)
        .order_by("-last_activity_at", "-pk")
    )


def readable_threads(user: Any) -> QuerySet[Thread]:
    """Every thread the person may read anywhere: the same rule as `access_thread` (members and moderators read
    every thread of their spaces; everyone reads public ones), with opening posts they may see."""
    if not _signed_in(user):
        return public_threads()
    mine = Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values("space")
    host_orgs = RoleAssignment.objects.filter(user=user, role__in=HOST_MODERATOR_ROLES).values("organisation")
    opening = Post.objects.filter(thread=OuterRef("pk"), is_opening=True)
    shown = Q(Exists(opening.filter(status__in=Post.VISIBLE_STATUSES))) | Q(author=user) | _moderated(user)
    return (
        Thread.objects.filter(
            Q(pk__in=public_threads().values("pk")) | Q(space__in=mine) | Q(space__organisation__in=host_orgs)
        )
        .filter(shown, space__in=visible_spaces(user))
        .order_by("-last_activity_at", "-pk")
    )


def bookmarks_of(user: Any) -> QuerySet[Bookmark]:
    """The person's saved posts that they may still see, newest first."""
    if not _signed_in(user):
        return Bookmark.objects.none()
    visible = Q(post__status__in=Post.VISIBLE_STATUSES) | Q(post__author=user) | _moderated(user, "post__thread__")
    return (
        Bookmark.objects.filter(user=user, post__thread__in=readable_threads(user).values("pk"))
        .filter(visible)
        .select_related("post__thread__space", "post__author")
        .order_by("-created_at", "-pk")
    )


def notifications_of(user: Any) -> QuerySet[Notification]:
    """The person's notifications: unread crisis alerts first (a moderator must see them at once), then newest
    first."""
    return (
        Notification.objects.filter(user=user)
        .select_related("thread__space")
        .annotate(
            urgent=Case(
                When(kind=Notification.Kind.CRISIS, read_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("urgent", "-created_at", "-pk")
    )


def unread_count(user: Any) -> int:
    if not _signed_in(user):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def follow_of(user: Any, thread: Thread) -> Follow | None:
    """The person's own follow of a thread, if any."""
    if not _signed_in(user):
        return None
    return Follow.objects.filter(user=user, thread=thread).first()


# --- The writer is never left alone (issue 15 point 8) -----------------------------------------------------------

CRISIS_LINES_DAYS = 14


def crisis_lines_period() -> timedelta:
    """How long a writer keeps seeing the help lines on their thread after their last crisis post there."""
    return timedelta(days=int(getattr(settings, "PEERPATH_CRISIS_LINES_DAYS", CRISIS_LINES_DAYS)))


@dataclass(frozen=True)
class CrisisSupport:
    """What the writer of a crisis post sees on their thread when they come back."""

    lines: list[crisis.Line]
    last_crisis_at: datetime
    moderator_told: bool  # a crisis alert reached at least one moderator


def crisis_alerted(post_ids: list[Any]) -> bool:
    """Whether a moderator was alerted about any of these posts (moderation.services.alert_crisis leaves one crisis
    notification per moderator told): the page says someone was asked to look only when it is true."""
    return bool(post_ids) and Notification.objects.filter(kind=Notification.Kind.CRISIS, post_id__in=post_ids).exists()


def crisis_support(user: Any, thread: Thread) -> CrisisSupport | None:
    """The help lines for the person, when they themselves wrote a post in this thread that screening read as a
    crisis within the period (PEERPATH_CRISIS_LINES_DAYS); None for everyone else. Only the person's own posts are
    read: another member of the thread never learns that a post was screened as a crisis."""
    if not _signed_in(user):
        return None
    screenings = Screening.objects.filter(
        post__thread=thread, post__author=user, created_at__gte=now() - crisis_lines_period()
    ).values_list("post_id", "findings", "created_at")
    crisis_posts: dict[Any, datetime] = {}
    for post_id, findings, created_at in screenings:
        if any(
            isinstance(finding, dict)
            and finding.get("category") == Category.CRISIS
            and float(finding.get("confidence") or 0) >= DECIDING_CONFIDENCE
            for finding in findings or []
        ):
            crisis_posts[post_id] = max(created_at, crisis_posts.get(post_id, created_at))
    if not crisis_posts:
        return None
    return CrisisSupport(
        lines=crisis.lines_for(thread.space.organisation, writer=user),
        last_crisis_at=max(crisis_posts.values()),
        moderator_told=crisis_alerted(list(crisis_posts)),
    )


def held_reasons_of(user: Any, posts: list[Post]) -> dict[Any, list[str]]:
    """Why each of the person's own held posts waits, in words (issue 15 point 9): from the post's latest screening
    and whether it waits as a new member's first post. Two queries, however many posts; other people's posts never."""
    if not _signed_in(user):
        return {}
    held = [post.pk for post in posts if post.status == Post.Status.HELD and post.author_id == user.pk]
    if not held:
        return {}
    latest: dict[Any, list[Any]] = {}
    for post_id, findings in (
        Screening.objects.filter(post_id__in=held).order_by("post_id", "-created_at").values_list("post_id", "findings")
    ):
        latest.setdefault(post_id, findings or [])
    first = set(
        QueueItem.objects.filter(
            post_id__in=held, status=QueueItem.Status.OPEN, source=QueueItem.Source.FIRST_POST
        ).values_list("post_id", flat=True)
    )
    return {pk: held_reasons(latest.get(pk, []), first_post=pk in first) for pk in held}


# --- The Moderation link of the menu (issue 15 point 9) ------------------------------------------------------------


def _moderated_space_rule(user: Any) -> Q:
    """Spaces the person moderates (forum.access.moderates): as the space's organiser or moderator, or as a
    moderator, coordinator or admin of its host."""
    host_orgs = RoleAssignment.objects.filter(user=user, role__in=HOST_MODERATOR_ROLES).values("organisation")
    leading = Membership.objects.filter(
        user=user, status=Membership.Status.ACTIVE, role__in=Membership.LEADER_ROLES
    ).values("space")
    return Q(organisation__in=host_orgs) | Q(pk__in=leading)


def moderates_anything(user: Any) -> bool:
    """Whether the person moderates any space, for the menu's Moderation link: no query for the host's staff (their
    roles are read once per request already), one for everyone else (are they a space's organiser or moderator?)."""
    if not _signed_in(user):
        return False
    if HOST_MODERATOR_ROLES & roles_of(user):
        return True
    return visible_spaces(user).filter(_moderated_space_rule(user)).exists()


def moderated_spaces(user: Any) -> QuerySet[Any]:
    """The spaces the person moderates that the space gate lets them reach, each with `open_items` and
    `urgent_items` (open crisis items): urgent first, then the most waiting, then by name. One query."""
    if not _signed_in(user):
        return visible_spaces(user).none()

    def waiting(**lookups: Any) -> Coalesce:
        items = (
            QueueItem.objects.filter(space=OuterRef("pk"), status=QueueItem.Status.OPEN, **lookups)
            .order_by()
            .values("space")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(items, output_field=IntegerField()), Value(0))

    return (
        visible_spaces(user)
        .filter(_moderated_space_rule(user))
        .select_related("organisation")
        .annotate(open_items=waiting(), urgent_items=waiting(urgent=True))
        .order_by("-urgent_items", "-open_items", "name", "pk")
    )
