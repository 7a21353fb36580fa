"""The forum API: search (issue 6 point 3), the same results as the search page.

Anonymous callers find public threads only; a signed-in caller (session or token) finds everything they may read.
A bad parameter is an RFC 9457 problem (400) naming it; free text never errors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from peerpath.api.auth import session_auth, token_auth
from peerpath.api.schemas import problem_responses
from peerpath.directory.selectors import condition_value_set
from peerpath.forum.search import MAX_PAGE_SIZE, MAX_QUERY_LENGTH, parse_forum_query, search_forum

router = Router(tags=["forum"])


def _anonymous(request: HttpRequest) -> AnonymousUser:
    """No token and no session: a visitor, who finds public threads only."""
    return AnonymousUser()


class ForumHitOut(Schema):
    kind: str = Field(description="post (a question or a reply) or note (a meeting's notes, members only)")
    thread_id: UUID | None = Field(description="The thread, for posts.")
    post_id: UUID | None
    space_id: UUID
    space_name: str
    title: str = Field(description="The thread's title, or the meeting notes' title.")
    snippet: str = Field(description="HTML: escaped text with the matched words in <mark>.")
    url: str = Field(description="The page: the thread, anchored at the post, or the meeting.")
    answered: bool
    created_at: datetime


class ForumSearchOut(Schema):
    total: int = Field(description="How many match, counted up to 1,000 (see total_is_lower_bound).")
    total_is_lower_bound: bool
    page: int
    page_size: int
    pages: int
    items: list[ForumHitOut]


class ForumSearchFilters(Schema):
    q: str = Field("", max_length=MAX_QUERY_LENGTH * 2, description="Words to search for.")
    space: str = Field("", description="A space's id: only its forum and notes.")
    condition: str = Field("", description="A condition slug (see /api/v1/conditions).")
    answered: str = Field("", description="1 for answered questions only")
    from_: str = Field("", alias="from", description="Written on or after this date (YYYY-MM-DD).")
    to: str = Field("", description="Written on or before this date (YYYY-MM-DD).")
    page: str = ""
    page_size: str = Field("", description=f"1 to {MAX_PAGE_SIZE}")


@router.get(
    "/forum/search",
    auth=[token_auth, session_auth, _anonymous],
    response=ForumSearchOut,
    openapi_extra=problem_responses(400, 422),
    summary="Search the forums",
)
def forum_search(request: HttpRequest, filters: Query[ForumSearchFilters]) -> dict[str, Any]:
    """Threads, replies and meeting notes the caller may read, best first. No sign-in needed for public threads."""
    user = request.auth  # type: ignore[attr-defined]
    query = parse_forum_query(request.GET, condition_slugs={condition.slug for condition in condition_value_set()})
    result = search_forum(query, user=user)
    return {
        "total": result.shown_total,
        "total_is_lower_bound": result.more_than_cap,
        "page": query.page,
        "page_size": query.page_size,
        "pages": result.pages,
        "items": [
            {
                "kind": hit.kind,
                "thread_id": hit.document.thread_id,
                "post_id": hit.document.post_id,
                "space_id": hit.space.pk,
                "space_name": hit.space.name,
                "title": hit.title,
                "snippet": str(hit.snippet),
                "url": hit.url,
                "answered": hit.answered,
                "created_at": hit.created_at,
            }
            for hit in result.hits
        ],
    }
