"""Gates for matching: the object, or the same 404 for "missing" and "not yours" (issue 17). Refusals are audit
events; the pool page records its own read of the profiles it lists (views.pool_page)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404

from peerpath.accounts.models import RoleAssignment
from peerpath.accounts.roles import ORG_MANAGER_ROLES
from peerpath.accounts.roles import Role as AccountRole
from peerpath.accounts.selectors import roles_in
from peerpath.audit.services import record_access, record_denied
from peerpath.core.access import uuid_or_404
from peerpath.matching.models import Match, MatchProfile, MatchReport, MatchRun, Proposal
from peerpath.matching.selectors import joinable_programmes, managed_buddy_programmes, own_profiles, pool
from peerpath.matching.vocabulary import Role
from peerpath.programmes.models import Programme
from peerpath.programmes.selectors import managed_programmes


def access_joinable_programme(user: Any, programme_id: Any) -> tuple[Programme, str]:
    """A buddy programme the person may join, with the role they take in it (a supporter of it: mentor)."""
    wanted = uuid_or_404(programme_id)
    for programme, roles in joinable_programmes(user):
        if programme.pk == wanted:
            return programme, Role.MENTOR.value if Role.MENTOR in roles else Role.MENTEE.value
    record_denied(actor=user, object_type="programmes.programme", object_id=str(programme_id))
    raise Http404


def own_profile(user: Any, programme: Programme, role: str) -> MatchProfile | None:
    """The person's own profile in the programme, if they made one (the programme passed its gate first)."""
    return own_profiles(user).filter(programme=programme, role=role).prefetch_related("conditions__condition").first()


def access_pool_programme(user: Any, programme_id: Any) -> Programme:
    """A buddy programme of an organisation the person runs."""
    wanted = uuid_or_404(programme_id)
    for programme in managed_buddy_programmes(user):
        if programme.pk == wanted:
            return programme
    record_denied(actor=user, object_type="programmes.programme", object_id=str(programme_id))
    raise Http404


def access_pool_mentor(user: Any, programme: Programme, profile_id: Any, *, purpose: str) -> MatchProfile:
    """A mentor in the pool of a programme the person runs (the programme passed its own gate first)."""
    return access_pool_profile(user, programme, profile_id, role=Role.MENTOR, purpose=purpose)


def access_pool_profile(user: Any, programme: Programme, profile_id: Any, *, role: str, purpose: str) -> MatchProfile:
    """A member or a mentor (`role`) in the pool of a programme the person runs."""
    profile = (
        pool(programme).filter(role=role, pk=uuid_or_404(profile_id)).select_related("user", "programme").first()
        if programme in managed_buddy_programmes(user)
        else None
    )
    if profile is None:
        record_denied(actor=user, object_type="matching.matchprofile", object_id=str(profile_id))
        raise Http404
    record_access(actor=user, target=profile, organisation=programme.organisation, purpose=purpose)
    return profile


def runs_programme(user: Any, programme: Programme) -> bool:
    """A coordinator or admin of the programme's organisation, whether or not the programme still runs (its matches
    and proposals stay theirs to look after)."""
    return managed_programmes(user).filter(pk=programme.pk).exists()


REPORT_ROLES = frozenset({AccountRole.MODERATOR, *ORG_MANAGER_ROLES})


def handles_reports(user: Any, organisation_id: Any) -> bool:
    """The organisation's moderators, coordinators and admins deal with reports from buddy matches."""
    return bool(REPORT_ROLES & roles_in(user, organisation_id))


def report_organisations(user: Any) -> list[Any]:
    """The organisations whose reports from matches the person deals with (a signed-in person)."""
    held = RoleAssignment.objects.filter(user=user, role__in=REPORT_ROLES).values_list("organisation_id", flat=True)
    return sorted(set(held), key=str)


def access_run(user: Any, programme: Programme, run_id: Any) -> MatchRun:
    """A run of a programme the person runs (the programme passed its own gate first); the same 404 otherwise. A
    run whose worker went silent is marked failed as it is read, so its page does not wait for ever."""
    from peerpath.matching.runs import fail_stale

    fail_stale(programme)
    run = MatchRun.objects.select_related("started_by").filter(programme=programme, pk=uuid_or_404(run_id)).first()
    if run is None:
        record_denied(actor=user, object_type="matching.matchrun", object_id=str(run_id))
        raise Http404
    return run


def access_proposal(user: Any, proposal_id: Any, *, purpose: str) -> Proposal:
    """A proposal the person is one side of (both profiles loaded); the same 404 otherwise. Only a proposal that was
    offered (or answered) is theirs to see: one waiting for the coordinator's review is not yet."""
    proposal = (
        Proposal.objects.select_related("programme__organisation", "mentee__user", "mentor__user")
        .prefetch_related("mentee__conditions__condition", "mentor__conditions__condition")
        .filter(pk=uuid_or_404(proposal_id))
        .filter(Q(mentee__user=user) | Q(mentor__user=user))
        .exclude(status__in=[Proposal.Status.REVIEW, Proposal.Status.REJECTED])
        .first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if proposal is None:
        record_denied(actor=user, object_type="matching.proposal", object_id=str(proposal_id))
        raise Http404
    record_access(actor=user, target=proposal, organisation=proposal.programme.organisation, purpose=purpose)
    return proposal


def access_managed_proposal(user: Any, programme: Programme, proposal_id: Any, *, purpose: str) -> Proposal:
    """A proposal of a programme the person runs (the programme passed its own gate first)."""
    proposal = (
        Proposal.objects.select_related("programme__organisation", "mentee__user", "mentor__user")
        .prefetch_related("mentee__conditions__condition", "mentor__conditions__condition")
        .filter(programme=programme, pk=uuid_or_404(proposal_id))
        .first()
        if runs_programme(user, programme)
        else None
    )
    if proposal is None:
        record_denied(actor=user, object_type="matching.proposal", object_id=str(proposal_id))
        raise Http404
    record_access(actor=user, target=proposal, organisation=programme.organisation, purpose=purpose)
    return proposal


def access_match(user: Any, match_id: Any, *, purpose: str) -> Match:
    """A match the person is one of the pair of, or that a coordinator or admin of its organisation runs."""
    match = (
        Match.objects.select_related("programme__organisation", "mentee__user", "mentor__user", "conversation")
        .prefetch_related("mentee__conditions__condition", "mentor__conditions__condition")
        .filter(pk=uuid_or_404(match_id))
        .first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    allowed = match is not None and (
        user.pk in (match.mentee.user_id, match.mentor.user_id) or runs_programme(user, match.programme)
    )
    if not allowed or match is None:
        record_denied(actor=user, object_type="matching.match", object_id=str(match_id))
        raise Http404
    record_access(actor=user, target=match, organisation=match.programme.organisation, purpose=purpose)
    return match


def access_report(user: Any, report_id: Any) -> MatchReport:
    """A report from a buddy match, for the moderators, coordinators and admins of its organisation."""
    report = (
        MatchReport.objects.select_related("programme__organisation", "reporter", "reported", "match")
        .filter(pk=uuid_or_404(report_id))
        .first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if report is None or not handles_reports(user, report.programme.organisation_id):
        record_denied(actor=user, object_type="matching.matchreport", object_id=str(report_id))
        raise Http404
    record_access(actor=user, target=report, organisation=report.programme.organisation, purpose="deal with report")
    return report
