"""The pool as the matcher reads it (issue 17): consented profiles turned into plain `Person` values, mentors with
the places left under the programme's caseload cap, in a fixed number of queries whatever the pool's size.

A mentor's capacity is the programme's cap less their active caseload in it, as programmes.services.readiness counts
it, and 0 when they are paused, no longer a supporter of the programme, or missing a required course; their active
matches and the proposals still waiting for them count against the same cap, and against their own limit on matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import NamedTuple
from uuid import UUID

from django.db.models import Count, Q, QuerySet

from peerpath.core.time import now
from peerpath.matching.models import PROPOSAL_PENDING, Match, MatchProfile, ProfileCondition, Proposal
from peerpath.matching.person import Person
from peerpath.matching.selectors import pool
from peerpath.matching.vocabulary import AgeBand, Format, Role
from peerpath.programmes.models import Enrolment, Programme, Supporter, TrainingRecord
from peerpath.programmes.services import courses_missing


class ProfileRow(NamedTuple):
    """The columns of a profile the matcher reads, as load_pool fetches them for a whole pool: no model instances,
    whose creation (and the prefetch's queryset per instance) cost most of a large pool's loading."""

    pk: UUID
    user_id: UUID
    role: str
    languages: list[str]
    formats: list[str]
    latitude: float | None
    longitude: float | None
    max_km: int | None
    age_band: str
    life_stages: list[str]
    goals: list[str]
    availability: list[str]
    timezone: str
    interests: list[str]
    gender: str
    wants_gender: list[str]
    avoid: list[str]
    approved_for_adolescents: bool
    max_matches: int | None


def to_person(
    profile: MatchProfile | ProfileRow, *, capacity: int, conditions: Mapping[str, frozenset[str]] | None = None
) -> Person:
    """The matcher's view of a profile: its conditions (slug -> stages) given, or read from a profile's prefetched
    conditions."""
    if conditions is None:
        if not isinstance(profile, MatchProfile):
            raise TypeError("a profile row comes with its conditions")
        conditions = {entry.condition.slug: frozenset(entry.stages) for entry in profile.conditions.all()}
    in_person = Format.IN_PERSON in profile.formats and profile.latitude is not None and profile.longitude is not None
    return Person(
        id=profile.pk,
        role=profile.role,
        languages=frozenset(profile.languages),
        formats=frozenset(profile.formats),
        place=(profile.latitude, profile.longitude) if in_person else None,  # type: ignore[arg-type]
        max_km=profile.max_km if in_person else None,
        conditions=conditions,
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
        Supporter.objects.filter(programmes=programme, user_id__in=user_ids, organisation_id=programme.organisation_id)
        .annotate(active=Count("enrolments", filter=Q(enrolments__programme=programme,
                                                      enrolments__status=Enrolment.Status.ACTIVE)))
        .values_list("pk", "user_id", "paused_at", "active")
    )  # fmt: skip
    # Every supporter's training in one query (a prefetch costs a queryset per supporter), judged by the same rule
    # as programmes.services.lapsed_courses.
    training: dict[UUID, list[tuple[str, date, date | None]]] = {}
    if programme.required_courses:
        records = TrainingRecord.objects.filter(supporter__programmes=programme, supporter__user_id__in=user_ids)
        for supporter_id, *record in records.values_list("supporter_id", "course", "completed_on", "expires_on"):
            training.setdefault(supporter_id, []).append(tuple(record))  # type: ignore[arg-type]
    capacities: dict[UUID, int] = {}
    for supporter_id, user_id, paused_at, active in supporters:
        ready = paused_at is None and not courses_missing(
            programme.required_courses, training.get(supporter_id, []), on
        )
        capacities[user_id] = max(0, programme.caseload_cap - int(active)) if ready else 0
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


def mentor_places(
    profile: MatchProfile | ProfileRow, programme: Programme, *, supporter_places: int, taken: int
) -> int:
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
    profiles = pool(programme) if role is None else pool(programme).filter(role=role)
    rows = [ProfileRow._make(row) for row in profiles.order_by("consent_given_at", "pk")
            .values_list(*ProfileRow._fields).iterator(chunk_size=10_000)]  # fmt: skip
    conditions = profile_conditions(profiles)
    mentor_users = {row.user_id for row in rows if row.role == Role.MENTOR}
    capacities = mentor_capacities(programme, mentor_users) if mentor_users else {}
    taken = places_taken(programme) if mentor_users else {}
    busy = busy_mentees(programme) if waiting_only else set()
    mentees, mentors = [], []
    for row in rows:
        if row.role == Role.MENTEE and row.pk not in busy:
            mentees.append(to_person(row, capacity=1, conditions=conditions.get(row.pk, {})))
        elif row.role == Role.MENTOR:
            supporter, used = capacities.get(row.user_id, 0), taken.get(row.pk, 0)
            places = mentor_places(row, programme, supporter_places=supporter, taken=used)
            mentors.append(to_person(row, capacity=places, conditions=conditions.get(row.pk, {})))
    return mentees, mentors


def profile_conditions(profiles: QuerySet[MatchProfile]) -> dict[UUID, dict[str, frozenset[str]]]:
    """Each profile's conditions (slug -> stages), in one query joined to the profiles' (no list of ids: SQLite
    refuses more than its limit of parameters)."""
    found: dict[UUID, dict[str, frozenset[str]]] = {}
    rows = (
        ProfileCondition.objects.filter(profile__in=profiles.values("pk"))
        .order_by("created_at")
        .values_list("profile_id", "condition__slug", "stages")
    )
    for profile_id, slug, stages in rows.iterator(chunk_size=10_000):
        found.setdefault(profile_id, {})[slug] = frozenset(stages)
    return found
