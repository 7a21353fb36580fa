"""Personal API tokens: created, used and revoked only here; each change atomic and audited.

A token is `ppt_` followed by 32 random bytes (URL-safe base64). Only its SHA-256 digest and a short display
prefix are stored, so a copy of the database does not open the API; the plain token is returned once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.api.models import ApiToken
from peerpath.api.selectors import live_tokens_of
from peerpath.audit.models import AuditEvent
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError, NotFound
from peerpath.core.time import now

TOKEN_PREFIX = "ppt_"
_TOKEN_BYTES = 32
_TOKEN_PATTERN = re.compile(r"ppt_[A-Za-z0-9_-]{43}")
_DISPLAY_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
# Writing last_used_at on every request would turn each API read into a write: a minute's precision is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str, scope: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its plain secret, which is never available again."""
    name = name.strip()
    if not name:
        raise DomainError("Give the token a name, so you can tell it apart later.", field="name")
    if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        raise DomainError("A token name is at most 80 characters.", field="name")
    if scope not in ApiToken.Scope.values:
        raise DomainError("The scope is either read or write.", field="scope")
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            raise DomainError("The expiry needs a time zone.", field="expires_at")
        if expires_at <= now():
            raise DomainError("The expiry must be in the future.", field="expires_at")
    # Lock the person's row (PostgreSQL; SQLite serialises writers anyway) so that two requests at once
    # cannot both squeeze under the limit.
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    limit = settings.API_TOKEN_MAX_PER_USER
    if live_tokens_of(user).count() >= limit:
        raise Conflict(f"You have {limit} live tokens: revoke one before creating another.", code="token_limit")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        expires_at=expires_at,
        prefix=secret[:_DISPLAY_PREFIX_LENGTH],
        digest=token_digest(secret),
    )
    record(
        action="api_token.created",
        actor=user,
        target=token,
        details={"scope": scope, "expires": expires_at is not None},
    )
    return token, secret


@transaction.atomic
def token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    if token.user_id != user.pk:
        raise NotFound()
    moment = now()
    # Conditional update: of two revocations at once, exactly one succeeds and is audited.
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=moment, updated_at=moment)
    if not revoked:
        raise Conflict("This token is already revoked.", code="already_revoked")
    token.revoked_at = moment
    token.updated_at = moment
    record(action="api_token.revoked", actor=user, target=token, details={"scope": token.scope})
    return token


def token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token of an active person this secret belongs to, or None; notes when it was last used."""
    if not _TOKEN_PATTERN.fullmatch(secret):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
    if token is None:
        # Unknown secrets are not audited: anyone could fill the audit chain with them.
        return None
    moment = now()
    reason = ""
    if token.revoked_at is not None:
        reason = "revoked"
    elif token.expires_at is not None and token.expires_at <= moment:
        reason = "expired"
    elif not token.user.is_active:
        reason = "account_inactive"
    if reason:
        record(
            action="api_token.refused",
            actor=token.user,
            target=token,
            outcome=AuditEvent.Outcome.DENIED,
            details={"reason": reason},
        )
        return None
    if token.last_used_at is None or moment - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
        token.last_used_at = moment
    return token
