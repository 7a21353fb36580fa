"""What the API's own operations take and give (the person, their tokens, problems)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import AwareDatetime

from peerpath.api.problems import PROBLEM_CONTENT_TYPE


class OrganisationRef(Schema):
    id: UUID
    name: str


class RoleOut(Schema):
    organisation: OrganisationRef
    role: str


class MeOut(Schema):
    """About yourself: your own e-mail and legal name are yours to see (peers see only the handle)."""

    id: UUID
    handle: str
    email: str
    legal_name: str | None
    roles: list[RoleOut]
    mfa_enabled: bool


class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str = Field(description="The first characters of the token, to tell tokens apart.")
    scope: Literal["read", "write"]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="Accurate to about a minute.")
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    scope: Literal["read", "write"] = "read"
    expires_at: AwareDatetime | None = None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself, shown this once: it cannot be retrieved again.")


class ProblemError(Schema):
    location: list[str | int]
    detail: str
    type: str


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    code: str | None = None
    errors: list[ProblemError] | None = None


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not signed in, or the token is unknown, expired or revoked",
    403: "Refused: CSRF, token scope, or MFA required for a staff role",
    404: "Not found, or not yours",
    409: "Conflict with the current state",
    422: "The request is not valid",
}


def problem_responses(*statuses: int) -> dict[str, Any]:
    """openapi_extra documenting error answers as application/problem+json."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    schema["properties"].pop("errors", None)
    schema["properties"]["errors"] = {"type": "array", "items": ProblemError.model_json_schema()}
    return {
        "responses": {
            str(status): {
                "description": _DESCRIPTIONS.get(status, "Error"),
                "content": {PROBLEM_CONTENT_TYPE: {"schema": schema}},
            }
            for status in statuses
        }
    }
