"""Proposals (issue 17 point 4): reviewed by a coordinator unless the programme turned that off, then offered to
both people, who each accept or decline (with an optional reason the coordinator alone reads). Nothing identifying
about either is shown to the other until both accept: the intro card gives a pseudonym and the reasons for the
match in words both recognise. When both accept, the match begins (matches.match_begin).

Refused, changing nothing: answering a proposal that expired, was withdrawn or was already answered; reviewing one
that is not waiting for review; answering someone else's. Withdrawing consent to be matched withdraws the person's
proposals still waiting, in the same transaction (services.on_consent_withdrawn).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from peerpath.accounts.models import User
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.matching import engine
from peerpath.matching.explain import Explanation, explain
from peerpath.matching.models import PROPOSAL_PENDING, Answer, MatchingSettings, MatchProfile, Proposal
from peerpath.matching.pool import to_person
from peerpath.matching.services import on_consent_withdrawn
from peerpath.matching.settings import matching_settings, require_manager, weights_of
from peerpath.matching.vocabulary import Role
from peerpath.programmes.models import Programme

MAX_REASON = 300


def offer_deadline(settings: MatchingSettings, moment: datetime) -> datetime:
    return moment + timedelta(days=settings.offer_days)


def side_of(proposal: Proposal, user: Any) -> str | None:
    """Which side of the proposal the person is on ("mentee" or "mentor"), or None."""
    if proposal.mentee.user_id == getattr(user, "pk", None):
        return Role.MENTEE.value
    if proposal.mentor.user_id == getattr(user, "pk", None):
        return Role.MENTOR.value
    return None


def pseudonym(proposal: Proposal, side: str) -> str:
    """The name a side goes by on the intro card: stable for the proposal, telling nothing about the person."""
    tag = hashlib.sha256(f"{proposal.pk}:{side}".encode()).hexdigest()[:4].upper()
    return (_("Mentor %(tag)s") if side == Role.MENTOR else _("Member %(tag)s")) % {"tag": tag}


@dataclass(frozen=True)
class Reasons:
    """Why the two were proposed: the score now (its parts for the coordinator) and the sentences both read."""

    score: engine.Score
    explanation: Explanation


def proposal_weights(proposal: Proposal) -> engine.Weights:
    """The weights a proposal was scored with: its run's, or (by hand) the programme's settings now."""
    if proposal.run_id is not None and proposal.run is not None and proposal.run.weights:
        return engine.Weights(dict(proposal.run.weights))
    return weights_of(matching_settings(proposal.programme))


def reasons_for(proposal: Proposal, weights: engine.Weights | None = None) -> Reasons:
    """The score and explanation of a proposal, from the two profiles as they are now (their conditions loaded),
    with the weights it was proposed under (a page of one run's proposals passes them once)."""
    mentee, mentor = to_person(proposal.mentee, capacity=1), to_person(proposal.mentor, capacity=1)
    weights = weights or proposal_weights(proposal)
    score = engine.score(mentee, mentor, weights)
    names = {entry.condition.slug: entry.condition.name for profile in (proposal.mentee, proposal.mentor)
             for entry in profile.conditions.all()}  # fmt: skip
    return Reasons(score=score, explanation=explain(mentee, mentor, score, names))


def _locked(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("programme__organisation", "mentee", "mentor")
        .get(pk=proposal.pk)
    )


def _both_in_pool(proposal: Proposal) -> bool:
    return proposal.mentee.consented and proposal.mentor.consented


def _withdraw(proposal: Proposal, *, actor: User | None, reason: str) -> None:
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.closed_at = now()
    proposal.save(update_fields=["status", "closed_at", "updated_at"])
    record(action="matching.proposal_withdrawn", actor=actor, organisation=proposal.programme.organisation,
           target=proposal, details={"reason": reason})  # fmt: skip


def _past_deadline(proposal: Proposal) -> bool:
    return (
        proposal.status == Proposal.Status.OFFERED and proposal.expires_at is not None and proposal.expires_at <= now()
    )


def _expire_if_due(proposal: Proposal) -> bool:
    """An offered proposal past its deadline is expired now; True if it just expired."""
    if not _past_deadline(proposal):
        return False
    proposal.status = Proposal.Status.EXPIRED
    proposal.closed_at = now()
    proposal.save(update_fields=["status", "closed_at", "updated_at"])
    record(action="matching.proposal_expired", actor=None, organisation=proposal.programme.organisation,
           target=proposal, details={})  # fmt: skip
    return True


def _offer(proposal: Proposal, *, moment: datetime) -> None:
    proposal.status = Proposal.Status.OFFERED
    proposal.offered_at = moment
    proposal.expires_at = offer_deadline(matching_settings(proposal.programme), moment)


@transaction.atomic
def proposal_review(*, actor: User, proposal: Proposal, approve: bool) -> Proposal:
    """A coordinator sends a proposal to both people, or stops it (the pair is not proposed again)."""
    proposal = _locked(proposal)
    require_manager(actor, proposal.programme)
    if proposal.status != Proposal.Status.REVIEW:
        raise Conflict(_("This proposal is no longer waiting for review (%(status)s).")
                       % {"status": proposal.get_status_display().lower()}, code="not_in_review")  # fmt: skip
    if not _both_in_pool(proposal):
        _withdraw(proposal, actor=None, reason="left_pool")
        raise Conflict(_("One of the two has left the matching pool since: the proposal was withdrawn."),
                       code="left_pool")  # fmt: skip
    moment = now()
    proposal.reviewed_by, proposal.reviewed_at = actor, moment
    if approve:
        _offer(proposal, moment=moment)
    else:
        proposal.status, proposal.closed_at = Proposal.Status.REJECTED, moment
    proposal.save()
    record(action="matching.proposal_approved" if approve else "matching.proposal_rejected", actor=actor,
           organisation=proposal.programme.organisation, target=proposal, details={})  # fmt: skip
    if approve:
        proposal_id = proposal.pk
        transaction.on_commit(lambda: notify_offered([proposal_id]))
    return proposal


def proposals_review_all(*, actor: User, proposals: Iterable[Proposal]) -> int:
    """Send every listed proposal still waiting for review; the number sent. Each is its own transaction, so one
    that changed meanwhile does not undo the others."""
    sent = 0
    for proposal in proposals:
        try:
            proposal_review(actor=actor, proposal=proposal, approve=True)
        except DomainError:
            continue
        sent += 1
    return sent


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if "\x00" in reason:
        raise DomainError(_("Remove the null character from the text: it cannot be saved."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_("Keep the reason to %(n)d characters or fewer.") % {"n": MAX_REASON}, field="reason")
    return reason


@transaction.atomic
def proposal_answer(*, actor: User, proposal: Proposal, accept: bool, reason: str = "") -> Proposal:
    """One side accepts or declines. When both have accepted the match begins; a decline ends the proposal for both
    (its reason goes to the coordinator only)."""
    from peerpath.matching.matches import match_begin

    proposal = _locked(proposal)
    side = side_of(proposal, actor)
    if side is None:
        raise PermissionDenied(_("Only the two people in a proposal can answer it."))
    reason = _check_reason(reason) if not accept else ""
    if _past_deadline(proposal):  # refused, nothing changed: the daily sweep marks it expired
        raise Conflict(_("This proposal expired on %(date)s: it can no longer be answered.")
                       % {"date": date_format(proposal.expires_at or now(), "j F Y")}, code="expired")  # fmt: skip
    if proposal.status == Proposal.Status.WITHDRAWN:
        raise Conflict(_("This proposal was withdrawn: it can no longer be answered."), code="withdrawn")
    if proposal.status != Proposal.Status.OFFERED:
        raise Conflict(_("This proposal can no longer be answered (%(status)s).")
                       % {"status": proposal.get_status_display().lower()}, code="closed")  # fmt: skip
    if getattr(proposal, f"{side}_answer"):
        raise Conflict(_("You have already answered this proposal."), code="answered")
    if not _both_in_pool(proposal):  # a withdrawal withdraws its proposals at once: this is only a safety net
        raise Conflict(_("One of you has left the matching pool: this proposal can no longer be answered."),
                       code="withdrawn")  # fmt: skip
    moment = now()
    setattr(proposal, f"{side}_answer", Answer.ACCEPT if accept else Answer.DECLINE)
    setattr(proposal, f"{side}_answered_at", moment)
    if not accept:
        proposal.status, proposal.closed_at, proposal.decline_reason = Proposal.Status.DECLINED, moment, reason
    elif proposal.mentee_answer == Answer.ACCEPT and proposal.mentor_answer == Answer.ACCEPT:
        proposal.status, proposal.closed_at = Proposal.Status.ACCEPTED, moment
    proposal.save()
    record(action="matching.proposal_accepted" if accept else "matching.proposal_declined", actor=actor,
           organisation=proposal.programme.organisation, target=proposal,
           details={"side": side, "reason_given": bool(reason)})  # fmt: skip
    if proposal.status == Proposal.Status.ACCEPTED:
        match_begin(proposal=proposal)
    return proposal


def expire_due() -> int:
    """Expire every offered proposal past its deadline (the daily sweep); the number expired."""
    expired = 0
    due = Proposal.objects.filter(status=Proposal.Status.OFFERED, expires_at__lte=now()).values_list("pk", flat=True)
    for proposal_id in list(due[:10000]):
        with transaction.atomic():
            proposal = (
                Proposal.objects.select_for_update(of=("self",)).select_related("programme__organisation")
                .get(pk=proposal_id)
            )  # fmt: skip
            expired += int(_expire_if_due(proposal))
    return expired


@on_consent_withdrawn
def _withdraw_pending(profile: MatchProfile, actor: User) -> None:
    """Leaving the pool ends the person's proposals still waiting, at once."""
    waiting = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("programme__organisation")
        .filter(Q(mentee=profile) | Q(mentor=profile), status__in=PROPOSAL_PENDING)
    )
    for proposal in waiting:
        _withdraw(proposal, actor=actor, reason="consent_withdrawn")


def notify_offered(proposal_ids: Iterable[Any]) -> None:
    """Tell both people of each proposal that a buddy is proposed (queued e-mails, after the commit)."""
    from peerpath.matching import tasks

    for proposal_id in proposal_ids:
        tasks.send_proposal_notice.enqueue(str(proposal_id))


@transaction.atomic
def proposal_propose(*, actor: User, mentee: MatchProfile, mentor: MatchProfile) -> Proposal:
    """A coordinator proposes a pair by hand (from a new member's top five): offered to both at once, since the
    coordinator chose it. The hard constraints, the mentor's places and "never the same pair twice" still hold."""
    from peerpath.matching.pool import busy_mentees, mentor_capacities, mentor_places, places_taken, tried_pairs

    # The programme's row is the lock: two coordinators proposing for one mentor at once do not both pass the check.
    programme = (
        Programme.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=mentee.programme_id)
    )
    require_manager(actor, programme)
    mentee = MatchProfile.objects.prefetch_related("conditions__condition").get(pk=mentee.pk)
    mentor = MatchProfile.objects.prefetch_related("conditions__condition").get(pk=mentor.pk)
    if (
        mentee.programme_id != programme.pk
        or mentor.programme_id != programme.pk
        or (mentee.role, mentor.role) != (Role.MENTEE, Role.MENTOR)
    ):
        raise DomainError(_("Choose a member and a mentor of this programme."), field="mentor")
    if not (mentee.consented and mentor.consented):
        raise Conflict(_("One of the two is not in the matching pool."), code="left_pool")
    if mentee.pk in busy_mentees(programme):
        raise Conflict(_("This member already has a proposal waiting or a buddy."), code="busy")
    if (mentee.pk, mentor.pk) in tried_pairs(programme):
        raise Conflict(_("These two were proposed before: they are not proposed again."), code="tried")
    supporter = mentor_capacities(programme, {mentor.user_id}).get(mentor.user_id, 0)
    places = mentor_places(
        mentor, programme, supporter_places=supporter, taken=places_taken(programme).get(mentor.pk, 0)
    )
    member, guide = to_person(mentee, capacity=1), to_person(mentor, capacity=places)
    reason = engine.excluded(member, guide)
    if reason is not None:
        raise Conflict(str(engine.REASONS[reason]), code=reason)
    moment = now()
    score = engine.score(member, guide, weights_of(matching_settings(programme)))
    proposal = Proposal(programme=programme, mentee=mentee, mentor=mentor, points=score.points,
                        reviewed_by=actor, reviewed_at=moment)  # fmt: skip
    _offer(proposal, moment=moment)
    proposal.save()
    record(action="matching.proposal_made", actor=actor, organisation=programme.organisation, target=proposal,
           details={"by_hand": True})  # fmt: skip
    proposal_id = proposal.pk
    transaction.on_commit(lambda: notify_offered([proposal_id]))
    return proposal
