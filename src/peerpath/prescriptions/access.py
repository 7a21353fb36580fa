"""Gates for patients and prescriptions: the object, or the same 404 for "missing" and "not yours".

Every successful read of a patient's data is an audit event (SECURITY.md Audit); every refusal is one too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import Http404

from peerpath.accounts.models import Organisation
from peerpath.audit.services import record, record_access, record_denied
from peerpath.core.access import uuid_or_404
from peerpath.prescriptions.models import Patient, Prescription
from peerpath.prescriptions.selectors import own_prescriptions, patients_for, prescriptions_for


def access_patient(user: Any, patient_id: Any, *, purpose: str = "view") -> Patient:
    """A patient of an organisation the person works for as a clinician, coordinator or admin."""
    patient = patients_for(user).select_related("organisation", "user").filter(pk=uuid_or_404(patient_id)).first()
    if patient is None:
        record_denied(actor=user, object_type="prescriptions.patient", object_id=str(patient_id))
        raise Http404
    record_access(actor=user, target=patient, organisation=patient.organisation, purpose=purpose)
    return patient


def access_prescription(user: Any, prescription_id: Any, *, purpose: str = "view") -> Prescription:
    """A prescription of an organisation the person works for as clinical staff."""
    prescription = prescriptions_for(user).filter(pk=uuid_or_404(prescription_id)).first()
    if prescription is None:
        record_denied(actor=user, object_type="prescriptions.prescription", object_id=str(prescription_id))
        raise Http404
    record_access(actor=user, target=prescription, organisation=prescription.organisation, purpose=purpose)
    return prescription


def access_own_prescription(user: Any, prescription_id: Any, *, purpose: str = "view") -> Prescription:
    """One of the signed-in patient's own prescriptions."""
    prescription = own_prescriptions(user).filter(pk=uuid_or_404(prescription_id)).first()
    if prescription is None:
        record_denied(actor=user, object_type="prescriptions.prescription", object_id=str(prescription_id))
        raise Http404
    record_access(actor=user, target=prescription, organisation=prescription.organisation, purpose=purpose)
    return prescription


def record_list_read(user: Any, organisations: Iterable[Organisation], *, action: str, **details: Any) -> None:
    """A list or an export of patients or prescriptions is a read of patient data too (SECURITY.md Audit): one
    event per organisation whose data it shows, without names or search text."""
    for organisation in organisations:
        record(action=action, actor=user, organisation=organisation, details=details)
