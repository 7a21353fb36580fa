"""Keeping forum search documents in step with what may be found (issue 6 point 3): a published post has one
document; held, hidden and deleted posts have none; meeting notes of a space have one each. `is_public` says whether
the thread may be read without signing in, so public search reads public documents only."""

from __future__ import annotations

from django.utils import timezone

from peerpath.forum.models import ForumSettings, Post, SearchDocument, Thread
from peerpath.forum.rendering import plain_text
from peerpath.spaces.models import MeetingNote, Space
from peerpath.spaces.selectors import public_spaces


def forum_is_public(space: Space) -> bool:
    return ForumSettings.objects.filter(space=space, public=True).exists()


def thread_is_public(thread: Thread, *, forum_public: bool | None = None, space_public: bool | None = None) -> bool:
    """Readable by anyone: a public forum or a thread made public, in a space anyone may find."""
    if forum_public is None:
        forum_public = forum_is_public(thread.space)
    if not (forum_public or thread.is_public):
        return False
    if space_public is None:
        space_public = public_spaces().filter(pk=thread.space_id).exists()
    return space_public


def index_post(post: Post) -> None:
    """Write, rewrite or remove the post's search document."""
    thread = post.thread
    if post.status != Post.Status.PUBLISHED:
        SearchDocument.objects.filter(post=post).delete()
        return
    values = {
        "kind": SearchDocument.Kind.POST,
        "space_id": thread.space_id,
        "thread": thread,
        "is_public": thread_is_public(thread),
        "is_answer": thread.answer_id == post.pk,
        "thread_answered": thread.answer_id is not None,
        "title": thread.title if post.is_opening else "",
        "body": plain_text(post.body),
        "created_at": post.created_at,
    }
    SearchDocument.objects.update_or_create(post=post, defaults=values)


def index_thread(thread: Thread) -> None:
    """After a thread-wide change (title, answer, public): its documents' thread fields follow."""
    public = thread_is_public(thread)
    SearchDocument.objects.filter(thread=thread).update(is_public=public, thread_answered=thread.answer_id is not None)
    SearchDocument.objects.filter(thread=thread, post__is_opening=True).update(title=thread.title)
    SearchDocument.objects.filter(thread=thread, is_answer=True).update(is_answer=False)
    if thread.answer is not None:
        SearchDocument.objects.filter(post=thread.answer).update(is_answer=True)


def index_space(space: Space) -> None:
    """After the forum's visibility or the space's listing changes: every document's public flag follows."""
    forum_public = forum_is_public(space)
    space_public = public_spaces().filter(pk=space.pk).exists()
    for thread in Thread.objects.filter(space=space).only("pk", "is_public", "space_id"):
        public = thread_is_public(thread, forum_public=forum_public, space_public=space_public)
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
