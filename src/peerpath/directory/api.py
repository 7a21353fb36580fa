"""The directory's API: the same public search as the page, at GET /api/v1/listings, with the same parameters."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from peerpath.api.schemas import problem_responses
from peerpath.directory.access import access_public_listing
from peerpath.directory.models import Condition, Listing
from peerpath.directory.search import MAX_QUERY_LENGTH, parse_listing_query, search_listings
from peerpath.directory.selectors import condition_value_set, latest_vetting

router = Router(tags=["directory"])


class ConditionOut(Schema):
    slug: str
    name: str
    snomed_code: str
    icd10_code: str
    synonyms: list[str]


class HostOut(Schema):
    name: str
    kind: str
    website: str


class VettingOut(Schema):
    organisation: str
    reviewed_on: date
    rereview_due_on: date | None
    criteria_met: list[str] = Field(description="The criteria the review found met (others did not apply).")


class ListingOut(Schema):
    id: UUID
    name: str
    summary: str
    kind: str
    format: str
    cadence: str
    audience: str
    life_stages: list[str]
    languages: list[str]
    is_free: bool
    fee_text: str
    conditions: list[str] = Field(description="Condition slugs; see GET /api/v1/conditions.")
    host: HostOut | None
    city: str
    latitude: float | None
    longitude: float | None
    distance_km: float | None = Field(None, description="Great-circle distance from the place searched near.")
    last_vetted_on: date | None
    rereview_due_on: date | None
    url: str
    page: str = Field(description="The listing's public page.")


class ListingDetailOut(ListingOut):
    description: str
    typical_attendance: int | None
    age_min: int | None
    age_max: int | None
    accessibility_notes: str
    contact_email: str
    contact_phone: str
    address: str
    postal_code: str
    country: str
    schedule_frequency: str
    schedule_interval: int
    schedule_byday: str
    schedule_opens_at: str | None
    schedule_closes_at: str | None
    schedule_timezone: str
    moderation: str
    clinician_participation: str
    rule_no_medical_advice: bool
    rule_no_promotion: bool
    rules_text: str
    join_method: str
    vetting: VettingOut | None


class ListingPageOut(Schema):
    total: int = Field(description="How many listings match, counted up to 1,000 (see total_is_lower_bound).")
    total_is_lower_bound: bool = Field(description="True when more than 1,000 match: total is then 1,000.")
    page: int
    page_size: int
    pages: int
    items: list[ListingOut]


class ListingFilters(Schema):
    """The page's parameters: repeat condition, kind, format and cadence for several values."""

    q: str = Field("", max_length=MAX_QUERY_LENGTH * 2, description="Free text: names, descriptions, conditions.")
    condition: list[str] = Field([], description="Condition slugs (see /api/v1/conditions).")
    kind: list[str] = Field([], description=", ".join(Listing.Kind.values))
    format: list[str] = Field([], description=", ".join(Listing.Format.values))
    cadence: list[str] = Field([], description=", ".join(Listing.Cadence.values))
    audience: str = Field("", description="patients or carers")
    life_stage: str = Field("", description=", ".join(Listing.LifeStage.values))
    language: str = Field("", description="A language code: en, cy, pa…")
    free: str = Field("", description="1 for free listings only")
    near: str = Field("", description="A town, a city or a US ZIP code")
    lat: str = ""
    lon: str = ""
    radius: str = Field("", description="Kilometres, with near or lat/lon")
    sort: str = Field("", description="relevance, distance or recent")
    page: str = ""
    page_size: str = Field("", description="1 to 100")


def _listing(listing: Listing, distance: float | None = None) -> dict[str, Any]:
    return {
        "id": listing.pk,
        "name": listing.name,
        "summary": listing.summary,
        "kind": listing.kind,
        "format": listing.format,
        "cadence": listing.cadence,
        "audience": listing.audience,
        "life_stages": listing.life_stages,
        "languages": listing.languages,
        "is_free": listing.is_free,
        "fee_text": listing.fee_text,
        "conditions": [condition.slug for condition in listing.conditions.all()],
        "host": {"name": listing.host.name, "kind": listing.host.kind, "website": listing.host.website}
        if listing.host
        else None,
        "city": listing.city,
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        "distance_km": round(distance, 2) if distance is not None else None,
        "last_vetted_on": listing.last_vetted_on,
        "rereview_due_on": listing.rereview_due_on,
        "url": listing.url,
        "page": f"/directory/{listing.pk}/",
    }


@router.get(
    "/listings", auth=None, response=ListingPageOut, openapi_extra=problem_responses(400, 422), summary="Search"
)
def listing_search(request: HttpRequest, filters: Query[ListingFilters]) -> dict[str, Any]:
    """Search the public, vetted directory. No sign-in. Unknown filter values are a 400 problem naming the parameter."""
    conditions = condition_value_set()
    query = parse_listing_query(request.GET, conditions={condition.slug: condition for condition in conditions})
    result = search_listings(query, suggest_broader=False, conditions=conditions)
    return {
        "total": result.shown_total,
        "total_is_lower_bound": result.more_than_cap,
        "page": query.page,
        "page_size": query.page_size,
        "pages": result.pages,
        "items": [_listing(hit.listing, hit.distance_km) for hit in result.hits],
    }


@router.get(
    "/listings/{listing_id}", auth=None, response=ListingDetailOut, openapi_extra=problem_responses(404),
    summary="One listing",
)  # fmt: skip
def listing_detail(request: HttpRequest, listing_id: UUID) -> dict[str, Any]:
    """A public listing with every field and its latest vetting."""
    listing = access_public_listing(listing_id)
    vetting = latest_vetting(listing)
    times = {
        name: value.strftime("%H:%M") if value else None
        for name, value in (
            ("schedule_opens_at", listing.schedule_opens_at),
            ("schedule_closes_at", listing.schedule_closes_at),
        )
    }
    detail = {
        **_listing(listing),
        **{
            name: getattr(listing, name)
            for name in ListingDetailOut.model_fields
            if name not in ListingOut.model_fields and name not in times and name != "vetting"
        },
        **times,
        "vetting": {
            "organisation": vetting.organisation_name,
            "reviewed_on": vetting.reviewed_on,
            "rereview_due_on": vetting.rereview_due_on,
            "criteria_met": [check.criterion for check in vetting.checks.all() if check.result == "met"],
        }
        if vetting is not None and vetting.outcome == "vetted"
        else None,
    }
    return detail


@router.get("/conditions", auth=None, response=list[ConditionOut], summary="Conditions")
def condition_list(request: HttpRequest) -> list[Condition]:
    """The value set of conditions: slugs for the condition filter, with SNOMED CT and ICD-10 codes and synonyms."""
    return condition_value_set()
