"""Benchmark: directory search at N listings (issue 3, "Performance").

    .venv/bin/python bench/directory_search.py [--listings 100000] [--queries 200] [--database-url postgres://...]

Seeds a throw-away database (SQLite file in a temp dir by default) with N listings from word lists and the condition
value set (fixed seed), about 90% vetted and public, then runs mixed queries (free text with condition names,
synonyms and FTS syntax characters; filters; near a town; sorts; pages 1-3) and prints p50/p95 of (a) the search
service call (parse_listing_query + search_listings), (b) the full page through Django's test client, and (c) the
bare full-text query on the same data in the same run, for the queries that have text.

Seeding writes Listing rows, their condition rows and their search documents with bulk_create, not through the
services: 100,000 audited listing_submit + vetting_record calls would take far longer than the measurement. The
FTS5 triggers (SQLite) or the generated tsvector column (PostgreSQL) fill the index as in real use.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

# Towns the listings meet in and people search near: (name given to resolve_place, region).
UK_TOWNS = [
    ("London", "Greater London"), ("Leeds", "West Yorkshire"), ("Bradford", "West Yorkshire"),
    ("Manchester", "Greater Manchester"), ("Liverpool", "Merseyside"), ("Birmingham", "West Midlands"),
    ("Bristol", "Bristol"), ("Sheffield", "South Yorkshire"), ("Newcastle upon Tyne", "Tyne and Wear"),
    ("Nottingham", "Nottinghamshire"), ("Leicester", "Leicestershire"), ("Norwich", "Norfolk"),
    ("Truro", "Cornwall"), ("Plymouth", "Devon"), ("Exeter", "Devon"), ("Portsmouth", "Hampshire"),
    ("Southampton", "Hampshire"), ("Brighton", "East Sussex"), ("Oxford", "Oxfordshire"),
    ("Cambridge, GB", "Cambridgeshire"), ("York", "North Yorkshire"), ("Hull", "East Riding"),
    ("Cardiff", "Wales"), ("Swansea", "Wales"), ("Glasgow", "Scotland"), ("Edinburgh", "Scotland"),
    ("Aberdeen", "Scotland"), ("Dundee", "Scotland"), ("Belfast", "Northern Ireland"), ("Carlisle", "Cumbria"),
]  # fmt: skip
US_TOWNS = [
    ("Boston, MA", "MA"), ("New York", "NY"), ("Philadelphia", "PA"), ("Chicago", "IL"), ("Portland, OR", "OR"),
    ("Seattle", "WA"), ("San Francisco", "CA"), ("Los Angeles", "CA"), ("Denver", "CO"), ("Austin", "TX"),
    ("Atlanta", "GA"), ("Minneapolis", "MN"),
]  # fmt: skip
# Common conditions gather more groups; the rest of the value set gets a long tail.
POPULAR = {
    "diabetes": 30, "type-1-diabetes": 20, "type-2-diabetes": 25, "copd": 18, "cancer": 25, "breast-cancer": 18,
    "depression": 25, "anxiety": 25, "heart-failure": 12, "stroke": 12, "dementia": 15, "chronic-pain": 15,
    "fibromyalgia": 10, "long-covid": 10, "me-cfs": 8, "pots": 6, "multiple-sclerosis": 10, "parkinsons-disease": 10,
    "alcohol-use-disorder": 12, "substance-use": 10, "asthma": 10, "rheumatoid-arthritis": 8, "osteoarthritis": 8,
}  # fmt: skip
NAME_SHAPES = [
    "{town} {term} peer support group",
    "{term} coffee morning, {town}",
    "{day} {term} circle",
    "{term} buddies {town}",
    "Walk and talk: {term}",
    "{town} {term} carers' network",
    "{term} online forum",
    "Young adults with {term}",
    "Newly diagnosed with {term}? Drop-in",
    "{term} choir",
    "{term} swim club",
    "{term} one-to-one peer mentors",
    "{day} evening {term} chat",
    "{town} {term} friends",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
OPENINGS = [
    "A friendly group for people living with {term}.",
    "Run by people who have {term} themselves.",
    "For anyone affected by {term}, and the people who care for them.",
    "Share what helps with {term}.",
]
SENTENCES = [
    "We meet to talk, listen and swap tips about daily life.", "Newcomers are always welcome; there is no pressure "
    "to speak.", "Tea, coffee and biscuits provided.", "Step-free access and a hearing loop in the room.",
    "Our volunteers are trained in listening and signposting.", "We share experiences, not medical advice.",
    "Sessions are relaxed and confidential.", "Occasional talks from local services.", "Gentle walks of about "
    "an hour, at a pace everyone can manage.", "Family members and friends are welcome too.",
    "We keep a private chat between meetings for members.", "Bring your questions about work, benefits and "
    "travel.", "Pacing, fatigue and flare-ups come up often.", "A quiet space for those who find groups hard.",
    "We also run a monthly social in a café near the station.", "Captions are on for every online session.",
]  # fmt: skip
HOST_WORDS = ["Together", "Friends", "Network", "Circle", "Trust", "Alliance", "Community", "Society", "Foundation"]
TEXT_QUERIES = [
    "POTS", "pots", "T1D", "type 1 diabetes", "sugar", "long covid", "COPD", "emphysema", "fibromyalgia",
    "fibro", "ME", "CFS", "heart failure", "carers", "walking group", "coffee morning", "choir", "swim",
    "newly diagnosed", "young adults", "breast cancer", "depression anxiety", "dementia carers", "stroke",
    "parkinsons", "MS", "chronic pain", "alcohol", "liver transplant", "kidney", "epilepsy Leeds",
    "online forum diabetes", "peer support near me", "Manchester", "biscuits",
    '"POTS', "copd*", "NEAR", "heart -failure", "(unbalanced", "diabetes:type", "a AND b OR NOT c", "***",
]  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--database-url", default="", help="a PostgreSQL URL to an empty database")
    parser.add_argument("--work-dir", default="", help="keep the SQLite database here; a second run reuses it")
    args = parser.parse_args()

    workdir = args.work_dir or tempfile.mkdtemp(prefix="peerpath-bench-")
    os.environ["PEERPATH_VAR_DIR"] = workdir
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from peerpath.directory.geo import resolve_place
    from peerpath.directory.models import Listing

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    if Listing.objects.exists():
        print(f"reusing the {Listing.objects.count():,} listings in {workdir}", file=sys.stderr)
        args.listings = Listing.objects.count()
    else:
        print(f"seeding {args.listings:,} listings on {connection.vendor} (work dir {workdir}) ...", file=sys.stderr)
        seed_start = time.perf_counter()
        seed(args.listings, rng, resolve_place)
        print(f"seeded in {time.perf_counter() - seed_start:.1f} s", file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("INSERT INTO directory_listing_fts(directory_listing_fts) VALUES ('optimize')")

    queries = make_queries(random.Random(args.seed + 1), args.queries)
    client = Client()
    measure(queries[:5], client, quiet=True)  # warm up: caches, the gazetteer (loaded by the towns above)
    results = measure(queries, client, quiet=False)
    report(results, connection.vendor, args.listings)


def seed(count: int, rng: random.Random, resolve_place: Callable[[str], Any]) -> None:
    from django.db import transaction

    from peerpath.accounts.models import Organisation
    from peerpath.directory.models import Condition, HostOrganisation, Listing, ListingSearchDocument
    from peerpath.directory.search import facet_terms

    curator = Organisation.objects.create(name="Bench Health", slug="bench-health", kind=Organisation.Kind.CLINIC)
    conditions = list(Condition.objects.all())
    weights = [POPULAR.get(condition.slug, 2) for condition in conditions]
    hosts = HostOrganisation.objects.bulk_create(
        HostOrganisation(name=f"{rng.choice(['North', 'South', 'Bright', 'Open', 'Kind', 'Steady'])} "
                              f"{rng.choice(HOST_WORDS)} {i}", kind=rng.choice(HostOrganisation.Kind.values))
        for i in range(500)
    )  # fmt: skip
    towns = []
    for name, region in UK_TOWNS + US_TOWNS:
        place = resolve_place(name)
        if place is not None:
            towns.append((name.split(",")[0], region, place))
    today = date.today()
    through = Listing.conditions.through
    batch_size = 5000
    for start in range(0, count, batch_size):
        listings: list[Listing] = []
        links: list[Any] = []
        documents: list[ListingSearchDocument] = []
        for _ in range(min(batch_size, count - start)):
            chosen = list(dict.fromkeys(rng.choices(conditions, weights, k=rng.choice([1, 1, 1, 2, 2, 3]))))
            main_condition = chosen[0]
            # People name groups with the words they search with: sometimes the name, sometimes a synonym.
            term = rng.choice([main_condition.name, main_condition.name, *main_condition.synonyms[:3]])
            form = rng.choices(Listing.Format.values, [45, 40, 15])[0]
            town_name, region, place = rng.choice(towns)
            kind = rng.choices(Listing.Kind.values, [55, 10, 10, 12, 13])[0]
            cadence = rng.choices(Listing.Cadence.values, [55, 15, 18, 5, 7])[0]
            day = rng.randrange(7)
            status_roll = rng.random()
            vetted_on = today - timedelta(days=rng.randint(1, 330))
            if status_roll < 0.9:
                status = Listing.Status.VETTED
            elif status_roll < 0.93:
                status, vetted_on = Listing.Status.VETTED, today - timedelta(days=rng.randint(400, 700))  # lapsed
            else:
                status = rng.choice([Listing.Status.SUBMITTED, Listing.Status.IN_REVIEW, Listing.Status.DELISTED])
            vetted = status == Listing.Status.VETTED
            in_place = form != Listing.Format.ONLINE
            name = rng.choice(NAME_SHAPES).format(town=town_name, term=term, day=DAYS[day])
            summary = rng.choice(OPENINGS).format(term=term)
            description = " ".join([summary, *rng.sample(SENTENCES, rng.randint(2, 5))])
            host = rng.choice(hosts)
            listing = Listing(
                name=name[:200], summary=summary, description=description, kind=kind, format=form,
                cadence=cadence, typical_attendance=rng.randint(4, 40),
                audience=rng.choices(Listing.Audience.values, [55, 15, 30])[0],
                life_stages=rng.sample(Listing.LifeStage.values, rng.choice([0, 0, 0, 1, 2])),
                languages=["en"] if rng.random() < 0.92 else ["en", rng.choice(["cy", "pa", "ur", "es", "pl"])],
                is_free=rng.random() < 0.85, host=host, url=f"https://example.org/groups/{start}",
                city=town_name if in_place else "", region=region if in_place else "",
                country=place.country if in_place else "GB",
                latitude=place.latitude + rng.uniform(-0.15, 0.15) if in_place else None,
                longitude=place.longitude + rng.uniform(-0.2, 0.2) if in_place else None,
                schedule_frequency="WEEKLY" if cadence in ("weekly", "fortnightly") else (
                    "MONTHLY" if cadence == "monthly" else ""),
                schedule_interval=2 if cadence == "fortnightly" else 1,
                schedule_byday=BYDAY[day] if cadence in ("weekly", "fortnightly") else "",
                schedule_timezone="America/New_York" if place.country == "US" else "Europe/London",
                moderation=rng.choice(Listing.Moderation.values),
                clinician_participation=rng.choice(Listing.ClinicianParticipation.values),
                rule_no_medical_advice=rng.random() < 0.7, rule_no_promotion=rng.random() < 0.8,
                status=status, curator=curator if status != Listing.Status.SUBMITTED else None,
                last_vetted_on=vetted_on if vetted else None,
                rereview_due_on=vetted_on + timedelta(days=365) if vetted else None,
            )  # fmt: skip
            listings.append(listing)
            links.extend(through(listing_id=listing.pk, condition_id=condition.pk) for condition in chosen)
            condition_words = " ".join(" ".join([c.name, *c.synonyms]) for c in chosen)
            body = " ".join(part for part in (summary, description, host.name, listing.city, listing.region) if part)
            documents.append(ListingSearchDocument(listing_id=listing.pk, name=listing.name,
                                                   conditions=condition_words, body=body,
                                                   facets=facet_terms(listing, [c.pk for c in chosen])))  # fmt: skip
        with transaction.atomic():
            Listing.objects.bulk_create(listings)
            through.objects.bulk_create(links)
            ListingSearchDocument.objects.bulk_create(documents)
        print(f"  {start + len(listings):,}", file=sys.stderr, end="\r")


def make_queries(rng: random.Random, count: int) -> list[dict[str, Any]]:
    from peerpath.directory.models import Condition, Listing

    slugs = list(Condition.objects.values_list("slug", flat=True))
    towns = [name for name, _region in UK_TOWNS + US_TOWNS] + ["02139", "97201"]  # US ZIP codes too
    queries: list[dict[str, Any]] = []
    for _ in range(count):
        params: dict[str, Any] = {}
        shape = rng.choices(["text", "text+filters", "filters", "near", "near+text"], [35, 25, 15, 15, 10])[0]
        if "text" in shape:
            params["q"] = rng.choice(TEXT_QUERIES)
        if shape in ("text+filters", "filters") or rng.random() < 0.2:
            for name, values in (("kind", Listing.Kind.values), ("format", Listing.Format.values),
                                 ("cadence", Listing.Cadence.values)):  # fmt: skip
                if rng.random() < 0.4:
                    params[name] = rng.sample(values, rng.choice([1, 1, 2]))
            if rng.random() < 0.3:
                params["condition"] = rng.choice(slugs)
            if rng.random() < 0.2:
                params["audience"] = rng.choice(["patients", "carers"])
            if rng.random() < 0.1:
                params["language"] = rng.choice(["en", "cy", "pa", "es"])
            if rng.random() < 0.2:
                params["free"] = "1"
            if rng.random() < 0.1:
                params["life_stage"] = rng.choice(Listing.LifeStage.values)
        if shape.startswith("near"):
            params["near"] = rng.choice(towns)
            params["radius"] = str(rng.choice([10, 25, 50, 100]))
        sorts = ["relevance", "relevance", "recent"] + (["distance", "distance"] if "near" in params else [])
        sort = rng.choice(sorts)
        if sort != "relevance":
            params["sort"] = sort
        page = rng.choices([1, 2, 3], [70, 20, 10])[0]
        if page > 1:
            params["page"] = str(page)
        queries.append(params)
    return queries


def measure(queries: list[dict[str, Any]], client: Any, *, quiet: bool) -> list[dict[str, Any]]:
    from django.db import connection

    from peerpath.core.errors import DomainError
    from peerpath.directory.models import Condition
    from peerpath.directory.search import (
        PostgresFullText,
        SQLiteFTS5,
        condition_phrases,
        parse_listing_query,
        search_listings,
        text_query,
    )

    results = []
    for params in queries:
        row: dict[str, Any] = {"params": params}
        started = time.perf_counter()
        conditions = list(Condition.objects.order_by("name"))
        try:
            query = parse_listing_query(params, conditions={c.slug: c for c in conditions})
            result = search_listings(query, conditions=conditions)
            row["total"] = result.total
        except DomainError as refused:
            row["total"] = f"refused: {refused}"
        row["a"] = (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        response = client.get("/directory/?" + urlencode(params, doseq=True))
        row["b"] = (time.perf_counter() - started) * 1000
        row["status"] = response.status_code

        text = text_query(params.get("q", ""), condition_phrases(conditions))
        if not text.is_empty:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    tsquery, tsparams = PostgresFullText.expression(text)
                    sql = (f"SELECT id, ts_rank(search_vector, {tsquery}) AS rank FROM directory_listingsearchdocument "
                           f"WHERE search_vector @@ ({tsquery}) ORDER BY 2 DESC LIMIT 20")  # fmt: skip
                    bound: list[Any] = [*tsparams, *tsparams]
                else:
                    sql = (f"SELECT rowid, {SQLiteFTS5.rank} FROM directory_listing_fts "
                           "WHERE directory_listing_fts MATCH %s ORDER BY 2 LIMIT 20")  # fmt: skip
                    bound = [SQLiteFTS5.expression(text)]
                started = time.perf_counter()
                cursor.execute(sql, bound)
                cursor.fetchall()
                row["c"] = (time.perf_counter() - started) * 1000
        results.append(row)
        if not quiet and response.status_code >= 500:
            print(f"server error {response.status_code} for {params}", file=sys.stderr)
    return results


def report(results: list[dict[str, Any]], vendor: str, listings: int) -> None:
    a = [row["a"] for row in results]
    b = [row["b"] for row in results]
    texted = [row for row in results if "c" in row]
    c = [row["c"] for row in texted]
    a_text = [row["a"] for row in texted]
    statuses: dict[int, int] = {}
    for row in results:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    print(f"database: {vendor}; listings: {listings:,}; queries: {len(results)} ({len(texted)} with text); "
          f"page statuses: {dict(sorted(statuses.items()))}")  # fmt: skip
    print(f"(a) search service call   p50 {statistics.median(a):7.1f} ms   p95 {percentile(a, 0.95):7.1f} ms")
    print(f"    ... queries with text p50 {statistics.median(a_text):7.1f} ms   p95 {percentile(a_text, 0.95):7.1f} ms")
    print(f"(b) full page, test client p50 {statistics.median(b):7.1f} ms   p95 {percentile(b, 0.95):7.1f} ms"
          f"   goal p95 <= 50 ms: {'met' if percentile(b, 0.95) <= 50 else 'MISSED'}")  # fmt: skip
    print(f"(c) bare full-text query  p50 {statistics.median(c):7.1f} ms   p95 {percentile(c, 0.95):7.1f} ms")
    ratio_all = percentile(a, 0.95) / percentile(c, 0.95)
    ratio_text = percentile(a_text, 0.95) / percentile(c, 0.95)
    print(f"p95(a)/p95(c): {ratio_all:.1f}x over all queries, {ratio_text:.1f}x over the text queries; goal <= 3x: "
          f"{'met' if ratio_all <= 3 else 'MISSED'}")  # fmt: skip
    shapes: dict[str, list[float]] = {}
    for row in results:
        params = row["params"]
        shape = "+".join(
            name
            for name in ("q", "near", "filters")
            if (name in params if name != "filters" else set(params) - {"q", "near", "radius", "sort", "page"})
        )
        shapes.setdefault(shape or "browse", []).append(row["a"])
    print("(a) by shape: " + "; ".join(f"{shape} n={len(v)} p95 {percentile(v, 0.95):.1f} ms"
                                       for shape, v in sorted(shapes.items())))  # fmt: skip
    print("slowest 5 of (a):")
    for row in sorted(results, key=lambda row: -row["a"])[:5]:
        print(f"  {row['a']:7.1f} ms  page {row['b']:6.1f} ms  total {row['total']}  {urlencode(row['params'], True)}")


if __name__ == "__main__":
    main()
