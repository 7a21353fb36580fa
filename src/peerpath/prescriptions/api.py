"""The prescriptions API: a clinic's prescriptions and patients for its staff, and a patient's own prescriptions.

Thin, like the pages: a gate or a selector, a service, a schema. Staff endpoints answer 404 for another organisation's
ids exactly as for missing ones; adherence reaches the clinic only while the patient consents to share it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import AwareDatetime

from peerpath.api.schemas import problem_responses
from peerpath.core.errors import DomainError
from peerpath.core.time import now
from peerpath.prescriptions import services
from peerpath.prescriptions.access import (
    access_own_prescription,
    access_patient,
    access_prescription,
    record_list_read,
)
from peerpath.prescriptions.adherence import SHARING_LABELS, Adherence, clinician_view, compute, sharing_of
from peerpath.prescriptions.dose import Activity
from peerpath.prescriptions.models import Participation, Prescription
from peerpath.prescriptions.selectors import (
    own_prescriptions,
    participations_by_patient,
    prescriptions_for,
    prescriptions_of_patient,
    staff_organisations,
)

router = Router(tags=["prescriptions"])
MAX_PAGE = 200
STATUS_FILTER = Query([], description="Repeat for several: " + ", ".join(Prescription.Status.values))


# --- Schemas ---------------------------------------------------------------------------------------------------


class Ref(Schema):
    id: UUID
    name: str


class DoseOut(Schema):
    activity: str = Field(description=", ".join(Activity.values))
    count: int
    per: str = Field(description="week or month")
    duration: int
    duration_unit: str = Field(description="weeks or months")
    start_date: date
    end_date: date = Field(description="The last day of the dose.")


class PeriodOut(Schema):
    index: int
    start: date
    last_day: date
    required: int
    count: int
    state: str = Field(description="met, missed, current or upcoming")


class AdherenceOut(Schema):
    summary: str
    met: int
    missed: int
    periods: list[PeriodOut]


class PrescriptionOut(Schema):
    id: UUID
    status: str
    status_label: str
    patient: Ref
    clinician: Ref
    organisation: Ref
    what: str = Field(description="The group's name, or the kind of support and condition.")
    listing_id: UUID | None
    dose: DoseOut
    dose_sentence: str = Field(description='"Participate in 1 online conversation monthly for 3 months"')
    sharing: str = Field(description="not_yet, signpost_only, consent_withdrawn or shared")
    sharing_label: str
    created_at: datetime
    sent_at: datetime | None
    responded_at: datetime | None
    ended_at: datetime | None


class PrescriptionDetailOut(PrescriptionOut):
    reasons: list[str] = Field(description="BMJ Box 1 reason codes.")
    reason_text: str
    note_to_patient: str
    cancel_reason: str
    adherence: AdherenceOut | None = Field(description="Only while the patient shares their participation.")


class IdentifierOut(Schema):
    kind: str
    system: str
    value: str


class PatientOut(Schema):
    id: UUID
    given_name: str
    family_name: str
    birth_date: date | None
    gender: str
    email: str
    phone: str
    preferred_language: str
    identifiers: list[IdentifierOut]
    account_linked: bool = Field(description="The patient has accepted an invitation with a PeerPath account.")
    prescriptions: list[PrescriptionOut]


class MyPrescriptionOut(Schema):
    """A patient's own prescription: everything they did counts here, shared with the clinic or not."""

    id: UUID
    status: str
    status_label: str
    what: str
    listing_id: UUID | None
    organisation: str
    clinician: str
    dose: DoseOut
    dose_sentence: str
    note_to_patient: str
    sharing: str = Field(description="What the clinic sees: signpost_only, consent_withdrawn or shared.")
    sharing_label: str
    adherence: AdherenceOut


class ParticipationIn(Schema):
    activity: str = Field(max_length=30, description=", ".join(v for v in Activity.values if v != Activity.ANY))
    when: AwareDatetime = Field(description="When it happened, with a time zone; not in the future.")
    note: str = Field("", max_length=500)


