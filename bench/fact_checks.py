"""Benchmark: the after-publication fact-check match of one post (issue 15 points 3 and 10), beside the bare
sentence-transformer forward pass over the same sentences in the same run.

    .venv/bin/python bench/fact_checks.py [--posts 300] [--long 10] [--data var/screening-data] [--seed 15]

The fact-check list is every statement of the COVID-19 rumour tuning files (var/screening-data/covid19-rumor-*.tune
.jsonl, scripts/screening_data.py), embedded once before timing. Posts: a fixed-seed sample of all the tuning texts,
plus --long posts of 20,000 characters made by joining sampled texts. Each post is timed two ways on one core:
  (a) fact_checks.match: sentences chosen, embedded, compared with the list, findings made;
  (b) the bare forward pass: fact_checks.embed of the same candidate sentences, nothing else (the floor under (a)).
The match runs in the background after the post is published (forum/tasks.py): a writer waits for none of it. Its
goal is throughput for the background worker, not the 20 ms of inline screening.
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--long", type=int, default=10)
    parser.add_argument("--data", default=str(ROOT / "var" / "screening-data"))
    parser.add_argument("--seed", type=int, default=15)
    options = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.settings")
    import django

    django.setup()
    from peerpath.screening import fact_checks

    data = Path(options.data)
    lists = sorted(data.glob("covid19-rumor-*.tune.jsonl"))
    if not lists or not fact_checks.available():
        sys.exit("Needs the COVID-19 rumour tuning files (scripts/screening_data.py) and the sentence transformer.")
    rows = [json.loads(line) for path in lists for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    texts = [" ".join(row["text"].split())[:1000] for row in rows]
    started = time.perf_counter()
    vectors = fact_checks.embed(texts)
    assert vectors is not None
    statements = tuple(fact_checks.Statement(str(n), text, row["label"] == "misinformation", "bench", "")
                       for n, (text, row) in enumerate(zip(texts, rows, strict=True)))  # fmt: skip
    index = fact_checks.Index(statements, vectors)
    seconds = time.perf_counter() - started
    print(f"Fact-check list: {len(index)} statements from {', '.join(p.name for p in lists)}, embedded in "
          f"{seconds:.1f} s ({1000 * seconds / len(index):.1f} ms each).")  # fmt: skip

    random.seed(options.seed)
    pool = [json.loads(line)["text"] for path in sorted(data.glob("*.tune.jsonl"))
            for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]  # fmt: skip
    posts = random.sample(pool, min(options.posts, len(pool)))
    for _ in range(options.long):
        joined = ""
        while len(joined) < 20_000:
            joined += random.choice(pool) + "\n\n"
        posts.append(joined[:20_000])
    fact_checks.match(posts[0], index)  # warm-up: model loaded
    timings: dict[str, list[float]] = {"match": [], "bare": []}
    long_timings: dict[str, list[float]] = {"match": [], "bare": []}
    for post in posts:
        target = long_timings if len(post) >= 20_000 else timings
        started = time.perf_counter()
        fact_checks.match(post, index)
        target["match"].append((time.perf_counter() - started) * 1000)
        candidates = fact_checks.candidates(post)
        started = time.perf_counter()
        if candidates:
            fact_checks.embed(candidates)
        target["bare"].append((time.perf_counter() - started) * 1000)
    lengths = [len(post) for post in posts]
    print(f"Posts: {len(posts)}; median {statistics.median(lengths):.0f} characters, {options.long} of 20,000. "
          f"One core; at most {fact_checks.MAX_SENTENCES} sentences a post are compared.")  # fmt: skip
    print(f"{'':<30}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'p50 20k':>9}{'p95 20k':>9}")
    for name, label in (("match", "(a) fact-check match"), ("bare", "(b) bare forward pass")):
        values, long_values = timings[name], long_timings[name] or [0.0]
        print(f"{label:<30}{percentile(values, 0.5):>9.2f}{percentile(values, 0.95):>9.2f}{max(values):>9.2f}"
              f"{percentile(long_values, 0.5):>9.2f}{percentile(long_values, 0.95):>9.2f}")  # fmt: skip
    every = timings["match"] + long_timings["match"]
    print(
        f"After publication: a writer waits 0 ms for it; one worker checks about "
        f"{1000 / statistics.mean(every):.0f} posts a second at this mix."
    )


if __name__ == "__main__":
    main()
