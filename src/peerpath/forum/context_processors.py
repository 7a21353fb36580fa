"""The header's forum links: the count of unread notifications ("Notifications (3)") and whether to show the
Moderation link (issue 15 point 9). Each is one cheap, indexed query, made only when the page's menu reads it, and
none for visitors who are not signed in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from peerpath.forum.selectors import moderates_anything, unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0, "moderates": False}
    return {
        "unread_notifications": unread_count(user),
        # Lazy: the menu asks only for people who manage no organisation (they have the organisation's queue).
        "moderates": SimpleLazyObject(lambda: moderates_anything(user)),
    }
