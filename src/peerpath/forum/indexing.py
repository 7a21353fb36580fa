"""Keeping forum search documents in step with what may be found (issue 6 point 3): a published post has one
document; held, hidden and deleted posts have none, and neither has any post of a thread whose opening post is held or
hidden (every result shows the thread's title, which waits for review with that post); meeting notes of a space have
one each. `is_public` says whether the thread may be read without signing in when it was indexed; search checks the
space again when it runs (forum/search.py), so a delisted or archived space leaves public search at once."""

from __future__ import annotations

from django.utils import timezone

from peerpath.forum.models import ForumSettings, Post, SearchDocument, Thread
from peerpath.forum.rendering import plain_text
from peerpath.moderation.selectors import has_crisis
from peerpath.spaces.models import MeetingNote, Space
from peerpath.spaces.selectors import public_spaces


def forum_is_public(space: Space) -> bool:
    return ForumSettings.objects.filter(space=space, public=True).exists()


def thread_is_public(thread: Thread, *, forum_public: bool | None = None, space_public: bool | None = None) -> bool:
    """Readable by anyone: a public forum or a thread made public, in a space anyone may find, and no post of the
    thread read as a crisis (issue 15 point 7)."""
    if forum_public is None:
        forum_public = forum_is_public(thread.space)
    if not (forum_public or thread.is_public):
        return False
    if space_public is None:
        space_public = public_spaces().filter(pk=thread.space_id).exists()
    return space_public and not has_crisis(thread)


def document_is_public(thread: Thread, *, forum_public: bool | None = None) -> bool:
    """A search document's own flag: the space chose to open its forum, or this thread. Whether the space may be
    found at all (its listing vetted, not archived) is asked when searching, so a delisted space leaves public search
    at once and comes back when it is vetted again, with nothing to re-index."""
    if forum_public is None:
        forum_public = forum_is_public(thread.space)
    return forum_public or thread.is_public


def opening_shown(thread: Thread) -> bool:
    """Whether others may see the thread's opening post (published, or a tombstone), and so its title."""
    return Post.objects.filter(thread=thread, is_opening=True, status__in=Post.VISIBLE_STATUSES).exists()


def _write(post: Post, thread: Thread, *, public: bool) -> None:
    values = {
        "kind": SearchDocument.Kind.POST,
        "space_id": thread.space_id,
        "thread": thread,
        "is_public": public,
        "is_answer": thread.answer_id == post.pk,
        "thread_answered": thread.answer_id is not None,
        "title": thread.title if post.is_opening else "",
        "body": plain_text(post.body),
        "created_at": post.created_at,
    }
    SearchDocument.objects.update_or_create(post=post, defaults=values)


def index_post(post: Post) -> None:
    """Write, rewrite or remove the post's search document. An opening post held or hidden takes every document of
    its thread with it; published again, it brings back its thread's published replies."""
    thread = post.thread
    if post.is_opening and post.status not in Post.VISIBLE_STATUSES:
        SearchDocument.objects.filter(thread=thread).delete()
        return
    if post.status != Post.Status.PUBLISHED or (not post.is_opening and not opening_shown(thread)):
        SearchDocument.objects.filter(post=post).delete()
        return
    public = document_is_public(thread)
    _write(post, thread, public=public)
    if post.is_opening:
        for reply in thread.posts.filter(status=Post.Status.PUBLISHED, is_opening=False, search_document__isnull=True):
            _write(reply, thread, public=public)


def index_thread(thread: Thread) -> None:
    """After a thread-wide change (title, answer, public): its documents' thread fields follow."""
    public = document_is_public(thread)
    SearchDocument.objects.filter(thread=thread).update(is_public=public, thread_answered=thread.answer_id is not None)
    SearchDocument.objects.filter(thread=thread, post__is_opening=True).update(title=thread.title)
    SearchDocument.objects.filter(thread=thread, is_answer=True).update(is_answer=False)
    if thread.answer is not None:
        SearchDocument.objects.filter(post=thread.answer).update(is_answer=True)


def index_space(space: Space) -> None:
    """After the forum's visibility or the space's listing changes: every document's public flag follows."""
    forum_public = forum_is_public(space)
    for thread in Thread.objects.filter(space=space).only("pk", "is_public", "space_id"):
        public = document_is_public(thread, forum_public=forum_public)
        SearchDocument.objects.filter(thread=thread).update(is_public=public)
    SearchDocument.objects.filter(space=space, kind=SearchDocument.Kind.NOTE).update(is_public=False)


def index_note(note: MeetingNote) -> None:
    """Meeting notes are members-only: searchable by the space's members."""
    text = " ".join(part for part in (note.topics, note.resources, note.open_questions) if part)
    meeting = note.meeting
    if not text.strip():
        SearchDocument.objects.filter(note=note).delete()
        return
    local = timezone.localtime(meeting.starts_at)
    SearchDocument.objects.update_or_create(
        note=note,
        defaults={
            "kind": SearchDocument.Kind.NOTE,
            "space_id": meeting.space_id,
            "thread": None,
            "is_public": False,
            "title": f"Notes: {meeting.title}, {local:%d %b %Y}",
            "body": text,
            "created_at": meeting.starts_at,
        },
    )
