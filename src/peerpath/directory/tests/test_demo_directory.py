"""The demo directory: enough, varied, in every state, and searchable the way the issue's walk-through says."""

from __future__ import annotations

import pytest

from peerpath.accounts.management.commands.demo import load_demo
from peerpath.accounts.models import User
from peerpath.directory.models import Condition, Listing, ListingSearchDocument
from peerpath.directory.search import parse_listing_query, search_listings
from peerpath.directory.selectors import public_listings, vetting_queue

pytestmark = pytest.mark.django_db


def test_the_demo_directory_is_large_varied_and_in_every_state():
    load_demo()
    listings = Listing.objects.all()
    assert listings.count() >= 60
    assert Condition.objects.filter(listings__isnull=False).distinct().count() >= 15
    assert set(listings.values_list("kind", flat=True)) == set(Listing.Kind.values)
    assert set(listings.values_list("format", flat=True)) == set(Listing.Format.values)
    assert set(listings.values_list("status", flat=True)) == set(Listing.Status.values)
    assert public_listings().count() >= 45
    assert ListingSearchDocument.objects.count() == listings.count()
    assert listings.filter(clinician_participation="never", conditions__slug="type-1-diabetes").exists()


def test_in_the_demo_pots_online_weekly_finds_groups_and_the_coordinator_has_work():
    load_demo()
    conditions = {c.slug: c for c in Condition.objects.all()}
    query = parse_listing_query({"q": "POTS", "format": "online", "cadence": "weekly"}, conditions=conditions)
    result = search_listings(query)
    assert result.total >= 2
    assert all(hit.listing.format == "online" and hit.listing.cadence == "weekly" for hit in result.hits)
    queue = vetting_queue(User.objects.get(email="coordinator@peerpath.demo"))
    assert queue.submitted and queue.in_review and queue.rereview_due and queue.suggestions
