"""Background work for private conversations: the crisis alert by e-mail, at once."""

from __future__ import annotations

from django_tasks import task

from peerpath.messages import notifications


@task()
def send_crisis_alert(message_id: str) -> int:
    """E-mail the supporters in the conversation and the organisation's coordinators that a message may be from
    someone in crisis (once per message)."""
    return notifications.crisis_alert(message_id)
