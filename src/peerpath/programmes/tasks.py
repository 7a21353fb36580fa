"""Background work for programmes: the alert when a supporter raises a concern."""

from __future__ import annotations

from django_tasks import task

from peerpath.programmes import notifications


@task()
def send_concern_alert(interaction_id: str) -> int:
    """E-mail the supervisor and the coordinator (every manager of the organisation, for safeguarding)."""
    return notifications.concern_alert(interaction_id)
