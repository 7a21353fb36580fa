"""HSDS 3.1 out and in: valid against the official schemas, public listings only, and a faithful round trip."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import peerpath
from peerpath.audit.models import AuditEvent
from peerpath.directory import services
from peerpath.directory.hsds.export import export_directory
from peerpath.directory.hsds.importer import HsdsRefused, import_hsds
from peerpath.directory.hsds.validation import SCHEMA_DIR
from peerpath.directory.models import EditSuggestion, HostOrganisation, Listing, Vetting
from peerpath.directory.services import ListingData
from peerpath.directory.tests.helpers import submit, vetted

pytestmark = pytest.mark.django_db

SHARED = Path(peerpath.__file__).resolve().parents[2].parent / "shared" / "data" / "openreferral-hsds"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/openreferral-hsds is not beside the repo")


def shared_validator(name: str) -> Draft202012Validator:
    """Validators built from ../shared (the official files), not from the package's copies."""
    schema_dir = SHARED / "schema"
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012))
        for path in schema_dir.glob("*.json")
    ]
    schema = json.loads((schema_dir / f"{name}.json").read_text())
    return Draft202012Validator(schema, registry=Registry().with_resources(resources), format_checker=FormatChecker())


def full_listing(world, name="Tuesday Tickers", **overrides):
    fields = dict(
        summary="A weekly call.", description="We talk about pacing.", kind="group", format="hybrid",
        cadence="fortnightly", typical_attendance=22, conditions=("POTS", "fibromyalgia"), audience="both",
        age_min=16, age_max=80, life_stages=["newly_diagnosed", "students"], languages=["en", "cy"], is_free=False,
        fee_text="£2 for tea", accessibility_notes="Step-free.", url="https://example.org/tickers",
        contact_email="hello@example.org", contact_phone="+44 113 496 0000", address="1 Park Row", city="Leeds",
        region="West Yorkshire", postal_code="LS1 5AB", country="GB", latitude=53.7965, longitude=-1.5478,
        schedule_frequency="WEEKLY", schedule_interval=2, schedule_byday="TU,TH", schedule_opens_at=time(19, 0),
        schedule_closes_at=time(20, 30), schedule_timezone="Europe/London", schedule_notes="Not in August.",
        moderation="professional", clinician_participation="by_invitation", rule_no_medical_advice=True,
        rule_no_promotion=True, rules_text="Be kind.", join_method="request",
    )  # fmt: skip
    fields.update(overrides)
    host = services.host_get_or_create(actor=None, name="Leeds POTS Society", kind="national_society",
                                       website="https://example.org/society", email="info@example.org",
                                       phone="+44 113 496 0001")  # fmt: skip
    fields.setdefault("host", host)
    return vetted(world, name, **fields)


def comparable(listing: Listing) -> dict:
    data = ListingData.from_listing(listing)
    values = data.field_values()
    values["host"] = (data.host.name, data.host.kind) if data.host else None
    values["conditions"] = sorted(condition.slug for condition in data.conditions)
    return values


@needs_shared
def test_the_export_is_valid_hsds_and_holds_public_listings_only(world):
    full_listing(world)
    vetted(world, "Online only", conditions=("COPD",), format="online", schedule_frequency="DAILY")
    submit("Not vetted")
    delisted = vetted(world, "Delisted", conditions=("COPD",))
    services.listing_delist(actor=world.people["coordinator"], listing=delisted, reason="Closed.")
    vetted(world, "Lapsed", conditions=("COPD",), reviewed_on=date.today() - timedelta(days=365 + 31))
    document = export_directory()
    assert document["total_items"] == 2
    service_validator = shared_validator("service")
    for service in document["contents"]:
        assert not list(service_validator.iter_errors(service)), service["name"]
        for at_location in service["service_at_locations"]:
            assert not list(shared_validator("service_at_location").iter_errors(at_location))
            assert not list(shared_validator("location").iter_errors(at_location["location"]))
        for schedule in service.get("schedules", []):
            assert not list(shared_validator("schedule").iter_errors(schedule))
        for attribute in service["attributes"]:
            assert not list(shared_validator("attribute").iter_errors(attribute))
            assert not list(shared_validator("taxonomy_term").iter_errors(attribute["taxonomy_term"]))
        if "organization" in service:
            assert not list(shared_validator("organization").iter_errors(service["organization"]))
    for taxonomy in document["taxonomies"]:
        assert not list(shared_validator("taxonomy").iter_errors(taxonomy))
    names = {service["name"] for service in document["contents"]}
    assert names == {"Tuesday Tickers", "Online only"}
    tickers = next(s for s in document["contents"] if s["name"] == "Tuesday Tickers")
    snomed = {a["taxonomy_term"]["code"] for a in tickers["attributes"] if a.get("link_type") == "condition"}
    assert len(snomed) == 2 and all(code.isdigit() for code in snomed)
    assert {at["location"]["location_type"] for at in tickers["service_at_locations"]} == {"physical", "virtual"}
    assert tickers["email"] == "hello@example.org"
    assert tickers["description"] == "A weekly call.\n\nWe talk about pacing."
    badge = next(a["value"] for a in tickers["attributes"] if a["taxonomy_term"]["code"] == "vetting")
    assert "Vetted by Riverside" in badge and "crisis_procedure" in badge
    assert "assurer_email" not in tickers
    assert tickers["organization"]["name"] == "Leeds POTS Society"


