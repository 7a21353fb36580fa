"""The vetting pages: a permission matrix for each, and a coordinator vetting a suggested group end to end."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.audit.models import AuditEvent
from peerpath.directory import services
from peerpath.directory.models import Criterion, Listing
from peerpath.directory.selectors import public_listings, today
from peerpath.directory.tests.helpers import submit, vetted
from peerpath.testing.matrix import LOGIN, ORG_MANAGERS_ONLY, check_matrix, outcome_of

pytestmark = pytest.mark.django_db

# Riverside's coordinators and admins; the outsider coordinates another organisation.
CURATORS_ONLY = ORG_MANAGERS_ONLY
# Any organisation's coordinators and admins (the queue, and submissions nobody has taken).
ANY_MANAGER = {**ORG_MANAGERS_ONLY, "outsider": 200}


def in_review(world, name="In review") -> Listing:
    listing = submit(name)
    return services.review_start(actor=world.people["coordinator"], listing=listing, organisation=world.home)


def vet_post(**overrides):
    data = {c.value: "met" for c in Criterion}
    data.update({"reviewed_on": "", "notes": ""})
    data.update(overrides)
    return data


def test_queue_matrix(world, client):
    check_matrix(client, world, url="/directory/vetting/", expect=ANY_MANAGER)


def test_review_pages_matrix_for_riversides_listing(world, client):
    listing = in_review(world)
    for path in ("", "vet/", "edit/", "delist/"):
        check_matrix(client, world, url=f"/directory/vetting/{listing.pk}/{path}", expect=CURATORS_ONLY)


@pytest.mark.parametrize("action", ["start/", "relist/", "delist/", "vet/", "edit/"])
def test_nobody_outside_the_curators_changes_anything_by_post(world, client, action):
    listing = vetted(world, "Protected")
    for persona in ("anonymous", "member", "carer", "peer_supporter", "moderator", "clinician", "outsider"):
        client.logout()
        if world[persona] is not None:
            client.force_login(world[persona])
        response = client.post(f"/directory/vetting/{listing.pk}/{action}", {"reason": "Mine now", "name": "Taken"})
        expected = LOGIN if persona == "anonymous" else 404
        assert outcome_of(response) == expected, persona
    listing.refresh_from_db()
    assert (listing.status, listing.name) == ("vetted", "Protected")
    changes = AuditEvent.objects.filter(object_id=str(listing.pk), outcome="success").exclude(actor=None)
    assert not changes.exclude(actor=world.people["coordinator"]).exists()
    denied = AuditEvent.objects.filter(object_id=str(listing.pk), action="access.denied")
    assert denied.filter(actor=world.people["outsider"]).exists()


def test_suggestion_resolve_matrix(world, client):
    listing = vetted(world, "With a suggestion")
    suggestion = services.edit_suggestion_create(actor=None, listing=listing, message="Now meets on Fridays.")
    expect = {**{p: 404 for p in ANY_MANAGER}, "anonymous": LOGIN, "coordinator": 302, "admin": 302}
    check_matrix(client, world, url=f"/directory/vetting/suggestions/{suggestion.pk}/", method="post",
                 data={"status": "bad"}, expect=expect)  # fmt: skip


def test_a_new_submission_is_a_shared_pool_until_someone_takes_it(world, client):
    listing = submit("Unclaimed")
    check_matrix(client, world, url=f"/directory/vetting/{listing.pk}/", expect=ANY_MANAGER)
    client.force_login(world.people["coordinator"])
    response = client.post(f"/directory/vetting/{listing.pk}/start/", {"organisation": str(world.home.pk)})
    assert response.status_code == 302
    check_matrix(client, world, url=f"/directory/vetting/{listing.pk}/", expect=CURATORS_ONLY)


def test_a_coordinator_vets_a_suggested_group_and_it_appears(world, client):
    client.post(
        "/directory/suggest/",
        {"name": "Tuesday POTS circle", "kind": "group", "format": "online", "cadence": "weekly",
         "host_kind": "peer_led", "host_name": "POTS peers", "join_method": "open"},
    )  # fmt: skip
    listing = Listing.objects.get(name="Tuesday POTS circle")
    assert not public_listings().filter(pk=listing.pk).exists()

    client.force_login(world.people["coordinator"])
    queue = client.get("/directory/vetting/").content.decode()
    assert "Tuesday POTS circle" in queue
    client.post(f"/directory/vetting/{listing.pk}/start/", {"organisation": str(world.home.pk)})
    # The date input starts at today, in the only format a browser's date input accepts.
    form = client.get(f"/directory/vetting/{listing.pk}/vet/").content.decode()
    assert f'name="reviewed_on" value="{today().isoformat()}"' in form
    response = client.post(f"/directory/vetting/{listing.pk}/vet/", vet_post(reviewed_on="2026-01-05"))
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == "vetted"
    assert public_listings().filter(pk=listing.pk).exists()
    client.logout()
    assert "Tuesday POTS circle" in client.get("/directory/", {"q": "Tuesday"}).content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"privacy_statement": ""}, "This field is required"),
        ({"meets_regularly": "not_applicable"}, "does not apply"),
        ({"reviewed_on": "2999-01-01"}, "future"),
    ],
)
def test_a_bad_checklist_shows_the_error_and_changes_nothing(world, client, overrides, message):
    listing = in_review(world)
    client.force_login(world.people["coordinator"])
    response = client.post(
        f"/directory/vetting/{listing.pk}/vet/", vet_post(**{"reviewed_on": "2026-01-05", **overrides})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == "in_review"


def test_editing_delisting_and_relisting_through_the_pages(world, client):
    listing = vetted(world, "Editable", summary="Old summary")
    client.force_login(world.people["coordinator"])
    form = client.get(f"/directory/vetting/{listing.pk}/edit/")
    assert "Old summary" in form.content.decode()
    data = {name: value for name, value in form.context["form"].initial.items() if value not in (None, [])}
    data.update({"summary": "New summary", "languages": "en, cy", "schedule_interval": "1", "kind": "group",
                 "format": "online", "cadence": "weekly", "audience": "patients", "moderation": "peer",
                 "clinician_participation": "never", "join_method": "open", "schedule_timezone": "Europe/London",
                 "country": "GB"})  # fmt: skip
    data.pop("host", None)
    data.pop("conditions", None)
    assert client.post(f"/directory/vetting/{listing.pk}/edit/", data).status_code == 302
    listing.refresh_from_db()
    assert (listing.summary, listing.languages) == ("New summary", ["en", "cy"])

    bad = client.post(f"/directory/vetting/{listing.pk}/edit/", {**data, "schedule_timezone": "Mars/Olympus"})
    assert bad.status_code == 200 and "Not a time zone" in bad.content.decode()

    assert client.post(f"/directory/vetting/{listing.pk}/delist/", {"reason": ""}).status_code == 200
    assert client.post(f"/directory/vetting/{listing.pk}/delist/", {"reason": "Closed"}).status_code == 302
    listing.refresh_from_db()
    assert listing.status == "delisted"
    client.post(f"/directory/vetting/{listing.pk}/relist/")
    listing.refresh_from_db()
    assert listing.status == "in_review"


def test_a_coordinator_adds_a_listing_directly(world, client):
    client.force_login(world.people["coordinator"])
    assert client.get("/directory/vetting/new/").status_code == 200
    response = client.post("/directory/vetting/new/", {
        "name": "Heart failure café", "kind": "group", "format": "in_person", "cadence": "monthly",
        "audience": "both", "languages": "en", "schedule_interval": "1", "schedule_timezone": "Europe/London",
        "moderation": "professional", "clinician_participation": "by_invitation", "join_method": "open",
        "host_name": "Riverside Cardiac Rehab", "host_kind": "health_service", "organisation": str(world.home.pk),
        "country": "GB", "schedule_frequency": "MONTHLY", "schedule_byday": "1th",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    listing = Listing.objects.get(name="Heart failure café")
    assert (listing.status, listing.curator, listing.host.name) == ("in_review", world.home, "Riverside Cardiac Rehab")
    assert listing.schedule_byday == "1TH"


def test_the_queue_shows_each_section_with_bounded_queries(world, client):
    client.force_login(world.people["coordinator"])
    for number in range(3):
        submit(f"New {number}")
        in_review(world, f"Reviewing {number}")
    client.get("/directory/vetting/")  # the first request after signing in also refreshes the session
    with CaptureQueriesContext(connection) as few:
        page = client.get("/directory/vetting/").content.decode()
    assert "New submissions (3)" in page and "In review (3)" in page
    for number in range(3, 15):
        submit(f"New {number}")
        in_review(world, f"Reviewing {number}")
    with CaptureQueriesContext(connection) as many:
        client.get("/directory/vetting/")
    assert len(few) == len(many)
