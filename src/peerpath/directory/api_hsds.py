"""The public directory as the Open Referral HSDS 3.1 API, at /api/v1/hsds/ (no sign-in)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from peerpath.api.schemas import problem_responses
from peerpath.core.access import uuid_or_404
from peerpath.directory.hsds import export
from peerpath.directory.hsds.mapping import PEER_FIELDS, PEER_TAXONOMY, SNOMED_TAXONOMY, condition_term
from peerpath.directory.selectors import condition_value_set, public_hosts

router = Router(tags=["hsds"])
HSDS_OPENAPI = "https://raw.githubusercontent.com/openreferral/specification/3.1-dev/schema/openapi.json"


class Paging(Schema):
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(50, ge=1, le=100)


def _page(items: list[dict[str, Any]], total: int, paging: Paging) -> dict[str, Any]:
    return export.page(items, total=total, number=paging.page, size=paging.per_page)


def _slice(paging: Paging) -> slice:
    start = (paging.page - 1) * paging.per_page
    return slice(start, start + paging.per_page)


@router.get("/", auth=None, response=dict[str, Any], summary="HSDS API root")
def root(request: HttpRequest) -> dict[str, Any]:
    """Which HSDS version this API speaks."""
    return {"version": "3.1", "profile": "https://peerpath.invalid/hsds/peer-support", "openapi_url": HSDS_OPENAPI}


@router.get("/services", auth=None, response=dict[str, Any], openapi_extra=problem_responses(422))
def service_list(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """Public listings as full HSDS services, a page at a time."""
    listings = export.public_services()
    items = [export.service(listing) for listing in listings[_slice(paging)]]
    return _page(items, listings.count(), paging)


@router.get("/services/{service_id}", auth=None, response=dict[str, Any], openapi_extra=problem_responses(404))
def service_detail(request: HttpRequest, service_id: str) -> dict[str, Any]:
    listing = export.public_services().filter(pk=uuid_or_404(service_id)).first()
    if listing is None:
        raise Http404
    return export.service(listing)


@router.get("/organizations", auth=None, response=dict[str, Any], openapi_extra=problem_responses(422))
def organization_list(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """Host organisations of at least one public listing."""
    hosts = public_hosts()
    return _page([export.organization(host) for host in hosts[_slice(paging)]], hosts.count(), paging)


@router.get("/organizations/{organization_id}", auth=None, response=dict[str, Any],
            openapi_extra=problem_responses(404))  # fmt: skip
def organization_detail(request: HttpRequest, organization_id: str) -> dict[str, Any]:
    host = public_hosts().filter(pk=uuid_or_404(organization_id)).first()
    if host is None:
        raise Http404
    body = export.organization(host)
    body["services"] = [export.service(listing) for listing in export.public_services().filter(host=host)]
    return body


@router.get("/service_at_locations", auth=None, response=dict[str, Any], openapi_extra=problem_responses(422))
def service_at_location_list(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """Where and how each public service is offered (a physical place, online, or both)."""
    listings = export.public_services()
    items = [item for listing in listings[_slice(paging)] for item in export.locations(listing)]
    return _page(items, listings.count(), paging)


@router.get("/taxonomies", auth=None, response=dict[str, Any])
def taxonomy_list(request: HttpRequest) -> dict[str, Any]:
    """SNOMED CT (conditions) and PeerPath's peer-support fields."""
    items = [PEER_TAXONOMY, SNOMED_TAXONOMY]
    return export.page(items, total=len(items), number=1, size=len(items))


@router.get("/taxonomy_terms", auth=None, response=dict[str, Any], openapi_extra=problem_responses(422))
def taxonomy_term_list(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """The condition value set as SNOMED CT terms, then the peer-support field terms."""
    terms = [condition_term(condition) for condition in condition_value_set()]
    terms += [peer_field.term for peer_field in PEER_FIELDS]
    return _page(terms[_slice(paging)], len(terms), paging)


@router.get("/taxonomy_terms/{term_id}", auth=None, response=dict[str, Any], openapi_extra=problem_responses(404))
def taxonomy_term_detail(request: HttpRequest, term_id: UUID) -> dict[str, Any]:
    terms = [condition_term(condition) for condition in condition_value_set()]
    terms += [peer_field.term for peer_field in PEER_FIELDS]
    for term in terms:
        if term["id"] == str(term_id):
            return term
    raise Http404
