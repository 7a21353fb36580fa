"""RFC 9457 problem details: how every API error is answered."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from peerpath.core.errors import DomainError

if TYPE_CHECKING:
    from ninja import NinjaAPI

PROBLEM_CONTENT_TYPE = "application/problem+json"

logger = logging.getLogger(__name__)


def problem_body(*, status: int, detail: str = "", code: str = "", **extra: Any) -> dict[str, Any]:
    title = HTTPStatus(status).phrase
    slug = code or title.lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": f"https://peerpath.invalid/problems/{slug}",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if code:
        body["code"] = code
    body.update(extra)
    return body


def problem_response(*, status: int, detail: str = "", code: str = "", **extra: Any) -> HttpResponse:
    body = problem_body(status=status, detail=detail, code=code, **extra)
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


class ApiProblem(Exception):
    """An API refusal that is not a domain rule (authentication, scope, MFA): answered as a problem."""

    def __init__(self, *, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def _unauthorized(
    detail: str = "Sign in, or send a valid personal API token.", code: str = "unauthorized"
) -> HttpResponse:
    response = problem_response(status=401, code=code, detail=detail)
    # RFC 9110 §11.6.1: a 401 names the scheme the client should use.
    response["WWW-Authenticate"] = 'Bearer realm="PeerPath API"'
    return response


def _on_api_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    if exc.status == 401:
        return _unauthorized(exc.detail, exc.code)
    return problem_response(status=exc.status, code=exc.code, detail=exc.detail)


def _on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _unauthorized()


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own messages ("Cannot parse request body", "CSRF check Failed"): fixed strings, no user data.
    status = exc.status_code if exc.status_code in HTTPStatus._value2member_map_ else 400
    return problem_response(status=status, detail=str(exc))


def _location(loc: Any) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in (loc or ())]


def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Only where and what: pydantic's "input" and "ctx" may echo what was sent (a password, a token).
    errors = [
        {
            "location": _location(error.get("loc")),
            "detail": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors
    ]
    return problem_response(
        status=422, code="validation_failed", detail="The request is not valid: see errors.", errors=errors
    )


def _on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    extra: dict[str, Any] = {}
    if exc.field:
        extra["errors"] = [{"location": ["body", exc.field], "detail": exc.message, "type": exc.code}]
    status = exc.status if exc.status in HTTPStatus._value2member_map_ else 400
    return problem_response(status=status, code=exc.code, detail=exc.message, **extra)


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Never the exception's text: it can name the model or the id that was looked for.
    return problem_response(status=404, code="not_found", detail="Not found.")


def _on_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(status=403, code="forbidden", detail="You may not do this.")


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with the request id (the log filter adds it) so support can find it; the client learns nothing.
    logger.error("Unhandled error in API operation", exc_info=(type(exc), exc, exc.__traceback__))
    return problem_response(status=500, code="server_error", detail="Something went wrong on our side.")


def not_allowed_response(allowed: str) -> HttpResponse:
    response = problem_response(status=405, code="method_not_allowed", detail="This method is not allowed here.")
    response["Allow"] = allowed
    return response


def install_problem_handlers(api: NinjaAPI) -> None:
    """Every error the API answers with is a problem: ninja's own, Django's, ours, and the unexpected."""
    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (Exception, _on_unexpected),
        (Http404, _on_not_found),
        (DjangoPermissionDenied, _on_permission_denied),
        (HttpError, _on_http_error),
        (AuthenticationError, _on_authentication_error),
        (ValidationError, _on_validation_error),
        (DomainError, _on_domain_error),
        (ApiProblem, _on_api_problem),
    ]
    for exception_class, handler in handlers:
        api.add_exception_handler(exception_class, handler)
