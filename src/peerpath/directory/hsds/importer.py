"""Importing an Open Referral HSDS dataset: validated whole before anything is written, saved in one transaction,
every service a submitted listing awaiting vetting (an import never publishes anything)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from django.db import transaction

from peerpath.core.errors import DomainError
from peerpath.directory import services
from peerpath.directory.conditions import conditions_for_codes
from peerpath.directory.hsds.export import DAYS
from peerpath.directory.hsds.mapping import PEER_FIELDS_BY_CODE, host_kind_from
from peerpath.directory.hsds.validation import errors_of
from peerpath.directory.models import HostOrganisation, Listing
from peerpath.directory.services import ListingData

MAX_BYTES = 50 * 1024 * 1024
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


class HsdsRefused(Exception):
    """The file cannot be imported: each error names where in the file it is. Nothing was saved."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:3]))
        self.errors = errors


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (service, reason)
    dry_run: bool = False


class _DryRun(Exception):
    pass


# --- Reading the file ------------------------------------------------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; JSON (RFC 8259) has no such numbers.
    raise json.JSONDecodeError(f"{name} is not a JSON number", name, 0)


def parse(raw: bytes) -> Any:
    if len(raw) > MAX_BYTES:
        raise HsdsRefused([f"(the file): larger than {MAX_BYTES // (1024 * 1024)} MB; split it into smaller files"])
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as error:
        raise HsdsRefused([f"(the file): not UTF-8 text (byte {error.start})"]) from None
    except RecursionError:
        raise HsdsRefused(["(the file): nested too deeply to read"]) from None
    except json.JSONDecodeError as error:
        raise HsdsRefused([f"(the file): not JSON: {error.msg} at line {error.lineno}, column {error.colno}"]) from None


def _is_organization(item: dict[str, Any]) -> bool:
    return "services" in item or ("status" not in item and ("website" in item or "legal_status" in item))


def services_in(document: Any) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """Every service in the document with its JSON path and the organization around it; validates as it goes."""
    errors: list[str] = []
    found: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []

    def take(item: Any, path: str) -> None:
        if not isinstance(item, dict):
            errors.append(f"{path or '(the document)'}: expected an HSDS service or organization object")
            return
        if _is_organization(item):
            errors.extend(errors_of({k: v for k, v in item.items() if k != "services"}, "organization", at=path))
            nested = item.get("services", [])
            if not isinstance(nested, list):
                errors.append(f"{path}.services: expected a list")
                return
            for number, child in enumerate(nested):
                child_path = f"{path}.services[{number}]" if path else f"services[{number}]"
                if isinstance(child, dict):
                    errors.extend(errors_of(child, "service", at=child_path))
                    found.append((child_path, child, item))
                else:
                    errors.append(f"{child_path}: expected an HSDS service object")
        else:
            errors.extend(errors_of(item, "service", at=path))
            organization = item.get("organization")
            found.append((path or "(the document)", item, organization if isinstance(organization, dict) else None))

    if isinstance(document, dict) and "contents" in document:
        if not isinstance(document["contents"], list):
            raise HsdsRefused(["contents: expected a list"])
        for number, item in enumerate(document["contents"]):
            take(item, f"contents[{number}]")
    elif isinstance(document, list):
        for number, item in enumerate(document):
            take(item, f"[{number}]")
    else:
        take(document, "")
    if errors:
        raise HsdsRefused(errors)
    return found


# --- One service to listing data --------------------------------------------------------------------------------------


def _clip(value: Any, length: int) -> str:
    return str(value or "").strip()[:length]


