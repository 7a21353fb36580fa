"""Finding what was shared before (issue 6 points 3 and 4).

    /search/                                    public: public threads when signed out; signed in, everything the
                                                person may read, with filters (space, condition, answered, dates)
    /spaces/<id>/forum/search/                  the same within one space (the forum gate decides who may)
    /spaces/<id>/forum/similar/                 POST title=…: an HTML fragment for htmx, answered threads like the
                                                title typed (POST: what is typed stays out of URLs and logs)
    /knowledge/                                 public: conditions with answered public threads
    /knowledge/<condition slug>/                public: the most helpful answered public threads of a condition

Search reads forum.search, which keeps to what the person may see; the pages never query documents themselves.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from peerpath.core.errors import DomainError
from peerpath.directory.models import Condition
from peerpath.directory.selectors import condition_value_set
from peerpath.forum import search
from peerpath.forum.access import access_forum
from peerpath.forum.models import MAX_TITLE_LENGTH
from peerpath.spaces.models import Membership, Space
from peerpath.spaces.selectors import my_memberships


def _search_page(request: HttpRequest, *, space: Space | None = None) -> HttpResponse:
    conditions = condition_value_set()
    signed_in = request.user.is_authenticated
    error: DomainError | None = None
    try:
        query = search.parse_forum_query(
            request.GET,
            condition_slugs={condition.slug for condition in conditions},
            space_id=space.pk if space is not None else None,
        )
    except DomainError as refused:
        error, query = refused, search.ForumQuery(space_id=space.pk if space is not None else None)
    scope = search.scope_for(request.user)
    result = search.search_forum(query, user=request.user, scope=scope) if error is None and query.words else None
    my_spaces: list[Space] = []
    if space is None and signed_in:
        my_spaces = [
            membership.space
            for membership in my_memberships(request.user)
            if membership.status == Membership.Status.ACTIVE
        ]
    context: dict[str, Any] = {
        "query": query,
        "result": result,
        "error": error,
        "raw": request.GET,
        "space": space,
        "conditions": conditions,
        "my_spaces": my_spaces,
        "signed_in": signed_in,
        "action": reverse("space_forum_search", kwargs={"space_id": space.pk}) if space else reverse("forum_search"),
        "previous_page": query.querystring(page=query.page - 1, space_id=None if space else query.space_id),
        "next_page": query.querystring(page=query.page + 1, space_id=None if space else query.space_id),
    }
    response = render(request, "forum/search.html", context, status=400 if error else 200)
    if signed_in:
        # What a signed-in person finds includes members-only posts: never cached, never indexed (X-Robots-Tag too).
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def forum_search(request: HttpRequest) -> HttpResponse:
    return _search_page(request)


@require_GET
def space_forum_search(request: HttpRequest, space_id: str) -> HttpResponse:
    viewer = access_forum(request.user, space_id)
    return _search_page(request, space=viewer.space)


@require_POST
def similar(request: HttpRequest, space_id: str) -> HttpResponse:
    """For the composer: never an error for what is typed, an empty fragment for fewer than three characters. A POST
    (with the form's CSRF token) so that a title being typed, often about someone's health, never lands in a URL, an
    access log or the browser's history; it reads only, and changes nothing."""
    viewer = access_forum(request.user, space_id)
    title = str(request.POST.get("title", ""))[:MAX_TITLE_LENGTH]
    threads = search.similar_threads(request.user, viewer, title)
    response = render(request, "forum/includes/similar.html", {"threads": threads, "space": viewer.space})
    if request.user.is_authenticated:
        add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def knowledge_index(request: HttpRequest) -> HttpResponse:
    context = {
        "conditions": search.knowledge_conditions(),
        "canonical": request.build_absolute_uri(reverse("knowledge_index")),
    }
    return render(request, "forum/knowledge_index.html", context)


@require_GET
def knowledge(request: HttpRequest, condition_slug: str) -> HttpResponse:
    condition = Condition.objects.filter(slug=condition_slug).first()
    if condition is None:
        raise Http404
    context = {
        "condition": condition,
        "threads": search.knowledge_threads(condition),
        "canonical": request.build_absolute_uri(reverse("knowledge", kwargs={"condition_slug": condition.slug})),
    }
    return render(request, "forum/knowledge.html", context)


urlpatterns = [
    path("search/", forum_search, name="forum_search"),
    path("spaces/<uuid:space_id>/forum/search/", space_forum_search, name="space_forum_search"),
    path("spaces/<uuid:space_id>/forum/similar/", similar, name="similar_threads"),
    path("knowledge/", knowledge_index, name="knowledge_index"),
    path("knowledge/<slug:condition_slug>/", knowledge, name="knowledge"),
]
