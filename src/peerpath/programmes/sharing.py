"""The patient's side of a programme: the contacts logged about them, and their choice to share those contacts with
their clinic's health record (issue 16 point 7: "in, but not of, the medical record").

Every contact is the patient's to read, all of it except the concern a supporter raises with their coordinator and
its note. Sharing is per enrolment and off until the patient turns it on; while it is off, the health record (FHIR)
cannot read any contact of that enrolment, and turning it off stops that at once, because the FHIR gate reads the
choice on every request.

Here are the patient's own enrolments (the selector), the gate for one of them, and the one change the patient makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from peerpath.accounts.models import User
from peerpath.audit.services import record, record_access, record_denied
from peerpath.core.access import uuid_or_404
from peerpath.core.errors import PermissionDenied
from peerpath.core.time import now
from peerpath.programmes.models import Channel, CoreFunction, Enrolment, Interaction

# --- Reads -----------------------------------------------------------------------------------------------------


def own_enrolments(user: Any) -> QuerySet[Enrolment]:
    """The signed-in person's enrolments, as a patient: those of every patient record linked to their account,
    ended ones included (the contacts logged in them are still theirs)."""
    if not getattr(user, "is_authenticated", False):
        return Enrolment.objects.none()
    return Enrolment.objects.filter(patient__user=user)


@dataclass(frozen=True)
class PatientContact:
    """A contact as the patient sees it: everything the supporter logged except the concern and its note."""

    occurred_at: datetime
    channel: str
    duration_minutes: int
    functions: tuple[str, ...]
    discussed: str
    resources: str
    listing: str
    next_follow_up: date | None
    supporter_handle: str

    @classmethod
    def of(cls, interaction: Interaction) -> PatientContact:
        return cls(
            occurred_at=interaction.occurred_at,
            channel=str(Channel(interaction.channel).label),
            duration_minutes=interaction.duration_minutes,
            functions=tuple(str(CoreFunction(value).label) for value in interaction.functions
                            if value in CoreFunction.values),
            discussed=interaction.discussed,
            resources=interaction.resources,
            listing=interaction.listing.name if interaction.listing is not None else "",
            next_follow_up=interaction.next_follow_up,
            supporter_handle=interaction.supporter.user.handle,
        )  # fmt: skip


@dataclass(frozen=True)
class EnrolmentContacts:
    enrolment: Enrolment
    contacts: list[PatientContact]


def own_contacts(user: Any) -> list[EnrolmentContacts]:
    """Each of the person's enrolments (running ones first, then the newest) with every contact logged in it, newest
    first: a fixed number of queries however many there are. The supervisor's note is never even loaded."""
    contacts = (
        Interaction.objects.select_related("supporter__user", "listing")
        .defer("concern", "concern_note")
        .order_by("-occurred_at", "-created_at")
    )
    enrolments = (
        own_enrolments(user)
        .select_related("programme__organisation", "supporter__user")
        .prefetch_related(Prefetch("interactions", queryset=contacts))
        .order_by("status", "-enrolled_at")
    )
    return [
        EnrolmentContacts(enrolment, [PatientContact.of(item) for item in enrolment.interactions.all()])
        for enrolment in enrolments
    ]


def access_own_enrolment(user: Any, enrolment_id: Any, *, purpose: str = "view") -> Enrolment:
    """One of the signed-in patient's own enrolments; the same 404 for missing and for someone else's."""
    enrolment = (
        own_enrolments(user)
        .select_related("patient", "programme__organisation", "supporter__user")
        .filter(pk=uuid_or_404(enrolment_id))
        .first()
    )
    if enrolment is None:
        record_denied(actor=user, object_type="programmes.enrolment", object_id=str(enrolment_id))
        raise Http404
    record_access(actor=user, target=enrolment, organisation=enrolment.programme.organisation, purpose=purpose)
    return enrolment


# --- The patient's choice --------------------------------------------------------------------------------------


@transaction.atomic
def enrolment_sharing_set(*, user: User, enrolment: Enrolment, share: bool) -> Enrolment:
    """The patient shares the contacts of one enrolment with their clinic's health record, or stops sharing them.
    Only the enrolment's own patient decides; stopping takes effect for the very next FHIR request."""
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("patient", "programme__organisation")
        .get(pk=enrolment.pk)
    )
    if enrolment.patient.user_id is None or enrolment.patient.user_id != user.pk:
        raise PermissionDenied(_("Only the patient decides whether their contacts are shared."))
    previous = enrolment.share_with_ehr
    if previous == share:
        return enrolment
    enrolment.share_with_ehr, enrolment.share_changed_at = share, now()
    enrolment.save(update_fields=["share_with_ehr", "share_changed_at", "updated_at"])
    record(action="programmes.ehr_sharing_started" if share else "programmes.ehr_sharing_stopped", actor=user,
           organisation=enrolment.programme.organisation, target=enrolment,
           details={"share_with_ehr": share, "previous": previous})  # fmt: skip
    return enrolment
