"""The /fhir/r4 endpoints: read, search by patient (and status, or date), Patient/$everything, Patient import, and
PeerPath's code system of the core functions of peer support. Thin: each parses, calls a gate or a selector from
`fhir.access`, and shapes with `fhir.mapping`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from peerpath.core.time import now
from peerpath.fhir import codes, mapping
from peerpath.fhir.access import (
    access_fhir_communication,
    access_fhir_consent,
    access_fhir_patient,
    access_fhir_prescription,
    access_fhir_procedure,
    fhir_communications,
    fhir_consents,
    fhir_contacts,
    fhir_patients,
    fhir_prescriptions,
    fhir_procedures,
    prescriptions_fulfilled,
    record_reads,
)
from peerpath.fhir.http import FhirError, check_id, fhir_endpoint, fhir_response
from peerpath.fhir.importer import import_patients, parse_json
from peerpath.prescriptions.models import Patient
from peerpath.prescriptions.selectors import staff_organisations

SEARCH_PARAMETERS = frozenset({"patient", "status"})
CONTACT_SEARCH_PARAMETERS = frozenset({"patient", "date"})
_ACCEPTED_BODIES = frozenset({"application/fhir+json", "application/json"})


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/r4/")


def _search_parameters(
    request: HttpRequest, allowed: frozenset[str] = SEARCH_PARAMETERS, *, ranges: frozenset[str] = frozenset()
) -> dict[str, list[str]]:
    """The query, checked: known parameters only, each once (a range parameter, such as date, up to twice: its lower
    and its upper bound); `patient` is required, so every search stays inside one patient's compartment."""
    values: dict[str, list[str]] = {}
    others = " and ".join(sorted(allowed - {"patient"}))
    for name in request.GET:
        if name not in allowed:
            raise FhirError(400, f"Unknown search parameter {name[:40]!r}: use patient and {others}.", expression=name)
        given = [item.strip() for item in request.GET.getlist(name)]
        most = 2 if name in ranges else 1
        if not 1 <= len(given) <= most or not all(given):
            times = "once" if most == 1 else "once or twice"
            raise FhirError(400, f"Give {name} {times}, with a value.", expression=name)
        values[name] = given
    if "patient" not in values:
        raise FhirError(400, f"Search by patient: ?patient={{id}} (and optionally {others}).", expression="patient")
    return values


def _one(parameters: dict[str, list[str]], name: str) -> str | None:
    given = parameters.get(name)
    return given[0] if given else None


def _patient_of_search(user: Any, value: str) -> Patient:
    patient_id = value.rsplit("Patient/", 1)[-1]
    return access_fhir_patient(user, check_id(patient_id, what="patient"))


def _statuses(value: str | None, allowed: frozenset[str]) -> list[str] | None:
    if value is None:
        return None
    statuses = [item.strip() for item in value.split(",")]
    for item in statuses:
        if item not in allowed:
            raise FhirError(
                400, f"Unknown status {item[:40]!r}: one of {', '.join(sorted(allowed))}.", expression="status"
            )
    return statuses


def _prescription_search(
    request: HttpRequest, user: Any, status_map: dict[str, str], allowed: frozenset[str], shape: Callable[..., Any]
) -> HttpResponse:
    parameters = _search_parameters(request)
    patient = _patient_of_search(user, parameters["patient"][0])
    prescriptions = fhir_prescriptions(user).filter(patient=patient)
    statuses = _statuses(_one(parameters, "status"), allowed)
    if statuses is not None:
        ours = set().union(*(codes.lifecycle_statuses(status_map, item) for item in statuses))
        prescriptions = prescriptions.filter(status__in=ours)
    found = list(prescriptions)
    record_reads(user, found)
    return fhir_response(
        mapping.bundle([shape(item) for item in found], base_url=_base(request), self_url=request.build_absolute_uri())
    )


@fhir_endpoint({"GET"})
def service_request_search(request: HttpRequest, user: Any) -> HttpResponse:
    return _prescription_search(
        request, user, codes.SERVICE_REQUEST_STATUS, codes.SERVICE_REQUEST_STATUSES, mapping.service_request
    )


@fhir_endpoint({"GET"})
def task_search(request: HttpRequest, user: Any) -> HttpResponse:
    today = now().date()
    return _prescription_search(
        request, user, codes.TASK_STATUS, codes.TASK_STATUSES, lambda item: mapping.task(item, today)
    )


