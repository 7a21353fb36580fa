"""The menu's "Messages" link, for signed-in people with a conversation to go to: one cheap, indexed query, made
only when the page's menu reads it, and none for visitors who are not signed in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from peerpath.messages.selectors import has_conversations


def conversations(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"has_conversations": False}
    return {"has_conversations": SimpleLazyObject(lambda: has_conversations(user))}
