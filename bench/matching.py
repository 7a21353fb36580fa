"""Benchmark: the matcher at scale (issue 17, "Done means").

    .venv/bin/python bench/matching.py [--mentees 100000] [--mentors 20000] [--new-members 200] [--seed 20261207]
                                        [--no-from-db] [--work-dir DIR]

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

Then, unless --no-from-db, end to end from the database: the same people seeded (in bulk, not measured) as consented
profiles of one buddy programme in a throw-away SQLite database (a temp dir, or --work-dir to keep it: a second run
measures it again without seeding), mentors as its peer supporters with their places (a paused supporter has none),
and a queued run executed by runs.run_execute as the task does: load the pool (pool.load_pool), solve it
(engine.assign), save one proposal per pair. Prints
  (e) its time against (a) on the same people in the same run, and where it went (loading, of which turning
      profiles into Person values; solving; saving the proposals; the rest: progress, audit);
  (f) peak memory of the whole process after it.
Goals: the same total score as (a), OPTIMAL, (e) <= 1.5 x (a), memory under 4 GB.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
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
    parser.add_argument(
        "--from-db",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure a run end to end from a seeded SQLite database (default: yes)",
    )
    parser.add_argument("--work-dir", default="", help="keep the SQLite database here (with --from-db); a second "
                        "run measures it again without seeding")  # fmt: skip
    args = parser.parse_args()

    if args.from_db:
        workdir = args.work_dir or tempfile.mkdtemp(prefix="peerpath-bench-")
        os.makedirs(workdir, exist_ok=True)
        os.environ["PEERPATH_VAR_DIR"] = workdir
        os.environ["PEERPATH_TASKS_BACKEND"] = "immediate"
        os.environ.pop("DATABASE_URL", None)
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
    if args.from_db:
        del index, pairs
        from_database(args, mentees, mentors, result, end_to_end)


# ---------------------------------------------------------------------------------------------- from the database


def from_database(args: argparse.Namespace, mentees: list[Any], mentors: list[Any], bare: Any, bare_seconds: float
                  ) -> None:  # fmt: skip
    """(e) and (f): a run of the same people, seeded as profiles, executed from the database."""
    from django.core.management import call_command
    from django.db import connection

    from peerpath.matching import pool as pool_module
    from peerpath.matching import runs
    from peerpath.matching.engine import Weights
    from peerpath.matching.models import MatchRun, Proposal
    from peerpath.programmes.models import Programme

    call_command("migrate", verbosity=0)
    name = f"Bench buddies {args.mentees}x{args.mentors} seed {args.seed}"
    programme = Programme.objects.filter(name=name).select_related("coordinator").first()
    if programme is None:
        if Programme.objects.filter(name__startswith="Bench buddies").exists():
            raise SystemExit(f"{connection.settings_dict['NAME']} holds a pool of other sizes: give another --work-dir")
        print(f"seeding {connection.settings_dict['NAME']} ...", file=sys.stderr)
        started = time.perf_counter()
        programme = seed(name, mentees, mentors)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"seeded {len(mentees) + len(mentors):,} profiles in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)  # fmt: skip
    else:
        print(f"measuring the database already seeded ({connection.settings_dict['NAME']})", file=sys.stderr)
    # A run before this one (a kept work dir) made proposals that would keep its members out of this one.
    Proposal.objects.filter(programme=programme).delete()
    MatchRun.objects.filter(programme=programme).delete()
    run = MatchRun.objects.create(programme=programme, started_by=programme.coordinator,
                                  weights=dict(Weights.default().values))  # fmt: skip

    # Where the time goes: each step of runs._execute timed where it is looked up (the module's own names).
    spent: dict[str, float] = {}
    steps = [(runs, "load_pool", "load"), (runs, "tried_pairs", "tried"), (runs.engine, "assign", "assign"),
             (runs, "_save_proposals", "save"), (pool_module, "to_person", "to_person")]  # fmt: skip
    originals = [(module, attribute, getattr(module, attribute)) for module, attribute, _key in steps]
    for module, attribute, key in steps:
        setattr(module, attribute, timing(spent, key, getattr(module, attribute)))
    try:
        started = time.perf_counter()
        done = runs.run_execute(run.pk)
        seconds = time.perf_counter() - started
    finally:
        for module, attribute, original in originals:
            setattr(module, attribute, original)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if done is None or done.status != MatchRun.Status.DONE:
        raise SystemExit(f"the run did not finish: {done and done.status} {done and done.error}")
    saved = Proposal.objects.filter(run=done).count()
    same = done.total_points == bare.total and saved == len(bare.pairs)
    ratio = seconds / bare_seconds
    rest = seconds - spent["load"] - spent["tried"] - spent["assign"] - spent["save"]
    print(f"from the database (SQLite): {done.mentees:,} members x {done.mentors:,} mentors, {done.places:,} places; "
          f"candidate pairs {done.candidate_pairs:,}; {'OPTIMAL' if done.optimal else 'NOT OPTIMAL'}; "
          f"{saved:,} proposals saved; same total and count as (a): {'yes' if same else 'NO'}")  # fmt: skip
    print(f"(e) run_execute end to end (load + solve + save) {seconds:8.1f} s   {ratio:.2f} x (a)   "
          f"goal <= 1.5 x: {'met' if ratio <= 1.5 else 'MISSED'}")  # fmt: skip
    print(f"    loading the pool {spent['load']:.1f} s (profiles to Person values {spent['to_person']:.1f} s of it), "
          f"tried pairs {spent['tried']:.1f} s, solving {spent['assign']:.1f} s, saving the proposals "
          f"{spent['save']:.1f} s, the rest (progress, audit) {rest:.1f} s")  # fmt: skip
    print(f"(f) peak memory (ru_maxrss), whole process      {peak_mb:8.0f} MB  "
          f"goal < 4096 MB: {'met' if peak_mb < 4096 else 'MISSED'}")  # fmt: skip


def timing(spent: dict[str, float], key: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """The function, adding the time of each call to spent[key]."""
    spent.setdefault(key, 0.0)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - started

    return timed


def seed(name: str, mentees: Sequence[Any], mentors: Sequence[Any]) -> Any:
    """One organisation's buddy programme with these people as consented profiles, in bulk (what a profile_save per
    person would write, without the audit trail); mentors are its peer supporters, a paused one for no places."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from peerpath.accounts import services as accounts
    from peerpath.accounts.models import Organisation, User
    from peerpath.accounts.roles import Role as AccountRole
    from peerpath.directory.models import Condition
    from peerpath.matching.models import MatchProfile, ProfileCondition
    from peerpath.programmes import services as programmes
    from peerpath.programmes.models import Supporter

    cap = max([3, *(mentor.capacity for mentor in mentors)])
    with transaction.atomic():
        organisation = accounts.organisation_create(name="Bench health", kind=Organisation.Kind.CLINIC,
                                                    slug="bench-health")  # fmt: skip
        coordinator = accounts.user_create(email="coordinator@bench.example", password=None, handle="bench-coordinator")
        accounts.role_grant(actor=None, user=coordinator, organisation=organisation, role=AccountRole.COORDINATOR)
        programme = programmes.programme_create(
            actor=coordinator, organisation=organisation,
            data=programmes.ProgrammeData(name=name, coordinator=coordinator, support_kinds=["buddy"],
                                          caseload_cap=cap),
        )  # fmt: skip
        slugs = sorted({slug for person in [*mentees, *mentors] for slug in person.conditions})
        Condition.objects.bulk_create(
            [Condition(slug=slug, name=f"Bench {slug}", snomed_code=f"bench-{number}")
             for number, slug in enumerate(slugs)]
        )  # fmt: skip
        conditions = {condition.slug: condition for condition in Condition.objects.filter(slug__in=slugs)}
        password = make_password(None)
        people = [*mentors, *mentees]
        users = User.objects.bulk_create(
            [User(email=f"{person.id}@bench.example", handle=f"b-{person.id}"[:30], password=password)
             for person in people], batch_size=5000,
        )  # fmt: skip
        moment = datetime.now(UTC) - timedelta(days=1)
        supporters = Supporter.objects.bulk_create(
            [Supporter(organisation=organisation, user=user, languages=sorted(person.languages),
                       paused_at=moment if person.capacity <= 0 else None)
             for person, user in zip(mentors, users, strict=False)], batch_size=5000,
        )  # fmt: skip
        Supporter.programmes.through.objects.bulk_create(
            [Supporter.programmes.through(supporter_id=supporter.pk, programme_id=programme.pk)
             for supporter in supporters], batch_size=5000,
        )  # fmt: skip
        # Consent in the generator's order, so the pool loads in the order (a) was given the people.
        profiles = MatchProfile.objects.bulk_create(
            [profile_of(person, user, programme, moment + timedelta(microseconds=number))
             for number, (person, user) in enumerate(zip(people, users, strict=True))], batch_size=5000,
        )  # fmt: skip
        ProfileCondition.objects.bulk_create(
            [ProfileCondition(profile=profile, condition=conditions[slug], stages=sorted(stages))
             for person, profile in zip(people, profiles, strict=True) for slug, stages in person.conditions.items()],
            batch_size=5000,
        )  # fmt: skip
    return programme


def profile_of(person: Any, user: Any, programme: Any, consented: datetime) -> Any:
    """The profile a person's Person value is loaded from (pool.to_person)."""
    from peerpath.matching.models import MatchProfile

    mentor = person.role == "mentor"
    return MatchProfile(
        programme=programme, user=user, role=person.role, age_band=person.age_band,
        life_stages=sorted(person.life_stages), goals=sorted(person.goals), languages=sorted(person.languages),
        formats=sorted(person.formats), place="Bench town" if person.place else "",
        latitude=person.place[0] if person.place else None, longitude=person.place[1] if person.place else None,
        max_km=person.max_km, availability=sorted(person.availability), timezone=person.timezone,
        interests=sorted(person.interests), gender=person.gender, wants_gender=sorted(person.wants_gender),
        avoid=sorted(person.avoid), consent_given_at=consented,
        approved_for_adolescents=mentor and person.approved_for_adolescents,
        max_matches=person.capacity if mentor and person.capacity > 0 else None,
    )  # fmt: skip


if __name__ == "__main__":
    main()