def test_the_round_trip_export_validate_import_gives_the_same_listings(world, tmp_path):
    originals = {
        listing.name: comparable(listing)
        for listing in (
            full_listing(world),
            full_listing(world, "Walkers", kind="activity", format="in_person", schedule_frequency="MONTHLY",
                         schedule_byday="1SA", is_free=True, fee_text="", life_stages=[], languages=["en"]),
            full_listing(world, "Forum", format="online", cadence="always_open", schedule_frequency="DAILY",
                         schedule_byday="", address="", city="", region="", postal_code="", latitude=None,
                         longitude=None, country="GB"),
        )
    }  # fmt: skip
    file = tmp_path / "directory.json"
    call_command("directory", "export-hsds", "--output", str(file))
    EditSuggestion.objects.all().delete()
    Vetting.objects.all().delete()
    Listing.objects.all().delete()
    HostOrganisation.objects.all().delete()

    report = import_hsds(file.read_bytes())
    assert len(report.created) == 3 and not report.skipped
    imported = {listing.name: listing for listing in Listing.objects.all()}
    assert set(imported) == set(originals)
    for name, listing in imported.items():
        assert listing.status == "submitted"  # an import never publishes
        assert comparable(listing) == originals[name], name

    again = import_hsds(file.read_bytes())
    assert (again.created, again.updated, [reason for _, reason in again.skipped]) == ([], [], ["unchanged"] * 3)
    assert Listing.objects.count() == 3


@needs_shared
@pytest.mark.parametrize(
    ("example", "host"),
    [("service_full.json", "Example Organization Inc."), ("service_list.json", "Example Organization Inc."),
     ("organization_full.json", "Example Organization Inc.")],
)  # fmt: skip
def test_the_official_examples_import_as_submissions_and_a_second_import_duplicates_nothing(world, example, host):
    raw = (SHARED / "examples" / example).read_bytes()
    report = import_hsds(raw)
    assert len(report.created) == 1 and report.created[0].endswith(" “Community Counselling”"), report.skipped
    listing = Listing.objects.select_related("host").get()
    assert (listing.name, listing.status, listing.host.name if listing.host else None) == (
        "Community Counselling", "submitted", host)  # fmt: skip
    assert listing.source_id == "ac148810-d857-441c-9679-408f346de14b"
    assert listing.latitude is None  # the example's latitude 100 is off the globe: dropped, not fatal
    assert AuditEvent.objects.filter(action="listing.submitted", details__via="hsds-import").count() == 1
    second = import_hsds(raw)
    assert (second.created, second.updated, [reason for _, reason in second.skipped]) == ([], [], ["unchanged"])
    assert Listing.objects.count() == 1


