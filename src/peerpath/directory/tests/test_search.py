"""Public search: synonyms, filters, near me, paging, hostile text, and the rule that only vetted listings show."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerpath.core.errors import DomainError
from peerpath.core.time import now
from peerpath.directory import search, services
from peerpath.directory.access import access_listing
from peerpath.directory.conditions import conditions_for_codes
from peerpath.directory.models import Condition, Listing, ListingSearchDocument
from peerpath.directory.search import ListingQuery, parse_listing_query, search_listings
from peerpath.directory.selectors import public_listings
from peerpath.directory.tests.helpers import ALL_MET, condition, submit, vetted

pytestmark = pytest.mark.django_db

LEEDS = {"city": "Leeds", "latitude": 53.7965, "longitude": -1.5478, "format": "in_person"}
BRADFORD = {"city": "Bradford", "latitude": 53.7939, "longitude": -1.7521, "format": "in_person"}
LONDON = {"city": "London", "latitude": 51.5085, "longitude": -0.1257, "format": "in_person"}


def run(**params):
    conditions = {c.slug: c for c in Condition.objects.all()}
    return search_listings(parse_listing_query(params, conditions=conditions))


def names(result) -> list[str]:
    return [hit.listing.name for hit in result.hits]


def test_a_synonym_finds_the_conditions_listings(world):
    vetted(world, "Tuesday circle", conditions=("POTS",), description="We talk about dizziness and fatigue.")
    vetted(world, "Breathe easy walkers", conditions=("COPD",))
    assert names(run(q="POTS")) == ["Tuesday circle"]
    assert names(run(q="pots")) == ["Tuesday circle"]
    assert names(run(q="postural tachycardia")) == ["Tuesday circle"]
    assert names(run(q="emphysema")) == ["Breathe easy walkers"]


def test_a_condition_word_matches_conditions_not_prose(world):
    vetted(world, "Fibro friends", conditions=("fibromyalgia",), description="Come and talk with me and others.")
    vetted(world, "Pacing together", conditions=("ME",))
    assert names(run(q="ME")) == ["Pacing together"]
    assert names(run(q="fibro")) == ["Fibro friends"]


def test_near_me_is_a_place_not_the_condition(world):
    vetted(world, "Leeds heart group", conditions=("heart failure",), **LEEDS)
    assert names(run(q="heart failure groups near me")) == ["Leeds heart group"]


def test_ranking_puts_a_name_match_first(world):
    vetted(world, "Coffee morning", conditions=("COPD",), description="A COPD coffee morning.")
    vetted(world, "COPD choir", conditions=("COPD",))
    assert names(run(q="choir")) == ["COPD choir"]
    assert names(run(q="COPD"))[0] in {"COPD choir", "Coffee morning"}
    assert set(names(run(q="COPD"))) == {"Coffee morning", "COPD choir"}


@pytest.mark.parametrize(
    ("text", "finds"),
    [('"POTS', False), ("copd*", True), ("NEAR(copd walk)", True), ("heart -failure", False), ("(unbalanced", False),
     ("name:copd", False), ('"', True), ("*", True), ("AND OR NOT", False),
     ("'; DROP TABLE directory_listing; --", False),
     ("^copd", True), ("{name}: copd", False), ("copd NEAR/2 walk", False), ("-", True), ("a''b", False), ("\\", True),
     ("%_", True), ('"copd" OR "walk"', True), ("copd)", True)],
)  # fmt: skip
def test_fts_syntax_in_the_text_is_plain_text(world, client, text, finds):
    vetted(world, "COPD walk", conditions=("COPD",))
    result = run(q=text)  # never an engine error: every word is plain text, and no words at all browses everything
    assert ("COPD walk" in names(result)) is finds
    response = client.get("/directory/", {"q": text})
    assert response.status_code == 200
    assert client.get("/api/v1/listings", {"q": text}).status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_any_text_searches_without_error(world, text):
    run(q=text)


def test_filters_narrow_the_results(world):
    vetted(world, "Online weekly", conditions=("POTS",), format="online", cadence="weekly", kind="group")
    vetted(world, "Online monthly", conditions=("POTS",), format="online", cadence="monthly", kind="group")
    vetted(world, "Walk", conditions=("POTS",), kind="activity", **LEEDS)
    vetted(world, "Carers only", conditions=("POTS",), audience="carers", is_free=False, fee_text="£5", format="hybrid")
    vetted(world, "Everyone", conditions=("POTS",), audience="both", languages=["en", "cy"], cadence="ad_hoc",
           life_stages=["newly_diagnosed"])  # fmt: skip
    assert names(run(q="POTS", format="online", cadence="weekly", kind="group")) == ["Online weekly"]
    assert set(names(run(format="online", cadence=["weekly", "monthly"]))) >= {"Online weekly", "Online monthly"}
    assert names(run(kind="activity")) == ["Walk"]
    assert set(names(run(audience="carers"))) == {"Carers only", "Everyone"}
    assert "Carers only" not in names(run(audience="patients"))
    assert "Carers only" not in names(run(free="1"))
    assert names(run(language="cy")) == ["Everyone"]
    assert names(run(life_stage="newly_diagnosed")) == ["Everyone"]
    pots = condition("POTS").slug
    assert len(run(condition=pots).hits) == 5
    assert run(condition=condition("COPD").slug).total == 0


def test_near_a_town_finds_listings_within_the_radius_nearest_first(world):
    vetted(world, "Bradford group", **BRADFORD)
    vetted(world, "Leeds group", **LEEDS)
    vetted(world, "London group", **LONDON)
    vetted(world, "Online group", format="online")
    result = run(near="Leeds", radius="25", sort="distance")
    assert names(result) == ["Leeds group", "Bradford group"]
    assert result.hits[0].distance_km < 1
    assert 12 < result.hits[1].distance_km < 16
    assert names(run(lat="51.5", lon="-0.12", radius="10")) == ["London group"]
    # London is about 270 km from Leeds.
    assert set(names(run(near="Leeds", radius="250"))) == {"Leeds group", "Bradford group"}


def test_a_town_with_its_area_after_a_comma(world):
    vetted(world, "Portland walkers", city="Portland", latitude=45.5235, longitude=-122.6762, format="in_person")
    assert names(run(near="Portland, OR", radius="10")) == ["Portland walkers"]
    assert names(run(q="walkers, Portland")) == ["Portland walkers"]


def test_a_us_zip_code_is_a_place(world):
    vetted(world, "Manhattan walkers", city="New York", latitude=40.7484, longitude=-73.9967, format="in_person")
    assert names(run(near="10001", radius="5")) == ["Manhattan walkers"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"kind": "party"}, "kind", "Unknown kind"),
        ({"format": "telepathy"}, "format", "Unknown format"),
        ({"cadence": "hourly"}, "cadence", "Unknown cadence"),
        ({"condition": "no-such-condition"}, "condition", "Unknown condition"),
        ({"audience": "aliens"}, "audience", "Unknown audience"),
        ({"life_stage": "teen"}, "life_stage", "Unknown life stage"),
        ({"language": "english please"}, "language", "language"),
        ({"q": "x" * 201}, "q", "too long"),
        ({"radius": "10"}, "near", "Say where"),
        ({"near": "Nowhere-on-Sea-and-Thames"}, "near", "could not find"),
        ({"sort": "distance"}, "near", "Say where"),
        ({"sort": "random"}, "sort", "Sort by"),
        ({"page": "zero"}, "page", "whole number"),
        ({"page": "0"}, "page", "between"),
        ({"lat": "91", "lon": "0"}, "lat", "location"),
        ({"lat": "nan", "lon": "0"}, "lat", "location"),
        ({"free": "maybe"}, "free", "free"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message(world, client, params, field, message):
    conditions = {c.slug: c for c in Condition.objects.all()}
    with pytest.raises(DomainError) as refused:
        parse_listing_query(params, conditions=conditions)
    assert refused.value.field == field
    assert message.lower() in refused.value.message.lower()

    api = client.get("/api/v1/listings", params)
    assert api.status_code in (400, 422)
    assert api["Content-Type"] == "application/problem+json"
    page = client.get("/directory/", params)
    assert page.status_code == 400
    assert "There is a problem with your search" in page.content.decode()


def test_only_vetted_listings_are_public_and_a_lapsed_review_hides_one(world):
    today = now().date()
    vetted(world, "Fresh", conditions=("COPD",))
    vetted(world, "Due", conditions=("COPD",), reviewed_on=today - timedelta(days=370))
    vetted(world, "Lapsed", conditions=("COPD",), reviewed_on=today - timedelta(days=400))
    submit("Suggested", conditions=("COPD",))
    delisted = vetted(world, "Delisted", conditions=("COPD",))
    services.listing_delist(actor=world.people["coordinator"], listing=delisted, reason="Closed down")
    assert set(names(run(q="COPD"))) == {"Fresh", "Due"}


def test_sorting_by_most_recently_vetted(world):
    today = now().date()
    vetted(world, "Older", reviewed_on=today - timedelta(days=100))
    vetted(world, "Newer", reviewed_on=today - timedelta(days=3))
    vetted(world, "Middle", reviewed_on=today - timedelta(days=30))
    assert names(run(sort="recent")) == ["Newer", "Middle", "Older"]


def test_pages_hold_the_rest_and_the_query_lives_in_the_url(world, client):
    for number in range(25):
        vetted(world, f"Group {number:02d}", conditions=("COPD",))
    first, second = run(q="COPD"), run(q="COPD", page="2")
    assert (first.total, len(first.hits), len(second.hits), first.pages) == (25, 20, 5, 2)
    assert not set(names(first)) & set(names(second))
    page = client.get("/directory/", {"q": "COPD", "format": "online"}).content.decode()
    assert "?q=COPD&amp;format=online&amp;page=2" in page


def test_an_empty_result_suggests_broader_searches(world, client):
    vetted(world, "Online POTS", conditions=("POTS",), format="online")
    result = run(q="POTS", format="in_person")
    assert result.total == 0
    labels = {broader.label: broader.total for broader in result.broader}
    assert labels.get("Include any format") == 1
    assert "Try a broader search" in client.get("/directory/", {"q": "POTS", "format": "in_person"}).content.decode()


def test_query_counts_do_not_grow_with_the_page_size(world, client):
    for number in range(30):
        vetted(world, f"Group {number:02d}", conditions=("COPD", "asthma"), **LEEDS)
    counts = []
    for size in ("3", "30"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/listings", {"q": "COPD", "near": "Leeds", "page_size": size})
        assert response.status_code == 200
        assert len(response.json()["items"]) == int(size)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with CaptureQueriesContext(connection) as small:
        client.get("/directory/", {"q": "COPD"})
    for number in range(30, 60):
        vetted(world, f"Group {number:02d}", conditions=("COPD",))
    with CaptureQueriesContext(connection) as large:
        client.get("/directory/", {"q": "COPD"})
    assert len(small) == len(large)


def test_search_lists_exactly_what_the_gate_lets_anyone_see(world):
    """SECURITY.md figure 3: the list agrees with the gate."""
    today = now().date()
    listings = [
        vetted(world, "A"),
        vetted(world, "B", reviewed_on=today - timedelta(days=380)),
        vetted(world, "C", reviewed_on=today - timedelta(days=500)),
        submit("D"),
    ]
    in_review = submit("E")
    services.review_start(actor=world.people["coordinator"], listing=in_review, organisation=world.home)
    listings.append(in_review)
    listed = {hit.listing.pk for hit in search_listings(ListingQuery(page_size=100)).hits}
    allowed = set()
    for listing in listings:
        try:
            access_listing(None, listing.pk)
        except Exception:
            continue
        allowed.add(listing.pk)
    assert listed == allowed == {listings[0].pk, listings[1].pk}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    states=st.lists(
        st.tuples(st.sampled_from(["submitted", "in_review", "vetted", "delisted"]), st.integers(0, 800)),
        min_size=1,
        max_size=6,
    )
)
def test_search_and_gate_agree_over_generated_directories(world, states):
    """SECURITY.md figure 3, over hypothesis-generated mixes of states and review dates."""
    Listing.objects.all().delete()
    today = now().date()
    coordinator = world.people["coordinator"]
    for number, (state, days_ago) in enumerate(states):
        listing = submit(f"Listing {number}")
        if state == "submitted":
            continue
        services.review_start(actor=coordinator, listing=listing, organisation=world.home)
        if state == "in_review":
            continue
        services.vetting_record(
            actor=coordinator, listing=listing, checks=ALL_MET, reviewed_on=today - timedelta(days=days_ago)
        )
        if state == "delisted":
            services.listing_delist(actor=coordinator, listing=listing, reason="Closed")
    listed = {hit.listing.pk for hit in search_listings(ListingQuery(page_size=100)).hits}
    allowed = set()
    for listing in Listing.objects.all():
        try:
            access_listing(None, listing.pk)
        except Http404:
            continue
        allowed.add(listing.pk)
    assert listed == allowed
    expected = {number for number, (state, days_ago) in enumerate(states) if state == "vetted" and days_ago <= 365 + 30}
    assert {int(Listing.objects.get(pk=pk).name.split()[-1]) for pk in listed} == expected


def test_the_api_returns_the_same_listings_as_the_service(world, client):
    vetted(world, "POTS online", conditions=("POTS",), format="online")
    vetted(world, "POTS Leeds", conditions=("POTS",), **LEEDS)
    body = client.get("/api/v1/listings", {"q": "POTS", "format": "online"}).json()
    assert [item["name"] for item in body["items"]] == names(run(q="POTS", format="online"))
    assert body["items"][0]["conditions"] == [condition("POTS").slug]
    near = client.get("/api/v1/listings", {"near": "Leeds", "radius": "10"}).json()
    assert near["items"][0]["distance_km"] < 1


def test_the_api_listing_detail_shows_public_listings_only(world, client):
    public = vetted(world, "Public one", conditions=("COPD",))
    hidden = submit("Hidden one")
    body = client.get(f"/api/v1/listings/{public.pk}").json()
    assert body["vetting"]["organisation"] == "Riverside Health"
    assert set(body["vetting"]["criteria_met"]) == {c for c in body["vetting"]["criteria_met"]}
    missing = client.get(f"/api/v1/listings/{hidden.pk}")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


def test_a_record_code_maps_to_its_condition():
    """A SNOMED child code from a record maps to the parent condition (Synthea: diabetic renal disease)."""
    found = {c.name.lower() for c in conditions_for_codes(["127013003"])}
    assert any("kidney" in name for name in found)
    assert any("diabetes" in name for name in found)
    assert conditions_for_codes(["0000000"]).count() == 0


def test_an_index_follows_an_edit(world):
    listing = vetted(world, "Old name", conditions=("COPD",))
    data = services.ListingData.from_listing(listing)
    data.name = "Lungs in harmony choir"
    data.conditions = [condition("asthma")]
    services.listing_update(actor=world.people["coordinator"], listing=listing, data=data)
    assert names(run(q="harmony")) == ["Lungs in harmony choir"]
    assert names(run(q="COPD")) == []
    assert names(run(q="asthma")) == ["Lungs in harmony choir"]
    assert Listing.objects.get(pk=listing.pk).search_document.name == "Lungs in harmony choir"
    data.format, data.cadence = "hybrid", "monthly"
    services.listing_update(actor=world.people["coordinator"], listing=listing, data=data)
    assert names(run(format="hybrid", cadence="monthly")) == ["Lungs in harmony choir"]
    assert names(run(format="online")) == []
    assert names(run(condition=condition("asthma").slug)) == ["Lungs in harmony choir"]
    assert names(run(condition=condition("COPD").slug)) == []


def test_a_filtered_search_hides_lapsed_and_unvetted_listings(world):
    today = now().date()
    vetted(world, "Fresh", format="online", cadence="weekly")
    vetted(world, "Lapsed", format="online", cadence="weekly", reviewed_on=today - timedelta(days=400))
    submit("Suggested", format="online", cadence="weekly")
    delisted = vetted(world, "Delisted", format="online", cadence="weekly")
    services.listing_delist(actor=world.people["coordinator"], listing=delisted, reason="Closed down")
    assert names(run(format="online", cadence="weekly")) == ["Fresh"]
    assert run(format="online", cadence="weekly").total == 1


def _directory_of_many(world):
    today = now().date()
    places = [LEEDS, BRADFORD, LONDON, {"format": "online"}]
    for number in range(16):
        vetted(
            world,
            f"{'COPD choir' if number % 3 else 'Breathing space'} {number:02d}",
            conditions=("COPD",) if number % 4 else ("COPD", "asthma"),
            description="A COPD group: walks and singing." if number % 2 else "We meet for tea.",
            kind="activity" if number % 5 == 0 else "group",
            cadence=["weekly", "monthly"][number % 2],
            audience=["patients", "carers", "both"][number % 3],
            languages=["en", "cy"] if number % 6 == 0 else ["en"],
            is_free=number % 7 != 0,
            reviewed_on=today - timedelta(days=number * 20 % 390),
            **places[number % 4],
        )


INDEXED_QUERIES = [
    {"q": "COPD"}, {"q": "choir"}, {"q": "COPD walks", "sort": "recent"}, {"format": "online"},
    {"cadence": "weekly", "kind": "group"}, {"audience": "carers"}, {"language": "cy"}, {"free": "1", "q": "COPD"},
    {"near": "Leeds", "radius": "25"}, {"near": "Leeds", "radius": "25", "sort": "distance"},
    {"near": "Leeds", "radius": "250", "q": "choir", "cadence": "monthly"}, {"lat": "51.5", "lon": "-0.12"},
    {"condition": "asthma"}, {"condition": "asthma", "q": "COPD", "page_size": "2", "page": "2"},
    {"q": "COPD", "page_size": "3", "page": "3"}, {"sort": "recent", "page_size": "4", "page": "2"},
]  # fmt: skip


@pytest.mark.parametrize("cap", [1000, 3])
def test_the_index_pages_exactly_as_the_plain_query_orders(world, monkeypatch, cap):
    """On SQLite filters narrow the full-text match itself (facet terms): every search, and every way of paging
    past the count cap (ranking only the best few, or leaving it to the ORM), gives what the plain query gives."""
    monkeypatch.setattr(search, "COUNT_CAP", cap)
    monkeypatch.setattr(search, "_TOP_FIRST", 2)
    _directory_of_many(world)
    conditions = list(Condition.objects.all())
    by_slug = {c.slug: c for c in conditions}
    for params in INDEXED_QUERIES:
        if "condition" in params:
            params = params | {"condition": condition(params["condition"]).slug}
        query = parse_listing_query(params, conditions=by_slug)
        expected = search._run(query, public_listings(), by_slug, search.condition_phrases(conditions))
        offset = (query.page - 1) * query.page_size
        got = search_listings(query, conditions=conditions)
        page = list(expected.values_list("pk", flat=True)[offset : offset + query.page_size])
        assert [hit.listing.pk for hit in got.hits] == page, params
        assert got.total == min(expected.count(), cap + 1), params


class _Editor:
    """What the migration's data step uses of a schema editor (the real one refuses to run inside a test's
    transaction on SQLite)."""

    connection = connection

    def execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_facets_migration_fills_existing_documents(world):
    vetted(world, "Online weekly", format="online", cadence="weekly", conditions=("POTS",))
    ListingSearchDocument.objects.update(facets="")
    migration = importlib.import_module("peerpath.directory.migrations.0004_search_facets")
    migration.fill_facets(django_apps, _Editor())
    assert "formatonline" in ListingSearchDocument.objects.get().facets
    assert names(run(format="online", cadence="weekly", condition=condition("POTS").slug)) == ["Online weekly"]


def test_a_result_card_says_what_the_group_is_and_who_runs_it(world, client):
    host = services.host_get_or_create(actor=None, name="POTS UK", kind="charity")
    vetted(world, "Tuesday circle", conditions=("POTS",), host=host, format="hybrid", cadence="fortnightly",
           kind="buddy")  # fmt: skip
    page = client.get("/directory/", {"q": "POTS"}).content.decode()
    for label in ("Online and in person", "Fortnightly", "Buddy programme", "POTS UK (charity)"):
        assert label in page
