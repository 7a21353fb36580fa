"""Who is calling the API: a personal token (`Authorization: Bearer ppt_…`) or the browser session.

The token is tried first and, once an Authorization header is present, it alone decides: a bad token is a 401,
never a silent fall-back to a session cookie. Both paths enforce the staff MFA rule (SECURITY.md MFA).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from peerpath.accounts.selectors import has_totp, requires_mfa
from peerpath.api.models import ApiToken
from peerpath.api.problems import ApiProblem
from peerpath.api.services import token_authenticate
from peerpath.audit.services import record_denied

# What a read-scoped token may do (RFC 9110 safe methods that ninja routes).
READ_METHODS = frozenset({"GET", "HEAD"})
_CSRF_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _deny(request: HttpRequest, user: Any, *, status: int, code: str, detail: str) -> ApiProblem:
    # SECURITY.md Audit: every failed authorization is an event (ASVS 16.3.2).
    record_denied(
        actor=user,
        object_type="api.operation",
        object_id=f"{request.method} {request.path}",
        details={"reason": code},
    )
    return ApiProblem(status=status, code=code, detail=detail)


def check_staff_mfa(request: HttpRequest, user: Any) -> None:
    """A staff role without TOTP reaches nothing, by any path."""
    if requires_mfa(user) and not has_totp(user):
        raise _deny(
            request,
            user,
            status=403,
            code="mfa_required",
            detail="Your role needs two-factor authentication: set it up in your account settings first.",
        )


class TokenAuth(HttpBearer):
    """A personal API token; read tokens may only GET."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization")
        if header is None:
            return None  # no token offered: the session may still answer
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            raise ApiProblem(status=401, code="invalid_token", detail="Send the token as `Bearer ppt_…`.")
        return self.authenticate(request, credentials.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = token_authenticate(secret=token)
        if api_token is None:
            raise ApiProblem(status=401, code="invalid_token", detail="The token is unknown, expired or revoked.")
        user = api_token.user
        check_staff_mfa(request, user)
        if api_token.scope != ApiToken.Scope.WRITE and request.method not in READ_METHODS:
            raise _deny(
                request,
                user,
                status=403,
                code="insufficient_scope",
                detail="This token may only read: create a token with write scope to make changes.",
            )
        request.api_token = api_token  # type: ignore[attr-defined]
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; unsafe methods need the CSRF token (X-CSRFToken header)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        unsafe = request.method not in _CSRF_SAFE_METHODS
        if unsafe and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise _deny(
                request,
                user,
                status=403,
                code="csrf_failed",
                detail="CSRF check failed: send the X-CSRFToken header, or reload the page and try again.",
            )
        check_staff_mfa(request, user)
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return self(request)


class SessionOnlyAuth(SessionAuth):
    """For operations a token must not reach (minting tokens), so a leaked token cannot mint more."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated and "Authorization" in request.headers:
            raise ApiProblem(
                status=403,
                code="session_required",
                detail="This needs a signed-in session: a token cannot do it.",
            )
        return super().__call__(request)


token_auth = TokenAuth()
session_auth = SessionAuth()
session_only_auth = SessionOnlyAuth()
# The default for every operation: token first (see the module docstring), then the session.
default_auth = [token_auth, session_auth]
