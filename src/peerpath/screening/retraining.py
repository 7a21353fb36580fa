"""`peerpath moderation retrain` (issue 15 point 6): train candidates on the tuning files and moderators' examples,
screen the held-out files before and after, and install only a candidate that is not worse there.

Worse means a lower F1 on the held-out files, or for crisis a recall more than 0.01 lower (a missed crisis post is the
worst hazard in docs/hazard-log.md, so a model may not buy precision with it). The held-out files only judge: nothing
is fitted to them. A model is installed atomically (screening.classifiers.save writes a temporary file and replaces).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from peerpath.screening import classifiers, evaluation, training
from peerpath.screening.core import Context
from peerpath.screening.detectors import crisis

RECALL_SLACK = {"crisis": 0.01}


@dataclass
class RetrainOutcome:
    installed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def worse(category: str, before: evaluation.Scores, after: evaluation.Scores) -> str:
    """Why the after-model is worse on held-out, or "" when it is not."""
    if (after.f1 or 0.0) < (before.f1 or 0.0):
        return f"F1 {evaluation.figure(after.f1)} < {evaluation.figure(before.f1)}"
    slack = RECALL_SLACK.get(category)
    if slack is not None and (after.recall or 0.0) < (before.recall or 0.0) - slack:
        return f"recall {evaluation.figure(after.recall)} < {evaluation.figure(before.recall)} - {slack}"
    return ""


def retrain(
    data: Path,
    *,
    target: Path,
    context: Context,
    decisions: dict[str, str],
    examples: Sequence[tuple[str, str]] = (),
    categories: Sequence[str] = classifiers.CLASSIFIED,
    force: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> RetrainOutcome:
    tune = training.read_tune(data)
    heldout = [item for path in training.heldout_files(data) for item in evaluation.read_dataset(path)]
    progress(f"Tuning data: {', '.join(f'{name} ({len(items)})' for name, items in tune.items())}; "
             f"{len(examples)} moderators' examples; {len(heldout)} held-out texts to judge by.")  # fmt: skip
    candidates: dict[str, classifiers.Model | None] = {}
    for category in categories:
        rules = crisis.rules_outcome if category == "crisis" else None
        candidate = training.build(category, tune, examples, rules, progress=progress)
        if candidate is None:
            progress(f"  {category}: no tuning texts of this category; kept as it is.")
            continue
        candidates[category] = candidate.model
    outcome = RetrainOutcome()
    if not candidates:
        return outcome
    if not heldout:
        progress("No held-out files to judge the new models by.")
    before = _scores(heldout, context, decisions, {})
    after = _scores(heldout, context, decisions, candidates)
    progress("")
    progress(f"{'held-out':<22}{'precision':>20}{'recall':>20}{'F1':>20}")
    for category, model in candidates.items():
        b, a = before[category], after[category]
        progress(f"{category:<22}" + "".join(f"{evaluation.figure(x):>9} → {evaluation.figure(y):<8}"
                                             for x, y in ((b.precision, a.precision), (b.recall, a.recall),
                                                          (b.f1, a.f1))))  # fmt: skip
        reason = worse(category, b, a) if heldout else "no held-out files to judge it by"
        if reason and not force:
            outcome.refused.append(f"{category} ({reason})")
            progress(f"  {category}: NOT installed, worse on held-out: {reason}.")
            continue
        assert model is not None
        model.meta["heldout"] = {"before": b.as_json(), "after": a.as_json()}
        classifiers.save(model, target)
        outcome.installed.append(category)
        progress(f"  {category}: installed in {target}{' (forced)' if reason else ''}.")
    classifiers.reset()
    return outcome


def _scores(
    items: Sequence[evaluation.Item], context: Context, decisions: dict[str, str],
    models: dict[str, classifiers.Model | None],
) -> dict[str, evaluation.Scores]:  # fmt: skip
    with classifiers.using(models):
        outcomes = evaluation.screen_items(items, context, decisions)
    return evaluation.scores([(outcome.item.label, outcome.predicted) for outcome in outcomes])
