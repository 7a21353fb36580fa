"""The PeerPath API at /api/v1: each app's router assembled into one OpenAPI document.

Every answer here is JSON; every error is an RFC 9457 problem (peerpath.api.problems), including the ones
ninja or Django produce outside an operation (an unknown method, the bare root); no answer is cached.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI

from peerpath.api.auth import default_auth
from peerpath.api.docs import OfflineSwagger
from peerpath.api.problems import install_problem_handlers, not_allowed_response, problem_response


def _as_api_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def api_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            response = problem_response(status=404, code="not_found", detail="Not found.")
        if isinstance(response, HttpResponseNotAllowed):
            response = not_allowed_response(response["Allow"])
        # SECURITY.md Data protection: API answers are about people; no shared or browser cache keeps them.
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response

    api_view.csrf_exempt = getattr(view, "csrf_exempt", False)  # type: ignore[attr-defined]
    return api_view


def _wrap_patterns(patterns: list[URLPattern | URLResolver]) -> None:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _wrap_patterns(pattern.url_patterns)
        else:
            pattern.callback = _as_api_view(pattern.callback)


class PeerPathAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        _wrap_patterns(patterns)
        return patterns, app_name, namespace


api = PeerPathAPI(
    title="PeerPath API",
    version="1.0.0",
    description=(
        "Sign in (session; unsafe methods need the X-CSRFToken header) or send a personal API token as "
        "`Authorization: Bearer ppt_…`. Errors are RFC 9457 `application/problem+json`."
    ),
    urls_namespace="api",
    auth=default_auth,
    docs=OfflineSwagger(),
)
install_problem_handlers(api)
api.add_router("", "peerpath.api.endpoints.router")
api.add_router("", "peerpath.directory.api.router")
api.add_router("/hsds", "peerpath.directory.api_hsds.router")
api.add_router("", "peerpath.prescriptions.api.router")
api.add_router("", "peerpath.spaces.api.router")
api.add_router("", "peerpath.forum.api.router")
