"""Background work for moderation: the crisis alert by e-mail, at once, and moderators' decisions to the member."""

from __future__ import annotations

from django_tasks import task

from peerpath.moderation import notifications


@task()
def send_crisis_alert(post_id: str) -> int:
    """E-mail every moderator of the space and coordinator of the host that a post may be from someone in crisis."""
    return notifications.crisis_alert(post_id)


@task()
def send_member_email(user_id: str, subject: str, lines: list[str]) -> bool:
    """Tell a member of a moderator's decision about their post or their voice in a space."""
    return notifications.member_email(user_id, subject=subject, lines=lines)


@task()
def send_crisis_realert(item_id: str) -> int:
    """E-mail that a crisis item is still unhandled after the re-alert period."""
    return notifications.crisis_realert(item_id)


@task()
def crisis_realert_sweep() -> int:
    """Re-alert unhandled crisis items (queued on every tick of `peerpath run_scheduler`)."""
    from peerpath.moderation.crisis_work import crisis_realert_sweep as sweep

    return sweep()
