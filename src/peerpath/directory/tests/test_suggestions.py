"""Suggesting a group or an edit: open to everyone, rate-limited, with a honeypot; nothing public until vetted."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from peerpath.audit.models import AuditEvent
from peerpath.directory.models import EditSuggestion, Listing
from peerpath.directory.selectors import public_listings, vetting_queue
from peerpath.directory.tests.helpers import condition, submit, vetted

pytestmark = pytest.mark.django_db

GROUP = {"name": "Fibro friends Falmouth", "summary": "A monthly cuppa.", "kind": "group", "format": "in_person",
         "cadence": "monthly", "host_name": "Fibro friends", "host_kind": "peer_led", "city": "Falmouth",
         "join_method": "open", "submitter_contact": "kim@example.org"}  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def test_anyone_suggests_a_group_that_waits_for_vetting(client, world):
    response = client.post("/directory/suggest/", {**GROUP, "conditions": [str(condition("fibromyalgia").pk)]})
    assert response.status_code == 200
    assert "A coordinator will review" in response.content.decode()
    listing = Listing.objects.get(name="Fibro friends Falmouth")
    assert (listing.status, listing.submitter_contact, listing.host.name) == ("submitted", "kim@example.org",
                                                                               "Fibro friends")  # fmt: skip
    assert [c.slug for c in listing.conditions.all()] == [condition("fibromyalgia").slug]
    assert not public_listings().filter(pk=listing.pk).exists()
    event = AuditEvent.objects.get(action="listing.submitted", object_id=str(listing.pk))
    assert event.actor is None and event.details["via"] == "suggestion"
    assert "kim@example.org" not in str(event.details)
    assert listing in vetting_queue(world.people["coordinator"]).submitted


def test_a_signed_in_suggestion_records_who(client, world):
    client.force_login(world.people["member"])
    client.post("/directory/suggest/", GROUP)
    assert Listing.objects.get(name=GROUP["name"]).submitted_by == world.people["member"]


def test_the_honeypot_looks_accepted_but_saves_nothing(client):
    response = client.post("/directory/suggest/", {**GROUP, "website": "http://spam.example"})
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert not Listing.objects.exists()


def test_bad_suggestions_show_form_errors_and_save_nothing(client):
    response = client.post("/directory/suggest/", {**GROUP, "name": "", "url": "not a web address"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "Enter a valid URL" in page
    assert not Listing.objects.exists()


def test_the_eleventh_suggestion_in_an_hour_is_refused(client):
    for number in range(10):
        assert client.post("/directory/suggest/", {**GROUP, "name": f"Group {number}"}).status_code == 200
    response = client.post("/directory/suggest/", {**GROUP, "name": "One too many"})
    assert response.status_code == 429
    assert "try again in an hour" in response.content.decode()
    assert Listing.objects.count() == 10


def test_suggest_an_edit_of_a_public_listing(client, world):
    listing = vetted(world, "Breathe easy")
    page = client.get(f"/directory/{listing.pk}/suggest-edit/")
    assert page.status_code == 200
    response = client.post(f"/directory/{listing.pk}/suggest-edit/", {"message": "They now meet on Thursdays."})
    assert "Thank you" in response.content.decode()
    suggestion = EditSuggestion.objects.get(listing=listing)
    assert suggestion.status == "open"
    assert suggestion in vetting_queue(world.people["coordinator"]).suggestions
    assert suggestion not in vetting_queue(world.people["outsider"]).suggestions
    short = client.post(f"/directory/{listing.pk}/suggest-edit/", {"message": "short"})
    assert "at least 10 characters" in short.content.decode()


def test_suggest_an_edit_only_of_public_listings(client, world):
    hidden = submit("Not public yet")
    assert client.get(f"/directory/{hidden.pk}/suggest-edit/").status_code == 404
    assert client.post(f"/directory/{hidden.pk}/suggest-edit/", {"message": "Let me in please."}).status_code == 404
    assert not EditSuggestion.objects.exists()
