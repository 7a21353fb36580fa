"""Benchmark: the matcher at scale (issue 17, "Done means").

    .venv/bin/python bench/matching.py [--mentees 100000] [--mentors 20000] [--new-members 200] [--seed 20261207]

Generates a pool (fixed seed) of N members and M mentors as `Person` values: many languages (a mildly skewed mix
of about a hundred, one person in ten speaking a second), each language with its own region and time zone, people
scattered around it; most accept phone, video or messages, about two in five members only meet in person (within
5-60 km); some state a gender preference or something to avoid; about one in twelve members is under 18 and one
mentor in eight is approved for young people; one mentor in ten is paused (no places left). That leaves about
6.8 million candidate pairs (the issue counts about 5 million) after the hard constraints. Then prints:
  (a) end to end from the Person lists: candidate pairs + scoring + the optimal assignment (engine.assign);
  (b) the ceiling: the bare OR-tools min-cost flow on the same arcs, measured in the same run (build + solve);
  (c) peak memory of the process (getrusage ru_maxrss);
  (d) the instant top-5 for new members at M mentors (a MentorIndex built once), p50/p95 over `--new-members`.
Goals: the solution OPTIMAL, (a) <= 1.5 x (b), memory under 4 GB, (d) p95 <= 200 ms.
Measured from the Person lists only: loading them "from the database" is added when pool.py loads the profiles.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from typing import Any

LANGUAGES = [
    "en", "pl", "es", "fr", "de", "it", "pt", "ro", "ar", "ur", "pa", "bn", "hi", "gu", "ta", "so", "tr", "fa", "ku",
    "ps", "uk", "ru", "lt", "lv", "et", "sk", "cs", "hu", "bg", "hr", "sr", "sl", "sq", "el", "nl", "da", "sv", "no",
    "fi", "is", "ga", "cy", "zh", "ja", "ko", "vi", "th", "tl", "ms", "id", "sw", "am", "ti", "ha", "yo", "ig", "zu",
    "xh", "af", "he", "yi", "hy", "ka", "az", "kk", "uz", "mn", "ne", "si", "my", "km", "lo", "mt", "eu", "ca", "gl",
    "lb", "mk", "be", "bs", "te", "kn", "ml", "mr", "or", "as", "sd", "ckb", "tg", "tk", "ky", "ug", "bo", "dz",
    "mi", "sm", "to", "fj", "rw", "ln", "wo", "ff", "om",
]  # fmt: skip
TIMEZONES = [
    "Europe/London", "Europe/Warsaw", "Europe/Madrid", "Europe/Paris", "Europe/Berlin", "Europe/Bucharest",
    "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Africa/Mogadishu", "Europe/Istanbul", "Asia/Tehran",
    "Europe/Kyiv", "Asia/Shanghai", "Asia/Tokyo", "America/New_York", "America/Sao_Paulo", "Africa/Lagos",
]  # fmt: skip
CONDITIONS = [f"condition-{n}" for n in range(40)]
FORMAT_CHOICES = [("phone", "video", "text"), ("video", "text"), ("phone",), ("video",), ("phone", "text"),
                  ("text",), ("video", "in_person"), ("phone", "video", "in_person")]  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Pool:
    """The generator: one region (centre, time zone) per language, languages drawn with a Zipf-like skew."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        regions = random.Random(seed + 1)
        self.centres = {code: (regions.uniform(-40, 60), regions.uniform(-120, 140)) for code in LANGUAGES}
        self.zones = {code: regions.choice(TIMEZONES) for code in LANGUAGES}
        self.language_weights = [1 / (rank + 1) ** 0.3 for rank in range(len(LANGUAGES))]

    def person(self, number: int, role: str) -> Any:
        from peerpath.matching import vocabulary as v
        from peerpath.matching.person import Person

        rng = self.rng
        language = rng.choices(LANGUAGES, self.language_weights)[0]
        languages = {language} | ({rng.choice(LANGUAGES)} if rng.random() < 0.1 else set())
        mentor = role == "mentor"
        adolescent = not mentor and rng.random() < 0.08
        if rng.random() < (0.2 if mentor else 0.4):
            formats = {"in_person"} | ({"text"} if rng.random() < 0.2 else set())
        else:
            formats = set(rng.choice(FORMAT_CHOICES))
        lat, lon = self.centres[language]
        place = (lat + rng.gauss(0, 1.5), lon + rng.gauss(0, 2.0)) if "in_person" in formats else None
        conditions = {
            slug: frozenset(rng.sample(v.ConditionStage.values, rng.randint(1, 2)))
            for slug in rng.sample(CONDITIONS[:8], 1) + (rng.sample(CONDITIONS, 1) if rng.random() < 0.3 else [])
        }
        ages = v.AgeBand.values[1:]
        gender = rng.choice(["woman", "woman", "man", "man", "non_binary", ""])
        wants = frozenset({"woman"}) if rng.random() < 0.15 else frozenset()
        avoid = frozenset(rng.sample(v.Avoid.values, 1)) if rng.random() < 0.1 else frozenset()
        return Person(
            id=f"{role}-{number}",
            role=role,
            languages=frozenset(languages),
            formats=frozenset(formats),
            place=place,
            max_km=rng.choice([5, 10, 25, 60]) if place else None,
            conditions=conditions,
            age_band="under_18" if adolescent else rng.choice(ages),
            life_stages=frozenset(rng.sample(v.LifeStage.values, rng.randint(0, 2))),
            goals=frozenset(rng.sample(v.Goal.values, rng.randint(1, 3))),
            availability=frozenset(rng.sample(v.Slot.values, rng.randint(1, 3))),
            timezone=self.zones[language] if rng.random() < 0.8 else "",
            interests=frozenset(rng.sample(v.Interest.values, rng.randint(0, 4))),
            gender=gender,
            wants_gender=wants,
            avoid=avoid,
            adolescent=adolescent,
            approved_for_adolescents=mentor and rng.random() < 0.125,
            capacity=(0 if rng.random() < 0.1 else rng.randint(1, 3)) if mentor else 1,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentees", type=int, default=100_000)
    parser.add_argument("--mentors", type=int, default=20_000)
    parser.add_argument("--new-members", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.settings")
    import django

    django.setup()
    import numpy as np

    from peerpath.matching.engine import Flow, MentorIndex, Weights, assign, candidate_pairs, top_candidates

    started = time.perf_counter()
    pool = Pool(args.seed)
    mentors = [pool.person(n, "mentor") for n in range(args.mentors)]
    mentees = [pool.person(n, "mentee") for n in range(args.mentees)]
    newcomers = [pool.person(args.mentees + n, "mentee") for n in range(args.new_members)]
    print(f"generated {args.mentees:,} members and {args.mentors:,} mentors in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)  # fmt: skip
    weights = Weights.default()

    # (a) end to end, from the Person lists.
    started = time.perf_counter()
    result = assign(mentees, mentors, weights)
    end_to_end = time.perf_counter() - started

    # (b) the bare solver on the same arcs (the candidate pairs are rebuilt outside the timing).
    pairs = candidate_pairs(mentees, mentors, weights)
    capacities = np.fromiter((m.capacity for m in mentors), np.int64, len(mentors))
    started = time.perf_counter()
    flow = Flow.build(pairs, capacities, len(mentees))
    bare_optimal = flow.solve()
    bare = time.perf_counter() - started
    bare_total = int(pairs.points[flow.chosen()].sum())
    del flow

    # (d) the instant top-5.
    started = time.perf_counter()
    index = MentorIndex(mentors)
    index_seconds = time.perf_counter() - started
    for newcomer in newcomers[:5]:
        top_candidates(newcomer, index, weights)
    top = []
    for newcomer in newcomers:
        began = time.perf_counter()
        top_candidates(newcomer, index, weights)
        top.append((time.perf_counter() - began) * 1000)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    load: dict[Any, int] = {}
    for match in result.pairs:
        load[match.mentor.id] = load.get(match.mentor.id, 0) + 1
    capacity = {mentor.id: mentor.capacity for mentor in mentors}
    over_cap = sum(count > capacity[mentor_id] for mentor_id, count in load.items())

    print(f"pool: {args.mentees:,} members x {args.mentors:,} mentors; candidate pairs after the hard constraints: "
          f"{result.candidate_pairs:,}")  # fmt: skip
    print(f"assignment: {'OPTIMAL' if result.optimal else 'NOT OPTIMAL'}; {len(result.pairs):,} matched, "
          f"{len(result.unmatched):,} unmatched, total score {result.total / 1000:,.1f}; "
          f"mentors over their cap: {over_cap}; same total as the bare solver: "
          f"{'yes' if bare_optimal and bare_total == result.total else 'NO'}")  # fmt: skip
    ratio = end_to_end / bare
    print(f"(a) end to end (pairs + scoring + assignment)   {end_to_end:8.1f} s   "
          f"{ratio:.2f} x the bare solver   goal <= 1.5 x: {'met' if ratio <= 1.5 else 'MISSED'}")  # fmt: skip
    print(f"(b) ceiling: bare OR-tools min-cost flow          {bare:8.1f} s   (same arcs, build + solve)")
    print(f"(c) peak memory (ru_maxrss)                       {peak_mb:8.0f} MB  "
          f"goal < 4096 MB: {'met' if peak_mb < 4096 else 'MISSED'}")  # fmt: skip
    p95 = percentile(top, 0.95)
    print(f"(d) top-5 for one new member at {args.mentors:,} mentors: p50 {statistics.median(top):.1f} ms   "
          f"p95 {p95:.1f} ms   goal p95 <= 200 ms: {'met' if p95 <= 200 else 'MISSED'}   "
          f"(index built once in {index_seconds:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
