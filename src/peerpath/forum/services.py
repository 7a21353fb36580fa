"""Every change to threads and posts: atomic, audited, screened before publishing (issue 6 points 1-6).

A new post or an edit goes through `_submit`: limits (Discourse's defaults), rendering and sanitising, screening by
the moderation app, then published, held for review or refused with an explanation. Publishing records participation
for an author with a running prescription, tells followers and keeps the search documents in step.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerpath.accounts.models import User
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.forum import indexing, reasons, rendering
from peerpath.forum.access import ForumViewer, forum_viewer, moderates
from peerpath.forum.models import (
    MAX_BODY_LENGTH,
    MAX_CONTENT_WARNING_LENGTH,
    MAX_TITLE_LENGTH,
    Bookmark,
    Follow,
    ForumSettings,
    Notification,
    Post,
    Reaction,
    Thread,
)
from peerpath.moderation import crisis
from peerpath.moderation import services as moderation
from peerpath.moderation.selectors import has_crisis
from peerpath.screening.categories import Category
from peerpath.screening.core import Result
from peerpath.spaces.access import SpaceViewer
from peerpath.spaces.models import Membership, Space

# Limits (issue 6 point 6, from Discourse's defaults).
NEW_MEMBER_FOR = timedelta(days=1)
NEW_MEMBER_POST_GAP = timedelta(seconds=30)
NEW_MEMBER_THREADS_FIRST_DAY = 3
THREADS_PER_DAY = 20
DUPLICATE_WINDOW = timedelta(minutes=5)
MIN_BODY_LENGTH = 2


class PostRefused(DomainError):
    """Screening refused the post: the explanation says why, and nothing was saved."""

    status = 422
    code = "refused"


class PersonalDataFound(DomainError):
    """Screening found personal data in a new post: the writer is asked to confirm before anything is saved (issue 15
    point 5). `kinds` names what was found ("a phone number"), never the data itself."""

    status = 409
    code = "personal_data"

    def __init__(self, kinds: list[str]) -> None:
        self.kinds = kinds
        super().__init__(
            _(
                "Your post seems to contain %(what)s. Others in the group would see it. You can edit your post to "
                "take it out, or publish it anyway."
            )
            % {"what": reasons.joined(kinds)},
            field="body",
        )


def _check_personal_data(result: Result, *, confirmed: bool) -> None:
    """Ask before publishing a new post with personal data in it; a crisis post is never delayed by the question
    (it follows the space's decision, and the writer sees the help lines at once)."""
    if confirmed or result.is_crisis or Category.PERSONAL_DATA not in result.categories:
        return
    raise PersonalDataFound(reasons.personal_data_kinds(result.findings) or [_("personal details")])


@dataclass
class Outcome:
    """What the writer is told after posting."""

    post: Post
    published: bool
    held: bool
    message: str
    crisis_lines: list[crisis.Line] = field(default_factory=list)
    moderator_told: bool = False  # a crisis alert reached a moderator: the page may say someone will look
    held_reasons: list[str] = field(default_factory=list)  # why a held post waits, in words

    @property
    def is_crisis(self) -> bool:
        return bool(self.crisis_lines)


def _viewer_for(user: User, space: Space) -> ForumViewer:
    membership = Membership.objects.filter(space=space, user=user).first()
    from peerpath.accounts.roles import ORG_MANAGER_ROLES
    from peerpath.accounts.selectors import roles_in

    manages = bool(ORG_MANAGER_ROLES & roles_in(user, space.organisation_id))
    return forum_viewer(user, SpaceViewer(space=space, membership=membership, manages_host=manages))


def _check_may_post(viewer: ForumViewer) -> None:
    reason = viewer.why_not_post
    if reason == "muted" and viewer.muted_until is not None:
        raise PermissionDenied(
            _("A moderator muted you in this space until %(until)s: you can read but not post.")
            % {"until": viewer.muted_until.strftime("%d %b %Y %H:%M UTC")}
        )
    if reason == "listener":
        raise PermissionDenied(_("Listeners read the forum but do not post."))
    if reason == "closed":
        raise PermissionDenied(_("This space has closed: its forum is read only."))
    if reason:
        raise PermissionDenied(_("Only members of this space can post here."))


def _digest(body: str) -> str:
    normalised = re.sub(r"\s+", " ", body.strip().lower())
    return hashlib.sha256(normalised.encode()).hexdigest()


def _check_text(*, title: str | None, body: str, content_warning: str) -> None:
    # PostgreSQL cannot store a NUL character: refuse it clearly rather than fail on saving (a 500).
    for name, value in (("title", title or ""), ("body", body), ("content_warning", content_warning)):
        if "\x00" in value:
            raise DomainError(_("Remove the null character from the text: it cannot be saved."), field=name)
    if title is not None:
        if not title.strip():
            raise DomainError(_("Give the thread a title."), field="title")
        if len(title) > MAX_TITLE_LENGTH:
            raise DomainError(_("Keep the title under %(n)s characters.") % {"n": MAX_TITLE_LENGTH}, field="title")
    if len(body.strip()) < MIN_BODY_LENGTH:
        raise DomainError(_("Write something first."), field="body")
    if len(body) > MAX_BODY_LENGTH:
        raise DomainError(
            _("Posts can be at most %(n)s characters: split it into replies.") % {"n": f"{MAX_BODY_LENGTH:,}"},
            field="body",
        )
    if len(content_warning) > MAX_CONTENT_WARNING_LENGTH:
        raise DomainError(
            _("Keep the content warning under %(n)s characters.") % {"n": MAX_CONTENT_WARNING_LENGTH},
            field="content_warning",
        )


def _check_limits(author: User, space: Space, body: str, *, new_thread: bool) -> None:
    """Discourse's defaults: new members wait 30 s between posts and start at most 3 threads on their first day;
    everyone starts at most 20 threads a day; an identical post within 5 minutes is refused."""
    # One author's posts are checked one at a time (the author's row locked until the caller's transaction ends),
    # so a double submit cannot slip two posts past a limit.
    list(User.objects.select_for_update().filter(pk=author.pk).values_list("pk", flat=True))
    moment = now()
    mine = Post.objects.filter(author=author).exclude(status=Post.Status.DELETED)
    if mine.filter(body_digest=_digest(body), created_at__gte=moment - DUPLICATE_WINDOW).exists():
        raise Conflict(_("You posted exactly this a moment ago."), field="body", status=429)
    membership = Membership.objects.filter(space=space, user=author).first()
    is_new = (
        membership is not None and membership.joined_at is not None and membership.joined_at > moment - NEW_MEMBER_FOR
    )
    if is_new:
        last = mine.order_by("-created_at").values_list("created_at", flat=True).first()
        if last is not None and moment - last < NEW_MEMBER_POST_GAP:
            wait = math.ceil((NEW_MEMBER_POST_GAP - (moment - last)).total_seconds())
            raise Conflict(
                _("New members wait 30 seconds between posts: try again in %(n)s seconds.") % {"n": wait},
                status=429,
            )
    if new_thread:
        day = moment - timedelta(days=1)
        started = Post.objects.filter(author=author, is_opening=True, created_at__gte=day)
        if is_new and started.filter(thread__space=space).count() >= NEW_MEMBER_THREADS_FIRST_DAY:
            raise Conflict(_("New members can start 3 threads on their first day: reply in one instead."), status=429)
        if started.count() >= THREADS_PER_DAY:
            raise Conflict(_("You have started 20 threads today: that is the most in a day."), status=429)


def _screen(author: User, space: Space, text: str) -> Result:
    return moderation.screen_text(author=author, space=space, text=text)


def _outcome_message(result: Result, held: bool, *, moderator_told: bool = False) -> str:
    if result.is_crisis:
        if moderator_told:
            return _(
                "Thank you for telling us. You are not alone: if you might act on these thoughts, please contact one "
                "of these now. A moderator has been asked to look at your post."
            )
        return _(
            "Thank you for telling us. You are not alone: if you might act on these thoughts, please contact one "
            "of these now."
        )
    if held:
        return _("Your post is waiting for a moderator to look at it before it appears. You will be told.")
    return _("Your post is published.")


def _publish_effects(post: Post) -> None:
    """What publishing a post sets off: search, participation, followers (inside the caller's transaction)."""
    indexing.index_post(post)
    _record_participation(post)
    _tell_followers(post)


def _record_participation(post: Post) -> None:
    """A post in a space where the author has a running prescription counts as an online conversation (issue 6
    point 5; issue 4's participation_record)."""
    from peerpath.prescriptions.dose import Activity
    from peerpath.prescriptions.models import Participation, Prescription
    from peerpath.prescriptions.services import participation_record

    if post.author is None:
        return
    space = post.thread.space
    patients = {
        prescription.patient_id: prescription.patient
        for prescription in Prescription.objects.filter(
            patient__user=post.author, status__in=Prescription.RUNNING_STATUSES
        ).select_related("patient")
        if prescription.listing_id in (None, space.listing_id)
        and prescription.dose.counts(Activity.ONLINE_CONVERSATION)
    }
    for patient in patients.values():
        participation_record(
            patient=patient,
            activity=Activity.ONLINE_CONVERSATION,
            when=min(post.created_at, now()),
            source=Participation.Source.FORUM_POST,
            listing=space.listing,
            recorded_by=None,
            source_ref=f"post:{post.pk}",
        )


def _retract_participation(post: Post, *, actor: User | None) -> None:
    """A post hidden by a moderator or deleted by its author no longer counts towards a prescription, as an
    unticked attendance does not (HAZ-014); publishing it again records it again, at its first time."""
    from peerpath.prescriptions.models import Participation, Patient
    from peerpath.prescriptions.services import participation_retract

    source_ref = f"post:{post.pk}"
    source = Participation.Source.FORUM_POST
    for patient in Patient.objects.filter(participations__source=source, participations__source_ref=source_ref):
        participation_retract(patient=patient, source=source, source_ref=source_ref, actor=actor)


def _tell_followers(post: Post) -> None:
    if post.is_opening:
        return
    followers = Follow.objects.filter(thread=post.thread).select_related("user")
    if post.author is not None:
        followers = followers.exclude(user=post.author)
    # A reply published again (held, edited, approved) is news only the first time.
    told = Notification.objects.filter(post=post, kind=Notification.Kind.REPLY).values("user_id")
    followers = followers.exclude(user_id__in=told)
    Notification.objects.bulk_create(
        [
            Notification(user=follow.user, kind=Notification.Kind.REPLY, thread=post.thread, post=post)
            for follow in followers
        ]
    )


def _save_post(
    *, thread: Thread, author: User, body: str, content_warning: str, quoted: Post | None, opening: bool,
    result: Result, hold_first: bool,
) -> Post:  # fmt: skip
    held = result.held or hold_first
    post = Post.objects.create(
        thread=thread, author=author, is_opening=opening, body=body, body_html=rendering.render(body),
        content_warning=content_warning.strip(), quoted=quoted, body_digest=_digest(body),
        status=Post.Status.HELD if held else Post.Status.PUBLISHED,
    )  # fmt: skip
    moderation.screening_record(post=post, result=result, hold_first=hold_first)
    _check_facts_later(post, result)
    return post


def _check_facts_later(post: Post, result: Result) -> None:
    """Queue the fact-check match that runs after publication (too slow to make the writer wait)."""
    from peerpath.forum import tasks

    if moderation.fact_check_wanted(result):
        post_id, digest = str(post.pk), post.body_digest
        transaction.on_commit(lambda: tasks.check_facts.enqueue(post_id, digest))


@transaction.atomic
def post_fact_check(*, post_id: str, digest: str) -> bool:
    """The after-publication fact-check match of one version of a post (forum/tasks.py): a post that restates a
    statement rated false goes to the queue, and is held when its space holds misinformation. A version edited
    since, or a post no longer published, is left alone (the edit queued its own check). True when flagged."""
    post = (
        Post.objects.select_for_update(of=("self",)).select_related("thread__space__organisation")
        .filter(pk=post_id, body_digest=digest, status=Post.Status.PUBLISHED).first()
    )  # fmt: skip
    if post is None:
        return False
    text = f"{post.thread.title}\n\n{post.body}" if post.is_opening else post.body
    result = moderation.fact_check_record(post=post, text=text)
    if result is None or not result.decision:
        return False
    if result.held:
        note = _("It may repeat a claim fact-checkers rated false.")
        post_unpublish(post=post, status=Post.Status.HELD, note=note)
    return True


def _refuse(result: Result) -> None:
    if result.refused:
        raise PostRefused(moderation.refusal_message(result), field="body")


@transaction.atomic
def thread_create(
    *, author: User, space: Space, title: str, body: str, content_warning: str = "", public: bool = False,
    confirm_personal_data: bool = False,
) -> Outcome:  # fmt: skip
    viewer = _viewer_for(author, space)
    _check_may_post(viewer)
    title = title.strip()
    _check_text(title=title, body=body, content_warning=content_warning)
    _check_limits(author, space, body, new_thread=True)
    result = _screen(author, space, f"{title}\n\n{body}")
    _refuse(result)
    _check_personal_data(result, confirmed=confirm_personal_data)
    hold_first = moderation.holds_first_post(author=author, space=space)
    moment = now()
    thread = Thread.objects.create(
        space=space, author=author, title=title, is_public=public and viewer.is_moderator, last_activity_at=moment
    )
    post = _save_post(thread=thread, author=author, body=body, content_warning=content_warning, quoted=None,
                      opening=True, result=result, hold_first=hold_first)  # fmt: skip
    Follow.objects.create(user=author, thread=thread)
    record(action="forum.thread_created", actor=author, organisation=space.organisation, target=thread,
           details={"status": post.status})  # fmt: skip
    if post.status == Post.Status.PUBLISHED:
        _publish_effects(post)
    return _outcome(post, result, hold_first=hold_first)


def _outcome(post: Post, result: Result, *, hold_first: bool = False) -> Outcome:
    from peerpath.forum.selectors import crisis_alerted

    held = post.status == Post.Status.HELD
    lines = crisis.lines_for(post.thread.space.organisation, writer=post.author) if result.is_crisis else []
    told = result.is_crisis and crisis_alerted([post.pk])
    why = reasons.held_reasons(result.findings, first_post=hold_first) if held else []
    message = _outcome_message(result, held, moderator_told=told)
    return Outcome(post=post, published=not held, held=held, message=message, crisis_lines=lines,
                   moderator_told=told, held_reasons=why)  # fmt: skip


@transaction.atomic
def post_reply(
    *, author: User, thread: Thread, body: str, content_warning: str = "", quoted: Post | None = None,
    confirm_personal_data: bool = False,
) -> Outcome:  # fmt: skip
    thread = (
        Thread.objects.select_for_update().select_related("space__organisation", "space__listing").get(pk=thread.pk)
    )
    space = thread.space
    viewer = _viewer_for(author, space)
    _check_may_post(viewer)
    if thread.status == Thread.Status.LOCKED:
        raise Conflict(_("This thread is locked: no more replies."))
    if quoted is not None and (quoted.thread_id != thread.pk or quoted.status != Post.Status.PUBLISHED):
        raise DomainError(_("You can quote a published post of this thread only."), field="quoted")
    _check_text(title=None, body=body, content_warning=content_warning)
    _check_limits(author, space, body, new_thread=False)
    result = _screen(author, space, body)
    _refuse(result)
    _check_personal_data(result, confirmed=confirm_personal_data)
    hold_first = moderation.holds_first_post(author=author, space=space)
    post = _save_post(thread=thread, author=author, body=body, content_warning=content_warning, quoted=quoted,
                      opening=False, result=result, hold_first=hold_first)  # fmt: skip
    Follow.objects.get_or_create(user=author, thread=thread)
    record(action="forum.post_created", actor=author, organisation=space.organisation, target=post,
           details={"status": post.status})  # fmt: skip
    if post.status == Post.Status.PUBLISHED:
        _recount(thread, active=True)
        _publish_effects(post)
    return _outcome(post, result, hold_first=hold_first)


def _recount(thread: Thread, *, active: bool) -> None:
    """The thread's reply count is the replies others can read, counted again after every change of a reply's
    status (so a hidden reply stops counting and an approved one counts once); `active` also moves the thread up."""
    replies = Post.objects.filter(thread_id=thread.pk, is_opening=False, status=Post.Status.PUBLISHED).count()
    fields: dict[str, Any] = {"reply_count": replies}
    if active:
        fields["last_activity_at"] = now()
    Thread.objects.filter(pk=thread.pk).update(**fields)


@transaction.atomic
def post_publish(*, post: Post) -> Post:
    """A held post approved by a moderator is published, with everything publishing sets off (moderation calls
    this)."""
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the author.
    post = (
        Post.objects.select_for_update(of=("self",)).select_related("thread__space__listing", "author").get(pk=post.pk)
    )
    if post.status == Post.Status.PUBLISHED:
        return post
    post.status, post.moderator_note = Post.Status.PUBLISHED, ""
    pending_title, post.pending_title = post.pending_title, ""
    post.save(update_fields=["status", "moderator_note", "pending_title", "updated_at"])
    if pending_title and post.is_opening:
        thread = post.thread
        thread.title = pending_title
        thread.save(update_fields=["title", "updated_at"])
        indexing.index_thread(thread)
    if not post.is_opening:
        _recount(post.thread, active=True)
    _publish_effects(post)
    return post


@transaction.atomic
def post_unpublish(*, post: Post, status: str, note: str = "") -> Post:
    """Hide (or hold) a post: out of the thread for others and out of search (moderation calls this)."""
    if status not in (Post.Status.HIDDEN, Post.Status.HELD):
        raise DomainError("A post is hidden or held.")
    post = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
    post.status, post.moderator_note = status, note[:500]
    post.save(update_fields=["status", "moderator_note", "updated_at"])
    if not post.is_opening:
        _recount(post.thread, active=False)
    _retract_participation(post, actor=None)
    if post.thread.answer_id == post.pk:
        Thread.objects.filter(pk=post.thread_id).update(answer=None)
        post.thread.answer = None
        indexing.index_thread(post.thread)
    indexing.index_post(post)
    return post


@transaction.atomic
def post_edit(*, author: User, post: Post, body: str, title: str | None = None, content_warning: str = "") -> Outcome:
    """The author edits their post (and the thread's title, for an opening post). The old version is kept for
    moderators; the edit is screened again, and a post a moderator asked to be edited goes back to them."""
    from peerpath.forum.models import PostRevision

    post = (
        Post.objects.select_for_update()
        .select_related("thread__space__organisation", "thread__space__listing")
        .get(pk=post.pk)
    )
    if post.author_id != author.pk:
        raise PermissionDenied(_("Only the author can edit a post."))
    if post.status == Post.Status.DELETED:
        raise Conflict(_("A deleted post cannot be edited."))
    thread, space = post.thread, post.thread.space
    _check_may_post(_viewer_for(author, space))
    title = title.strip() if (title is not None and post.is_opening) else None
    _check_text(title=title, body=body, content_warning=content_warning)
    result = _screen(author, space, f"{title}\n\n{body}" if title else body)
    _refuse(result)
    PostRevision.objects.create(post=post, title=thread.title if post.is_opening else "", body=post.body,
                                content_warning=post.content_warning, edited_by=author)  # fmt: skip
    post.body, post.body_html, post.body_digest = body, rendering.render(body), _digest(body)
    post.content_warning, post.edited_at = content_warning.strip(), now()
    was = post.status
    if was == Post.Status.PUBLISHED and result.held:
        post.status = Post.Status.HELD
    new_title = title if (title is not None and title != thread.title) else ""
    held = post.status == Post.Status.HELD
    # A held edit's title waits with it for a moderator (post_publish applies it); a published one shows at once.
    post.pending_title = new_title if held else ""
    post.save(update_fields=["body", "body_html", "body_digest", "content_warning", "edited_at", "status",
                             "pending_title", "updated_at"])  # fmt: skip
    if new_title and not held:
        thread.title = new_title
        thread.save(update_fields=["title", "updated_at"])
        indexing.index_thread(thread)
    if not post.is_opening and was != post.status:
        _recount(thread, active=False)
    moderation.screening_record(post=post, result=result, hold_first=False, edited_from=was)
    _check_facts_later(post, result)
    record(action="forum.post_edited", actor=author, organisation=space.organisation, target=post,
           details={"status": post.status})  # fmt: skip
    indexing.index_post(post)
    return _outcome(post, result)


@transaction.atomic
def post_delete(*, author: User, post: Post) -> Post:
    """The author deletes their post: a tombstone keeps the thread readable ("deleted by its author")."""
    post = Post.objects.select_for_update().select_related("thread__space__organisation").get(pk=post.pk)
    if post.author_id != author.pk:
        raise PermissionDenied(_("Only the author can delete a post."))
    if post.status == Post.Status.DELETED:
        return post
    post.status, post.deleted_at = Post.Status.DELETED, now()
    post.body, post.body_html, post.content_warning = "", "", ""
    post.save(update_fields=["status", "deleted_at", "body", "body_html", "content_warning", "updated_at"])
    thread = post.thread
    if not post.is_opening:
        _recount(thread, active=False)
    _retract_participation(post, actor=author)
    if thread.answer_id == post.pk:
        Thread.objects.filter(pk=thread.pk).update(answer=None)
        thread.answer = None
        indexing.index_thread(thread)
    indexing.index_post(post)
    record(action="forum.post_deleted", actor=author, organisation=thread.space.organisation, target=post)
    return post


# --- Reactions, answers, bookmarks, follows --------------------------------------------------------------------


def _check_member(user: User, post: Post) -> ForumViewer:
    viewer = _viewer_for(user, post.thread.space)
    if not viewer.user_is_member:
        raise PermissionDenied(_("Only members of this space can do that."))
    if post.status != Post.Status.PUBLISHED:
        raise Conflict(_("That post is not published."))
    return viewer


@transaction.atomic
def reaction_set(*, user: User, post: Post, kind: str, on: bool) -> Post:
    """ "Helpful", "me too", "thank you": members, including listeners (a reaction is not a post)."""
    if kind not in Reaction.Kind.values:
        raise DomainError(_("Unknown reaction."), field="kind")
    _check_member(user, post)
    if post.author_id == user.pk and kind == Reaction.Kind.HELPFUL:
        raise Conflict(_("You cannot mark your own post as helpful."))
    if on:
        try:
            with transaction.atomic():
                Reaction.objects.create(post=post, user=user, kind=kind)
        except IntegrityError:
            return post  # already there: nothing changed
    elif not Reaction.objects.filter(post=post, user=user, kind=kind).delete()[0]:
        return post
    record(action="forum.reaction_added" if on else "forum.reaction_removed", actor=user,
           organisation=post.thread.space.organisation, target=post, details={"kind": kind})  # fmt: skip
    return post


@transaction.atomic
def answer_mark(*, actor: User, thread: Thread, post: Post | None) -> Thread:
    """The thread's author or a moderator marks a reply as the answer (or unmarks it)."""
    thread = Thread.objects.select_for_update().select_related("space__organisation").get(pk=thread.pk)
    membership = Membership.objects.filter(space=thread.space, user=actor, status=Membership.Status.ACTIVE).first()
    if thread.author_id != actor.pk and not moderates(actor, thread.space, membership):
        raise PermissionDenied(_("Only the thread's author or a moderator marks the answer."))
    if post is not None and (post.thread_id != thread.pk or post.is_opening or post.status != Post.Status.PUBLISHED):
        raise DomainError(_("Choose a published reply of this thread."), field="post")
    thread.answer = post
    thread.save(update_fields=["answer", "updated_at"])
    indexing.index_thread(thread)
    record(action="forum.answer_marked", actor=actor, organisation=thread.space.organisation, target=thread,
           details={"post": str(post.pk) if post else None})  # fmt: skip
    if post is not None and post.author is not None and post.author_id != actor.pk:
        Notification.objects.create(user=post.author, kind=Notification.Kind.ANSWERED, thread=thread, post=post)
    return thread


@transaction.atomic
def bookmark_set(*, user: User, post: Post, on: bool) -> None:
    """Save for later (seed 002), or stop saving; the gate has already let the person read the post."""
    if on:
        _bookmark, changed = Bookmark.objects.get_or_create(user=user, post=post)
    else:
        changed = bool(Bookmark.objects.filter(user=user, post=post).delete()[0])
    if changed:
        record(action="forum.bookmark_added" if on else "forum.bookmark_removed", actor=user,
               organisation=post.thread.space.organisation, target=post)  # fmt: skip


@transaction.atomic
def follow_set(*, user: User, thread: Thread, channel: str | None) -> Follow | None:
    """Follow on the site, or also by a daily e-mail digest; None stops following."""
    organisation = thread.space.organisation
    if channel is None:
        if Follow.objects.filter(user=user, thread=thread).delete()[0]:
            record(action="forum.unfollowed", actor=user, organisation=organisation, target=thread)
        return None
    if channel not in Follow.Channel.values:
        raise DomainError(_("Choose how to be told."), field="channel")
    follow, _created = Follow.objects.update_or_create(user=user, thread=thread, defaults={"channel": channel})
    record(action="forum.followed", actor=user, organisation=organisation, target=thread,
           details={"channel": channel})  # fmt: skip
    return follow


@transaction.atomic
def notifications_read(*, user: User, ids: list[Any] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    count = unread.update(read_at=now())
    if count:
        record(action="forum.notifications_read", actor=user, object_type="forum.notification",
               details={"count": count})  # fmt: skip
    return count


# --- Visibility ------------------------------------------------------------------------------------------------


def _check_moderates(actor: User, space: Space) -> None:
    membership = Membership.objects.filter(space=space, user=actor, status=Membership.Status.ACTIVE).first()
    if not moderates(actor, space, membership):
        raise PermissionDenied(_("Only the space's moderators can do that."))


@transaction.atomic
def forum_settings_update(*, actor: User, space: Space, public: bool) -> ForumSettings:
    """Make the whole forum readable by anyone (so answers reach people searching), or members only."""
    _check_moderates(actor, space)
    settings_row, _created = ForumSettings.objects.update_or_create(space=space, defaults={"public": public})
    indexing.index_space(space)
    record(action="forum.visibility_changed", actor=actor, organisation=space.organisation, target=settings_row,
           details={"public": public})  # fmt: skip
    return settings_row


@transaction.atomic
def thread_set_public(*, actor: User, thread: Thread, public: bool) -> Thread:
    """Make one thread of a members-only forum readable by anyone, or members only again."""
    _check_moderates(actor, thread.space)
    if public and has_crisis(thread):
        raise Conflict(
            _(
                "This thread has a post from someone who may be in crisis: it stays readable by members only, to "
                "protect them."
            )
        )
    thread.is_public = public
    thread.save(update_fields=["is_public", "updated_at"])
    indexing.index_thread(thread)
    record(action="forum.thread_visibility_changed", actor=actor, organisation=thread.space.organisation,
           target=thread, details={"public": public})  # fmt: skip
    return thread


@transaction.atomic
def thread_lock(*, actor: User, thread: Thread, locked: bool) -> Thread:
    _check_moderates(actor, thread.space)
    thread.status = Thread.Status.LOCKED if locked else Thread.Status.OPEN
    thread.save(update_fields=["status", "updated_at"])
    record(action="forum.thread_locked" if locked else "forum.thread_unlocked", actor=actor,
           organisation=thread.space.organisation, target=thread)  # fmt: skip
    return thread
