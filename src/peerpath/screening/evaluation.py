"""The evaluation harness's reading and arithmetic (issue 15 point 1): labelled JSONL files in, per-category
precision, recall, F1, false-positive rate and a confusion table out. Pure functions, no database: the management
command (`peerpath moderation evaluate`) screens and prints, these count.

A text counts as predicted in a category when the category is among the screening result's deciding categories (a
post flagged for crisis and for promotion counts for both); the confusion table puts each text in one column, its
strongest deciding category (the one decide() lists first) or "none". A ratio whose denominator is 0 is None, printed
"—": no figure rather than a flattering 1.0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peerpath.screening.categories import Category
from peerpath.screening.core import DECIDING_CONFIDENCE, Context, screen
from peerpath.screening.fact_checks import Index, match

NONE = "none"
CATEGORIES: tuple[str, ...] = tuple(Category.values)
LABELS: tuple[str, ...] = (*CATEGORIES, NONE)


class DatasetError(Exception):
    """A dataset that cannot be read as it stands; the message names the file and line."""


@dataclass(frozen=True)
class Item:
    text: str
    label: str
    source: str
    line: int


def read_dataset(path: Path) -> list[Item]:
    """Every line of a JSONL file as an Item; the first bad line (broken JSON, no text, an unknown label) raises
    DatasetError naming it, as does an empty file."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DatasetError(f"{path}: cannot be read ({error.strerror or error}).") from None
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        number = raw[: error.start].count(b"\n") + 1
        raise DatasetError(f"{path}:{number}: not UTF-8 text.") from None
    items = []
    for number, line in enumerate(content.split("\n"), 1):  # not splitlines(): JSON strings may hold U+2028
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{path}:{number}: not a JSON object ({error.msg}).") from None
        if not isinstance(record, dict):
            raise DatasetError(f"{path}:{number}: not a JSON object.")
        text, label = record.get("text"), record.get("label")
        if not isinstance(text, str) or not text.strip():
            raise DatasetError(f'{path}:{number}: no "text" (a non-empty string is needed).')
        if label not in LABELS:
            raise DatasetError(f"{path}:{number}: unknown label {label!r}; the labels are {', '.join(LABELS)}.")
        items.append(Item(text, label, str(record.get("source") or path.stem), number))
    if not items:
        raise DatasetError(f"{path}: empty (no labelled lines).")
    return items


