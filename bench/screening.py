"""Benchmark: screening one post (issue 15 point 10), rules only and with the classifiers, beside a bare
tokenise-and-score of the same text in the same run.

    .venv/bin/python bench/screening.py [--posts 600] [--long 30] [--data var/screening-data] [--seed 15]

Posts: a fixed-seed sample of the public tuning texts (var/screening-data/*.tune.jsonl, scripts/screening_data.py)
when they are there, else the in-project corpus (screening/tests/corpus/posts.jsonl); plus --long posts of exactly
20,000 characters (the forum's limit) made by joining sampled texts. Each post is timed three ways, one after the
other, on one core (the process is pinned to one CPU and numpy's thread pools are set to one thread):
  (a) screening.screen with every classifier switched off (the rules alone);
  (b) screening.screen with the installed classifiers (shipped or retrained);
  (c) the bare tokenise-and-score: the classifiers' featurizer over the text's windows and one dot product per
      model, with no rule and no decision: the cost of the statistical part alone, the floor under (b) - (a).
Goal: p95 of (b) <= 20 ms per post. The curated claims are the shipped list (moderation/data/misinformation.json),
so no database is needed.
"""

from __future__ import annotations

import os

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=600)
    parser.add_argument("--long", type=int, default=30, help="How many 20,000-character posts to add.")
    parser.add_argument("--data", default=str(ROOT / "var" / "screening-data"))
    parser.add_argument("--seed", type=int, default=15)
    options = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.settings")
    import django

    django.setup()
    from peerpath.screening import classifiers, training
    from peerpath.screening.core import ClaimRule, Context, screen
    from peerpath.screening.detectors import text as sentence_cache
    from peerpath.screening.evaluation import read_dataset

    random.seed(options.seed)
    files = training.tune_files(Path(options.data)) if Path(options.data).is_dir() else []
    if files:
        texts = [item.text for path in files for item in read_dataset(path)]
        origin = ", ".join(path.name for path in files)
    else:
        corpus = ROOT / "src" / "peerpath" / "screening" / "tests" / "corpus" / "posts.jsonl"
        texts = [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines() if line]
        origin = f"{corpus.relative_to(ROOT)} (no tuning data in {options.data})"
    posts = random.sample(texts, min(options.posts, len(texts)))
    for _ in range(options.long):
        joined = ""
        while len(joined) < 20_000:
            joined += random.choice(texts) + "\n\n"
        posts.append(joined[:20_000])

    from peerpath.moderation.claims import DATA_FILE

    claims = tuple(
        ClaimRule(str(index), entry["claim"], tuple(entry["phrases"]), entry["correction"], entry["source_url"],
                  frozenset({entry["condition"]}) if entry["condition"] else frozenset())
        for index, entry in enumerate(json.loads(DATA_FILE.read_text(encoding="utf-8"))["claims"])
    )  # fmt: skip
    context = Context(conditions=frozenset(c for claim in claims for c in claim.condition_slugs), claims=claims)
    models = {category: classifiers.model(category) for category in classifiers.CLASSIFIED}
    loaded = [model for model in models.values() if model is not None]
    status = classifiers.status()

    def rules_only(text: str) -> None:
        with classifiers.using(dict.fromkeys(classifiers.CLASSIFIED)):
            screen(text, context)

    def with_classifiers(text: str) -> None:
        screen(text, context)

    def bare(text: str) -> None:
        features = classifiers.hashed(text)
        rows = classifiers.vectors(features, classifiers.windows(features.text))
        for model in loaded:
            float((rows.dot(model.weights) + model.bias).max())

    ways = {"rules only": rules_only, "rules + classifiers": with_classifiers, "bare tokenise-and-score": bare}
    for post in posts[:20]:  # warm up: regexes compiled, models loaded
        for way in ways.values():
            way(post)
    timings: dict[str, list[float]] = {name: [] for name in ways}
    for post in posts:
        for name, way in ways.items():
            classifiers.forget_last()
            sentence_cache.forget()
            started = time.perf_counter()
            way(post)
            timings[name].append((time.perf_counter() - started) * 1000)

    long = [index for index, post in enumerate(posts) if len(post) >= 20_000]
    lengths = sorted(len(post) for post in posts)
    print(f"Posts: {len(posts)} from {origin}; median {statistics.median(lengths):.0f} characters, "
          f"{len(long)} of 20,000. One core (CPU {sorted(os.sched_getaffinity(0))}), numpy {__import__('numpy').__version__}.")  # noqa: E501  # fmt: skip
    print("Classifiers: " + ", ".join(f"{name} {state}" for name, state in status.items()))
    print(f"{'':<26}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'p50 20k':>9}{'p95 20k':>9}")
    for name, values in timings.items():
        at_limit = [values[index] for index in long] or [0.0]
        print(f"{name:<26}{percentile(values, 0.5):>9.2f}{percentile(values, 0.95):>9.2f}{max(values):>9.2f}"
              f"{percentile(at_limit, 0.5):>9.2f}{percentile(at_limit, 0.95):>9.2f}")  # fmt: skip
    p95 = percentile(timings["rules + classifiers"], 0.95)
    print(f"Goal: p95 of screening with the classifiers <= 20 ms: {p95:.2f} ms, {'met' if p95 <= 20 else 'NOT met'}.")
    if not loaded:
        print("No classifier is installed: (b) and (c) measure the rules alone and nothing.")


if __name__ == "__main__":
    main()
