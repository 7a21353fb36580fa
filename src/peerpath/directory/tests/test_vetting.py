"""The vetting life cycle through the services: every transition audited, illegal ones refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.directory import services
from peerpath.directory.models import Criterion, EditSuggestion, Listing, Vetting
from peerpath.directory.selectors import public_listings
from peerpath.directory.tests.helpers import ALL_MET, submit, vetted

pytestmark = pytest.mark.django_db


def actions(listing: Listing) -> list[str]:
    return list(AuditEvent.objects.filter(object_id=str(listing.pk)).order_by("seq").values_list("action", flat=True))


def is_public(listing: Listing) -> bool:
    return public_listings().filter(pk=listing.pk).exists()


def test_the_whole_life_cycle_is_audited(world):
    coordinator = world.people["coordinator"]
    listing = submit("Liver Spot", conditions=("liver disease",))
    assert listing.status == "submitted" and not is_public(listing)

    listing = services.review_start(actor=coordinator, listing=listing, organisation=world.home)
    assert (listing.status, listing.curator) == ("in_review", world.home)
    assert not is_public(listing)

    vetting = services.vetting_record(actor=coordinator, listing=listing, checks=ALL_MET, notes="Visited in May.")
    listing.refresh_from_db()
    assert listing.status == "vetted" and is_public(listing)
    assert vetting.reviewer_name == coordinator.legal_name
    assert vetting.organisation_name == "Riverside Health"
    assert listing.rereview_due_on == listing.last_vetted_on + timedelta(days=365)
    assert vetting.checks.count() == len(Criterion)

    services.listing_delist(actor=coordinator, listing=listing, reason="The group has closed.")
    listing.refresh_from_db()
    assert (listing.status, listing.status_reason) == ("delisted", "The group has closed.")
    assert not is_public(listing)

    services.listing_relist(actor=coordinator, listing=listing)
    listing.refresh_from_db()
    assert listing.status == "in_review" and not is_public(listing)
    services.vetting_record(actor=coordinator, listing=listing, checks=ALL_MET)
    assert is_public(listing)

    assert actions(listing) == [
        "listing.submitted",
        "listing.review_started",
        "listing.vetted",
        "listing.delisted",
        "listing.relisted",
        "listing.vetted",
    ]


def test_re_review_falls_due_after_twelve_months_and_lapses_thirty_days_later(world):
    listing = vetted(world, "Breathe easy", conditions=("COPD",))
    today = now().date()
    assert not listing.rereview_is_due(today)
    with time_machine.travel(now() + timedelta(days=366), tick=False):
        assert listing.rereview_is_due(now().date())
        assert is_public(listing)
    with time_machine.travel(now() + timedelta(days=366 + 30), tick=False):
        assert not is_public(listing)
        # A re-review brings it back for another 12 months.
        services.vetting_record(actor=world.people["coordinator"], listing=listing, checks=ALL_MET)
        assert is_public(listing)
        listing.refresh_from_db()
        assert listing.rereview_due_on == now().date() + timedelta(days=365)


def test_an_unmet_criterion_declines_and_delists_with_the_reason(world):
    listing = submit("Miracle cure club")
    services.review_start(actor=world.people["coordinator"], listing=listing, organisation=world.home)
    checks = {**ALL_MET, "no_promotion": ("not_met", "Sells supplements")}
    vetting = services.vetting_record(actor=world.people["coordinator"], listing=listing, checks=checks)
    listing.refresh_from_db()
    assert vetting.outcome == Vetting.Outcome.DECLINED
    assert listing.status == "delisted"
    assert "no product promotion or sales" in listing.status_reason
    assert actions(listing)[-1] == "listing.vetting_declined"


@pytest.mark.parametrize(
    ("checks", "message"),
    [
        ({k: v for k, v in ALL_MET.items() if k != "privacy_statement"}, "Answer every criterion"),
        ({**ALL_MET, "meets_regularly": ("not_applicable", "")}, "does not apply"),
        ({**ALL_MET, "meets_regularly": ("maybe", "")}, "met, not met or not applicable"),
        ({**ALL_MET, "made_up": ("met", "")}, "Unknown criterion"),
    ],
)
def test_an_incomplete_checklist_is_refused_and_changes_nothing(world, checks, message):
    listing = submit("Careful group")
    services.review_start(actor=world.people["coordinator"], listing=listing, organisation=world.home)
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError, match=message):
        services.vetting_record(actor=world.people["coordinator"], listing=listing, checks=checks)
    listing.refresh_from_db()
    assert listing.status == "in_review"
    assert not Vetting.objects.filter(listing=listing).exists()
    assert AuditEvent.objects.count() == before


def test_a_review_cannot_be_dated_in_the_future(world):
    listing = submit("Future group")
    services.review_start(actor=world.people["coordinator"], listing=listing, organisation=world.home)
    with pytest.raises(DomainError, match="future"):
        services.vetting_record(
            actor=world.people["coordinator"], listing=listing, checks=ALL_MET,
            reviewed_on=now().date() + timedelta(days=1),
        )  # fmt: skip


def test_illegal_transitions_are_refused(world):
    coordinator = world.people["coordinator"]
    listing = submit("Strict group")
    with pytest.raises(Conflict):
        services.vetting_record(actor=coordinator, listing=listing, checks=ALL_MET)  # not in review yet
    with pytest.raises(Conflict):
        services.listing_relist(actor=coordinator, listing=listing)  # no curator yet
    services.review_start(actor=coordinator, listing=listing, organisation=world.home)
    with pytest.raises(Conflict):
        services.review_start(actor=coordinator, listing=listing, organisation=world.home)
    with pytest.raises(Conflict):
        services.listing_relist(actor=coordinator, listing=listing)
    with pytest.raises(DomainError, match="Say why"):
        services.listing_delist(actor=coordinator, listing=listing, reason="  ")
    services.listing_delist(actor=coordinator, listing=listing, reason="Duplicate")
    with pytest.raises(Conflict):
        services.listing_delist(actor=coordinator, listing=listing, reason="Again")
    with pytest.raises(Conflict):
        services.vetting_record(actor=coordinator, listing=listing, checks=ALL_MET)


def test_only_the_curating_organisation_acts_on_a_listing(world):
    listing = vetted(world, "Riverside's group")
    outsider, member = world.people["outsider"], world.people["member"]
    for attempt in (
        lambda: services.vetting_record(actor=outsider, listing=listing, checks=ALL_MET),
        lambda: services.listing_delist(actor=outsider, listing=listing, reason="Mine now"),
        lambda: services.listing_update(
            actor=outsider, listing=listing, data=services.ListingData.from_listing(listing)
        ),
        lambda: services.review_start(actor=member, listing=submit("New"), organisation=world.home),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    listing.refresh_from_db()
    assert listing.status == "vetted"


def test_an_edit_suggestion_is_resolved_once(world):
    listing = vetted(world, "Suggestible")
    suggestion = services.edit_suggestion_create(actor=None, listing=listing, message="They moved to Thursdays.")
    with pytest.raises(DomainError):
        services.edit_suggestion_create(actor=None, listing=listing, message="short")
    services.edit_suggestion_resolve(actor=world.people["coordinator"], suggestion=suggestion, status="applied")
    suggestion.refresh_from_db()
    assert suggestion.status == EditSuggestion.Status.APPLIED
    with pytest.raises(Conflict):
        services.edit_suggestion_resolve(actor=world.people["coordinator"], suggestion=suggestion, status="dismissed")
    with pytest.raises(DomainError):
        services.edit_suggestion_resolve(
            actor=world.people["coordinator"],
            suggestion=services.edit_suggestion_create(actor=None, listing=listing, message="Another change here."),
            status="open",
        )


def test_listing_data_is_validated_as_a_whole(world):
    with pytest.raises(DomainError, match="youngest"):
        submit("Ages", age_min=30, age_max=20)
    with pytest.raises(DomainError, match="latitude"):
        submit("Half a place", latitude=51.0)
    with pytest.raises(DomainError, match="Unknown value"):
        submit("Stage", life_stages=["toddlers"])
    with pytest.raises(DomainError):
        submit("Bad kind", kind="party")
    with pytest.raises(DomainError):
        submit("Bad url", url="not a url")
    assert not Listing.objects.filter(name__in=["Ages", "Half a place", "Stage", "Bad kind", "Bad url"]).exists()
