"""Reads about patients and prescriptions, already filtered to what the asking person may see."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from peerpath.accounts.models import Organisation, RoleAssignment
from peerpath.accounts.roles import CLINICAL_STAFF_ROLES, Role
from peerpath.core.time import now
from peerpath.directory.models import Listing
from peerpath.prescriptions.adherence import ClinicianView, Sharing, clinician_view, missed_last_period, sharing_of
from peerpath.prescriptions.models import Consent, Invitation, Participation, Patient, Prescription

Status = Prescription.Status
INVITATION_EXPIRY_WARNING = timedelta(days=3)
RECENT = timedelta(days=14)


def staff_organisations(user: Any) -> QuerySet[Organisation]:
    """Organisations whose patients this person may see: where they are a clinician, coordinator or admin."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        pk__in=RoleAssignment.objects.filter(user=user, role__in=CLINICAL_STAFF_ROLES).values("organisation")
    )


def prescriber_organisations(user: Any) -> QuerySet[Organisation]:
    """Organisations where this person may prescribe: where they are a clinician."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        pk__in=RoleAssignment.objects.filter(user=user, role=Role.CLINICIAN).values("organisation")
    )


def search_patients(patients: QuerySet[Patient], text: str) -> QuerySet[Patient]:
    """Patients whose identifier is the text (spaces forgiven), or whose name holds one of its words."""
    compact = "".join(text.split())
    query = Q(identifiers__value__iexact=compact) | Q(identifiers__value__iexact=text.strip())
    for word in text.split():
        query |= Q(given_name__icontains=word) | Q(family_name__icontains=word)
    return patients.filter(query).distinct()


def listings_prescribed_in(organisations: Iterable[Organisation]) -> QuerySet[Listing]:
    """The groups these organisations have prescribed (the dashboard's filter)."""
    return Listing.objects.filter(prescriptions__organisation__in=list(organisations)).distinct().order_by("name")


def patients_for(user: Any) -> QuerySet[Patient]:
    return Patient.objects.filter(organisation__in=staff_organisations(user)).prefetch_related("identifiers")


def prescriptions_for(user: Any) -> QuerySet[Prescription]:
    """The prescriptions of every organisation the person works for as clinical staff."""
    return with_details(Prescription.objects.filter(organisation__in=staff_organisations(user)))


def own_prescriptions(user: Any) -> QuerySet[Prescription]:
    """A patient's own prescriptions (every record linked to their account), drafts excluded."""
    if not getattr(user, "is_authenticated", False):
        return Prescription.objects.none()
    return with_details(Prescription.objects.filter(patient__user=user).exclude(status=Status.DRAFT))


def with_details(queryset: QuerySet[Prescription]) -> QuerySet[Prescription]:
    return queryset.select_related(
        "patient", "clinician", "organisation", "listing", "listing__host", "condition"
    ).prefetch_related(Prefetch("consents", queryset=Consent.objects.order_by("granted_at")))


def prescriptions_of_patient(patient: Patient) -> QuerySet[Prescription]:
    return with_details(Prescription.objects.filter(patient=patient))


def participations_by_patient(prescriptions: Iterable[Prescription]) -> dict[Any, list[Participation]]:
    """The participations of these prescriptions' patients, loaded in one query (lists make no query per row)."""
    rows = list(prescriptions)
    if not rows:
        return {}
    since = min(item.start_date for item in rows)
    grouped: dict[Any, list[Participation]] = defaultdict(list)
    patients = {item.patient_id for item in rows}
    query = Participation.objects.filter(patient_id__in=patients, occurred_at__date__gte=since).order_by("occurred_at")
    for participation in query:
        grouped[participation.patient_id].append(participation)
    return grouped


def clinician_views(prescriptions: Sequence[Prescription], today: date) -> dict[Any, ClinicianView]:
    """`adherence.clinician_view` of each prescription (from `with_details`), keyed by id, in two queries at most."""
    pool = participations_by_patient(prescriptions)
    return {
        item.pk: clinician_view(item, today, participations=pool.get(item.patient_id, [])) for item in prescriptions
    }


def lapsing(prescriptions: QuerySet[Prescription], today: date) -> list[Prescription]:
    """Running and shared, and the last finished period was missed."""
    running = list(prescriptions.filter(status__in=[Status.ACTIVE, Status.LAPSED]))
    pool = participations_by_patient(running)
    return [item for item in running if missed_last_period(item, today, participations=pool.get(item.patient_id, []))]


def needs_attention(prescriptions: QuerySet[Prescription], today: date) -> list[tuple[Prescription, str]]:
    """What a clinician should look at, each with the reason in words."""
    moment = now()
    result: list[tuple[Prescription, str]] = []
    recent = prescriptions.filter(status_changed_at__gte=moment - RECENT)
    for item in prescriptions.filter(status=Status.LAPSED):
        result.append((item, "Lapsed: two periods in a row missed"))
    for item in recent.filter(status=Status.DECLINED):
        result.append((item, "Declined by the patient"))
    for item in recent.filter(status=Status.EXPIRED):
        result.append((item, "The invitation expired unanswered"))
    expiring = Invitation.objects.filter(
        used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=moment,
        expires_at__lte=moment + INVITATION_EXPIRY_WARNING,
    ).values("prescription")  # fmt: skip
    for item in prescriptions.filter(status=Status.SENT, pk__in=expiring):
        result.append((item, "The invitation expires within 3 days"))
    withdrawn = prescriptions.filter(
        status__in=Prescription.RUNNING_STATUSES, consents__withdrawn_at__gte=moment - RECENT
    ).distinct()
    for item in withdrawn:
        if sharing_of(item) == Sharing.WITHDRAWN:
            result.append((item, "The patient withdrew consent to share"))
    return result
