"""The public directory: search and listing pages, open to everyone without signing in (seed 002)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from peerpath.accounts.roles import Role
from peerpath.accounts.selectors import roles_of
from peerpath.core.errors import DomainError
from peerpath.directory.access import access_listing
from peerpath.directory.models import Criterion, Listing, Vetting, VettingCheck
from peerpath.directory.schedule import describe_schedule, language_name
from peerpath.directory.search import RADII_KM, SORTS, ListingQuery, parse_listing_query, search_listings
from peerpath.directory.selectors import condition_value_set, is_public, latest_vetting, may_review, today


def criteria_checks(vetting: Vetting | None) -> list[tuple[Criterion, VettingCheck | None]]:
    checks = {check.criterion: check for check in vetting.checks.all()} if vetting else {}
    return [(criterion, checks.get(criterion.value)) for criterion in Criterion]


def is_clinician(user: object) -> bool:
    return Role.CLINICIAN in roles_of(user)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    conditions = condition_value_set()
    error: DomainError | None = None
    try:
        query = parse_listing_query(request.GET, conditions={c.slug: c for c in conditions})
    except DomainError as refused:
        # The notice says what was wrong; the page still offers the search form and the whole directory.
        error, query = refused, ListingQuery()
    result = search_listings(query, conditions=conditions) if error is None else None
    context = {
        "query": query,
        "result": result,
        "error": error,
        "raw": request.GET,
        "conditions": conditions,
        "kinds": Listing.Kind.choices,
        "formats": Listing.Format.choices,
        "cadences": Listing.Cadence.choices,
        "audiences": [
            (Listing.Audience.PATIENTS, Listing.Audience.PATIENTS.label),
            (Listing.Audience.CARERS, Listing.Audience.CARERS.label),
        ],
        "life_stages": Listing.LifeStage.choices,
        "radii": RADII_KM,
        "sorts": SORTS,
        "today": today(),
        "previous_page": query.querystring(page=query.page - 1),
        "next_page": query.querystring(page=query.page + 1),
    }
    return render(request, "directory/search.html", context, status=400 if error else 200)


@require_GET
def listing_detail(request: HttpRequest, listing_id: str) -> HttpResponse:
    listing = access_listing(request.user, listing_id)
    day = today()
    public = is_public(listing)
    vetting = latest_vetting(listing) if listing.last_vetted_on else None
    context = {
        "listing": listing,
        "is_public": public,
        "vetting": vetting,
        "criteria_checks": criteria_checks(vetting),
        "schedule_text": describe_schedule(listing),
        "life_stage_labels": [
            Listing.LifeStage(stage).label for stage in listing.life_stages if stage in Listing.LifeStage.values
        ],
        "language_names": [language_name(code) for code in listing.languages],
        "rereview_due": listing.rereview_is_due(day),
        "may_review": may_review(request.user, listing),
        "may_prescribe": public and is_clinician(request.user),
    }
    return render(request, "directory/listing.html", context)


@login_required
@require_GET
def prescribe(request: HttpRequest, listing_id: str) -> HttpResponse:
    """A vetted listing's "Prescribe" button: into the prescribing form with this group chosen (its id is public)."""
    if not is_clinician(request.user):
        raise Http404
    listing = access_listing(request.user, listing_id)
    if not is_public(listing):
        raise Http404
    return redirect(f"{reverse('clinic_prescription_new')}?{urlencode({'listing': str(listing.pk)})}")
