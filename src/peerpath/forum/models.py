"""Forums of spaces: threads, posts, reactions, bookmarks, follows, notifications and the search documents (issue 6).

Seed 002: text forums let people think an answer through and refer back to it; answers stay findable. Posts are
screened before they are published (moderation app); a post's `status` says whether anyone but its author and the
moderators may see it.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import BaseModel

MAX_TITLE_LENGTH = 150
MAX_BODY_LENGTH = 20_000
MAX_CONTENT_WARNING_LENGTH = 100


class ForumSettings(BaseModel):
    """How a space's forum is seen: members only (the default), or readable by anyone so answers reach people
    searching (seed 002: registration walls hide knowledge). Posting always needs membership."""

    space = models.OneToOneField("spaces.Space", on_delete=models.CASCADE, related_name="forum_settings")
    public = models.BooleanField(default=False)


class Thread(BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        LOCKED = "locked", _("Locked: no more replies")

    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="threads")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=MAX_TITLE_LENGTH)
    # A members-only forum may still make a chosen thread public (issue 6 point 2).
    is_public = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.ForeignKey("Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Denormalised for lists: published replies and the last published activity.
    reply_count = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_activity_at"]
        indexes = [models.Index(fields=["space", "-last_activity_at"], name="forum_thread_space_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_answered(self) -> bool:
        return self.answer_id is not None


class Post(BaseModel):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        HELD = "held", _("Held for review")
        HIDDEN = "hidden", _("Hidden by a moderator")
        DELETED = "deleted", _("Deleted by its author")

    # Who besides the author and moderators may see a post.
    VISIBLE_STATUSES: ClassVar[frozenset[str]] = frozenset({Status.PUBLISHED, Status.DELETED})

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="posts")
    is_opening = models.BooleanField(default=False)
    body = models.TextField(max_length=MAX_BODY_LENGTH)  # Markdown as written
    body_html = models.TextField()  # rendered and sanitised on the way in (forum/rendering.py)
    # A passage the author hides until clicked ("content warning: self-harm").
    content_warning = models.CharField(max_length=MAX_CONTENT_WARNING_LENGTH, blank=True)
    quoted = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    # What the author is told when a moderator hides the post or asks them to edit it.
    moderator_note = models.CharField(max_length=500, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # For "an identical post within 5 minutes is refused": sha256 of the normalised body.
    body_digest = models.CharField(max_length=64, db_index=True)
    # A new thread title written in an edit that screening held: the thread keeps its old title until a moderator
    # publishes the edit, so an unreviewed title is never shown.
    pending_title = models.CharField(max_length=MAX_TITLE_LENGTH, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["thread", "created_at"], name="forum_post_thread_idx"),
            models.Index(fields=["author", "created_at"], name="forum_post_author_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["thread"], condition=Q(is_opening=True), name="forum_one_opening_post")
        ]

    def __str__(self) -> str:
        return f"post {self.pk} in {self.thread_id}"

    @property
    def is_deleted(self) -> bool:
        return self.status == self.Status.DELETED


class PostRevision(BaseModel):
    """An earlier version of a post, kept when it is edited: moderators see the history (issue 6 point 1)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=MAX_TITLE_LENGTH, blank=True)  # the thread's title then, for opening posts
    body = models.TextField()
    content_warning = models.CharField(max_length=MAX_CONTENT_WARNING_LENGTH, blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]


class Reaction(BaseModel):
    class Kind(models.TextChoices):
        HELPFUL = "helpful", _("Helpful")
        ME_TOO = "me_too", _("Me too")
        THANK_YOU = "thank_you", _("Thank you")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user", "kind"], name="forum_reaction_once")]


class Bookmark(BaseModel):
    """ "Save for later" (seed 002)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="bookmarks")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="forum_bookmark_once")]


class Follow(BaseModel):
    """Following a thread: told of replies on the site, and by a daily e-mail digest if chosen."""

    class Channel(models.TextChoices):
        SITE = "site", _("On the site")
        EMAIL = "email", _("On the site and by a daily e-mail digest")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.SITE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="forum_follow_once")]


class Notification(BaseModel):
    """Something to tell a person on the site: a reply in a followed thread, a moderator's decision about their post,
    a fact note on it, a crisis alert for moderators. E-mailed too where the kind or the person asks for it."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("A reply in a thread you follow")
        POST_HIDDEN = "post_hidden", _("A moderator hid your post")
        EDIT_ASKED = "edit_asked", _("A moderator asks you to edit your post")
        POST_APPROVED = "post_approved", _("Your post was approved")
        WARNING = "warning", _("A moderator's warning")
        MUTED = "muted", _("You are muted")
        FACT_NOTE = "fact_note", _("A fact note on your post")
        APPEAL_DECIDED = "appeal_decided", _("Your appeal was decided")
        CRISIS = "crisis", _("Urgent: a post may be from someone in crisis")
        ESCALATED = "escalated", _("A moderator asks a clinician to look at a post")
        ANSWERED = "answered", _("Your question was answered")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="forum_notification_user_idx")]


class SearchDocument(models.Model):
    """What forum search reads: one row per visible post (title + body) or meeting note, kept by the services
    (forum/indexing.py). The full-text index is built on it by engine-specific SQL (migration), as the directory's.
    Only published posts and notes have a row, so search never finds a held, hidden or deleted post."""

    class Kind(models.TextChoices):
        POST = "post", _("Post")
        NOTE = "note", _("Meeting notes")

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    post = models.OneToOneField(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="search_document")
    note = models.OneToOneField(
        "spaces.MeetingNote", null=True, blank=True, on_delete=models.CASCADE, related_name="search_document"
    )
    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Readable without signing in (a public forum or thread, in a public space): public search reads only these.
    is_public = models.BooleanField(default=False)
    is_answer = models.BooleanField(default=False)
    thread_answered = models.BooleanField(default=False)
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["space", "created_at"], name="forum_search_space_idx"),
            models.Index(fields=["is_public", "created_at"], name="forum_search_public_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="post") & Q(post__isnull=False) & Q(note__isnull=True))
                | (Q(kind="note") & Q(note__isnull=False) & Q(post__isnull=True)),
                name="forum_search_document_one_source",
            )
        ]

    def __str__(self) -> str:
        return f"search document {self.kind} {self.post_id or self.note_id}"
