"""Pages every app shares: home, health check, and error pages that reveal nothing."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from peerpath.accounts.selectors import roles_by_organisation

# Machine clients get RFC 9457 problems, people get pages.
API_PREFIXES = ("/api/", "/fhir/")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    memberships = roles_by_organisation(request.user) if request.user.is_authenticated else []
    return render(request, "core/home.html", {"memberships": memberships})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 while the database answers. "status" is "ok", or "degraded" when a screening classifier is missing or
    corrupt: texts are then screened by the rules alone (issue 15), which works but misses more crisis posts."""
    from peerpath.screening import classifiers

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    degraded = classifiers.degraded()
    screening = {"classifiers": classifiers.status(), "rules_only": [line.split(":")[0] for line in degraded]}
    return JsonResponse({"status": "degraded" if degraded else "ok", "screening": screening})


def _error(request: HttpRequest, template: str, status: int) -> HttpResponse:
    if request.path.startswith(API_PREFIXES):
        from peerpath.api.problems import problem_response

        return problem_response(status=status)
    return render(request, template, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "errors/400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "errors/403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "errors/404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, "errors/500.html", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if request.path.startswith(API_PREFIXES):
        from peerpath.api.problems import problem_response

        return problem_response(status=403, detail="CSRF check failed: reload the page and try again.")
    return render(request, "errors/403_csrf.html", status=403)
