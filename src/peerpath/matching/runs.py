"""Runs of the matcher (issue 17 point 2): a coordinator starts one, a background task solves the whole pool and
saves its proposals, and the coordinator's page follows its progress.

    run_start     refuses a second run of a programme while one is queued or running (the database refuses it too);
                  a run whose worker went silent for STALE_AFTER is marked failed, so it cannot block for ever
    run_execute   the task's body: load the pool (mentees still waiting, mentors with places left), solve it, and
                  save one proposal per pair, waiting for review or offered at once as the programme says

The stages and their share of the bar: loading 0-20 %, pairs 20-60 %, solving 60-90 %, saving 90-100 %.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerpath.accounts.models import User
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError
from peerpath.core.time import now
from peerpath.matching import engine
from peerpath.matching.models import PROPOSAL_PENDING, RUN_LIVE, MatchRun, Proposal
from peerpath.matching.pool import load_pool, tried_pairs
from peerpath.matching.selectors import pool
from peerpath.matching.settings import matching_settings, require_manager, weights_of
from peerpath.programmes.models import Programme

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=30)
RUN_STAGES = {"loading": 0, "pairs": 20, "solving": 60, "assigning": 88, "saving": 90, "done": 100}
# engine.assign's own stages, mapped onto the bar
_ENGINE_SHARE = {"pairs": 20, "solving": 60, "assigning": 88}


def fail_stale(programme: Programme) -> None:
    """A live run not heard from for STALE_AFTER lost its worker: it is failed, so a new run may start."""
    stale = MatchRun.objects.filter(programme=programme, status__in=RUN_LIVE, updated_at__lt=now() - STALE_AFTER)
    for run in stale:
        MatchRun.objects.filter(pk=run.pk, status__in=RUN_LIVE).update(
            status=MatchRun.Status.FAILED, error=_("The run stopped without finishing."), finished_at=now(),
            updated_at=now(),
        )  # fmt: skip
        record(action="matching.run_failed", actor=None, organisation=programme.organisation, target=run,
               details={"reason": "stale"})  # fmt: skip


@transaction.atomic
def run_start(*, actor: User, programme: Programme) -> MatchRun:
    """Queue a run of the matcher over the programme's pool (a coordinator or admin of its organisation)."""
    from peerpath.matching import tasks

    programme = Programme.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=programme.pk)
    require_manager(actor, programme)
    fail_stale(programme)
    if MatchRun.objects.filter(programme=programme, status__in=RUN_LIVE).exists():
        raise Conflict(_("A run of this programme is already under way. Wait for it to finish."), code="run_live")
    weights = weights_of(matching_settings(programme))
    try:
        with transaction.atomic():
            run = MatchRun.objects.create(programme=programme, started_by=actor, weights=dict(weights.values))
    except IntegrityError:  # another coordinator's run got in first
        raise Conflict(_("A run of this programme is already under way. Wait for it to finish."),
                       code="run_live") from None  # fmt: skip
    record(action="matching.run_started", actor=actor, organisation=programme.organisation, target=run,
           details={"programme": str(programme.pk)})  # fmt: skip
    run_id = str(run.pk)
    transaction.on_commit(lambda: tasks.run_matching.enqueue(run_id))
    return run


def _progress(run: MatchRun, stage: str, percent: int) -> None:
    """Move the bar (its own write, seen at once by the page that polls it)."""
    MatchRun.objects.filter(pk=run.pk, status=MatchRun.Status.RUNNING).update(
        stage=stage, progress=max(0, min(100, percent)), updated_at=now()
    )


def _claim(run_id: Any) -> MatchRun | None:
    """Take a queued run for this worker (a run is executed once, whoever else picks the task up)."""
    claimed = MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.QUEUED).update(
        status=MatchRun.Status.RUNNING, stage="loading", progress=0, started_at=now(), updated_at=now()
    )
    if not claimed:
        return None
    return MatchRun.objects.select_related("programme__organisation").get(pk=run_id)


