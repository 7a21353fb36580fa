"""Reads of API tokens, already filtered to the person asking."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from peerpath.api.models import ApiToken
from peerpath.core.time import now


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    """A person's own tokens, newest first (revoked and expired ones included, so they can see them)."""
    if not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def live_tokens_of(user: Any) -> QuerySet[ApiToken]:
    """The tokens that still open the API: not revoked, not expired."""
    return tokens_of(user).filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now()))
