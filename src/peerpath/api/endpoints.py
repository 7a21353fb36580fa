"""The API app's own operations: who am I, and my personal tokens. Thin: gate, selector or service."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from peerpath.accounts.selectors import has_totp, roles_by_organisation
from peerpath.api import services
from peerpath.api.access import access_api_token
from peerpath.api.auth import session_only_auth
from peerpath.api.schemas import MeOut, TokenCreatedOut, TokenIn, TokenOut, problem_responses
from peerpath.api.selectors import tokens_of

router = Router()


@router.get("/me", tags=["me"], response=MeOut, openapi_extra=problem_responses(401, 403))
def me(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person."""
    user = request.auth  # type: ignore[attr-defined]
    roles = [
        {"organisation": {"id": entry.organisation.pk, "name": entry.organisation.name}, "role": role}
        for entry in roles_by_organisation(user)
        for role in entry.roles
    ]
    return {
        "id": user.pk,
        "handle": user.handle,
        "email": user.email,
        "legal_name": user.legal_name or None,
        "roles": roles,
        "mfa_enabled": has_totp(user),
    }


@router.get("/tokens", tags=["tokens"], response=list[TokenOut], openapi_extra=problem_responses(401, 403))
@paginate
def token_list(request: HttpRequest) -> Any:
    """Your personal API tokens, newest first, revoked and expired ones included."""
    return tokens_of(request.auth)  # type: ignore[attr-defined]


@router.post(
    "/tokens",
    tags=["tokens"],
    auth=session_only_auth,
    response={201: TokenCreatedOut},
    openapi_extra=problem_responses(400, 401, 403, 409, 422),
)
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    """Create a token (needs a signed-in session, not a token). The token is in the answer this once only."""
    token, secret = services.token_create(
        user=request.auth,  # type: ignore[attr-defined]
        name=payload.name,
        scope=payload.scope,
        expires_at=payload.expires_at,
    )
    return Status(201, {**TokenOut.model_validate(token).model_dump(), "token": secret})


@router.delete(
    "/tokens/{token_id}",
    tags=["tokens"],
    response={204: None},
    openapi_extra=problem_responses(401, 403, 404, 409),
)
def token_revoke(request: HttpRequest, token_id: UUID) -> Status[None]:
    """Revoke one of your tokens: it stops working at once."""
    user = request.auth  # type: ignore[attr-defined]
    services.token_revoke(user=user, token=access_api_token(user, token_id))
    return Status(204, None)