class ParticipationOut(Schema):
    id: UUID
    activity: str
    occurred_at: datetime
    source: str
    note: str


# --- Shaping ---------------------------------------------------------------------------------------------------


def _person(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "name": user.legal_name or user.handle}


def _dose(prescription: Prescription) -> dict[str, Any]:
    return {
        "activity": prescription.activity,
        "count": prescription.dose_count,
        "per": prescription.per,
        "duration": prescription.duration,
        "duration_unit": prescription.duration_unit,
        "start_date": prescription.start_date,
        "end_date": prescription.end_date,
    }


def _adherence(adherence: Adherence) -> dict[str, Any]:
    return {
        "summary": adherence.summary,
        "met": adherence.met,
        "missed": adherence.missed,
        "periods": [
            {"index": item.period.index, "start": item.period.start, "last_day": item.period.last_day,
             "required": item.period.required, "count": item.count, "state": item.state}
            for item in adherence.periods
        ],
    }  # fmt: skip


def _prescription(prescription: Prescription) -> dict[str, Any]:
    """The staff view without adherence: from the row and its prefetched consents only, so lists stay flat."""
    sharing = sharing_of(prescription, list(prescription.consents.all()))
    return {
        "id": prescription.pk,
        "status": prescription.status,
        "status_label": prescription.get_status_display(),
        "patient": {"id": prescription.patient.pk, "name": prescription.patient.name},
        "clinician": _person(prescription.clinician),
        "organisation": {"id": prescription.organisation.pk, "name": prescription.organisation.name},
        "what": prescription.what,
        "listing_id": prescription.listing_id,
        "dose": _dose(prescription),
        "dose_sentence": prescription.dose_sentence,
        "sharing": sharing,
        "sharing_label": SHARING_LABELS[sharing],
        "created_at": prescription.created_at,
        "sent_at": prescription.sent_at,
        "responded_at": prescription.responded_at,
        "ended_at": prescription.ended_at,
    }


