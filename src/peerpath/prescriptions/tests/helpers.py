"""Patients and prescriptions for tests, made through the services so they carry the real audit trail."""

from __future__ import annotations

from datetime import date
from typing import Any

from peerpath.accounts.models import User
from peerpath.core.time import now
from peerpath.directory.models import Listing
from peerpath.directory.tests.helpers import vetted
from peerpath.prescriptions import services
from peerpath.prescriptions.dose import Dose
from peerpath.prescriptions.models import Patient, PatientIdentifier, Prescription
from peerpath.prescriptions.services import IdentifierData, IssuedInvitation, PatientData, PrescriptionData
from peerpath.testing.personas import World

NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


def dose(**overrides: Any) -> Dose:
    """Seed 000's dose by default: 1 online conversation monthly for 3 months, from today."""
    values: dict[str, Any] = {
        "activity": "online_conversation",
        "count": 1,
        "per": "month",
        "duration": 3,
        "duration_unit": "months",
        "start": now().date(),
    }
    values.update(overrides)
    return Dose(**values)


def patient(
    world: World, *, given: str = "Bob", family: str = "Smith", nhs: str = "9434765919", **extra: Any
) -> Patient:
    data = PatientData(
        given_name=given,
        family_name=family,
        birth_date=extra.pop("birth_date", date(1968, 4, 2)),
        email=extra.pop("email", f"{given.lower()}.{family.lower()}@example.org"),
        identifiers=[IdentifierData(system=NHS_SYSTEM, value=nhs, kind=PatientIdentifier.Kind.NHS_NUMBER)]
        if nhs
        else [],
        **extra,
    )
    return services.patient_create(actor=world.people["clinician"], organisation=world.home, data=data)


def group(world: World, name: str = "Fibromyalgia Support Group", **fields: Any) -> Listing:
    fields.setdefault("conditions", ("fibromyalgia",))
    return vetted(world, name, **fields)


def draft(
    world: World, *, for_patient: Patient | None = None, listing: Listing | None = None, **dose_overrides: Any
) -> Prescription:
    return services.prescription_create(
        clinician=world.people["clinician"],
        patient=for_patient or patient(world),
        data=PrescriptionData(dose=dose(**dose_overrides), listing=listing or group(world), reasons=["new_diagnosis"]),
    )


def sent(world: World, **kwargs: Any) -> tuple[Prescription, IssuedInvitation]:
    prescription = draft(world, **kwargs)
    issued = services.prescription_send(clinician=world.people["clinician"], prescription=prescription)
    prescription.refresh_from_db()
    return prescription, issued


def accepted(
    world: World, *, user: User | None = None, share: bool = True, ehr: bool = False, **kwargs: Any
) -> Prescription:
    """Sent and accepted by the member persona (whose account becomes the patient's); `ehr` also consents to a
    summary in the health record."""
    prescription, issued = sent(world, **kwargs)
    services.invitation_accept(
        user=user or world.people["member"],
        invitation=issued.invitation,
        share_participation=share,
        share_ehr_summary=ehr,
    )
    prescription.refresh_from_db()
    return prescription