def dataset_files(paths: Iterable[Path], pattern: str = "*.heldout.jsonl") -> list[Path]:
    """The files named, a directory standing for its files matching the pattern."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            files = sorted(path.glob(pattern))
            if not files:
                raise DatasetError(f"{path}: no {pattern} files in this directory.")
            found.extend(files)
        elif path.is_file():
            found.append(path)
        else:
            raise DatasetError(f"{path}: no such file or directory.")
    return found


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Scores:
    category: str
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float | None:
        return ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        return ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    @property
    def false_positive_rate(self) -> float | None:
        return ratio(self.fp, self.fp + self.tn)

    def as_json(self) -> dict[str, object]:
        return {"category": self.category, "support": self.support, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "tn": self.tn, "precision": self.precision, "recall": self.recall, "f1": self.f1,
                "false_positive_rate": self.false_positive_rate}  # fmt: skip


def scores(outcomes: Sequence[tuple[str, Sequence[str]]], categories: Sequence[str] = CATEGORIES) -> dict[str, Scores]:
    """Per category, from (gold label, predicted categories) pairs."""
    table = {}
    for category in categories:
        tp = fp = fn = tn = 0
        for gold, predicted in outcomes:
            expected, got = gold == category, category in predicted
            tp += expected and got
            fp += got and not expected
            fn += expected and not got
            tn += not expected and not got
        table[category] = Scores(category, tp, fp, fn, tn)
    return table


def strongest(predicted: Sequence[str]) -> str:
    return predicted[0] if predicted else NONE


def confusion(outcomes: Sequence[tuple[str, Sequence[str]]]) -> dict[str, dict[str, int]]:
    """Gold label by the strongest predicted category (or none), every label a row and a column."""
    table = {gold: dict.fromkeys(LABELS, 0) for gold in LABELS}
    for gold, predicted in outcomes:
        table[gold][strongest(predicted)] += 1
    return table


def figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def render_scores(table: dict[str, Scores]) -> list[str]:
    lines = [f"{'category':<22}{'support':>8}{'TP':>6}{'FP':>6}{'FN':>6}{'precision':>11}{'recall':>8}{'F1':>7}"
             f"{'FPR':>7}"]  # fmt: skip
    for score in table.values():
        lines.append(
            f"{score.category:<22}{score.support:>8}{score.tp:>6}{score.fp:>6}{score.fn:>6}"
            f"{figure(score.precision):>11}{figure(score.recall):>8}{figure(score.f1):>7}"
            f"{figure(score.false_positive_rate):>7}"
        )
    return lines


def render_confusion(table: dict[str, dict[str, int]]) -> list[str]:
    short = {label: label[:8] for label in LABELS}
    lines = ["gold \\ predicted".ljust(22) + "".join(f"{short[label]:>10}" for label in LABELS)]
    for gold, row in table.items():
        if any(row.values()):
            lines.append(f"{gold:<22}" + "".join(f"{row[label]:>10}" for label in LABELS))
    return lines


# --- Screening a dataset (the command passes the forum's context and decisions) ----------------------------------


@dataclass(frozen=True)
class Outcome:
    item: Item
    predicted: tuple[str, ...]
    elapsed_ms: float


def screen_items(
    items: Sequence[Item], context: Context, decisions: dict[str, str], *, fact_checks: Index | None = None
) -> list[Outcome]:
    """Screen every item as a new post is screened, then, with a fact-check list, as the forum checks it after
    publication (a match adds misinformation to what screening decided). The time is screen()'s own, the one a
    writer waits for, after one warm-up screen (models loaded, patterns compiled) so that the first item does not
    carry the start-up."""
    # A known claim's own words make the warm-up load the sentence encoder and embed the claims too.
    screen(context.claims[0].claim if context.claims else "warm-up", context, decisions)
    outcomes = []
    for item in items:
        result = screen(item.text, context, decisions)
        predicted = tuple(str(category) for category in result.categories)
        if fact_checks is not None and Category.MISINFORMATION not in predicted:
            later = [finding for finding in match(item.text, fact_checks) if finding.confidence >= DECIDING_CONFIDENCE]
            predicted = (*predicted, str(Category.MISINFORMATION)) if later else predicted
        outcomes.append(Outcome(item, predicted, result.elapsed_ms))
    return outcomes


def report(name: str, outcomes: Sequence[Outcome], slowest: int = 5) -> dict[str, object]:
    pairs = [(outcome.item.label, outcome.predicted) for outcome in outcomes]
    slow = sorted(outcomes, key=lambda outcome: outcome.elapsed_ms, reverse=True)[:slowest]
    return {
        "dataset": name,
        "items": len(outcomes),
        "scores": {category: score.as_json() for category, score in scores(pairs).items()},
        "confusion": confusion(pairs),
        "slowest": [
            {
                "ms": round(outcome.elapsed_ms, 2),
                "line": outcome.item.line,
                "chars": len(outcome.item.text),
                "text": outcome.item.text[:60],
            }
            for outcome in slow
        ],
    }


def render_report(section: dict[str, Any]) -> list[str]:
    table = {category: Scores(category, *(int(values[key]) for key in ("tp", "fp", "fn", "tn")))
             for category, values in section["scores"].items()}  # fmt: skip
    lines = [f"== {section['dataset']} ({section['items']} texts)", *render_scores(table), "",
             *render_confusion(section["confusion"])]  # fmt: skip
    if section["slowest"]:
        lines += ["", "slowest:"]
        lines += [f"  {row['ms']:>8.2f} ms  {row['chars']:>6} chars  line {row['line']}: "
                  f"{' '.join(str(row['text']).split())}" for row in section["slowest"]]  # fmt: skip
    return lines