@fhir_endpoint({"GET"})
def consent_search(request: HttpRequest, user: Any) -> HttpResponse:
    parameters = _search_parameters(request)
    patient = _patient_of_search(user, parameters["patient"][0])
    consents = fhir_consents(user).filter(patient=patient).order_by("-granted_at")
    statuses = _statuses(_one(parameters, "status"), codes.CONSENT_STATUSES)
    if statuses is not None:
        wanted_active, wanted_inactive = "active" in statuses, "inactive" in statuses
        if wanted_active and not wanted_inactive:
            consents = consents.filter(withdrawn_at__isnull=True)
        elif wanted_inactive and not wanted_active:
            consents = consents.filter(withdrawn_at__isnull=False)
        elif not wanted_active and not wanted_inactive:
            consents = consents.none()
    found = list(consents)
    record_reads(user, found)
    return fhir_response(
        mapping.bundle(
            [mapping.consent(item) for item in found], base_url=_base(request), self_url=request.build_absolute_uri()
        )
    )


# --- A peer supporter's contacts, while the patient shares them -------------------------------------------------

# FHIR date search prefixes we answer (https://hl7.org/fhir/R4/search.html#prefix): a contact is an instant, so
# "ne", "sa", "eb" and "ap" would add little; they are refused rather than ignored.
_DATE_PREFIXES = frozenset({"eq", "ge", "gt", "le", "lt"})
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")


def _date_range(text: str) -> tuple[datetime, datetime]:
    """The instants a FHIR date or dateTime covers, [start, end): a year, a month, a day (in the server's time
    zone), or one second."""
    partial = _PARTIAL_DATE.fullmatch(text)
    try:
        if partial is not None:
            year, month, day = partial.groups()
            start = datetime(int(year), int(month or 1), int(day or 1), tzinfo=timezone.get_current_timezone())
            if month is None:
                return start, start + relativedelta(years=1)
            return start, start + (relativedelta(months=1) if day is None else timedelta(days=1))
        whole = _DATE_TIME.fullmatch(text)
        if whole is not None:
            start = datetime.fromisoformat(text)
            return start, start + (timedelta(microseconds=1) if whole.group(1) else timedelta(seconds=1))
    except ValueError:
        pass  # a month 13 or a day 32: malformed, as below
    raise FhirError(
        400, f"Malformed date {text[:40]!r}: give YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone.",
        expression="date",
    )  # fmt: skip


def _date_filter(values: list[str]) -> Q:
    """`date=ge2026-01-01&date=lt2026-02-01`: every bound must hold (FHIR ANDs a repeated parameter)."""
    query = Q()
    for value in values:
        prefix, text = (value[:2], value[2:]) if value[:2].isalpha() else ("eq", value)
        if prefix not in _DATE_PREFIXES:
            raise FhirError(400, f"Unsupported date prefix {prefix!r}: use eq, ge, gt, le or lt.", expression="date")
        start, end = _date_range(text)
        query &= {
            "eq": Q(occurred_at__gte=start, occurred_at__lt=end),
            "ge": Q(occurred_at__gte=start),
            "gt": Q(occurred_at__gte=end),
            "le": Q(occurred_at__lt=end),
            "lt": Q(occurred_at__lt=start),
        }[prefix]
    return query


def _contact_search(request: HttpRequest, user: Any, contacts: QuerySet[Any]) -> HttpResponse:
    parameters = _search_parameters(request, CONTACT_SEARCH_PARAMETERS, ranges=frozenset({"date"}))
    patient = _patient_of_search(user, parameters["patient"][0])
    query = _date_filter(parameters.get("date", []))
    found = list(contacts.filter(enrolment__patient=patient).filter(query).order_by("-occurred_at", "-created_at"))
    record_reads(user, found)
    fulfilled = prescriptions_fulfilled(found)
    entries = [mapping.contact(item, fulfilled[item.pk]) for item in found]
    return fhir_response(mapping.bundle(entries, base_url=_base(request), self_url=request.build_absolute_uri()))


@fhir_endpoint({"GET"})
def communication_search(request: HttpRequest, user: Any) -> HttpResponse:
    return _contact_search(request, user, fhir_communications(user))


@fhir_endpoint({"GET"})
def procedure_search(request: HttpRequest, user: Any) -> HttpResponse:
    return _contact_search(request, user, fhir_procedures(user))


@fhir_endpoint({"GET"})
def communication_read(request: HttpRequest, user: Any, resource_id: str) -> HttpResponse:
    contact = access_fhir_communication(user, check_id(resource_id))
    return fhir_response(mapping.communication(contact, prescriptions_fulfilled([contact])[contact.pk]))


@fhir_endpoint({"GET"})
def procedure_read(request: HttpRequest, user: Any, resource_id: str) -> HttpResponse:
    contact = access_fhir_procedure(user, check_id(resource_id))
    return fhir_response(mapping.procedure(contact, prescriptions_fulfilled([contact])[contact.pk]))


@fhir_endpoint({"GET"})
def code_system_read(request: HttpRequest, user: Any, resource_id: str) -> HttpResponse:
    """PeerPath's code system of the core functions of peer support (no patient data, so no audit event)."""
    if check_id(resource_id) != codes.PEER_SUPPORT_FUNCTIONS_ID:
        raise FhirError(404, "No such code system here: PeerPath serves CodeSystem/peer-support-functions.")
    return fhir_response(mapping.peer_support_functions())