def _mine(prescription: Prescription, participations: list[Participation], today: date) -> dict[str, Any]:
    sharing = sharing_of(prescription, list(prescription.consents.all()))
    return {
        "id": prescription.pk,
        "status": prescription.status,
        "status_label": prescription.get_status_display(),
        "what": prescription.what,
        "listing_id": prescription.listing_id,
        "organisation": prescription.organisation.name,
        "clinician": prescription.clinician.legal_name or "Your clinician",
        "dose": _dose(prescription),
        "dose_sentence": prescription.dose_sentence,
        "note_to_patient": prescription.note_to_patient,
        "sharing": sharing,
        "sharing_label": SHARING_LABELS[sharing],
        # The patient's own data: every participation of theirs, whatever they share.
        "adherence": _adherence(compute(prescription, participations, today)),
    }


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class _ShapedList:
    """A queryset that ninja's pagination slices and counts, handing back each row shaped for the schema."""

    def __init__(self, rows: Any) -> None:
        self.rows = rows

    def count(self) -> int:
        return int(self.rows.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return [_prescription(row) for row in self.rows[index]]


# --- Staff -----------------------------------------------------------------------------------------------------


@router.get(
    "/prescriptions", response=list[PrescriptionOut], openapi_extra=problem_responses(400, 401, 403),
    summary="Your organisations' prescriptions",
)  # fmt: skip
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
def prescription_list(
    request: HttpRequest,
    status: list[str] = STATUS_FILTER,
) -> Any:
    """The prescriptions of every organisation you work for as clinical staff, newest first (no adherence: see
    one prescription for that). Someone who is nobody's clinical staff gets an empty list."""
    unknown = [value for value in status if value not in Prescription.Status.values]
    if unknown:
        raise DomainError(f"Unknown status: {', '.join(unknown)}.", field="status")
    user = _user(request)
    rows = prescriptions_for(user)
    if status:
        rows = rows.filter(status__in=status)
    record_list_read(user, staff_organisations(user), action="prescription.listed", via="api", status=list(status))
    return _ShapedList(rows.order_by("-created_at", "pk"))


@router.get(
    "/prescriptions/{prescription_id}", response=PrescriptionDetailOut, openapi_extra=problem_responses(401, 403, 404),
    summary="One prescription",
)  # fmt: skip
def prescription_detail(request: HttpRequest, prescription_id: UUID) -> dict[str, Any]:
    """A prescription of your organisation, with adherence per period only while the patient shares it."""
    prescription = access_prescription(_user(request), prescription_id)
    view = clinician_view(prescription, now().date())
    return {
        **_prescription(prescription),
        "sharing": view.sharing,
        "sharing_label": view.sharing_label,
        "reasons": list(prescription.reasons),
        "reason_text": prescription.reason_text,
        "note_to_patient": prescription.note_to_patient,
        "cancel_reason": prescription.cancel_reason,
        "adherence": _adherence(view.adherence) if view.adherence is not None else None,
    }


@router.get(
    "/patients/{patient_id}", response=PatientOut, openapi_extra=problem_responses(401, 403, 404),
    summary="One patient",
)  # fmt: skip
def patient_detail(request: HttpRequest, patient_id: UUID) -> dict[str, Any]:
    """A patient of your organisation, with their prescriptions (adherence: see each prescription)."""
    patient = access_patient(_user(request), patient_id)
    return {
        "id": patient.pk,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_date": patient.birth_date,
        "gender": patient.gender,
        "email": patient.email,
        "phone": patient.phone,
        "preferred_language": patient.preferred_language,
        "identifiers": [
            {"kind": item.kind, "system": item.system, "value": item.value} for item in patient.identifiers.all()
        ],
        "account_linked": patient.user_id is not None,
        "prescriptions": [_prescription(item) for item in prescriptions_of_patient(patient)],
    }


# --- The patient -----------------------------------------------------------------------------------------------


@router.get(
    "/me/prescriptions", response=list[MyPrescriptionOut], openapi_extra=problem_responses(401, 403),
    summary="My prescriptions",
)  # fmt: skip
def my_prescriptions(request: HttpRequest) -> list[dict[str, Any]]:
    """Your own peer-support prescriptions, newest first, with your progress per period."""
    rows = list(own_prescriptions(_user(request)).order_by("-created_at", "pk"))
    participations = participations_by_patient(rows)
    today = now().date()
    return [_mine(row, participations[row.patient_id], today) for row in rows]


@router.post(
    "/prescriptions/{prescription_id}/participation", response={201: ParticipationOut},
    openapi_extra=problem_responses(400, 401, 403, 404, 409, 422), summary="Report taking part",
)  # fmt: skip
def participation_report(
    request: HttpRequest, prescription_id: UUID, payload: ParticipationIn
) -> Status[Participation]:
    """Say you took part ("I went to the group on Tuesday"): it counts towards your own prescription's dose."""
    user = _user(request)
    prescription = access_own_prescription(user, prescription_id, purpose="self_report")
    participation = services.participation_self_report(
        user=user, prescription=prescription, activity=payload.activity, when=payload.when, note=payload.note
    )
    return Status(201, participation)


@router.post(
    "/me/prescriptions/{prescription_id}/consent/withdraw", response=MyPrescriptionOut,
    openapi_extra=problem_responses(401, 403, 404, 409), summary="Stop sharing",
)  # fmt: skip
def consent_withdraw(request: HttpRequest, prescription_id: UUID) -> dict[str, Any]:
    """Stop sharing your participation with the clinic, at once. The clinic then sees "consent withdrawn"."""
    user = _user(request)
    prescription = access_own_prescription(user, prescription_id, purpose="consent")
    services.consent_withdraw(user=user, prescription=prescription)
    fresh = own_prescriptions(user).get(pk=prescription.pk)
    return _mine(fresh, participations_by_patient([fresh])[fresh.patient_id], now().date())