def run_execute(run_id: Any) -> MatchRun | None:
    """Solve the programme's pool and save the proposals (the background task). Any failure marks the run failed
    with what a coordinator can read, and saves no proposal."""
    run = _claim(run_id)
    if run is None:
        return None
    try:
        return _execute(run)
    except Exception as error:  # a run must end, whatever broke: its page would otherwise wait for ever
        logger.exception("matching run %s failed", run.pk)
        MatchRun.objects.filter(pk=run.pk).update(
            status=MatchRun.Status.FAILED, error=_("The run failed (%(kind)s).") % {"kind": type(error).__name__},
            finished_at=now(), updated_at=now(),
        )  # fmt: skip
        record(action="matching.run_failed", actor=None, organisation=run.programme.organisation, target=run,
               details={"reason": type(error).__name__})  # fmt: skip
        run.refresh_from_db()
        return run


def _execute(run: MatchRun) -> MatchRun:
    programme = run.programme
    weights = engine.Weights(dict(run.weights))
    mentees, mentors = load_pool(programme, waiting_only=True)
    run.mentees, run.mentors = len(mentees), len(mentors)
    run.places = sum(mentor.capacity for mentor in mentors)
    MatchRun.objects.filter(pk=run.pk).update(
        mentees=run.mentees, mentors=run.mentors, places=run.places, updated_at=now()
    )

    def moved(stage: str, percent: int) -> None:
        _progress(run, stage, _ENGINE_SHARE.get(stage, percent))

    assignment = engine.assign(mentees, mentors, weights, forbidden=tried_pairs(programme), progress=moved)
    if not assignment.optimal:
        raise DomainError(_("The solver found no optimal assignment."))
    _progress(run, "saving", RUN_STAGES["saving"])
    saved = _save_proposals(run, assignment)
    MatchRun.objects.filter(pk=run.pk).update(
        status=MatchRun.Status.DONE, stage="done", progress=100, candidate_pairs=assignment.candidate_pairs,
        proposals=saved, unmatched=len(mentees) - saved, total_points=assignment.total, optimal=True,
        finished_at=now(), updated_at=now(),
    )  # fmt: skip
    run.refresh_from_db()
    record(action="matching.run_done", actor=None, organisation=programme.organisation, target=run,
           details={"proposals": saved, "mentees": run.mentees, "mentors": run.mentors})  # fmt: skip
    return run


@transaction.atomic
def _save_proposals(run: MatchRun, assignment: engine.Assignment) -> int:
    """One proposal per pair, in one transaction. A profile that left the pool while the run was solving is skipped,
    and so is a mentee who got a proposal meanwhile (the one-pending-per-mentee constraint)."""
    from peerpath.matching.proposals import offer_deadline

    programme = run.programme
    settings = matching_settings(programme)
    # Who is still in the pool now, read whole (a list of tens of thousands of ids is past SQLite's parameter limit).
    still_in = set(pool(programme).values_list("pk", flat=True))
    review = settings.review_required
    moment = now()
    proposals = [
        Proposal(
            programme=programme, run=run, mentee_id=pair.mentee.id, mentor_id=pair.mentor.id, points=pair.points,
            status=Proposal.Status.REVIEW if review else Proposal.Status.OFFERED,
            offered_at=None if review else moment, expires_at=None if review else offer_deadline(settings, moment),
        )
        for pair in assignment.pairs
        if pair.mentee.id in still_in and pair.mentor.id in still_in
    ]  # fmt: skip
    try:
        with transaction.atomic():
            Proposal.objects.bulk_create(proposals, batch_size=1000)
    except IntegrityError:
        waiting = Proposal.objects.filter(programme=programme, status__in=PROPOSAL_PENDING)
        busy = set(waiting.values_list("mentee_id", flat=True))
        proposals = [proposal for proposal in proposals if proposal.mentee_id not in busy]
        Proposal.objects.bulk_create(proposals, batch_size=1000)
    if not review and proposals:
        from peerpath.matching import tasks

        run_id = str(run.pk)
        transaction.on_commit(lambda: tasks.send_run_notices.enqueue(run_id))
    return len(proposals)


def latest_run(programme: Programme) -> MatchRun | None:
    return MatchRun.objects.filter(programme=programme).order_by("-created_at").first()
