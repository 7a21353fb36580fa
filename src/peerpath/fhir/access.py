"""Who may read which FHIR resources: the owning organisation's clinical staff, and the patient themselves.

The lists reuse the prescriptions selectors (staff: `patients_for`/`prescriptions_for`; the patient:
`own_prescriptions` and their own record), so FHIR can never show more than the pages do. The gates return the object
or raise the same 404 for "missing" and "not yours"; every read is an audit event, every refusal too.

A peer supporter's contacts with a patient are readable by the same people, and only while the patient shares that
programme's contacts with the health record (`Enrolment.share_with_ehr`): without it, or after the patient stops, a
contact is "not yours" for everyone, with the same 404.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from peerpath.audit.services import record_access, record_denied
from peerpath.core.access import uuid_or_404
from peerpath.prescriptions.adherence import counts_towards
from peerpath.prescriptions.models import Consent, Patient, Prescription
from peerpath.prescriptions.selectors import own_prescriptions, patients_for, prescriptions_for, with_details
from peerpath.programmes.models import ACTIVITY_CHANNELS, Interaction

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


def fhir_contacts(user: Any) -> QuerySet[Interaction]:
    """The contacts of the patients the person may read whose programme's contacts the patient shares with the
    health record. Never the supervisor's note: it is not even loaded."""
    if not getattr(user, "is_authenticated", False):
        return Interaction.objects.none()
    return (
        Interaction.objects.filter(
            enrolment__share_with_ehr=True, enrolment__patient__in=fhir_patients(user).values("pk")
        )
        .select_related(
            "enrolment__patient", "enrolment__programme__organisation", "supporter__user", "listing", "participation"
        )
        .defer("concern", "concern_note")
    )


def fhir_communications(user: Any) -> QuerySet[Interaction]:
    """Shared contacts that were a conversation (phone, text, video, a visit, a group meeting)."""
    return fhir_contacts(user).exclude(channel__in=sorted(ACTIVITY_CHANNELS))


def fhir_procedures(user: Any) -> QuerySet[Interaction]:
    """Shared contacts that were an activity done together."""
    return fhir_contacts(user).filter(channel__in=sorted(ACTIVITY_CHANNELS))


def prescriptions_fulfilled(contacts: Sequence[Interaction]) -> dict[Any, list[Prescription]]:
    """The prescriptions each contact fulfils in part (its FHIR `basedOn`): its enrolment's own, and every other
    prescription of the patient that its participation counts towards, by the rules adherence counts with. Never a
    draft. One query however many contacts."""
    if not contacts:
        return {}
    patients = {contact.enrolment.patient_id for contact in contacts}
    candidates = list(
        Prescription.objects.filter(patient_id__in=patients)
        .exclude(status=Prescription.Status.DRAFT)
        .select_related("listing", "condition")
        .order_by("created_at")
    )
    by_patient: dict[Any, list[Prescription]] = {}
    for prescription in candidates:
        by_patient.setdefault(prescription.patient_id, []).append(prescription)
    fulfilled: dict[Any, list[Prescription]] = {}
    for contact in contacts:
        enrolment, participation = contact.enrolment, contact.participation
        chosen = []
        for prescription in by_patient.get(enrolment.patient_id, []):
            counted = (
                participation is not None
                and prescription.dose.start <= participation.occurred_at.date() < prescription.dose.end
                and counts_towards(prescription, participation)
            )
            if prescription.pk == enrolment.prescription_id or counted:
                chosen.append(prescription)
        fulfilled[contact.pk] = chosen
    return fulfilled


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
    if isinstance(item, Interaction):
        return item.enrolment.programme.organisation
    return getattr(item, "organisation", None)


def access_fhir_patient(user: Any, patient_id: Any) -> Patient:
    return _gate(user, fhir_patients(user), patient_id, "prescriptions.patient")


def access_fhir_prescription(user: Any, prescription_id: Any) -> Prescription:
    return _gate(user, fhir_prescriptions(user), prescription_id, "prescriptions.prescription")


def access_fhir_consent(user: Any, consent_id: Any) -> Consent:
    return _gate(user, fhir_consents(user), consent_id, "prescriptions.consent")


def access_fhir_communication(user: Any, contact_id: Any) -> Interaction:
    return _gate(user, fhir_communications(user), contact_id, "programmes.interaction")


def access_fhir_procedure(user: Any, contact_id: Any) -> Interaction:
    return _gate(user, fhir_procedures(user), contact_id, "programmes.interaction")


def record_reads(user: Any, items: Iterable[Model]) -> None:
    """One access event per resource a search returns (SECURITY.md Audit: every read of patient data)."""
    for item in items:
        record_access(actor=user, target=item, organisation=_organisation_of(item), purpose=PURPOSE)