def _time(value: Any) -> time | None:
    match = _TIME.match(str(value or ""))
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _peer_values(service: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for attribute in service.get("attributes") or []:
        term = attribute.get("taxonomy_term") or {}
        peer_field = PEER_FIELDS_BY_CODE.get(str(term.get("code", "")))
        if peer_field is None or attribute.get("value") is None:
            continue
        value = peer_field.read(str(attribute["value"]))
        if peer_field.many:
            values.setdefault(peer_field.field, []).append(value)
        else:
            values[peer_field.field] = value
    return values


def _condition_codes(service: dict[str, Any]) -> list[str]:
    codes = []
    for attribute in service.get("attributes") or []:
        term = attribute.get("taxonomy_term") or {}
        code = str(term.get("code") or attribute.get("value") or "")
        if code.isdigit():
            codes.append(code)
    return codes


def _place(service: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    place: dict[str, Any] = {}
    kinds: set[str] = set()
    for at_location in service.get("service_at_locations") or []:
        location = at_location.get("location") or {}
        kind = location.get("location_type")
        kinds.add(str(kind))
        if kind != "physical" or place:
            continue
        address = (location.get("addresses") or [{}])[0]
        place = {
            "address": _clip(" ".join(filter(None, [address.get("address_1"), address.get("address_2")])), 200),
            "city": _clip(address.get("city"), 100),
            "region": _clip(address.get("state_province") or address.get("region"), 100),
            "postal_code": _clip(address.get("postal_code"), 20),
            "country": _clip(address.get("country"), 2).upper() if len(str(address.get("country", ""))) == 2 else "",
        }
        latitude, longitude = location.get("latitude"), location.get("longitude")
        # Coordinates off the globe (the official example has latitude 100) are dropped, not the whole service.
        if (
            isinstance(latitude, int | float)
            and isinstance(longitude, int | float)
            and -90 <= latitude <= 90
            and -180 <= longitude <= 180
        ):
            place.update(latitude=float(latitude), longitude=float(longitude))
    return place, kinds


def listing_data(service: dict[str, Any], host: HostOrganisation | None) -> ListingData:
    """What a service says, as listing data. PeerPath's own attributes win over the generic HSDS fields."""
    peer = _peer_values(service)
    place, kinds = _place(service)
    if "physical" in kinds and "virtual" in kinds:
        format_ = Listing.Format.HYBRID
    elif "physical" in kinds:
        format_ = Listing.Format.IN_PERSON
    else:
        format_ = Listing.Format.ONLINE
    fees = _clip(service.get("fees_description"), 200)
    languages = [
        str(language.get("code")).lower()
        for language in service.get("languages") or []
        if _LANGUAGE.match(str(language.get("code", "")).lower())
    ]
    phones = service.get("phones") or []
    values: dict[str, Any] = {
        "name": _clip(service.get("name"), 200),
        "format": format_,
        "url": _clip(service.get("url"), 500),
        "contact_email": _clip(service.get("email"), 254),
        "contact_phone": _clip(phones[0].get("number"), 40) if phones else "",
        "languages": list(dict.fromkeys(languages)) or ["en"],
        "is_free": not fees or fees.lower().startswith("free"),
        "fee_text": "" if not fees or fees.lower().startswith("free") else fees,
        "age_min": int(service["minimum_age"]) if isinstance(service.get("minimum_age"), int | float) else None,
        "age_max": int(service["maximum_age"]) if isinstance(service.get("maximum_age"), int | float) else None,
        "conditions": list(conditions_for_codes(_condition_codes(service))),
        "host": host,
        **place,
    }
    schedules = service.get("schedules") or []
    if schedules:
        first = schedules[0]
        byday = _clip(first.get("byday"), 40).upper()
        values.update(
            schedule_frequency=first.get("freq") if first.get("freq") in ("WEEKLY", "MONTHLY") else "",
            schedule_interval=int(first["interval"]) if isinstance(first.get("interval"), int | float)
            and 1 <= first["interval"] <= 52 else 1,
            schedule_byday=byday,
            schedule_opens_at=_time(first.get("opens_at")),
            schedule_closes_at=_time(first.get("closes_at")),
            schedule_notes=_clip(first.get("description"), 300),
        )  # fmt: skip
        if values["schedule_frequency"] == "WEEKLY" and byday == DAYS:
            values.update(schedule_frequency=Listing.Frequency.DAILY, schedule_byday="")
    values.update(peer)
    # The export leads the description with the summary; take it off again when the summary attribute says so.
    description = str(service.get("description") or "").strip()
    summary = values.get("summary") or ""
    if summary and description.startswith(summary):
        description = description[len(summary) :].lstrip("\n")
    values["description"] = description[:5000]
    return ListingData(**values)


def _host(organization: dict[str, Any] | None) -> HostOrganisation | None:
    if not organization or not str(organization.get("name", "")).strip():
        return None
    return services.host_get_or_create(
        actor=None,
        name=str(organization["name"]),
        kind=host_kind_from(organization.get("attributes") or []),
        website=_clip(organization.get("website"), 200),
        email=_clip(organization.get("email"), 254),
    )


# --- The import ------------------------------------------------------------------------------------------------------


def import_hsds(raw: bytes, *, dry_run: bool = False) -> ImportReport:
    """Import a file in one transaction. A file that fails validation is refused whole (HsdsRefused names every
    error's path) before anything is written; a service the listing rules refuse is skipped with its reason."""
    found = services_in(parse(raw))
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            for path, service, organization in found:
                _import_one(path, service, organization, report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _import_one(path: str, service: dict[str, Any], organization: dict[str, Any] | None, report: ImportReport) -> None:
    name = str(service.get("name", "")).strip()
    label = f"{path} “{name}”" if name else path
    if not name:
        report.skipped.append((label, "it has no name"))
        return
    source_id = str(service.get("id", ""))
    try:
        # A savepoint per service: a refusal skips that service and keeps the rest of the file.
        with transaction.atomic():
            data = listing_data(service, _host(organization))
            existing = Listing.objects.filter(source_id=source_id).first() if source_id else None
            if existing is None:
                services.listing_submit(actor=None, data=data, source_id=source_id, via="hsds-import")
                report.created.append(label)
            elif services.listing_update(actor=None, listing=existing, data=data, via="hsds-import"):
                report.updated.append(label)
            else:
                report.skipped.append((label, "unchanged"))
    except DomainError as error:
        report.skipped.append((label, error.message))
