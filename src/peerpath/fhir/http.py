"""FHIR's own HTTP shapes: `application/fhir+json` answers, OperationOutcome errors, and who is calling.

Authentication is the API's (`peerpath.api.auth`): an `Authorization: Bearer ppt_…` token, when sent, alone decides;
otherwise the session, with the CSRF check on writes. Staff without MFA are refused either way.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Collection
from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja.utils import check_csrf

from peerpath.api.auth import check_staff_mfa, token_auth
from peerpath.api.problems import ApiProblem
from peerpath.audit.services import record_denied
from peerpath.core.errors import DomainError
from peerpath.fhir.codes import FHIR_CONTENT_TYPE

logger = logging.getLogger(__name__)

_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# HTTP status → OperationOutcome issue type (http://hl7.org/fhir/issue-type).
_ISSUE_TYPES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "processable",
}


class FhirError(Exception):
    """A refusal answered as an OperationOutcome."""

    def __init__(self, status: int, diagnostics: str, *, expression: str = "") -> None:
        super().__init__(diagnostics)
        self.status = status
        self.diagnostics = diagnostics
        self.expression = expression


def fhir_response(resource: dict[str, Any], *, status: int = 200, location: str = "") -> HttpResponse:
    response = HttpResponse(
        json.dumps(resource, ensure_ascii=False), status=status, content_type=f"{FHIR_CONTENT_TYPE}; charset=utf-8"
    )
    # Token callers have no session, so the people middleware does not see them: set it here for everyone.
    response["Cache-Control"] = "no-store, private, max-age=0"
    if location:
        response["Location"] = location
    return response


def operation_outcome(status: int, diagnostics: str, *, expression: str = "") -> HttpResponse:
    issue: dict[str, Any] = {
        "severity": "error",
        "code": _ISSUE_TYPES.get(status, "processing"),
        "diagnostics": diagnostics or HTTPStatus(status).phrase,
    }
    if expression:
        issue["expression"] = [expression]
    response = fhir_response({"resourceType": "OperationOutcome", "issue": [issue]}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="PeerPath FHIR"'
    return response


def authenticate(request: HttpRequest) -> Any:
    """The calling person, or a FhirError/ApiProblem (401 unknown, 403 CSRF, MFA or scope)."""
    if "Authorization" in request.headers:
        return token_auth(request)  # a bad token is a 401 here, never a fall-back to the session
    user = request.user
    if not user.is_authenticated:
        raise FhirError(401, "Sign in, or send a personal API token: Authorization: Bearer ppt_…")
    if request.method not in _SAFE_METHODS and check_csrf(request) is not None:
        record_denied(
            actor=user, object_type="fhir.operation", object_id=f"{request.method} {request.path}",
            details={"reason": "csrf_failed"},
        )  # fmt: skip
        raise FhirError(403, "CSRF check failed: send the X-CSRFToken header, or use an API token.")
    check_staff_mfa(request, user)
    return user


def check_id(value: str, *, what: str = "id") -> str:
    """A FHIR id: malformed is a 400; well-formed but not ours is left to the gate's 404."""
    if not _FHIR_ID.fullmatch(value):
        raise FhirError(400, f"Malformed {what}: a FHIR id is 1 to 64 letters, digits, '-' or '.'.", expression=what)
    return value


def fhir_endpoint(methods: Collection[str]) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Authenticate, allow only `methods`, and turn every refusal into an OperationOutcome (never HTML)."""
    allowed = frozenset(methods)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt  # the session's CSRF check is in `authenticate`, so tokens can POST without a cookie
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                user = authenticate(request)
                if request.method not in allowed:
                    response = operation_outcome(405, f"{request.method} is not supported here.")
                    response["Allow"] = ", ".join(sorted(allowed))
                    return response
                return view(request, user, *args, **kwargs)
            except FhirError as error:
                return operation_outcome(error.status, error.diagnostics, expression=error.expression)
            except ApiProblem as problem:
                return operation_outcome(problem.status, problem.detail)
            except Http404:
                return operation_outcome(404, "No such resource.")
            except RequestDataTooBig:
                return operation_outcome(413, "The body is too large: split the bundle into smaller ones.")
            except DomainError as error:
                return operation_outcome(error.status, error.message, expression=getattr(error, "path", "") or "")

        return wrapper

    return decorate
