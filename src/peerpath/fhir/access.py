"""Who may read which FHIR resources: the owning organisation's clinical staff, and the patient themselves.

The lists reuse the prescriptions selectors (staff: `patients_for`/`prescriptions_for`; the patient:
`own_prescriptions` and their own record), so FHIR can never show more than the pages do. The gates return the object
or raise the same 404 for "missing" and "not yours"; every read is an audit event, every refusal too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from peerpath.audit.services import record_access, record_denied
from peerpath.core.access import uuid_or_404
from peerpath.prescriptions.models import Consent, Patient, Prescription
from peerpath.prescriptions.selectors import own_prescriptions, patients_for, prescriptions_for, with_details

PURPOSE = "fhir"


def fhir_patients(user: Any) -> QuerySet[Patient]:
    if not getattr(user, "is_authenticated", False):
        return Patient.objects.none()
    return (
        Patient.objects.filter(Q(pk__in=patients_for(user).values("pk")) | Q(user=user))
        .select_related("organisation")
        .prefetch_related("identifiers")
    )


def fhir_prescriptions(user: Any) -> QuerySet[Prescription]:
    """Staff: their organisations' prescriptions; a patient: their own, drafts excluded."""
    if not getattr(user, "is_authenticated", False):
        return Prescription.objects.none()
    return with_details(
        Prescription.objects.filter(
            Q(pk__in=prescriptions_for(user).values("pk")) | Q(pk__in=own_prescriptions(user).values("pk"))
        )
    )


def fhir_consents(user: Any) -> QuerySet[Consent]:
    return Consent.objects.filter(prescription__in=fhir_prescriptions(user).values("pk")).select_related(
        "patient", "prescription__organisation"
    )


def _gate(user: Any, queryset: QuerySet[Any], object_id: Any, object_type: str) -> Any:
    found = queryset.filter(pk=uuid_or_404(object_id)).first()
    if found is None:
        record_denied(actor=user, object_type=object_type, object_id=str(object_id))
        raise Http404
    record_access(actor=user, target=found, organisation=_organisation_of(found), purpose=PURPOSE)
    return found


def _organisation_of(item: Model) -> Any:
    if isinstance(item, Consent):
        return item.prescription.organisation
    return getattr(item, "organisation", None)


def access_fhir_patient(user: Any, patient_id: Any) -> Patient:
    return _gate(user, fhir_patients(user), patient_id, "prescriptions.patient")


def access_fhir_prescription(user: Any, prescription_id: Any) -> Prescription:
    return _gate(user, fhir_prescriptions(user), prescription_id, "prescriptions.prescription")


def access_fhir_consent(user: Any, consent_id: Any) -> Consent:
    return _gate(user, fhir_consents(user), consent_id, "prescriptions.consent")


def record_reads(user: Any, items: Iterable[Model]) -> None:
    """One access event per resource a search returns (SECURITY.md Audit: every read of patient data)."""
    for item in items:
        record_access(actor=user, target=item, organisation=_organisation_of(item), purpose=PURPOSE)
