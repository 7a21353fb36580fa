"""The public directory as Open Referral HSDS 3.1: organizations, services, locations, schedules, taxonomy terms
and attributes. Only public listings (directory.selectors.public_listings) are ever written."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Prefetch, QuerySet

from peerpath.core.time import now
from peerpath.directory.hsds.mapping import (
    HOST_KIND_TERM,
    PEER_TAXONOMY,
    SNOMED_TAXONOMY,
    VETTING_TERM,
    condition_term,
    derived_id,
    peer_attributes,
)
from peerpath.directory.models import Condition, HostOrganisation, Listing, Vetting, VettingCheck
from peerpath.directory.schedule import language_name
from peerpath.directory.selectors import public_listings

DAYS = "MO,TU,WE,TH,FR,SA,SU"


def public_services() -> QuerySet[Listing]:
    """Public listings with everything an HSDS service needs, in a fixed number of queries."""
    return (
        public_listings()
        .select_related("host", "curator")
        .prefetch_related(
            Prefetch("conditions", queryset=Condition.objects.order_by("name")),
            Prefetch(
                "vettings",
                queryset=Vetting.objects.filter(outcome=Vetting.Outcome.VETTED).prefetch_related("checks"),
                to_attr="hsds_vettings",
            ),
        )
        .order_by("name", "pk")
    )


def organization(host: HostOrganisation) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(host.pk),
        "name": host.name,
        "description": host.description or host.name,
        "attributes": [
            {
                "id": derived_id(host.pk, "attribute:host_kind"),
                "link_id": str(host.pk),
                "link_entity": "organization",
                "taxonomy_term_id": HOST_KIND_TERM["id"],
                "taxonomy_term": HOST_KIND_TERM,
                "label": HOST_KIND_TERM["name"],
                "value": host.kind,
            }
        ],
    }
    if host.website:
        body["website"] = host.website
    if host.email:
        body["email"] = host.email
    if host.phone:
        body["phones"] = [{"id": derived_id(host.pk, "phone"), "organization_id": str(host.pk), "number": host.phone}]
    return body


def _utc_offset_hours(zone: str) -> float | None:
    try:
        offset = datetime.now(ZoneInfo(zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return offset.total_seconds() / 3600 if offset is not None else None


def schedule(listing: Listing) -> dict[str, Any] | None:
    if not listing.schedule_frequency:
        return None
    body: dict[str, Any] = {"id": derived_id(listing.pk, "schedule"), "service_id": str(listing.pk)}
    if listing.schedule_frequency == Listing.Frequency.DAILY:
        # HSDS 3.1 knows WEEKLY and MONTHLY only: every day is weekly on all seven days.
        body.update(freq="WEEKLY", interval=listing.schedule_interval, byday=DAYS)
    else:
        body.update(freq=listing.schedule_frequency, interval=listing.schedule_interval)
        if listing.schedule_byday:
            body["byday"] = listing.schedule_byday
    if listing.schedule_opens_at:
        body["opens_at"] = listing.schedule_opens_at.strftime("%H:%M")
    if listing.schedule_closes_at:
        body["closes_at"] = listing.schedule_closes_at.strftime("%H:%M")
    offset = _utc_offset_hours(listing.schedule_timezone) if listing.schedule_timezone else None
    if offset is not None and math.isfinite(offset):
        body["timezone"] = offset
    if listing.schedule_notes:
        body["description"] = listing.schedule_notes
    body["attending_type"] = listing.get_format_display()
    return body


def locations(listing: Listing) -> list[dict[str, Any]]:
    """A physical location for a place, a virtual one for online (both for hybrid), each at its service."""
    found = []
    if listing.format != Listing.Format.ONLINE and (listing.has_place or listing.city or listing.address):
        physical: dict[str, Any] = {
            "id": derived_id(listing.pk, "location:physical"),
            "location_type": "physical",
            "name": listing.name,
            "addresses": [
                {
                    "id": derived_id(listing.pk, "address"),
                    "location_id": derived_id(listing.pk, "location:physical"),
                    "address_1": listing.address,
                    "city": listing.city,
                    "state_province": listing.region,
                    "postal_code": listing.postal_code,
                    "country": listing.country,
                    "address_type": "physical",
                }
            ],
        }
        if listing.has_place:
            physical.update(latitude=listing.latitude, longitude=listing.longitude)
        found.append(physical)
    if listing.format != Listing.Format.IN_PERSON:
        virtual: dict[str, Any] = {
            "id": derived_id(listing.pk, "location:virtual"),
            "location_type": "virtual",
            "name": f"{listing.name} (online)",
        }
        if listing.url:
            virtual["url"] = listing.url
        found.append(virtual)
    return [
        {
            "id": derived_id(listing.pk, f"service_at_location:{location['location_type']}"),
            "service_id": str(listing.pk),
            "location_id": location["id"],
            "location": location,
        }
        for location in found
    ]


def _vetting_value(listing: Listing) -> str:
    """The public badge in words: who vetted it, when, and the criteria met (never the reviewer's e-mail)."""
    vettings: list[Vetting] | None = getattr(listing, "hsds_vettings", None)
    if vettings is None:
        vettings = list(listing.vettings.filter(outcome=Vetting.Outcome.VETTED).prefetch_related("checks"))
    latest = max(vettings, key=lambda vetting: (vetting.reviewed_on, vetting.created_at), default=None)
    by = latest.organisation_name if latest else (listing.curator.name if listing.curator else "PeerPath")
    text = f"Vetted by {by} on {listing.last_vetted_on}; re-review due {listing.rereview_due_on}"
    if latest is not None:
        met = sorted(check.criterion for check in latest.checks.all() if check.result == VettingCheck.Result.MET)
        text += f"; criteria met: {', '.join(met) or 'none'}"
    return text


def service(listing: Listing) -> dict[str, Any]:
    """One public listing as a full HSDS service."""
    body: dict[str, Any] = {
        "id": str(listing.pk),
        "name": listing.name,
        "status": "active",
        "application_process": listing.get_join_method_display(),
        "fees_description": "Free" if listing.is_free else (listing.fee_text or "There is a fee"),
        "eligibility_description": listing.get_audience_display(),
        "languages": [
            {
                "id": derived_id(listing.pk, f"language:{code}"),
                "service_id": str(listing.pk),
                "code": code,
                "name": language_name(code),
            }
            for code in listing.languages
        ],
        "service_at_locations": locations(listing),
        "attributes": peer_attributes(listing),
        "last_modified": listing.updated_at.isoformat(),
    }
    # HSDS has one description: the summary leads it (the summary attribute lets an import split them again).
    description = "\n\n".join(part for part in (listing.summary, listing.description) if part)
    if description:
        body["description"] = description
    if listing.url:
        body["url"] = listing.url
    if listing.contact_email:
        body["email"] = listing.contact_email
    if listing.contact_phone:
        body["phones"] = [
            {"id": derived_id(listing.pk, "phone"), "service_id": str(listing.pk), "number": listing.contact_phone}
        ]
    for field, key in (("age_min", "minimum_age"), ("age_max", "maximum_age")):
        if getattr(listing, field) is not None:
            body[key] = getattr(listing, field)
    if listing.last_vetted_on:
        body["assured_date"] = listing.last_vetted_on.isoformat()
        body["attributes"].append(
            {
                "id": derived_id(listing.pk, "attribute:vetting"),
                "link_id": str(listing.pk),
                "link_entity": "service",
                "taxonomy_term_id": VETTING_TERM["id"],
                "taxonomy_term": VETTING_TERM,
                "label": VETTING_TERM["name"],
                "value": _vetting_value(listing),
            }
        )
    for condition in listing.conditions.all():
        term = condition_term(condition)
        body["attributes"].append(
            {
                "id": derived_id(listing.pk, f"attribute:condition:{condition.snomed_code}"),
                "link_id": str(listing.pk),
                "link_type": "condition",
                "link_entity": "service",
                "taxonomy_term_id": term["id"],
                "taxonomy_term": term,
                "label": condition.name,
                "value": condition.snomed_code,
            }
        )
    schedule_body = schedule(listing)
    if schedule_body:
        body["schedules"] = [schedule_body]
    if listing.host is not None:
        body["organization_id"] = str(listing.host.pk)
        body["organization"] = organization(listing.host)
    return body


def page(items: list[dict[str, Any]], *, total: int, number: int, size: int) -> dict[str, Any]:
    """The HSDS API's paginated list shape."""
    pages = max(1, math.ceil(total / size)) if size else 1
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": len(items),
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": not items,
        "contents": items,
    }


def export_directory() -> dict[str, Any]:
    """Every public listing, as one HSDS paginated service list (what `peerpath directory export-hsds` writes)."""
    services = [service(listing) for listing in public_services()]
    document = page(services, total=len(services), number=1, size=max(1, len(services)))
    document["generated_at"] = now().isoformat()
    document["taxonomies"] = [PEER_TAXONOMY, SNOMED_TAXONOMY]
    return document
