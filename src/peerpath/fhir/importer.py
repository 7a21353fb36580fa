"""Import patients from a FHIR R4 `Patient` or a whole `Bundle` (Synthea's transaction bundles included).

Each Patient is validated with the `fhir.resources` R4B model first; one malformed Patient refuses the whole import
with the path of the error, and nothing is saved (one transaction). A patient already on the organisation's list with
any of the same identifiers is updated, not duplicated. Other resources in a bundle are neither read nor stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from fhir.resources.R4B.patient import Patient as FhirPatient
from pydantic import ValidationError

from peerpath.accounts.models import Organisation, User
from peerpath.core.errors import DomainError
from peerpath.fhir import codes
from peerpath.prescriptions import services
from peerpath.prescriptions.models import Patient, PatientIdentifier
from peerpath.prescriptions.services import IdentifierData, PatientData

MAX_PATIENTS = 500

# Data minimisation (UK GDPR art. 5(1)(c), HIPAA minimum necessary): a clinic's peer-support list needs a name, a way
# to reach the person and the identifiers that match them to the EHR (the NHS number, the MRN, the source system's
# own record id). Social security, driver's licence, passport and other government numbers are dropped on import.
_DROPPED_TYPES = frozenset({"SS", "SB", "DL", "PPN", "TAX", "CZ", "NI", "BCT", "VS", "ANON"})
_DROPPED_SYSTEMS = frozenset({"http://hl7.org/fhir/sid/us-ssn", "http://hl7.org/fhir/sid/passport"})


# PatientData's fields → where they come from in a FHIR Patient, so a refusal names the path at fault.
_FHIR_FIELDS = {
    "given_name": "name",
    "family_name": "name",
    "birth_date": "birthDate",
    "gender": "gender",
    "email": "telecom",
    "phone": "telecom",
    "identifiers": "identifier",
}


class FhirImportRefused(DomainError):
    """The input is not something we can import: nothing was saved."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, path: str = "", status: int | None = None) -> None:
        super().__init__(message, field=path or None, status=status)
        self.path = path


@dataclass
class ImportReport:
    created: list[Patient] = field(default_factory=list)
    updated: list[Patient] = field(default_factory=list)
    unchanged: list[Patient] = field(default_factory=list)

    @property
    def patients(self) -> list[Patient]:
        return [*self.created, *self.updated, *self.unchanged]


