"""Benchmark: a supporter's caseload page and a programme's follow-up queue (issue 16, "Done means").

    .venv/bin/python bench/programmes.py [--supporters 1000] [--patients 50] [--years 2] [--requests 100]
                                          [--database-url postgres://...]

Seeds a throw-away database (SQLite file in a temp dir by default) with one organisation's programme of N supporters
with M patients each and `years` of contacts (about two a month a patient, fixed seed), written in bulk: a million
audited service calls would take far longer than the measurement. Then prints p50/p95 of
  (a) the caseload page through Django's test client, as one supporter;
  (b) the bare queries beneath it: the page's own SELECTs, captured from one request and re-run on a cursor;
  (c) the programme's follow-up queue page, as its coordinator; (d) its bare SELECTs;
  (e) the ceiling: a bare Django view through the same client and middleware, measured in the same run;
and the query counts of both pages for a supporter with 5 patients against one with M (constant: they must not grow).
About one contact in fifty raised a concern (one in ten of them safeguarding); those of the last two weeks are open.
Goal: p95 of (a) and (c) <= 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import types
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

PROGRAMME = "Bench peer coaching"
CHANNELS = ["phone"] * 5 + ["text"] * 3 + ["video", "home_visit", "walk", "shopping", "group_meeting"]
FUNCTIONS = ["daily_management", "social_emotional", "linkage", "follow_up"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def timed(run: Callable[[], Any], count: int) -> list[float]:
    results = []
    for _ in range(count):
        started = time.perf_counter()
        run()
        results.append((time.perf_counter() - started) * 1000)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--supporters", type=int, default=1000)
    parser.add_argument("--patients", type=int, default=50, help="patients a supporter")
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--database-url", default="", help="a PostgreSQL URL to an empty database")
    parser.add_argument(
        "--work-dir",
        default="",
        help="keep the SQLite database here; a second run measures it again "
        "without seeding (the sizes are then those it was seeded with)",
    )
    args = parser.parse_args()

    workdir = args.work_dir or tempfile.mkdtemp(prefix="peerpath-bench-")
    os.makedirs(workdir, exist_ok=True)
    os.environ["PEERPATH_VAR_DIR"] = workdir
    os.environ["PEERPATH_TASKS_BACKEND"] = "immediate"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.http import HttpRequest, HttpResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import path, reverse

    import peerpath.urls

    def bare(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok", content_type="text/plain")

    urls = types.ModuleType("bench_programmes_urls")
    urls.urlpatterns = [path("bench/bare/", bare), *peerpath.urls.urlpatterns]  # type: ignore[attr-defined]
    sys.modules["bench_programmes_urls"] = urls
    settings.ROOT_URLCONF = "bench_programmes_urls"

    call_command("migrate", verbosity=0)
    from peerpath.programmes.models import Interaction, Programme

    seeded = Programme.objects.filter(name=PROGRAMME).select_related("coordinator").first()
    if seeded is None:
        rng = random.Random(args.seed)
        print(f"seeding on {connection.vendor} (work dir {workdir}) ...", file=sys.stderr)
        started = time.perf_counter()
        programme, busy, light, contacts = seed(rng, args.supporters, args.patients, args.years)
        print(f"seeded {contacts:,} contacts in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        programme, supporters = seeded, list(seeded.supporters.select_related("user").order_by("created_at", "pk"))
        busy, light, contacts = supporters[0], supporters[-1], Interaction.objects.count()
        args.supporters, args.patients = len(supporters) - 1, busy.enrolments.count()
        print(f"measuring the database already seeded in {workdir}", file=sys.stderr)

    supporter_client, light_client, coordinator = Client(), Client(), Client()
    supporter_client.force_login(busy.user)
    light_client.force_login(light.user)
    coordinator.force_login(programme.coordinator)
    caseload_path = reverse("programmes_caseload")
    queue_path = reverse("programmes_follow_ups", kwargs={"programme_id": programme.pk})

    def get(client: Client, url: str) -> Any:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return response

    def captured(client: Client, url: str) -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            get(client, url)
        sqls = [query["sql"] for query in queries.captured_queries]
        return len(sqls), [sql for sql in sqls if sql.lstrip().upper().startswith("SELECT")]

    def rerun(sqls: list[str]) -> Callable[[], None]:
        def run() -> None:
            with connection.cursor() as cursor:
                for sql in sqls:
                    cursor.execute(sql)
                    cursor.fetchall()

        return run

    for _ in range(5):
        get(supporter_client, caseload_path)
        get(light_client, caseload_path)
        get(coordinator, queue_path)
        get(coordinator, "/bench/bare/")
    caseload_count, caseload_selects = captured(supporter_client, caseload_path)
    light_count, _ = captured(light_client, caseload_path)
    queue_count, queue_selects = captured(coordinator, queue_path)
    page = timed(lambda: get(supporter_client, caseload_path), args.requests)
    page_bare = timed(rerun(caseload_selects), args.requests)
    queue = timed(lambda: get(coordinator, queue_path), args.requests)
    queue_bare = timed(rerun(queue_selects), args.requests)
    ceiling = timed(lambda: get(coordinator, "/bench/bare/"), args.requests)

    print(f"database: {connection.vendor}; {args.supporters:,} supporters x {args.patients} patients, "
          f"{contacts:,} contacts over {args.years} years; requests: {args.requests}")  # fmt: skip
    line = "{:<46} p50 {:7.1f} ms   p95 {:7.1f} ms"
    for label, values, goal in (
        (f"(a) caseload page ({args.patients} patients)", page, True),
        (f"(b) its {len(caseload_selects)} bare SELECTs", page_bare, False),
        ("(c) programme follow-up queue page", queue, True),
        (f"(d) its {len(queue_selects)} bare SELECTs", queue_bare, False),
        ("(e) ceiling: bare Django view", ceiling, False),
    ):
        verdict = f"   goal p95 <= 100 ms: {'met' if percentile(values, 0.95) <= 100 else 'MISSED'}" if goal else ""
        print(line.format(label, statistics.median(values), percentile(values, 0.95)) + verdict)
    print(
        f"queries per caseload page: {light_count} for 5 patients, {caseload_count} for {args.patients} "
        f"({'constant' if light_count == caseload_count else 'NOT constant'}); follow-up queue: {queue_count}"
    )


def seed(rng: random.Random, supporters: int, patients: int, years: int) -> tuple[Any, Any, Any, int]:
    """One programme with `supporters` supporters of `patients` patients each, and a light supporter of 5."""
    from django.db import transaction

    from peerpath.accounts.models import RoleAssignment, User
    from peerpath.accounts.roles import Role
    from peerpath.prescriptions.models import Patient
    from peerpath.programmes.models import Enrolment, Interaction, Programme, Supporter
    from peerpath.testing.personas import make_world, persona_password_hash

    world = make_world()
    organisation, coordinator = world.home, world.people["coordinator"]
    today = datetime.now(UTC)
    first = today - timedelta(days=365 * years)
    contacts = 0
    with transaction.atomic():
        programme = Programme.objects.create(organisation=organisation, name=PROGRAMME,
                                             coordinator=coordinator, support_kinds=["one_to_one"],
                                             channels=["phone"], caseload_cap=200, follow_up_days=14)  # fmt: skip
        password = persona_password_hash()
        users = User.objects.bulk_create(
            [User(email=f"supporter{n}@bench.example", handle=f"supporter-{n}", password=password)
             for n in range(supporters + 1)], batch_size=2000,
        )  # fmt: skip
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=user, organisation=organisation, role=Role.PEER_SUPPORTER) for user in users],
            batch_size=2000,
        )
        profiles = Supporter.objects.bulk_create(
            [Supporter(organisation=organisation, user=user, languages=["en"]) for user in users], batch_size=2000
        )
        Supporter.programmes.through.objects.bulk_create(
            [Supporter.programmes.through(supporter_id=profile.pk, programme_id=programme.pk) for profile in profiles],
            batch_size=2000,
        )
        for index, profile in enumerate(profiles):
            count = 5 if index == len(profiles) - 1 else patients
            people = Patient.objects.bulk_create(
                [Patient(organisation=organisation, given_name=f"Given{index}-{n}", family_name=f"Family{n}",
                         created_by=coordinator) for n in range(count)]
            )  # fmt: skip
            histories = []
            for _person in people:
                when = first + timedelta(days=rng.uniform(0, 300))
                moments, moment = [], when + timedelta(days=rng.uniform(1, 10))
                while moment < today:
                    follow_up = (moment + timedelta(days=14)).date() if rng.random() < 0.6 else None
                    moments.append((moment, rng.random() < 0.9, follow_up))
                    moment += timedelta(days=rng.uniform(7, 24))
                histories.append((when, moments))
            enrolments = Enrolment.objects.bulk_create(
                [Enrolment(programme=programme, patient=person, supporter=profile, source="direct",
                           enrolled_at=when, assigned_at=when, enrolled_by=coordinator, **_follow_up(moments))
                 for person, (when, moments) in zip(people, histories, strict=True)]
            )  # fmt: skip
            rows = [
                Interaction(
                    enrolment=enrolment, supporter=profile, occurred_at=moment, channel=rng.choice(CHANNELS),
                    duration_minutes=rng.randint(5, 60), functions=rng.sample(FUNCTIONS, rng.randint(1, 2)),
                    reached=reached, next_follow_up=follow_up, recorded_by=profile.user,
                )
                for enrolment, (_when, moments) in zip(enrolments, histories, strict=True)
                for moment, reached, follow_up in moments
            ]  # fmt: skip
            for row in rows:
                _maybe_concern(rng, row, today, coordinator)
            Interaction.objects.bulk_create(rows, batch_size=5000)
            contacts += len(rows)
            if index % 100 == 0:
                print(f"  {index:,} supporters, {contacts:,} contacts", file=sys.stderr)
    # Supporters are staff: the two who sign in have an authenticator, as the MFA rule demands.
    from peerpath.accounts import services as accounts
    from peerpath.testing.personas import TOTP_SECRET

    for profile in (profiles[0], profiles[-1]):
        accounts.mfa_enrol_totp(user=profile.user, secret=TOTP_SECRET)
    return programme, profiles[0], profiles[-1], contacts


def _maybe_concern(rng: random.Random, row: Any, today: datetime, coordinator: Any) -> None:
    """About one contact in fifty raises a concern, one in ten of those a safeguarding one; a coordinator closed
    each within a few days, except those of the last two weeks, which are still open on the queue."""
    if rng.random() >= 0.02:
        return
    row.concern = "safeguarding" if rng.random() < 0.1 else "concern"
    row.concern_note = "Bench concern."
    if row.occurred_at < today - timedelta(days=14):
        row.concern_outcome = "no_risk"
        row.concern_closed_at = row.occurred_at + timedelta(days=rng.uniform(0.1, 5))
        row.concern_closed_by = coordinator


def _follow_up(moments: list[tuple[datetime, bool, Any]]) -> dict[str, Any]:
    """The enrolment fields the services keep as contacts are logged (programmes.services._follow_up_refresh)."""
    if not moments:
        return {}
    latest, reached, follow_up = moments[-1]
    tries = 0
    for _moment, was_reached, _next in reversed(moments):
        if was_reached:
            break
        tries += 1
    last_reached = next((moment for moment, was_reached, _next in reversed(moments) if was_reached), None)
    due = follow_up or (latest + timedelta(days=14 if reached else 2)).date()
    return {"last_contact_at": last_reached, "next_due_on": due, "tries_since_reached": tries}


if __name__ == "__main__":
    main()
