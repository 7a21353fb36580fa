"""Reads for the pair's side of matching (issue 17): a person's proposals and matches for their home page, what of a
buddy's profile they see once both accepted, and the check-ins and feedback of a match. Each list holds only what
the gates in access.py let the same person open (tests/test_pair_pages.py checks it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from peerpath.accounts.models import User
from peerpath.core.time import now
from peerpath.matching import vocabulary as v
from peerpath.matching.explain import language_name
from peerpath.matching.matches import other_user
from peerpath.matching.models import Feedback, Match, MatchProfile, Proposal
from peerpath.matching.proposals import pseudonym, side_of

# What of a profile the other person sees once both accepted: exactly the fields the profile form marks "Your buddy
# sees this after you both accept" (forms.SEEN_BY_BUDDY; the test holds the two together).
BUDDY_FIELDS = ("about", "conditions", "age_band", "life_stages", "interests", "goals", "languages", "formats",
                "availability", "timezone")  # fmt: skip


@dataclass(frozen=True)
class ProposalRow:
    proposal: Proposal
    other_name: str  # the other side's pseudonym: nothing identifying before both accept
    awaiting_me: bool


def proposals_waiting(user: Any) -> list[ProposalRow]:
    """The person's offered proposals still open (before their deadline), those waiting for their answer first."""
    if not getattr(user, "is_authenticated", False):
        return []
    offered = (
        Proposal.objects.filter(Q(mentee__user=user) | Q(mentor__user=user), status=Proposal.Status.OFFERED)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now()))
        .select_related("programme", "mentee", "mentor")
        .order_by("expires_at", "created_at")
    )
    rows = []
    for proposal in offered:
        side = side_of(proposal, user)
        other = v.Role.MENTOR.value if side == v.Role.MENTEE else v.Role.MENTEE.value
        rows.append(ProposalRow(proposal=proposal, other_name=pseudonym(proposal, other),
                                awaiting_me=not getattr(proposal, f"{side}_answer")))  # fmt: skip
    return sorted(rows, key=lambda row: not row.awaiting_me)


@dataclass(frozen=True)
class MatchRow:
    match: Match
    other: User


def own_matches(user: Any) -> list[MatchRow]:
    """The person's matches, active first, the newest first within each, each with the other person."""
    if not getattr(user, "is_authenticated", False):
        return []
    matches = (
        Match.objects.filter(Q(mentee__user=user) | Q(mentor__user=user))
        .select_related("programme", "mentee__user", "mentor__user")
        .order_by("status", "-started_at")  # "active" sorts before "ended"
    )
    return [MatchRow(match=match, other=other_user(match, user)) for match in matches]


def match_of(proposal: Proposal) -> Match | None:
    """The match a proposal became (the proposal passed its gate first)."""
    return Match.objects.filter(proposal=proposal).first() if proposal.status == Proposal.Status.ACCEPTED else None


def answered_weeks(match: Match, user: Any) -> set[int]:
    """The check-in weeks this person already answered."""
    answered = Feedback.objects.filter(match=match, user=user, kind=Feedback.Kind.CHECK_IN)
    return {week for week in answered.values_list("week", flat=True) if week is not None}


def open_check_ins(match: Match, user: Any) -> list[int]:
    """The weeks this person was asked "is this working?" and has not answered, while the match is active."""
    if not match.active:
        return []
    done = answered_weeks(match, user)
    return [week for week in sorted(match.check_in_weeks) if week not in done]


def feedback_of(match: Match) -> list[Feedback]:
    """Everything the pair said about their match, oldest first (for the programme's coordinators)."""
    return list(Feedback.objects.filter(match=match).select_related("user").order_by("created_at"))


@dataclass(frozen=True)
class Detail:
    label: str
    values: list[str]


def _labels(values: list[str], choices: Any) -> list[str]:
    known = dict(choices.choices)
    return [str(known.get(value, value)) for value in values]


def buddy_details(profile: MatchProfile) -> list[Detail]:
    """What the other person sees of this profile once both accepted (BUDDY_FIELDS), in their words, unsaid parts
    left out. The profile's conditions are prefetched with their condition."""
    stages = dict(v.ConditionStage.choices)
    conditions = [
        entry.condition.name + (": " + ", ".join(str(stages.get(s, s)).lower() for s in entry.stages)
                                if entry.stages else "")
        for entry in profile.conditions.all()
    ]  # fmt: skip
    goals = _("What they can help with") if profile.role == v.Role.MENTOR else _("What they hope for from a buddy")
    found = {
        "about": Detail(_("In their own words"), [profile.about] if profile.about else []),
        "conditions": Detail(_("Lives with, or cares for someone with"), conditions),
        "age_band": Detail(_("Age"), _labels([profile.age_band], v.AgeBand) if profile.age_band else []),
        "life_stages": Detail(_("Where they are in life"), _labels(profile.life_stages, v.LifeStage)),
        "interests": Detail(_("Interests"), _labels(profile.interests, v.Interest)),
        "goals": Detail(goals, _labels(profile.goals, v.Goal)),
        "languages": Detail(_("Languages they can talk in"), [language_name(code) for code in profile.languages]),
        "formats": Detail(_("How they would like to talk"), _labels(profile.formats, v.Format)),
        "availability": Detail(_("When they are usually free"), _labels(profile.availability, v.Slot)),
        "timezone": Detail(_("Their time zone"), [profile.timezone] if profile.timezone else []),
    }
    return [found[name] for name in BUDDY_FIELDS if found[name].values]
