"""The matcher (issue 17, tests that matter): the solver's total equals a brute-force optimum on small random pools,
no mentor over their cap, hard constraints never broken, the fast (numpy) path agrees with the one-pair path, and the
instant top-5 is the five best feasible mentors in order."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerpath.core.errors import DomainError
from peerpath.matching import vocabulary as v
from peerpath.matching.engine import (
    REASONS,
    MentorIndex,
    Weights,
    assign,
    candidate_pairs,
    distance_km,
    excluded,
    score,
    top_candidates,
)
from peerpath.matching.person import Person

LONDON = (51.5074, -0.1278)
PLACES = [None, LONDON, (51.55, -0.1278), (51.75, -0.1278), (53.4808, -2.2426)]  # 0, ~5, ~27, ~260 km from London
ZONES = ["", "Europe/London", "Europe/Warsaw", "Asia/Tokyo", "America/New_York"]


def subsets(values: list[str], min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(values), min_size=min_size, max_size=max_size)


@st.composite
def people(draw: st.DrawFn, role: str, number: int) -> Person:
    place = draw(st.sampled_from(PLACES))
    slugs = draw(subsets(["t1d", "t2d", "ckd"], max_size=2))
    stages = v.ConditionStage.values[:3]
    same_as_a_mentee = role == "mentor" and draw(st.integers(0, 9)) == 0
    return Person(
        id="mentee-0" if same_as_a_mentee else f"{role}-{number}",
        role=role,
        # Biased towards people who can be matched, so that mentors are contended for and caps matter.
        languages=draw(st.one_of(st.just(frozenset({"pl"})), subsets(["pl", "en", "es"], min_size=1))),
        formats=draw(st.one_of(st.just(frozenset({"video"})), subsets(v.Format.values, min_size=1))),
        place=place,
        max_km=draw(st.sampled_from([None, 3, 10, 30, 500])) if place else None,
        conditions={slug: draw(subsets(stages, min_size=1)) for slug in sorted(slugs)},
        age_band=draw(st.sampled_from(["", *v.AgeBand.values])),
        life_stages=draw(subsets(v.LifeStage.values[:4], max_size=3)),
        goals=draw(subsets(v.Goal.values[:4], max_size=3)),
        availability=draw(subsets(v.Slot.values[:4], max_size=3)),
        timezone=draw(st.sampled_from(ZONES)),
        interests=draw(subsets(v.Interest.values[:4], max_size=3)),
        gender=draw(st.sampled_from(["", *v.Gender.values])),
        wants_gender=draw(
            st.sampled_from([frozenset()] * 4 + [frozenset({"woman"}), frozenset({"man", "non_binary"})])
        ),
        avoid=draw(st.sampled_from([frozenset()] * 5 + [frozenset({value}) for value in v.Avoid.values])),
        adolescent=role == "mentee" and draw(st.integers(0, 3)) == 0,
        approved_for_adolescents=role == "mentor" and draw(st.booleans()),
        capacity=draw(st.integers(0, 2)) if role == "mentor" else 1,
    )


@st.composite
def pools(draw: st.DrawFn, max_mentees: int = 6, max_mentors: int = 4) -> tuple[list[Person], list[Person]]:
    mentees = [draw(people("mentee", n)) for n in range(draw(st.integers(0, max_mentees)))]
    mentors = [draw(people("mentor", n)) for n in range(draw(st.integers(0, max_mentors)))]
    return mentees, mentors


WEIGHTS = st.fixed_dictionaries({name: st.integers(0, 10) for name in v.DEFAULT_WEIGHTS}).filter(
    lambda values: any(values.values())
)


def brute_force(mentees: list[Person], mentors: list[Person], weights: Weights) -> tuple[int, int]:
    """The best (total points, people matched) over every assignment that respects the hard constraints and caps."""
    options = [
        [None, *(j for j, mentor in enumerate(mentors) if excluded(mentee, mentor) is None)] for mentee in mentees
    ]
    points = {
        (i, j): score(mentee, mentors[j], weights).points
        for i, mentee in enumerate(mentees)
        for j in options[i]
        if j is not None
    }
    best = (0, 0)
    for choice in itertools.product(*options):
        chosen = [j for j in choice if j is not None]
        if any(chosen.count(j) > mentors[j].capacity for j in set(chosen)):
            continue
        total = sum(points[i, j] for i, j in enumerate(choice) if j is not None)
        best = max(best, (total, len(chosen)))
    return best


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools(), WEIGHTS)
def test_the_assignment_is_optimal_within_caps_and_hard_constraints(pool, values):
    mentees, mentors = pool
    weights = Weights(values)
    result = assign(mentees, mentors, weights)

    assert result.optimal
    assert (result.total, len(result.pairs)) == brute_force(mentees, mentors, weights)
    for match in result.pairs:
        assert excluded(match.mentee, match.mentor) is None
        assert match.score == score(match.mentee, match.mentor, weights)
    assert result.total == sum(match.score.points for match in result.pairs)
    for mentor in mentors:
        assert sum(match.mentor is mentor for match in result.pairs) <= mentor.capacity
    matched = [match.mentee for match in result.pairs]
    assert len({id(mentee) for mentee in matched}) == len(matched)
    assert {id(m) for m in matched} | {id(m) for m in result.unmatched} == {id(m) for m in mentees}
    assert not {id(m) for m in matched} & {id(m) for m in result.unmatched}


@settings(max_examples=150, deadline=None)
@given(pools(max_mentees=8, max_mentors=8), WEIGHTS)
def test_the_fast_path_finds_exactly_the_feasible_pairs_with_their_scores(pool, values):
    mentees, mentors = pool
    weights = Weights(values)
    pairs = candidate_pairs(mentees, mentors, weights)
    found = sorted(zip(pairs.mentee.tolist(), pairs.mentor.tolist(), pairs.points.tolist(), strict=True))
    expected = sorted(
        (i, j, score(mentee, mentor, weights).points)
        for i, mentee in enumerate(mentees)
        for j, mentor in enumerate(mentors)
        if excluded(mentee, mentor) is None
    )
    assert found == expected


@settings(max_examples=80, deadline=None)
@given(people("mentee", 0), st.lists(people("mentor", 0), max_size=12), WEIGHTS)
def test_top_candidates_are_the_best_feasible_mentors_in_order(mentee, mentors, values):
    mentors = [replace(mentor, id=f"mentor-{n}") for n, mentor in enumerate(mentors)]
    weights = Weights(values)
    feasible = [(n, m) for n, m in enumerate(mentors) if excluded(mentee, m) is None]
    ranked = sorted(feasible, key=lambda item: (-score(mentee, item[1], weights).points, item[0]))[:5]

    for found in (top_candidates(mentee, mentors, weights), top_candidates(mentee, MentorIndex(mentors), weights)):
        assert [candidate.mentor.id for candidate in found] == [mentor.id for _n, mentor in ranked]
        for candidate in found:
            assert candidate.score == score(mentee, candidate.mentor, weights)
            assert candidate.explanation.fields == [p.name for p in candidate.score.parts if p.matched and p.weight]


def test_top_candidates_are_limited_to_k():
    mentee = MENTEE
    mentors = [replace(MENTOR, id=n, life_stages=frozenset(v.LifeStage.values[: n % 4])) for n in range(12)]
    assert len(top_candidates(mentee, mentors, Weights.default())) == 5
    assert len(top_candidates(mentee, mentors, Weights.default(), k=2)) == 2
    assert top_candidates(replace(mentee, languages=frozenset({"fi"})), mentors, Weights.default()) == []


# ---------------------------------------------------------------------------------------------------- hard constraints

MENTEE = Person(id="a", role="mentee", languages=frozenset({"pl", "en"}), formats=frozenset({"video", "in_person"}),
                place=LONDON, max_km=30, age_band="26_40", gender="woman")  # fmt: skip
MENTOR = Person(id="b", role="mentor", languages=frozenset({"pl"}), formats=frozenset({"video", "in_person"}),
                place=(51.75, -0.1278), max_km=40, age_band="26_40", gender="woman", capacity=2)  # fmt: skip
IN_PERSON = frozenset({"in_person"})


@pytest.mark.parametrize(
    ("mentee", "mentor", "reason"),
    [
        ({}, {}, None),
        ({}, {"id": "a"}, "same_person"),
        ({}, {"capacity": 0}, "capacity"),
        ({}, {"languages": frozenset({"es"})}, "language"),
        ({"languages": frozenset({"en"})}, {"languages": frozenset({"en", "es"})}, None),
        ({"adolescent": True}, {}, "adolescent"),
        ({"adolescent": True}, {"approved_for_adolescents": True}, None),
        ({"wants_gender": frozenset({"woman"})}, {}, None),
        ({"wants_gender": frozenset({"man"})}, {}, "gender"),
        ({"wants_gender": frozenset({"woman"})}, {"gender": ""}, "gender"),  # unsaid fails a stated preference
        ({}, {"wants_gender": frozenset({"man"})}, "gender"),
        ({"gender": ""}, {"wants_gender": frozenset({"woman"})}, "gender"),
        ({"avoid": frozenset({"same_area"})}, {}, None),  # ~27 km apart
        ({"avoid": frozenset({"same_area"})}, {"place": (51.55, -0.1278)}, "same_area"),  # ~5 km
        ({}, {"place": (51.55, -0.1278), "avoid": frozenset({"same_area"})}, "same_area"),
        ({"avoid": frozenset({"same_area"})}, {"place": None, "formats": frozenset({"video"})}, None),
        ({"avoid": frozenset({"much_older"})}, {"age_band": "41_60"}, None),  # one band apart
        ({"avoid": frozenset({"much_older"})}, {"age_band": "61_75"}, "much_older"),
        ({"avoid": frozenset({"much_older"})}, {"age_band": "18_25"}, None),
        ({"avoid": frozenset({"much_older"})}, {"age_band": ""}, None),
        ({}, {"age_band": "over_75", "avoid": frozenset({"much_younger"})}, "much_younger"),
        ({"avoid": frozenset({"much_younger"})}, {"age_band": "under_18"}, "much_younger"),
        ({}, {"age_band": "61_75", "avoid": frozenset({"much_older"})}, None),
        ({"age_band": "over_75"}, {"age_band": "26_40", "avoid": frozenset({"much_older"})}, "much_older"),
        ({}, {"formats": frozenset({"text"})}, "format"),
        ({"formats": IN_PERSON}, {}, None),  # ~27 km, within 30 and 40
        ({"formats": IN_PERSON, "max_km": 10}, {}, "distance"),
        ({"formats": IN_PERSON}, {"max_km": 20}, "distance"),
        ({"formats": IN_PERSON}, {"place": (53.4808, -2.2426)}, "distance"),  # Manchester
        ({"formats": IN_PERSON, "place": None}, {}, "distance"),
        ({"formats": IN_PERSON}, {"formats": frozenset({"video"})}, "format"),
        ({"formats": IN_PERSON, "avoid": frozenset({"in_person"})}, {}, "format"),
        ({"max_km": 10}, {}, None),  # too far to meet, but video is shared
        ({"avoid": frozenset({"in_person"})}, {}, None),
    ],
)
def test_hard_constraints(mentee, mentor, reason):
    first, second = replace(MENTEE, **mentee), replace(MENTOR, **mentor)
    assert excluded(first, second) == reason
    if reason is not None:
        assert reason in REASONS
    pairs = candidate_pairs([first], [second], Weights.default())
    assert len(pairs) == (1 if reason is None else 0)


def test_distance_is_haversine():
    assert distance_km(LONDON, (48.8566, 2.3522)) == pytest.approx(343.5, abs=1)  # London to Paris
    assert distance_km(LONDON, LONDON) == 0


# ---------------------------------------------------------------------------------------------------- weights, score


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (dict.fromkeys(v.DEFAULT_WEIGHTS, 0), "weights"),
        ({}, "weights"),
        ({**v.DEFAULT_WEIGHTS, "age": 11}, "age"),
        ({**v.DEFAULT_WEIGHTS, "age": -1}, "age"),
        ({**v.DEFAULT_WEIGHTS, "age": 2.5}, "age"),
        ({**v.DEFAULT_WEIGHTS, "age": True}, "age"),
        ({**v.DEFAULT_WEIGHTS, "height": 3}, "weights"),
    ],
)
def test_bad_weights_are_refused(values, field):
    with pytest.raises(DomainError) as refused:
        Weights(values)
    assert refused.value.field == field
    assert refused.value.message


def test_weights_default_and_partial():
    assert Weights.default().values == v.DEFAULT_WEIGHTS
    assert Weights({"interests": 1}).values == {**dict.fromkeys(v.DEFAULT_WEIGHTS, 0), "interests": 1}


def test_score_parts():
    mentee = replace(
        MENTEE,
        conditions={"t1d": frozenset({"diagnosed_as_adult"}), "ckd": frozenset({"few_years"})},
        life_stages=frozenset({"parent_young", "working"}),
        goals=frozenset({"emotional", "technology", "food"}),
        availability=frozenset({"weekday_evening", "weekend_morning"}),
        interests=frozenset({"music"}),
        timezone="Europe/London",
    )
    mentor = replace(
        MENTOR,
        conditions={"t1d": frozenset({"diagnosed_as_adult", "many_years"})},
        life_stages=frozenset({"parent_young", "carer"}),
        goals=frozenset({"emotional"}),
        availability=frozenset({"weekday_evening"}),
        interests=frozenset({"walking"}),
        age_band="41_60",
        timezone="Europe/Warsaw",
    )
    weights = Weights.default()
    result = score(mentee, mentor, weights)
    raw = {part.name: part.raw for part in result.parts}
    assert raw == {
        "condition": 1,
        "condition_stage": 1,
        "life_stage": pytest.approx(1 / 3),
        "age": 0.5,
        "goals": pytest.approx(1 / 3),
        "availability": 0.5,
        "interests": 0,
        "format": 1,
    }
    assert result.part("life_stage").points == 1667  # 5 x 1/3, rounded
    assert result.points == 10000 + 6000 + 1667 + 1500 + 2000 + 2000 + 0 + 2000
    assert result.total == pytest.approx(25.167)

    # Shared slots do not count across more than 3 hours; unsaid time zones compare the slots as they are.
    assert score(mentee, replace(mentor, timezone="Asia/Tokyo"), weights).part("availability").raw == 0
    assert score(mentee, replace(mentor, timezone=""), weights).part("availability").raw == 0.5
    # A format counts only when it is feasible and not messages alone.
    assert score(mentee, replace(mentor, formats=frozenset({"text", "in_person"})), weights).part("format").raw == 1
    far = replace(mentor, formats=frozenset({"text", "in_person"}), max_km=5)
    assert score(mentee, far, weights).part("format").raw == 0
    assert score(mentee, replace(mentor, age_band="over_75"), weights).part("age").raw == 0
    assert score(replace(mentee, age_band=""), mentor, weights).part("age").raw == 0
    # A condition shared at different stages matches the condition only.
    other_stage = replace(mentor, conditions={"t1d": frozenset({"many_years"}), "ckd": frozenset({"transplant"})})
    assert score(mentee, other_stage, weights).part("condition_stage").raw == 0
    assert score(mentee, other_stage, weights).part("condition").raw == 1
    # Weight 0 leaves a part out of the total.
    assert score(mentee, mentor, Weights({**v.DEFAULT_WEIGHTS, "condition": 0})).points == result.points - 10000


def test_an_unmatched_mentee_is_preferred_to_a_lower_total():
    """Max-weight matching: the only mentor goes to the mentee with the higher score, and the other stays out."""
    weights = Weights({"interests": 10})
    close = replace(MENTEE, id="close", interests=frozenset({"music"}))
    far = replace(MENTEE, id="far", interests=frozenset({"music", "film"}))
    mentor = replace(MENTOR, interests=frozenset({"music"}), capacity=1)
    result = assign([far, close], [mentor], weights)
    assert [(m.mentee.id, m.mentor.id) for m in result.pairs] == [("close", "b")]
    assert [m.id for m in result.unmatched] == ["far"]
    assert result.total == 10000
