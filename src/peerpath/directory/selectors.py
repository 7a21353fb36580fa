"""Reads of the directory, already filtered to what the asking person may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from peerpath.accounts.selectors import managed_organisations
from peerpath.core.time import now
from peerpath.directory.models import (
    GRACE_AFTER_DUE,
    Condition,
    EditSuggestion,
    HostOrganisation,
    Listing,
    Vetting,
    VettingCheck,
)

# A re-review shows in the coordinator's queue this long before it falls due.
REREVIEW_NOTICE = timedelta(days=30)


def today() -> date:
    return now().date()


def public_listings(*, on: date | None = None) -> QuerySet[Listing]:
    """What anyone may see: vetted listings, until 30 days past their re-review due date."""
    day = on or today()
    return Listing.objects.filter(status=Listing.Status.VETTED, rereview_due_on__gte=day - GRACE_AFTER_DUE)


def reviewable_listings(user: Any) -> QuerySet[Listing]:
    """Listings a coordinator or admin may review: their organisations' own, and new submissions nobody has taken."""
    if not getattr(user, "is_authenticated", False):
        return Listing.objects.none()
    organisations = managed_organisations(user)
    if not organisations.exists():
        return Listing.objects.none()
    return Listing.objects.filter(
        Q(curator__in=organisations) | Q(curator__isnull=True, status=Listing.Status.SUBMITTED)
    )


def visible_listings(user: Any) -> QuerySet[Listing]:
    """Public listings, plus the ones this person reviews (they see submissions and delisted ones too)."""
    public = public_listings()
    if not getattr(user, "is_authenticated", False):
        return public
    return Listing.objects.filter(Q(pk__in=public.values("pk")) | Q(pk__in=reviewable_listings(user).values("pk")))


def listing_with_details(queryset: QuerySet[Listing]) -> QuerySet[Listing]:
    return queryset.select_related("host", "curator").prefetch_related(
        Prefetch("conditions", queryset=Condition.objects.order_by("name"))
    )


def latest_vetting(listing: Listing) -> Vetting | None:
    return (
        Vetting.objects.filter(listing=listing)
        .prefetch_related(Prefetch("checks", queryset=VettingCheck.objects.order_by("id")))
        .first()
    )


def vettings_of(listing: Listing) -> QuerySet[Vetting]:
    return Vetting.objects.filter(listing=listing).prefetch_related("checks")


@dataclass
class VettingQueue:
    submitted: list[Listing]
    in_review: list[Listing]
    rereview_due: list[Listing]
    suggestions: list[EditSuggestion]
    delisted: list[Listing]

    @property
    def is_empty(self) -> bool:
        return not (self.submitted or self.in_review or self.rereview_due or self.suggestions)


def vetting_queue(user: Any, *, limit: int = 200) -> VettingQueue:
    """A coordinator's work: new submissions, listings in review, re-reviews due soon, suggested edits."""
    listings = (
        reviewable_listings(user)
        .select_related("host", "curator")
        .annotate(
            open_suggestions=Count("edit_suggestions", filter=Q(edit_suggestions__status=EditSuggestion.Status.OPEN))
        )
    )
    soon = today() + REREVIEW_NOTICE
    return VettingQueue(
        submitted=list(listings.filter(status=Listing.Status.SUBMITTED).order_by("created_at")[:limit]),
        in_review=list(listings.filter(status=Listing.Status.IN_REVIEW).order_by("updated_at")[:limit]),
        rereview_due=list(
            listings.filter(status=Listing.Status.VETTED, rereview_due_on__lte=soon).order_by("rereview_due_on")[:limit]
        ),
        suggestions=list(
            EditSuggestion.objects.filter(
                status=EditSuggestion.Status.OPEN, listing__in=reviewable_listings(user)
            ).select_related("listing")[:limit]
        ),
        delisted=list(listings.filter(status=Listing.Status.DELISTED).order_by("-updated_at")[:limit]),
    )


def reviewable_suggestions(user: Any) -> QuerySet[EditSuggestion]:
    return EditSuggestion.objects.filter(listing__in=reviewable_listings(user)).select_related("listing")


def open_suggestions_of(listing: Listing) -> QuerySet[EditSuggestion]:
    return EditSuggestion.objects.filter(listing=listing, status=EditSuggestion.Status.OPEN)


def conditions_by_slug() -> dict[str, Condition]:
    return {condition.slug: condition for condition in Condition.objects.all()}


def condition_value_set() -> list[Condition]:
    """The shipped conditions, by name: public reference data for filters and the APIs."""
    return list(Condition.objects.order_by("name"))


def is_public(listing: Listing) -> bool:
    return public_listings().filter(pk=listing.pk).exists()


def may_review(user: Any, listing: Listing) -> bool:
    return reviewable_listings(user).filter(pk=listing.pk).exists()


def public_hosts() -> QuerySet[HostOrganisation]:
    """Host organisations with at least one public listing."""
    return (
        HostOrganisation.objects.annotate(public=Count("listings", filter=Q(listings__in=public_listings())))
        .filter(public__gt=0)
        .order_by("name", "pk")
    )
