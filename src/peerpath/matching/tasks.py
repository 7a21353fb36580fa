"""Background work for matching: a run of the matcher, the e-mails of proposals and matches, the daily sweep."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from peerpath.matching import notifications


@task()
def run_matching(run_id: str) -> str:
    """Solve a programme's pool and save the proposals (runs.run_execute); the run's status when it ended."""
    from peerpath.matching.runs import run_execute

    run = run_execute(run_id)
    return "" if run is None else run.status


@task()
def send_proposal_notice(proposal_id: str) -> int:
    """Tell both people that a buddy is proposed to them (no name: the card is one signed-in click away)."""
    return notifications.proposal_notice(proposal_id)


@task()
def send_run_notices(run_id: str) -> int:
    """Tell everyone in the proposals of a run that went straight out (a programme without review)."""
    return notifications.run_notices(run_id)


@task()
def send_match_notice(match_id: str, kind: str) -> int:
    """A match started, ended, was nudged or asks "is this working?"."""
    return notifications.match_notice(match_id, kind)


@task()
def send_report_notice(report_id: str) -> int:
    """Tell the organisation's moderators and coordinators of a report from a match."""
    return notifications.report_notice(report_id)


@task()
def life_sweep() -> dict[str, int]:
    """Expire proposals, nudge silent pairs, ask check-ins (queued daily by `peerpath run_scheduler`)."""
    from peerpath.matching.matches import life_sweep as sweep

    return asdict(sweep())