# --- Reads of prescriptions, consents and patients ---------------------------------------------------------------


@fhir_endpoint({"GET"})
def service_request_read(request: HttpRequest, user: Any, resource_id: str) -> HttpResponse:
    return fhir_response(mapping.service_request(access_fhir_prescription(user, check_id(resource_id))))


@fhir_endpoint({"GET"})
def task_read(request: HttpRequest, user: Any, resource_id: str) -> HttpResponse:
    return fhir_response(mapping.task(access_fhir_prescription(user, check_id(resource_id)), now().date()))


@fhir_endpoint({"GET"})
def consent_read(request: HttpRequest, user: Any, resource_id: str) -> HttpResponse:
    return fhir_response(mapping.consent(access_fhir_consent(user, check_id(resource_id))))


@fhir_endpoint({"GET"})
def patient_read(request: HttpRequest, user: Any, resource_id: str) -> HttpResponse:
    return fhir_response(mapping.patient(access_fhir_patient(user, check_id(resource_id))))


@fhir_endpoint({"GET"})
def patient_everything(request: HttpRequest, user: Any, resource_id: str) -> HttpResponse:
    """The patient's compartment as far as PeerPath holds it: the Patient, each ServiceRequest and Task, the
    Consents, and the peer supporter's contacts the patient shares with the health record."""
    if request.GET:
        raise FhirError(400, "$everything takes no parameters here.", expression=next(iter(request.GET)))
    patient = access_fhir_patient(user, check_id(resource_id))
    prescriptions = list(fhir_prescriptions(user).filter(patient=patient))
    consents = list(fhir_consents(user).filter(patient=patient).order_by("granted_at"))
    contacts = list(fhir_contacts(user).filter(enrolment__patient=patient).order_by("occurred_at", "created_at"))
    record_reads(user, [*prescriptions, *consents, *contacts])
    today = now().date()
    entries = [mapping.patient(patient)]
    for item in prescriptions:
        entries += [mapping.service_request(item), mapping.task(item, today)]
    entries += [mapping.consent(item) for item in consents]
    fulfilled = prescriptions_fulfilled(contacts)
    entries += [mapping.contact(item, fulfilled[item.pk]) for item in contacts]
    return fhir_response(mapping.bundle(entries, base_url=_base(request), self_url=request.build_absolute_uri()))


def _import_organisation(request: HttpRequest, user: Any) -> Any:
    organisations = list(staff_organisations(user))
    if not organisations:
        raise FhirError(403, "Only a clinic's clinical staff can import patients.")
    slug = request.GET.get("organisation")
    if slug is not None:
        chosen = [item for item in organisations if item.slug == slug]
        if not chosen:
            raise FhirError(404, "No such organisation of yours.", expression="organisation")
        return chosen[0]
    if len(organisations) > 1:
        raise FhirError(400, "You work for several organisations: add ?organisation={slug}.", expression="organisation")
    return organisations[0]


@fhir_endpoint({"POST"})
def patient_import(request: HttpRequest, user: Any) -> HttpResponse:
    """POST a Patient or a Bundle: each Patient is created, or updated when an identifier matches (201 / 200)."""
    unknown = set(request.GET) - {"organisation"}
    if unknown:
        raise FhirError(400, "Unknown parameter: only organisation is accepted.", expression=sorted(unknown)[0][:40])
    if request.content_type not in _ACCEPTED_BODIES:
        raise FhirError(415, "Send the resource as application/fhir+json.")
    organisation = _import_organisation(request, user)
    document = parse_json(request.body)
    report = import_patients(actor=user, organisation=organisation, document=document)
    created = {item.pk for item in report.created}
    status = 201 if created else 200
    patients = list(fhir_patients(user).filter(pk__in=[item.pk for item in report.patients]))
    if document.get("resourceType") == "Patient":
        only = patients[0]
        return fhir_response(mapping.patient(only), status=status, location=f"{_base(request)}Patient/{only.pk}")
    result = mapping.bundle([mapping.patient(item) for item in patients], base_url=_base(request),
                            bundle_type="transaction-response")  # fmt: skip
    for entry in result.get("entry", []):
        new = entry["resource"]["id"] in {str(pk) for pk in created}
        entry["response"] = {
            "status": "201 Created" if new else "200 OK",
            "location": f"Patient/{entry['resource']['id']}",
        }
    return fhir_response(result, status=status)


@fhir_endpoint({"GET", "POST"})
def unknown(request: HttpRequest, user: Any, rest: str = "") -> HttpResponse:
    """Any other path under /fhir/r4: FHIR's 404, not an HTML page."""
    raise FhirError(404, "Unknown resource type or operation: see docs/fhir.md for what this server offers.")
