"""Explanations (issue 17): every proposal says why in the words both sides chose, and what did not match; the fields
it names are exactly the soft fields that matched."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings

from peerpath.matching import vocabulary as v
from peerpath.matching.engine import Weights, score
from peerpath.matching.explain import explain, language_name
from peerpath.matching.person import Person
from peerpath.matching.tests.test_engine import WEIGHTS, people

MENTEE = Person(
    id="a",
    role="mentee",
    languages=frozenset({"pl", "en"}),
    formats=frozenset({"video", "text"}),
    conditions={"type-1-diabetes": frozenset({"diagnosed_as_adult"})},
    age_band="26_40",
    life_stages=frozenset({"parent_young"}),
    goals=frozenset({"emotional", "food"}),
    availability=frozenset({"weekday_evening"}),
    interests=frozenset({"music"}),
)
MENTOR = replace(
    MENTEE,
    id="b",
    role="mentor",
    languages=frozenset({"pl"}),
    formats=frozenset({"video"}),
    conditions={"type-1-diabetes": frozenset({"diagnosed_as_adult", "many_years"})},
    life_stages=frozenset({"parent_young", "working"}),
    goals=frozenset({"emotional"}),
    interests=frozenset({"walking"}),
    capacity=2,
)
NAMES = {"type-1-diabetes": "Type 1 diabetes"}


def test_the_sentences_of_a_proposal():
    weights = Weights.default()
    explanation = explain(MENTEE, MENTOR, score(MENTEE, MENTOR, weights), NAMES)
    assert explanation.matched == [
        "Both live with Type 1 diabetes and were diagnosed as adults",
        "Both are parents of young children",
        "Both are aged 26 to 40",
        "Can offer what they are looking for: someone who understands how it feels",
        "Both prefer video calls on weekday evenings",
        "Both speak Polish",
    ]
    assert explanation.unmatched == ["Not matched: interests"]
    assert explanation.fields == ["condition", "condition_stage", "life_stage", "age", "goals", "availability",
                                  "format"]  # fmt: skip


def test_partial_matches_and_fields_weighed_at_zero():
    mentor = replace(
        MENTOR,
        conditions={"type-1-diabetes": frozenset({"many_years"})},
        age_band="41_60",
        formats=frozenset({"text", "video"}),
        availability=frozenset({"weekend_morning"}),
        interests=frozenset({"music", "film"}),
        languages=frozenset({"pl", "en"}),
    )
    weights = Weights({**v.DEFAULT_WEIGHTS, "life_stage": 0})
    explanation = explain(MENTEE, mentor, score(MENTEE, mentor, weights), {})
    assert explanation.matched == [
        "Both live with type 1 diabetes",
        "Close in age",
        "Can offer what they are looking for: someone who understands how it feels",
        "Both prefer video calls",
        "Both enjoy music",
        "Both speak English and Polish",
    ]
    assert explanation.unmatched == ["Not matched: the same point with it", "Not matched: when they are free"]
    assert "life_stage" not in explanation.fields


def test_slots_alone():
    mentor = replace(MENTOR, formats=frozenset({"text"}), timezone="Europe/London")
    mentee = replace(MENTEE, timezone="Europe/Warsaw")
    explanation = explain(mentee, mentor, score(mentee, mentor, Weights.default()), NAMES)
    assert "Both are free on weekday evenings" in explanation.matched
    assert "Not matched: how they like to talk" in explanation.unmatched


def test_language_names():
    assert language_name("pl") == "Polish"
    assert language_name("pt-BR") == "Portuguese"
    assert language_name("xx") == "xx"


@settings(max_examples=150, deadline=None)
@given(people("mentee", 0), people("mentor", 1), WEIGHTS)
def test_explanations_list_exactly_the_fields_that_matched(mentee, mentor, values):
    weights = Weights(values)
    result = score(mentee, mentor, weights)
    explanation = explain(mentee, mentor, result, {})
    weighed = [part for part in result.parts if part.weight]
    assert explanation.fields == [part.name for part in weighed if part.raw > 0]
    assert len(explanation.unmatched) == len(weighed) - len(explanation.fields)
    labels = {name: str(label).lower() for name, label, _weight in v.SOFT_FIELDS}
    assert sorted(explanation.unmatched) == sorted(
        f"Not matched: {labels[part.name]}" for part in weighed if part.raw == 0
    )
    assert all(sentence and "issue" not in sentence.lower() for sentence in explanation.matched)
    assert bool(explanation.matched) == bool(explanation.fields or mentee.languages & mentor.languages)