def test_a_changed_service_updates_its_listing(world):
    service = {"id": "7c1a4fc8-a2b2-4a51-9d8f-8b1d8cd2b8a1", "name": "Walk and talk", "status": "active"}
    import_hsds(json.dumps(service).encode())
    report = import_hsds(json.dumps({**service, "description": "Saturdays in the park."}).encode())
    assert len(report.updated) == 1 and not report.created
    assert Listing.objects.get().description == "Saturdays in the park."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{not json", "not JSON"),
        ("{}".encode("utf-16"), "not UTF-8"),
        (b'{"contents": 5}', "contents: expected a list"),
        (b"[1, 2]", "[0]: expected an HSDS service"),
        (json.dumps({"id": "not-a-uuid", "name": "X", "status": "active"}).encode(), "id: 'not-a-uuid' is not a"),
        (json.dumps({"contents": [{"id": "7c1a4fc8-a2b2-4a51-9d8f-8b1d8cd2b8a7", "name": "X", "status": "open",
                                   "schedules": [{"id": "7c1a4fc8-a2b2-4a51-9d8f-8b1d8cd2b8a8", "freq": "SOMETIMES"}]}]}
                    ).encode(), "contents[0].schedules[0].freq: 'SOMETIMES' is not one of"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_with_paths_and_nothing_is_saved(world, raw, expected):
    before = (Listing.objects.count(), HostOrganisation.objects.count(), AuditEvent.objects.count())
    with pytest.raises(HsdsRefused) as refused:
        import_hsds(raw)
    assert any(expected in error for error in refused.value.errors), refused.value.errors
    assert (Listing.objects.count(), HostOrganisation.objects.count(), AuditEvent.objects.count()) == before


def test_one_bad_service_is_skipped_with_its_reason(world):
    good = {"id": "7c1a4fc8-a2b2-4a51-9d8f-8b1d8cd2b8a1", "name": "Good", "status": "active"}
    nameless = {"id": "7c1a4fc8-a2b2-4a51-9d8f-8b1d8cd2b8a2", "name": " ", "status": "active"}
    bad_url = {"id": "7c1a4fc8-a2b2-4a51-9d8f-8b1d8cd2b8a3", "name": "Bad", "status": "active", "email": "x@y",
               "minimum_age": 50, "maximum_age": 10}  # fmt: skip
    report = import_hsds(json.dumps([good, nameless, bad_url]).encode())
    assert report.created == ["[0] “Good”"]
    reasons = dict(report.skipped)
    assert reasons["[1]"] == "it has no name"
    assert "youngest age" in reasons["[2] “Bad”"]
    assert list(Listing.objects.values_list("name", flat=True)) == ["Good"]


def test_a_dry_run_saves_nothing(world):
    raw = json.dumps({"id": "7c1a4fc8-a2b2-4a51-9d8f-8b1d8cd2b8a1", "name": "Maybe", "status": "active"}).encode()
    report = import_hsds(raw, dry_run=True)
    assert report.created and not Listing.objects.exists()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    document=json_values
    | st.dictionaries(
        st.sampled_from(["id", "name", "status", "contents", "services", "schedules", "organization"]), json_values
    )
)
def test_any_json_is_imported_or_refused_never_a_crash(world, document):
    """SECURITY.md figure 10: fuzzed HSDS input is refused cleanly, never a server error."""
    before = Listing.objects.count()
    try:
        import_hsds(json.dumps(document).encode())
    except HsdsRefused:
        assert Listing.objects.count() == before


@needs_shared
def test_the_shipped_schemas_are_the_official_ones():
    for path in (SHARED / "schema").glob("*.json"):
        if path.name == "openapi.json":
            continue
        assert (SCHEMA_DIR / path.name).read_bytes() == path.read_bytes(), path.name


@needs_shared
def test_the_hsds_api_is_public_valid_and_paged(world, client):
    for number in range(12):
        full_listing(world, f"Group {number:02d}")
    submit("Hidden")
    body = client.get("/api/v1/hsds/services", {"per_page": 5, "page": 2}).json()
    assert (body["total_items"], body["total_pages"], body["page_number"], body["size"]) == (12, 3, 2, 5)
    validator = shared_validator("service")
    for service in body["contents"]:
        assert not list(validator.iter_errors(service))
    one = body["contents"][0]
    assert client.get(f"/api/v1/hsds/services/{one['id']}").json()["name"] == one["name"]
    hidden = Listing.objects.get(name="Hidden")
    missing = client.get(f"/api/v1/hsds/services/{hidden.pk}")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/hsds/services", {"page": 0}).status_code == 422
    organizations = client.get("/api/v1/hsds/organizations").json()
    assert organizations["total_items"] == 1
    org = client.get(f"/api/v1/hsds/organizations/{organizations['contents'][0]['id']}").json()
    assert len(org["services"]) == 12
    terms = client.get("/api/v1/hsds/taxonomy_terms", {"per_page": 100}).json()
    assert terms["total_items"] >= 40
    term = terms["contents"][0]
    assert client.get(f"/api/v1/hsds/taxonomy_terms/{term['id']}").json() == term
    assert client.get("/api/v1/hsds/taxonomies").json()["total_items"] == 2
    assert client.get("/api/v1/hsds/service_at_locations").json()["total_items"] == 12
    assert client.get("/api/v1/hsds/").json()["version"] == "3.1"
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            client.get("/api/v1/hsds/services", {"per_page": size})
        counts.append(len(queries))
    assert counts[0] == counts[1]
