"""Benchmark: forum search at 1,000,000 posts in 5,000 spaces (issue 6, "Performance").

    .venv/bin/python bench/forum_search.py [--posts 1000000] [--spaces 5000] [--queries 200]
                                           [--database-url postgres://...] [--work-dir DIR]

Seeds a throw-away database (SQLite file in a temp dir by default; `--work-dir` keeps it for a second run) with N
posts in S spaces (fixed seed): threads of 1 to 20 posts, questions and replies of realistic lengths written from
sentence templates about living with a condition, about 40% of threads answered, 20% of forums public and a few
chosen public threads elsewhere. The measuring person is an active member of 20 spaces. Then 200 queries (one to
three words, some with filters, some with FTS syntax) and prints p50/p95 of
  (a) the search call: parse_forum_query + search_forum, as that member;
  (b) the search page /search/ through Django's test client, signed in as that member;
  (c) the bare full-text query in the same run: the engine's best 20 for the words alone, no scope, no filters;
  (d) "has this been asked before?": POST /spaces/<id>/forum/similar/ (title=…) through the test client;
  (e) screening one realistic post: moderation.services.screen_text (the detectors of the moderation app).
Goals: p95 of (b) <= 100 ms on SQLite at 1M posts; p95 of (e) <= 20 ms.

Seeding writes listings, spaces and memberships with bulk_create and threads, posts and search documents with raw
executemany inserts, not through the services: a million screened, audited post_reply calls would take hours. The
FTS5 triggers (SQLite) or the generated tsvector column (PostgreSQL) fill the index as in real use.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

CONDITIONS = [
    "diabetes", "type-1-diabetes", "type-2-diabetes", "copd", "asthma", "heart-failure", "long-covid", "me-cfs",
    "pots", "fibromyalgia", "chronic-pain", "multiple-sclerosis", "parkinsons-disease", "epilepsy", "cancer",
    "breast-cancer", "depression", "anxiety", "dementia", "stroke", "rheumatoid-arthritis", "crohns-disease",
    "lupus", "migraine", "sickle-cell-disease",
]  # fmt: skip
SYMPTOMS = [
    "fatigue", "brain fog", "pain", "dizziness", "breathlessness", "low mood", "poor sleep", "flare-ups", "nausea",
    "headaches", "joint pain", "palpitations", "anxiety", "stiffness", "hypos", "high readings", "numbness",
]  # fmt: skip
TREATMENTS = [
    "insulin pump", "CGM sensor", "inhaler", "physio", "pacing", "graded exercise", "salt and fluids", "beta blockers",
    "steroids", "the new tablets", "CBT", "a sleep routine", "compression stockings", "pulmonary rehab",
    "a food diary", "mindfulness", "hydrotherapy", "a TENS machine", "the patch", "carb counting",
]  # fmt: skip
SITUATIONS = [
    "at work", "at school", "on holiday", "in the winter", "after a long day", "with children", "on night shifts",
    "when travelling", "at weddings", "during exams", "with my partner", "at the gym", "on the bus",
    "when the weather changes", "after Christmas", "at the weekend", "with my manager", "at the dentist",
]  # fmt: skip
TITLES = [
    "How do you manage {symptom} {situation}?",
    "Anyone tried {treatment}?",
    "{treatment} and {symptom}",
    "Tips for {symptom} {situation}",
    "Newly diagnosed: what helps with {symptom}?",
    "Is {symptom} normal with {treatment}?",
    "Telling people {situation}",
    "Questions to ask about {treatment}",
    "{symptom} getting worse {situation}",
    "Benefits forms and {symptom}",
    "Travel insurance {situation}",
    "Good days and bad days {situation}",
]
SENTENCES = [
    "I was diagnosed last year and I am still finding my feet.",
    "The {symptom} is the hardest part for me {situation}.",
    "My nurse suggested {treatment} but I am not sure where to start.",
    "Has anyone else noticed {symptom} {situation}?",
    "What worked for me was {treatment}, though it took a few weeks.",
    "I keep a diary of {symptom} and it helps me spot patterns.",
    "Some days are fine and then {symptom} knocks me flat.",
    "I found it easier once I told my family {situation}.",
    "Thank you all, this group has been a lifeline.",
    "I would ask your team about {treatment} at the next appointment.",
    "We talked about this at the last meeting and people had lots of ideas.",
    "Rest before you need it, not after.",
    "Small steps: I started with five minutes a day.",
    "The waiting list was long but it was worth it.",
    "My GP was really understanding when I explained the {symptom}.",
    "I plan my week around the busy days {situation}.",
    "It is exhausting explaining it to people who cannot see it.",
    "I switched to {treatment} and the {symptom} eased off.",
    "Does anyone have a good way to explain {symptom} to a manager?",
    "Water, snacks and a spare charger go everywhere with me.",
    "I still get {symptom} but I know what to do now.",
    "Try not to compare yourself with anyone else here.",
    "The occupational health report helped with adjustments {situation}.",
    "I cried the first time, and that is okay.",
]
QUERY_WORDS = [
    "pacing", "fatigue", "brain fog", "insulin pump", "sleep", "work", "school", "holiday", "travel insurance",
    "benefits", "salt fluids", "physio", "diary", "manager", "flare", "dizziness", "CGM", "inhaler", "winter",
    "newly diagnosed", "night shifts", "exercise", "mindfulness", "hydrotherapy", "nurse", "waiting list", "hypos",
    "tablets", "compression", "rehab", "explain", "adjustments", "family", "partner", "weekend", "dentist",
]  # fmt: skip
HOSTILE = ['"pacing', "fatigue*", "NEAR(sleep work)", "-pacing", "work AND OR", "(brain fog", "salt:fluids", "😀 sleep"]
POSTS = [
    "I have been using a pacing diary for three weeks and the fatigue is a little easier at work.",
    "Does anyone else get brain fog after the meetings? I struggle to follow the conversation by the end.",
    "My consultant wants me to try the new tablets. Has anyone had side effects?",
    "Honestly I can't do this anymore. I have been thinking about ending it all.",
    "Stop taking your insulin for a week, it cleared my numbers right up.",
    "Great discount on the supplements I use: 20% off with code HEAL20, DM me for the link!",
    "You can ring me on 07700 900123 if you want to talk before Tuesday.",
    "Cinnamon cures diabetes, my aunt stopped her metformin and she is fine.",
    "Thank you everyone for the kind words last week, it meant a lot.",
    "Salt and fluids in the morning help my dizziness, plus compression stockings on long days.",
]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--spaces", type=int, default=5_000)
    parser.add_argument("--member-of", type=int, default=20, help="spaces the measuring person belongs to")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--database-url", default="", help="a PostgreSQL URL to an empty database")
    parser.add_argument("--work-dir", default="", help="keep the SQLite database here; a second run reuses it")
    args = parser.parse_args()

    workdir = args.work_dir or tempfile.mkdtemp(prefix="peerpath-bench-")
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
    from django.test import Client

    from peerpath.accounts.models import User
    from peerpath.forum.models import Post

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    if Post.objects.exists():
        args.posts = Post.objects.count()
        print(f"reusing the {args.posts:,} posts in {workdir}", file=sys.stderr)
    else:
        print(f"seeding {args.posts:,} posts in {args.spaces:,} spaces on {connection.vendor} (work dir {workdir})",
              file=sys.stderr)  # fmt: skip
        started = time.perf_counter()
        seed(args, rng)
        print(f"seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO forum_search_fts(forum_search_fts) VALUES ('optimize')")

    member = User.objects.get(handle="bench-member")
    client = Client()
    client.force_login(member)
    queries = make_queries(random.Random(args.seed + 1), args.queries)
    measure(queries[:5], client, member)  # warm up
    rows = measure(queries, client, member)
    similar = measure_similar(random.Random(args.seed + 2), client, member, args.queries)
    screening = measure_screening(member, args.queries)
    report(rows, similar, screening, connection.vendor, args.posts, args.spaces)


# --- Seeding ---------------------------------------------------------------------------------------------------------


def fill(template: str, rng: random.Random) -> str:
    return template.format(
        symptom=rng.choice(SYMPTOMS), treatment=rng.choice(TREATMENTS), situation=rng.choice(SITUATIONS)
    )


def post_body(rng: random.Random, *, question: bool) -> str:
    # Replies: mostly two to five sentences (150-500 characters), sometimes one line, sometimes a long story.
    count = rng.choices([1, 2, 3, 4, 5, 8, 14], [10, 20, 25, 20, 12, 9, 4])[0] + (1 if question else 0)
    return " ".join(fill(rng.choice(SENTENCES), rng) for _ in range(count))


def seed(args: argparse.Namespace, rng: random.Random) -> None:
    from django.db import connection, transaction

    from peerpath.accounts.models import Organisation, User
    from peerpath.directory.models import Condition, Listing
    from peerpath.forum.models import ForumSettings
    from peerpath.spaces.models import Membership, Space

    today = date.today()
    moment = datetime.now(UTC)
    host = Organisation.objects.create(name="Bench Health", slug="bench-health", kind=Organisation.Kind.CLINIC)
    conditions = list(Condition.objects.filter(slug__in=CONDITIONS))
    member = User.objects.create_user(email="bench-member@example.org", password=None, handle="bench-member")
    authors = User.objects.bulk_create(
        User(email=f"author{i}@example.org", handle=f"author{i}", password="!") for i in range(2000)
    )
    through = Listing.conditions.through
    spaces: list[Space] = []
    with transaction.atomic():
        listings = [
            Listing(name=f"Bench group {i}", summary="A bench group.", description="A bench group.",
                    url=f"https://example.org/g/{i}", status=Listing.Status.VETTED, curator=host,
                    last_vetted_on=today, rereview_due_on=today + timedelta(days=365))
            for i in range(args.spaces)
        ]  # fmt: skip
        Listing.objects.bulk_create(listings, batch_size=1000)
        through.objects.bulk_create(
            [through(listing_id=listing.pk, condition_id=rng.choice(conditions).pk) for listing in listings],
            batch_size=2000,
        )
        spaces = Space.objects.bulk_create(
            [Space(organisation=host, listing=listing, name=listing.name, created_by=member) for listing in listings],
            batch_size=1000,
        )
        public_forums = {space.pk for space in spaces if rng.random() < 0.2}
        ForumSettings.objects.bulk_create(
            [ForumSettings(space_id=pk, public=True) for pk in public_forums], batch_size=1000
        )
        mine = rng.sample(spaces, args.member_of)
        Membership.objects.bulk_create(
            Membership(space=space, user=member, status=Membership.Status.ACTIVE, joined_at=moment - timedelta(days=90))
            for space in mine
        )

    sqlite = connection.vendor == "sqlite"

    def key(value: uuid.UUID) -> Any:
        return value.hex if sqlite else value

    def when(value: datetime) -> Any:
        return connection.ops.adapt_datetimefield_value(value)

    thread_sql = (
        "INSERT INTO forum_thread (id, created_at, updated_at, space_id, author_id, title, is_public, status, "
        "answer_id, reply_count, last_activity_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    post_sql = (
        "INSERT INTO forum_post (id, created_at, updated_at, thread_id, author_id, is_opening, body, body_html, "
        "content_warning, quoted_id, status, moderator_note, edited_at, deleted_at, body_digest, pending_title) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', NULL, 'published', '', NULL, NULL, %s, '')"
    )
    document_sql = (
        "INSERT INTO forum_searchdocument (kind, post_id, note_id, space_id, thread_id, is_public, is_answer, "
        "thread_answered, title, body, created_at) VALUES ('post', %s, NULL, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    if sqlite:
        # One rebuild of the index at the end is many times faster than a million trigger inserts with their merges;
        # the triggers come back exactly as migration 0002 made them.
        fts_migration = importlib.import_module("peerpath.forum.migrations.0002_search_index")
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")
            for statement in fts_migration.SQLITE_DROP[:3]:
                cursor.execute(statement)
    written = 0
    while written < args.posts:
        threads: list[tuple[Any, ...]] = []
        posts: list[tuple[Any, ...]] = []
        documents: list[tuple[Any, ...]] = []
        while len(posts) < 20_000 and written + len(posts) < args.posts:
            space = rng.choice(spaces)
            size = min(rng.choices(range(1, 21), [18, 12, 12, 10, 9, 8, 6, 5, 4, 3] + [1.3] * 10)[0],
                       args.posts - written - len(posts))  # fmt: skip
            start = moment - timedelta(days=rng.uniform(0, 3 * 365))
            thread_id = uuid.uuid4()
            title = fill(rng.choice(TITLES), rng)[:150]
            chosen_public = rng.random() < 0.03
            public = space.pk in public_forums or chosen_public
            post_ids = [uuid.uuid4() for _ in range(size)]
            answer = rng.choice(post_ids[1:]) if size > 1 and rng.random() < 0.4 else None
            last = start
            for index, post_id in enumerate(post_ids):
                created = start + timedelta(hours=index * rng.uniform(0.5, 30))
                last = created
                body = post_body(rng, question=index == 0)
                posts.append((key(post_id), when(created), when(created), key(thread_id),
                              key(rng.choice(authors).pk), index == 0, body, f"<p>{body}</p>",
                              hashlib.sha256(body.encode()).hexdigest()))  # fmt: skip
                documents.append((key(post_id), key(space.pk), key(thread_id), public, post_id == answer,
                                  answer is not None, title if index == 0 else "", body, when(created)))  # fmt: skip
            answer_key = key(answer) if answer else None
            threads.append((key(thread_id), when(start), when(last), key(space.pk), key(rng.choice(authors).pk),
                            title, chosen_public, "open", answer_key, size - 1, when(last)))  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(thread_sql, threads)
            cursor.executemany(post_sql, posts)
            cursor.executemany(document_sql, documents)
        written += len(posts)
        print(f"  {written:,} posts", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    if sqlite:
        print("building the full-text index ...", file=sys.stderr)
        with connection.cursor() as cursor:
            for statement in fts_migration.sqlite_create()[1:]:  # the triggers, then 'rebuild'
                cursor.execute(statement)
            cursor.execute("PRAGMA synchronous = NORMAL")


# --- Measuring -------------------------------------------------------------------------------------------------------


def make_queries(rng: random.Random, count: int) -> list[dict[str, str]]:
    queries = []
    for _ in range(count):
        shape = rng.choices(["one", "two", "filters", "hostile"], [45, 30, 20, 5])[0]
        if shape == "hostile":
            params = {"q": rng.choice(HOSTILE)}
        elif shape == "one":
            params = {"q": rng.choice(QUERY_WORDS)}
        else:
            params = {"q": " ".join(rng.sample(QUERY_WORDS, 2))}
        if shape == "filters":
            choice = rng.random()
            if choice < 0.4:
                params["answered"] = "1"
            elif choice < 0.7:
                params["condition"] = rng.choice(CONDITIONS)
            else:
                params["from"] = (date.today() - timedelta(days=rng.choice([30, 180, 365]))).isoformat()
        if rng.random() < 0.15:
            params["page"] = str(rng.choice([2, 3]))
        queries.append(params)
    return queries


def bare(params: dict[str, str]) -> float:
    from django.db import connection

    from peerpath.forum.search import _BM25, words_of

    words = words_of(params["q"])
    if not words:
        return 0.0
    if connection.vendor == "postgresql":
        sql = ("SELECT id FROM forum_searchdocument WHERE search_vector @@ plainto_tsquery('english', %s) "
               "ORDER BY ts_rank(search_vector, plainto_tsquery('english', %s)) DESC LIMIT 20")  # fmt: skip
        text = " ".join(words)
        params_sql: list[Any] = [text, text]
    else:
        sql = f"SELECT rowid FROM forum_search_fts WHERE forum_search_fts MATCH %s ORDER BY {_BM25} LIMIT 20"
        params_sql = ["{title body} : (" + " AND ".join(f'"{word}"' for word in words) + ")"]
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(sql, params_sql)
        cursor.fetchall()
        return (time.perf_counter() - started) * 1000


def measure(queries: list[dict[str, str]], client: Any, member: Any) -> list[dict[str, Any]]:
    from peerpath.core.errors import DomainError
    from peerpath.directory.selectors import condition_value_set
    from peerpath.forum.search import parse_forum_query, search_forum

    rows = []
    for params in queries:
        row: dict[str, Any] = {"params": params}
        started = time.perf_counter()
        slugs = {condition.slug for condition in condition_value_set()}
        try:
            row["total"] = search_forum(parse_forum_query(params, condition_slugs=slugs), user=member).total
        except DomainError as refused:
            row["total"] = f"refused: {refused}"
        row["a"] = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        response = client.get("/search/?" + urlencode(params))
        row["b"] = (time.perf_counter() - started) * 1000
        row["status"] = response.status_code
        row["c"] = bare(params)
        rows.append(row)
    return rows


def measure_similar(rng: random.Random, client: Any, member: Any, count: int) -> list[float]:
    from peerpath.spaces.models import Membership

    spaces = list(Membership.objects.filter(user=member).values_list("space_id", flat=True))
    times = []
    for _ in range(count):
        title = fill(rng.choice(TITLES), rng)[: rng.randint(8, 60)]
        url = f"/spaces/{rng.choice(spaces)}/forum/similar/"
        started = time.perf_counter()
        client.post(url, {"title": title})  # as the composer sends it: the title never in the URL
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure_screening(member: Any, count: int) -> list[float]:
    from peerpath.moderation.services import screen_text
    from peerpath.spaces.models import Space

    space = Space.objects.select_related("listing").filter(memberships__user=member).first()
    assert space is not None
    screen_text(author=member, space=space, text=POSTS[0])  # warm: claim rules, policies
    times = []
    for index in range(count):
        started = time.perf_counter()
        screen_text(author=member, space=space, text=POSTS[index % len(POSTS)])
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(
    rows: list[dict[str, Any]], similar: list[float], screening: list[float], vendor: str, posts: int, spaces: int
) -> None:
    errors = [row for row in rows if row["status"] >= 500]
    a = [row["a"] for row in rows]
    b = [row["b"] for row in rows]
    c = [row["c"] for row in rows if row["c"]]
    slowest = sorted(rows, key=lambda row: row["b"], reverse=True)[:5]
    line = "{:<48} p50 {:7.1f} ms   p95 {:7.1f} ms"
    print(f"forum search on {vendor}: {posts:,} posts in {spaces:,} spaces, {len(rows)} queries as a member of 20")
    print(line.format("(a) search call (parse + search_forum)", statistics.median(a), percentile(a, 0.95)))
    print(line.format("(b) search page, test client", statistics.median(b), percentile(b, 0.95))
          + f"   goal p95 <= 100 ms: {'met' if percentile(b, 0.95) <= 100 else 'MISSED'}")  # fmt: skip
    print(line.format("(c) bare FTS query (best 20, no scope)", statistics.median(c), percentile(c, 0.95)))
    print(line.format("(d) similar threads fragment, test client", statistics.median(similar),
                      percentile(similar, 0.95)))  # fmt: skip
    print(line.format("(e) screening one post (screen_text)", statistics.median(screening),
                      percentile(screening, 0.95))
          + f"   goal p95 <= 20 ms: {'met' if percentile(screening, 0.95) <= 20 else 'MISSED'}")  # fmt: skip
    print(f"p95(b)/p95(c): {percentile(b, 0.95) / percentile(c, 0.95):.1f}x; server errors: {len(errors)}")
    print("slowest pages:")
    for row in slowest:
        print(f"  {row['b']:7.1f} ms  total {row['total']!s:>5}  {urlencode(row['params'])}")


if __name__ == "__main__":
    main()
