"""The classifiers beside the rules (issue 15 points 2 and 6): features, saving and loading, the registry's status,
and what screening does when a model file is missing or corrupt (the rules run alone, no text is let through)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from django.test import override_settings

from peerpath.screening import classifiers
from peerpath.screening.core import Context, screen

POSITIVE = ["glorbix quendra vastrel", "quendra glorbix again tonight", "vastrel glorbix so much", "mipsy quendra"]
NEGATIVE = ["pelo mandu quist", "mandu quist tarvel", "tarvel pelo today", "quist pelo mandu again"]


def toy_model(threshold: float = 0.5) -> classifiers.Model:
    texts, labels = POSITIVE * 3 + NEGATIVE * 3, [True] * 12 + [False] * 12
    return classifiers.train("crisis", texts, labels, threshold=threshold, meta={"training_sets": {"toy": 24}})


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty shipped folder and an empty models folder; the registry forgets what it had loaded."""
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    monkeypatch.setattr(classifiers, "SHIPPED_DIR", shipped)
    classifiers.reset()
    with override_settings(SCREENING_MODELS_DIR=tmp_path / "models"):
        yield shipped
    classifiers.reset()


def test_features_are_the_same_in_every_process_and_for_curly_quotes() -> None:
    first = classifiers.hashed("I don\u2019t want to be here https://example.com 12")
    second = classifiers.hashed("i don't want to be here http://other.org/x 99")
    assert first.text == second.text == " i don't want to be here httplink 00 "
    assert np.array_equal(first.word_ids, second.word_ids)
    # Fixed values: Python's own hash() changes per process, these may not.
    assert classifiers.hashed("help").word_ids.tolist() == classifiers.hashed("HELP").word_ids.tolist()
    assert all(0 <= value < classifiers.DIMENSION for block in first.chars for value in block)


def test_a_long_text_is_scored_in_overlapping_windows_and_the_highest_counts() -> None:
    model = toy_model()
    filler = "we walked by the river and had some lunch. " * 100
    text = filler + " glorbix quendra vastrel " + filler
    spans = classifiers.windows(classifiers.hashed(text).text)
    assert len(spans) > 10 and all(end - start <= classifiers.WINDOW for start, end in spans)
    assert all(spans[i][1] > spans[i + 1][0] for i in range(len(spans) - 1)), "windows overlap"
    assert model.probability(text) > model.probability(filler) + 0.2


def test_a_model_saved_and_loaded_scores_alike_and_is_small(tmp_path: Path) -> None:
    model = toy_model(threshold=0.4)
    classifiers.save(model, tmp_path)
    loaded = classifiers.load("crisis", tmp_path)
    assert loaded.threshold == 0.4
    assert loaded.meta["training_sets"] == {"toy": 24} and loaded.meta["version"] == classifiers.FEATURIZER_VERSION
    assert loaded.probability("glorbix quendra") == pytest.approx(model.probability("glorbix quendra"), abs=1e-3)
    assert (tmp_path / "crisis.npz").stat().st_size < 2_000_000
    assert not list(tmp_path.glob(".*")), "no temporary file is left behind"


def test_status_and_probability_without_any_model(models: Path) -> None:
    assert classifiers.probability("crisis", "anything") is None
    assert classifiers.status() == {"crisis": "missing", "promotion": "missing"}
    assert classifiers.degraded() == ["crisis: missing", "promotion: missing"]


def test_a_retrained_model_takes_precedence_over_the_shipped_one(models: Path) -> None:
    classifiers.save(toy_model(), models)
    assert classifiers.status()["crisis"] == "shipped"
    classifiers.save(toy_model(threshold=0.3), classifiers.models_dir())
    classifiers.reset()
    assert classifiers.status()["crisis"] == "retrained"
    assert classifiers.threshold("crisis") == 0.3


@pytest.mark.parametrize(
    "damage",
    [
        lambda folder: (folder / "crisis.npz").write_bytes(b"PK\x03\x04 not really a zip"),
        lambda folder: (folder / "crisis.npz").unlink(),
        lambda folder: (folder / "crisis.json").write_text("{", encoding="utf-8"),
        lambda folder: (folder / "crisis.json").write_text(json.dumps({"version": 99}), encoding="utf-8"),
    ],
)
def test_a_corrupt_model_is_never_used_and_the_status_says_why(models: Path, damage: object) -> None:
    classifiers.save(toy_model(), models)
    damage(models)  # type: ignore[operator]
    assert classifiers.probability("crisis", "glorbix quendra") is None
    assert classifiers.status()["crisis"].startswith("corrupt: shipped model")
    assert classifiers.degraded()[0].startswith("crisis: corrupt")


def test_a_crisis_post_is_flagged_by_the_rules_when_the_model_is_removed_or_corrupt(models: Path) -> None:
    classifiers.save(toy_model(), models)
    for damage in ("remove", "corrupt"):
        if damage == "remove":
            (models / "crisis.npz").unlink()
            (models / "crisis.json").unlink()
        else:
            classifiers.save(toy_model(), models)
            (models / "crisis.npz").write_bytes(b"\x00" * 100)
        classifiers.reset()
        result = screen("I can't go on, I have the pills ready for tonight.", Context())
        assert result.is_crisis and result.decision == "flag", damage
        assert screen("Lovely walk by the canal today.", Context()).decision == ""


def test_the_classifier_flags_what_the_rules_miss_and_says_it_was_the_classifier(models: Path) -> None:
    classifiers.save(toy_model(), models)
    result = screen("glorbix quendra vastrel", Context())
    assert result.is_crisis
    assert [finding.detector for finding in result.findings if finding.category == "crisis"] == ["crisis-classifier"]
    assert screen("pelo mandu quist", Context()).categories == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        " \n\t ",
        "\x00\x01\x02 binary \x00 zeros",
        "lone surrogate \ud800 and \udfff here",
        "混合 текст mixed نص script I want to end it",
        "a" * 25_000,  # over the forum's 20,000-character limit, with no spaces at all
        "I can't go on. " * 2000,  # 30,000 characters
        "\u202e\u200b\ufeff" * 1000,
    ],
)
def test_screen_never_raises_and_returns_promptly_on_bad_input(models: Path, text: str) -> None:
    classifiers.save(toy_model(), models)
    started = time.perf_counter()
    result = screen(text, Context())
    assert time.perf_counter() - started < 2.0
    assert isinstance(result.categories, list)


def test_where_the_rules_see_a_figure_of_speech_the_classifier_must_be_surer(models: Path) -> None:
    model = toy_model()
    model.meta["threshold_in_context"] = 1.0  # never, where the rules saw a non-crisis context
    classifiers.save(model, models)
    assert screen("glorbix quendra vastrel", Context()).is_crisis
    assert not screen("glorbix quendra vastrel, this fatigue is killing me", Context()).is_crisis
    assert not screen("glorbix quendra vastrel. If you are having thoughts of suicide, call 988.", Context()).is_crisis
