"""Listings for tests, made through the directory's services so they carry the real audit trail and index."""

from __future__ import annotations

from datetime import date
from typing import Any

from peerpath.directory import services
from peerpath.directory.conditions import conditions_matching, load_value_set
from peerpath.directory.models import Condition, Criterion, Listing
from peerpath.directory.services import ListingData
from peerpath.testing.personas import World

ALL_MET: dict[str, tuple[str, str]] = {criterion.value: ("met", "") for criterion in Criterion}


def condition(term: str) -> Condition:
    """A condition of the shipped value set by its name or a synonym ("POTS", "COPD")."""
    if not Condition.objects.exists():
        load_value_set()  # a transactional test before this one flushed the migration's rows
    found = conditions_matching(term).first()
    assert found is not None, f"no condition called {term!r} in the value set"
    return found


def submit(name: str, *, conditions: tuple[str, ...] = (), **fields: Any) -> Listing:
    data = ListingData(name=name, conditions=[condition(term) for term in conditions], **fields)
    return services.listing_submit(actor=None, data=data, via="test")


def vetted(world: World, name: str, *, reviewed_on: date | None = None, **fields: Any) -> Listing:
    listing = submit(name, **fields)
    coordinator = world.people["coordinator"]
    services.review_start(actor=coordinator, listing=listing, organisation=world.home)
    services.vetting_record(actor=coordinator, listing=listing, checks=ALL_MET, reviewed_on=reviewed_on)
    listing.refresh_from_db()
    return listing
