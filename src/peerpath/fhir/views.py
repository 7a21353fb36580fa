"""The /fhir/r4 endpoints: read, search by patient and status, Patient/$everything, and Patient import. Thin: each
parses, calls a gate or a selector from `fhir.access`, and shapes with `fhir.mapping`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from peerpath.core.time import now
from peerpath.fhir import codes, mapping
from peerpath.fhir.access import (
    access_fhir_consent,
    access_fhir_patient,
    access_fhir_prescription,
    fhir_consents,
    fhir_patients,
    fhir_prescriptions,
    record_reads,
)
from peerpath.fhir.http import FhirError, check_id, fhir_endpoint, fhir_response
from peerpath.fhir.importer import import_patients, parse_json
from peerpath.prescriptions.models import Patient
from peerpath.prescriptions.selectors import staff_organisations

SEARCH_PARAMETERS = frozenset({"patient", "status"})
_ACCEPTED_BODIES = frozenset({"application/fhir+json", "application/json"})


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/r4/")


def _search_parameters(request: HttpRequest) -> dict[str, str]:
    """The query, checked: known parameters only, each once; `patient` is required, so every search stays inside
    one patient's compartment."""
    values: dict[str, str] = {}
    for name in request.GET:
        if name not in SEARCH_PARAMETERS:
            raise FhirError(400, f"Unknown search parameter {name[:40]!r}: use patient and status.", expression=name)
        given = request.GET.getlist(name)
        if len(given) != 1 or not given[0].strip():
            raise FhirError(400, f"Give {name} once, with a value.", expression=name)
        values[name] = given[0].strip()
    if "patient" not in values:
        raise FhirError(400, "Search by patient: ?patient={id} (and optionally &status=…).", expression="patient")
    return values


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
    patient = _patient_of_search(user, parameters["patient"])
    prescriptions = fhir_prescriptions(user).filter(patient=patient)
    statuses = _statuses(parameters.get("status"), allowed)
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
    patient = _patient_of_search(user, parameters["patient"])
    consents = fhir_consents(user).filter(patient=patient).order_by("-granted_at")
    statuses = _statuses(parameters.get("status"), codes.CONSENT_STATUSES)
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
    Consents."""
    if request.GET:
        raise FhirError(400, "$everything takes no parameters here.", expression=next(iter(request.GET)))
    patient = access_fhir_patient(user, check_id(resource_id))
    prescriptions = list(fhir_prescriptions(user).filter(patient=patient))
    consents = list(fhir_consents(user).filter(patient=patient).order_by("granted_at"))
    record_reads(user, [*prescriptions, *consents])
    today = now().date()
    entries = [mapping.patient(patient)]
    for item in prescriptions:
        entries += [mapping.service_request(item), mapping.task(item, today)]
    entries += [mapping.consent(item) for item in consents]
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
