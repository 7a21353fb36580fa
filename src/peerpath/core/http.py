"""Request types for views that only signed-in people reach (for the type checker)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from peerpath.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
