"""`peerpath moderation retrain` (issue 15 point 6) on small temporary files: it installs a model that is better on
the held-out part and refuses one that is worse; nothing is downloaded. The texts are made-up words no rule knows,
so that the rules alone score nothing and the classifier alone decides."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from itertools import product
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from peerpath.screening import classifiers
from peerpath.screening.evaluation import Scores
from peerpath.screening.retraining import worse

CRISIS_WORDS = ["glorbix", "quendra", "vastrel", "mipsy", "torvane"]
CALM_WORDS = ["pelo", "mandu", "quist", "tarvel", "bendow"]


def texts(words: list[str], offset: int) -> list[str]:
    return [f"{a} {b} {c}" for a, b, c in list(product(words, repeat=3))[offset::7]]


def write(path: Path, rows: list[tuple[str, str]]) -> None:
    path.write_text("".join(json.dumps({"text": t, "label": label}) + "\n" for t, label in rows), encoding="utf-8")


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "data"
    folder.mkdir()
    write(folder / "toy.tune.jsonl", [(t, "crisis") for t in texts(CRISIS_WORDS, 0)]
          + [(t, "none") for t in texts(CALM_WORDS, 0)])  # fmt: skip
    write(folder / "toy.heldout.jsonl", [(t, "crisis") for t in texts(CRISIS_WORDS, 3)]
          + [(t, "none") for t in texts(CALM_WORDS, 3)])  # fmt: skip
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    monkeypatch.setattr(classifiers, "SHIPPED_DIR", shipped)
    classifiers.reset()
    with override_settings(SCREENING_MODELS_DIR=tmp_path / "models"):
        yield folder
    classifiers.reset()


def retrain(folder: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command("moderation", "retrain", "--data", str(folder), "--category", "crisis", *extra, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_retrain_installs_a_model_better_than_the_rules_alone(data: Path) -> None:
    assert classifiers.status()["crisis"] == "missing"
    output = retrain(data)
    assert "crisis: installed" in output
    assert (classifiers.models_dir() / "crisis.npz").exists()
    assert classifiers.status()["crisis"] == "retrained"
    meta = json.loads((classifiers.models_dir() / "crisis.json").read_text(encoding="utf-8"))
    assert meta["training_sets"] == {"toy": {"texts": len(texts(CRISIS_WORDS, 0)) * 2, "positives": 18}}
    assert meta["heldout"]["after"]["f1"] > meta["heldout"]["before"]["f1"] == 0.0


@pytest.mark.django_db
def test_retrain_refuses_a_model_worse_on_held_out_and_keeps_the_installed_one(data: Path) -> None:
    retrain(data)
    installed = (classifiers.models_dir() / "crisis.npz").read_bytes()
    # The tuning labels swapped: the new model reads the held-out part backwards.
    tune = data / "toy.tune.jsonl"
    tune.write_text(tune.read_text(encoding="utf-8").replace('"crisis"', '"x"').replace('"none"', '"crisis"')
                    .replace('"x"', '"none"'), encoding="utf-8")  # fmt: skip
    with pytest.raises(CommandError, match="Nothing installed: crisis"):
        retrain(data)
    assert (classifiers.models_dir() / "crisis.npz").read_bytes() == installed
    assert "crisis: installed" in retrain(data, "--force-install", "yes")


@pytest.mark.django_db
def test_retrain_without_data_says_where_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"scripts/screening_data\.py"):
        retrain(tmp_path)


def test_worse_means_lower_f1_or_crisis_recall_dropping_by_more_than_a_hundredth() -> None:
    before = Scores("crisis", tp=95, fp=10, fn=5, tn=890)
    assert worse("crisis", before, Scores("crisis", tp=94, fp=5, fn=6, tn=895)) == ""  # recall -0.01, F1 up
    assert worse("crisis", before, Scores("crisis", tp=93, fp=1, fn=7, tn=899)).startswith("recall")
    assert worse("promotion", before, Scores("promotion", tp=93, fp=1, fn=7, tn=899)) == ""
    assert worse("promotion", before, Scores("promotion", tp=90, fp=12, fn=10, tn=888)).startswith("F1")
