"""Background work for moderation: the crisis alert by e-mail, at once."""

from __future__ import annotations

from django_tasks import task

from peerpath.moderation import notifications


@task()
def send_crisis_alert(post_id: str) -> int:
    """E-mail every moderator of the space and coordinator of the host that a post may be from someone in crisis."""
    return notifications.crisis_alert(post_id)
