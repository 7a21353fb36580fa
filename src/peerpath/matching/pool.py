"""The pool as the matcher reads it (issue 17): consented profiles turned into plain `Person` values, mentors with
the places left under the programme's caseload cap, in a fixed number of queries whatever the pool's size.

A mentor's capacity is the programme's cap less their active caseload in it, as programmes.services.readiness counts
it, and 0 when they are paused, no longer a supporter of the programme, or missing a required course.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.db.models import Count, Prefetch, Q

from peerpath.core.time import now
from peerpath.matching.models import MatchProfile, ProfileCondition
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


def load_pool(programme: Programme) -> tuple[list[Person], list[Person]]:
    """The programme's consented mentees and mentors, as the matcher reads them."""
    profiles = list(
        pool(programme)
        .prefetch_related(Prefetch("conditions", queryset=ProfileCondition.objects.select_related("condition")))
        .order_by("consent_given_at", "pk")
    )
    mentor_users = {profile.user_id for profile in profiles if profile.role == Role.MENTOR}
    capacities = mentor_capacities(programme, mentor_users) if mentor_users else {}
    mentees = [to_person(profile, capacity=1) for profile in profiles if profile.role == Role.MENTEE]
    mentors = [to_person(profile, capacity=capacities.get(profile.user_id, 0)) for profile in profiles
               if profile.role == Role.MENTOR]  # fmt: skip
    return mentees, mentors
