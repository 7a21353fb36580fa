"""The header's count of unread notifications ("Notifications (3)"): one cheap, indexed query per page, none for
visitors who are not signed in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from peerpath.forum.selectors import unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": unread_count(user)}
