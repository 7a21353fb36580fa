from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from peerpath.api.models import ApiToken


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    """A person's own tokens, newest first (revoked ones included, marked)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at")
