"""Background work for programmes: the alert when a supporter raises a concern; the wellbeing alerts; and the daily
sweeps that `peerpath run_scheduler` queues (supporters' wellbeing, and proactive follow-up)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from peerpath.programmes import notifications


@task()
def send_concern_alert(interaction_id: str) -> int:
    """E-mail the supervisor and the coordinator (every manager of the organisation, for safeguarding)."""
    return notifications.concern_alert(interaction_id)


@task()
def send_wellbeing_alert(alert_id: str) -> int:
    """E-mail a wellbeing alert to the supporter's supervisor (or the coordinators); at most once per alert."""
    return notifications.wellbeing_alert(alert_id)


@task()
def wellbeing_sweep() -> dict[str, int]:
    """Alert on missed check-ins and caseloads above a cap (queued daily by `peerpath run_scheduler`)."""
    from peerpath.programmes.services import wellbeing_sweep as sweep

    return asdict(sweep())


@task()
def send_pause_notice(supporter_id: str) -> int:
    """Ask the supervisor (or the coordinators) to cover the follow-ups of a supporter taking a break."""
    return notifications.pause_notice(supporter_id)


@task()
def follow_up_sweep() -> dict[str, int]:
    """Each supporter's digest of follow-ups due, and the coordinators told of patients nobody has reached for weeks
    (queued daily by `peerpath run_scheduler`)."""
    from peerpath.programmes.follow_ups import follow_up_sweep as sweep

    return asdict(sweep())
