"""The listing page, the search page and the "Prescribe" button, as each persona sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from peerpath.audit.models import AuditEvent
from peerpath.core.time import now
from peerpath.directory import services
from peerpath.directory.tests.helpers import submit, vetted
from peerpath.testing.matrix import LOGIN, check_matrix

pytestmark = pytest.mark.django_db

EVERYONE_200 = {persona: 200 for persona in
                ("anonymous", "member", "carer", "peer_supporter", "moderator", "clinician", "coordinator", "admin",
                 "outsider")}  # fmt: skip


def test_anyone_reads_a_vetted_listing_without_signing_in(world, client):
    listing = vetted(world, "Tuesday POTS circle", conditions=("POTS",), summary="A friendly weekly video call.",
                     rule_no_medical_advice=True, schedule_frequency="WEEKLY", schedule_byday="TU")  # fmt: skip
    check_matrix(client, world, url=f"/directory/{listing.pk}/", expect=EVERYONE_200)
    page = client.get(f"/directory/{listing.pk}/").content.decode()
    assert "Vetted by Riverside Health on" in page
    assert "Group rules are published" in page
    assert "No medical advice" in page
    assert "every Tuesday" in page
    assert "Suggest an edit" in page


def test_an_unvetted_listing_is_seen_only_by_its_reviewers(world, client):
    listing = submit("Waiting for review")
    services.review_start(actor=world.people["coordinator"], listing=listing, organisation=world.home)
    expect = {**{persona: 404 for persona in EVERYONE_200}, "coordinator": 200, "admin": 200}
    check_matrix(client, world, url=f"/directory/{listing.pk}/", expect=expect)
    client.force_login(world.people["coordinator"])
    assert "only its reviewers can see this page" in client.get(f"/directory/{listing.pk}/").content.decode()


def test_a_listing_past_its_grace_period_is_gone_and_a_due_one_is_marked(world, client):
    today = now().date()
    due = vetted(world, "Due", reviewed_on=today - timedelta(days=370))
    lapsed = vetted(world, "Lapsed", reviewed_on=today - timedelta(days=400))
    assert "Re-review due" in client.get(f"/directory/{due.pk}/").content.decode()
    assert client.get(f"/directory/{lapsed.pk}/").status_code == 404


def test_only_clinicians_see_prescribe(world, client):
    listing = vetted(world, "Breathe easy", conditions=("COPD",))
    for persona, shown in (("clinician", True), ("member", False), ("coordinator", False)):
        client.force_login(world.people[persona])
        assert ("Prescribe" in client.get(f"/directory/{listing.pk}/").content.decode()) is shown, persona
    expect = {**{persona: 404 for persona in EVERYONE_200}, "anonymous": LOGIN, "clinician": 302}
    check_matrix(client, world, url=f"/directory/{listing.pk}/prescribe/", expect=expect)
    client.force_login(world.people["clinician"])
    response = client.get(f"/directory/{listing.pk}/prescribe/")
    assert response["Location"] == f"/clinic/prescriptions/new/?listing={listing.pk}"


def test_the_search_page_is_public_and_shows_the_vetting(world, client):
    vetted(world, "Tuesday POTS circle", conditions=("POTS",), format="online", cadence="weekly")
    check_matrix(client, world, url="/directory/?q=POTS", expect=EVERYONE_200)
    page = client.get("/directory/", {"q": "POTS", "format": "online", "cadence": "weekly"}).content.decode()
    assert "1 group found" in page
    assert "Tuesday POTS circle" in page
    assert "Vetted by Riverside Health" in page


def test_reading_the_public_directory_writes_no_audit_events(world, client):
    listing = vetted(world, "Quiet reading")
    before = AuditEvent.objects.count()
    client.get("/directory/", {"q": "reading"})
    client.get(f"/directory/{listing.pk}/")
    client.get("/directory/00000000-0000-0000-0000-000000000001/")
    assert AuditEvent.objects.count() == before


def test_conditions_are_listed_in_the_api(client, db):
    body = client.get("/api/v1/conditions").json()
    assert len(body) >= 40
    pots = [item for item in body if "POTS" in item["synonyms"]]
    assert pots and pots[0]["snomed_code"].isdigit()