def parse_json(body: bytes | str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise FhirImportRefused(f"The body is not JSON we can read ({type(error).__name__}).") from None


def _path(prefix: str, location: tuple[Any, ...]) -> str:
    text = prefix
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _validated(resource: Any, prefix: str) -> FhirPatient:
    try:
        return FhirPatient.model_validate(resource)
    except ValidationError as error:
        first = error.errors()[0]
        path = _path(prefix, tuple(first.get("loc", ())))
        # The message only, never the offending value: it may be someone's health data.
        raise FhirImportRefused(f"{path}: {first.get('msg', 'invalid')}", path=path) from None
    except (TypeError, ValueError) as error:
        raise FhirImportRefused(f"{prefix}: {type(error).__name__}", path=prefix) from None


def patients_in(document: Any) -> list[tuple[str, FhirPatient]]:
    """Every Patient of a Patient resource or a Bundle, validated, each with its path for error messages."""
    if not isinstance(document, dict):
        raise FhirImportRefused("Send one FHIR resource (a JSON object): a Patient or a Bundle.")
    kind = document.get("resourceType")
    if kind == "Patient":
        return [("Patient", _validated(document, "Patient"))]
    if kind != "Bundle":
        raise FhirImportRefused("Only a Patient or a Bundle of them can be imported.", path="resourceType")
    entries = document.get("entry", [])
    if not isinstance(entries, list):
        raise FhirImportRefused("Bundle.entry must be a list.", path="Bundle.entry")
    found = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise FhirImportRefused(f"Bundle.entry[{index}] must be an object.", path=f"Bundle.entry[{index}]")
        resource = entry.get("resource")
        if isinstance(resource, dict) and resource.get("resourceType") == "Patient":
            prefix = f"Bundle.entry[{index}].resource"
            found.append((prefix, _validated(resource, prefix)))
    if not found:
        raise FhirImportRefused("The bundle holds no Patient.", path="Bundle.entry")
    if len(found) > MAX_PATIENTS:
        raise FhirImportRefused(f"At most {MAX_PATIENTS} patients per import: split the bundle.", path="Bundle.entry")
    return found


def _type_codes(identifier: Any) -> set[str]:
    if identifier.type is None:
        return set()
    return {coding.code for coding in identifier.type.coding or [] if coding.code}


def identifiers_of(resource: FhirPatient) -> list[IdentifierData]:
    """The identifiers worth keeping (see the data minimisation note above), with their kind."""
    kept: list[IdentifierData] = []
    for identifier in resource.identifier or []:
        system, value = (identifier.system or "").strip(), (identifier.value or "").strip()
        if not system or not value or identifier.use == "old":
            continue
        types = _type_codes(identifier)
        if system == codes.NHS_NUMBER_SYSTEM:
            kind = PatientIdentifier.Kind.NHS_NUMBER
        elif "MR" in types:
            kind = PatientIdentifier.Kind.MRN
        elif types or system in _DROPPED_SYSTEMS:
            continue  # SSN, driver's licence, passport, and any other typed government or insurance number
        else:
            kind = PatientIdentifier.Kind.OTHER  # the source system's own record id (Synthea's, for one)
        if len(value) > 100 or len(system) > 255:
            raise FhirImportRefused("An identifier is too long to keep (100 characters for its value).")
        if all((item.system, item.value) != (system, value) for item in kept):
            kept.append(IdentifierData(system=system, value=value, kind=kind))
    return kept


def _name(resource: FhirPatient) -> tuple[str, str]:
    """The official name (else the usual one, else the first that is not old or maiden)."""
    names = [name for name in resource.name or [] if name.use not in ("old", "maiden")]
    if not names:
        return "", ""
    chosen = next((n for n in names if n.use == "official"), None) or next(
        (n for n in names if n.use == "usual"), names[0]
    )
    given = " ".join(part.strip() for part in chosen.given or [] if part and part.strip())
    family = (chosen.family or "").strip()
    if not given and not family and chosen.text:
        given = chosen.text.strip()
    return given, family


def _telecom(resource: FhirPatient, system: str) -> str | None:
    for point in resource.telecom or []:
        if point.system == system and point.value and point.use != "old":
            return str(point.value).strip()
    return None


def _language(resource: FhirPatient) -> str | None:
    communications = resource.communication or []
    chosen = next((item for item in communications if item.preferred), communications[0] if communications else None)
    if chosen is None:
        return None
    for coding in chosen.language.coding or []:
        if coding.code and (coding.system in (None, codes.BCP47)):
            return str(coding.code)
    return None


def patient_data(resource: FhirPatient, *, existing: Patient | None = None) -> PatientData:
    """What PeerPath keeps of a FHIR Patient; on an update, what the resource does not say is left as it was."""
    given, family = _name(resource)
    birth = resource.birthDate
    data = PatientData(
        given_name=given or (existing.given_name if existing else ""),
        family_name=family or (existing.family_name if existing else ""),
        birth_date=birth if isinstance(birth, date) else (existing.birth_date if existing else None),
        gender=str(resource.gender) if resource.gender else (existing.gender if existing else ""),
        email=_telecom(resource, "email") or (existing.email if existing else ""),
        phone=_telecom(resource, "phone") or (existing.phone if existing else ""),
        preferred_language=_language(resource) or (existing.preferred_language if existing else "en"),
        identifiers=identifiers_of(resource),
    )
    limits = {"given_name": 100, "family_name": 100, "phone": 40, "email": 254, "preferred_language": 35}
    for name, limit in limits.items():
        if len(getattr(data, name)) > limit:
            raise FhirImportRefused(f"The patient's {name.replace('_', ' ')} is longer than {limit} characters.")
    return data


@transaction.atomic
def import_patients(*, actor: User, organisation: Organisation, document: Any) -> ImportReport:
    """Create or update the organisation's patients from a Patient or a Bundle; all of them or none."""
    report = ImportReport()
    for path, resource in patients_in(document):
        identifiers = identifiers_of(resource)
        existing = services.find_patient_by_identifiers(organisation, identifiers)
        try:
            data = patient_data(resource, existing=existing)
            if existing is None:
                report.created.append(
                    services.patient_create(actor=actor, organisation=organisation, data=data, via="fhir")
                )
            elif services.patient_update(actor=actor, patient=existing, data=data, via="fhir"):
                report.updated.append(existing)
            else:
                report.unchanged.append(existing)
        except FhirImportRefused as refused:
            raise FhirImportRefused(f"{path}: {refused.message}", path=path) from None
        except DomainError as error:
            where = f"{path}.{_FHIR_FIELDS[error.field]}" if error.field in _FHIR_FIELDS else path
            raise FhirImportRefused(f"{where}: {error.message}", path=where, status=error.status) from None
    return report
