"""The pool as the matcher reads it (issue 17): consented profiles turned into plain `Person` values, mentors with
the places left under the programme's caseload cap, in a fixed number of queries whatever the pool's size.

A mentor's capacity is the programme's cap less their active caseload in it, as programmes.services.readiness counts
it, and 0 when they are paused, no longer a supporter of the programme, or missing a required course; their active
matches and the proposals still waiting for them count against the same cap, and against their own limit on matches.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.db.models import Count, Prefetch, Q

from peerpath.core.time import now
from peerpath.matching.models import PROPOSAL_PENDING, Match, MatchProfile, ProfileCondition, Proposal
from peerpath.matching.person import Person
from peerpath.matching.selectors import pool
from peerpath.matching.vocabulary import AgeBand, Format, Role
from peerpath.programmes.models import Enrolment, Programme, Supporter
from peerpath.programmes.services import lapsed_courses


def to_person(profile: MatchProfile, *, capacity: int) -> Person:
    """The matcher's view of a profile (its conditions prefetched with their condition)."""
    in_person = Format.IN_PERSON in profile.formats and profile.latitude is not None and profile.longitude is not None
    return Person(
        id=profile.pk,
        role=profile.role,
        languages=frozenset(profile.languages),
        formats=frozenset(profile.formats),
        place=(profile.latitude, profile.longitude) if in_person else None,  # type: ignore[arg-type]
        max_km=profile.max_km if in_person else None,
        conditions={entry.condition.slug: frozenset(entry.stages) for entry in profile.conditions.all()},
        age_band=profile.age_band,
        life_stages=frozenset(profile.life_stages),
        goals=frozenset(profile.goals),
        availability=frozenset(profile.availability),
        timezone=profile.timezone,
        interests=frozenset(profile.interests),
        gender=profile.gender,
        wants_gender=frozenset(profile.wants_gender),
        avoid=frozenset(profile.avoid),
        adolescent=profile.role == Role.MENTEE and profile.age_band == AgeBand.UNDER_18,
        approved_for_adolescents=profile.role == Role.MENTOR and profile.approved_for_adolescents,
        capacity=max(0, capacity),
    )


def mentor_capacities(programme: Programme, user_ids: set[UUID], on: date | None = None) -> dict[UUID, int]:
    """Places left for each of these people as a supporter of the programme (absent: not one, so 0)."""
    on = on or now().date()
    supporters = (
        Supporter.objects.filter(programmes=programme, user_id__in=user_ids)
        .annotate(active=Count("enrolments", filter=Q(enrolments__programme=programme,
                                                      enrolments__status=Enrolment.Status.ACTIVE)))
        .prefetch_related("training")
    )  # fmt: skip
    capacities: dict[UUID, int] = {}
    for supporter in supporters:
        if supporter.organisation_id != programme.organisation_id:
            continue
        ready = not supporter.is_paused and not lapsed_courses(supporter, programme, on)
        capacities[supporter.user_id] = max(0, programme.caseload_cap - int(supporter.active)) if ready else 0
    return capacities


def places_taken(programme: Programme) -> dict[UUID, int]:
    """For each mentor profile of the programme, the places its matches take: active matches and proposals still
    waiting (a proposal holds its place until it is answered, so one run never offers a mentor beyond their cap)."""
    taken: dict[UUID, int] = {}
    active = (
        Match.objects.filter(programme=programme, status=Match.Status.ACTIVE)
        .values("mentor_id")
        .annotate(n=Count("pk"))
    )
    waiting = (
        Proposal.objects.filter(programme=programme, status__in=PROPOSAL_PENDING)
        .values("mentor_id")
        .annotate(n=Count("pk"))
    )
    for row in [*active, *waiting]:
        taken[row["mentor_id"]] = taken.get(row["mentor_id"], 0) + int(row["n"])
    return taken


def mentor_places(profile: MatchProfile, programme: Programme, *, supporter_places: int, taken: int) -> int:
    """A mentor's places left: their caseload and their matches share the programme's cap, and their own limit on
    matches (max_matches) caps the matches alone."""
    own_limit = programme.caseload_cap if profile.max_matches is None else min(profile.max_matches,
                                                                               programme.caseload_cap)  # fmt: skip
    return max(0, min(supporter_places - taken, own_limit - taken))


def busy_mentees(programme: Programme) -> set[UUID]:
    """Mentee profiles already taken care of: a proposal waiting, or an active match."""
    waiting = Proposal.objects.filter(programme=programme, status__in=PROPOSAL_PENDING)
    matched = Match.objects.filter(programme=programme, status=Match.Status.ACTIVE)
    return set(waiting.values_list("mentee_id", flat=True)) | set(matched.values_list("mentee_id", flat=True))


def tried_pairs(programme: Programme) -> set[tuple[UUID, UUID]]:
    """Pairs proposed before that came to nothing or ended: not proposed again."""
    return set(
        Proposal.objects.filter(programme=programme)
        .exclude(status__in=PROPOSAL_PENDING)
        .values_list("mentee_id", "mentor_id")
    )


def load_pool(
    programme: Programme, *, waiting_only: bool = False, role: str | None = None
) -> tuple[list[Person], list[Person]]:
    """The programme's consented mentees and mentors, as the matcher reads them, mentors with their places left.
    `waiting_only`: only the mentees still waiting for a buddy (no proposal waiting, no active match), as a run
    takes them; `role`: one side only (the other list is empty)."""
    profiles = list(
        (pool(programme) if role is None else pool(programme).filter(role=role))
        .prefetch_related(Prefetch("conditions", queryset=ProfileCondition.objects.select_related("condition")))
        .order_by("consent_given_at", "pk")
    )
    mentor_users = {profile.user_id for profile in profiles if profile.role == Role.MENTOR}
    capacities = mentor_capacities(programme, mentor_users) if mentor_users else {}
    taken = places_taken(programme) if mentor_users else {}
    busy = busy_mentees(programme) if waiting_only else set()
    mentees = [to_person(profile, capacity=1) for profile in profiles
               if profile.role == Role.MENTEE and profile.pk not in busy]  # fmt: skip
    mentors = []
    for profile in profiles:
        if profile.role == Role.MENTOR:
            supporter, used = capacities.get(profile.user_id, 0), taken.get(profile.pk, 0)
            places = mentor_places(profile, programme, supporter_places=supporter, taken=used)
            mentors.append(to_person(profile, capacity=places))
    return mentees, mentors
