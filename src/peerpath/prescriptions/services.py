"""Every change to patients, prescriptions, invitations, consent and participation: atomic, audited (issue 4).

The lifecycle (Prescription.TRANSITIONS): draft → sent → accepted → active → completed, or declined, lapsed (two
consecutive missed periods), cancelled (by the clinician), expired (the invitation never answered). Each move goes
through `_move`, which refuses an illegal one with a clear message and writes one audit event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from peerpath.accounts.models import Organisation, User
from peerpath.accounts.roles import CLINICAL_STAFF_ROLES, Role
from peerpath.accounts.selectors import roles_in
from peerpath.audit.services import record, record_access
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.directory.models import Condition, Listing
from peerpath.directory.selectors import public_listings
from peerpath.prescriptions import invitations
from peerpath.prescriptions.dose import Activity, Dose
from peerpath.prescriptions.models import (
    INVITATION_VALID_FOR,
    Consent,
    Invitation,
    Participation,
    Patient,
    PatientIdentifier,
    Prescription,
    Reason,
)

Status = Prescription.Status


def _check_staff(actor: User, organisation: Organisation, roles: Iterable[str] = CLINICAL_STAFF_ROLES) -> None:
    if not set(roles) & roles_in(actor, organisation.pk):
        raise PermissionDenied("Only this organisation's clinical staff can do that.")


def _check_clinician(actor: User, organisation: Organisation) -> None:
    if Role.CLINICIAN not in roles_in(actor, organisation.pk):
        raise PermissionDenied("Only a clinician of the patient's organisation can prescribe.")


# --- Patients --------------------------------------------------------------------------------------------------


@dataclass
class IdentifierData:
    system: str
    value: str
    kind: str = PatientIdentifier.Kind.OTHER


@dataclass
class PatientData:
    given_name: str
    family_name: str
    birth_date: date | None = None
    gender: str = ""
    email: str = ""
    phone: str = ""
    preferred_language: str = "en"
    identifiers: list[IdentifierData] = field(default_factory=list)

    def validate(self) -> None:
        if not self.given_name.strip() and not self.family_name.strip():
            raise DomainError("Give the patient's name.", field="given_name")
        if self.birth_date is not None and self.birth_date > now().date():
            raise DomainError("The date of birth is in the future.", field="birth_date")
        if self.gender and self.gender not in Patient.Gender.values:
            raise DomainError("Unknown gender.", field="gender")
        seen = set()
        for identifier in self.identifiers:
            if not identifier.system.strip() or not identifier.value.strip():
                raise DomainError("Each identifier needs a system and a value.", field="identifiers")
            if identifier.kind not in PatientIdentifier.Kind.values:
                raise DomainError("Unknown kind of identifier.", field="identifiers")
            key = (identifier.system.strip(), identifier.value.strip())
            if key in seen:
                raise DomainError("The same identifier is given twice.", field="identifiers")
            seen.add(key)


_PATIENT_FIELDS = ("given_name", "family_name", "birth_date", "gender", "email", "phone", "preferred_language")


def find_patient_by_identifiers(organisation: Organisation, identifiers: Iterable[IdentifierData]) -> Patient | None:
    """The organisation's patient holding any of these identifiers: imports match rather than duplicate."""
    query = Q()
    for identifier in identifiers:
        query |= Q(system=identifier.system.strip(), value=identifier.value.strip())
    if not query:
        return None
    match = PatientIdentifier.objects.filter(query, organisation=organisation).select_related("patient").first()
    return match.patient if match else None


def _save_identifiers(patient: Patient, identifiers: Iterable[IdentifierData]) -> None:
    for identifier in identifiers:
        system, value = identifier.system.strip(), identifier.value.strip()
        holder = PatientIdentifier.objects.filter(organisation=patient.organisation, system=system, value=value).first()
        if holder is None:
            PatientIdentifier.objects.create(
                organisation=patient.organisation, patient=patient, kind=identifier.kind, system=system, value=value
            )
        elif holder.patient_id != patient.pk:
            raise Conflict("Another patient of this organisation already has that identifier.", field="identifiers")


@transaction.atomic
def patient_create(*, actor: User, organisation: Organisation, data: PatientData, via: str = "form") -> Patient:
    _check_staff(actor, organisation)
    data.validate()
    if find_patient_by_identifiers(organisation, data.identifiers) is not None:
        raise Conflict("A patient with that identifier is already on your list.", field="identifiers")
    patient = Patient.objects.create(
        organisation=organisation,
        created_by=actor,
        **{name: (getattr(data, name).strip() if isinstance(getattr(data, name), str) else getattr(data, name))
           for name in _PATIENT_FIELDS},
    )  # fmt: skip
    _save_identifiers(patient, data.identifiers)
    record(action="patient.created", actor=actor, organisation=organisation, target=patient, details={"via": via})
    return patient


@transaction.atomic
def patient_update(*, actor: User, patient: Patient, data: PatientData, via: str = "form") -> list[str]:
    """Change a patient's record; returns the names of the fields that changed (audited, values not)."""
    _check_staff(actor, patient.organisation)
    data.validate()
    changed = []
    for name in _PATIENT_FIELDS:
        value = getattr(data, name)
        value = value.strip() if isinstance(value, str) else value
        if getattr(patient, name) != value:
            setattr(patient, name, value)
            changed.append(name)
    if changed:
        patient.save(update_fields=[*changed, "updated_at"])
    before = patient.identifiers.count()
    _save_identifiers(patient, data.identifiers)
    if patient.identifiers.count() != before:
        changed.append("identifiers")
    if changed:
        record(
            action="patient.updated",
            actor=actor,
            organisation=patient.organisation,
            target=patient,
            details={"fields": changed, "via": via},
        )
    return changed


# --- Prescriptions ---------------------------------------------------------------------------------------------


@dataclass
class PrescriptionData:
    """What a clinician writes: the listing (or a kind of support with a condition), the dose, the reasons."""

    dose: Dose
    listing: Listing | None = None
    support_kind: str = ""
    condition: Condition | None = None
    reasons: list[str] = field(default_factory=list)
    reason_text: str = ""
    note_to_patient: str = ""

    def validate(self) -> None:
        self.dose.validate()
        if self.listing is None and not self.support_kind:
            raise DomainError("Choose a group, or the kind of support to look for.", field="listing")
        if self.support_kind and self.support_kind not in Listing.Kind.values:
            raise DomainError("Unknown kind of support.", field="support_kind")
        if self.listing is not None and not public_listings().filter(pk=self.listing.pk).exists():
            raise DomainError(
                "That group is not vetted (or its vetting has lapsed, or it was delisted): choose a vetted one.",
                field="listing",
            )
        unknown = [code for code in self.reasons if code not in Reason.values]
        if unknown:
            raise DomainError(f"Unknown reason: {', '.join(unknown)}.", field="reasons")
        if len(self.reason_text) > 1000:
            raise DomainError("Keep the reason under 1,000 characters.", field="reason_text")
        if len(self.note_to_patient) > 2000:
            raise DomainError("Keep the note under 2,000 characters.", field="note_to_patient")


def _check_no_open_duplicate(patient: Patient, listing: Listing | None, *, exclude: Prescription | None = None) -> None:
    if listing is None:
        return
    open_ones = Prescription.objects.filter(patient=patient, listing=listing, status__in=Prescription.OPEN_STATUSES)
    if exclude is not None:
        open_ones = open_ones.exclude(pk=exclude.pk)
    if open_ones.exists():
        raise Conflict("This patient already has an open prescription for that group.", field="listing")


def _dose_fields(data: PrescriptionData) -> dict[str, Any]:
    return {
        "listing": data.listing,
        "support_kind": data.support_kind if data.listing is None else (data.listing.kind),
        "condition": data.condition,
        "activity": data.dose.activity,
        "dose_count": data.dose.count,
        "per": data.dose.per,
        "duration": data.dose.duration,
        "duration_unit": data.dose.duration_unit,
        "start_date": data.dose.start,
        "reasons": list(dict.fromkeys(data.reasons)),
        "reason_text": data.reason_text.strip(),
        "note_to_patient": data.note_to_patient.strip(),
    }


@transaction.atomic
def prescription_create(*, clinician: User, patient: Patient, data: PrescriptionData) -> Prescription:
    """A draft prescription; nothing reaches the patient until it is sent."""
    _check_clinician(clinician, patient.organisation)
    data.validate()
    _check_no_open_duplicate(patient, data.listing)
    try:
        with transaction.atomic():
            prescription = Prescription.objects.create(
                organisation=patient.organisation,
                patient=patient,
                clinician=clinician,
                status=Status.DRAFT,
                status_changed_at=now(),
                **_dose_fields(data),
            )
    except IntegrityError as clash:  # a concurrent request won the race for the same listing
        raise Conflict("This patient already has an open prescription for that group.", field="listing") from clash
    record(
        action="prescription.created",
        actor=clinician,
        organisation=patient.organisation,
        target=prescription,
        details={"patient": str(patient.pk), "listing": str(data.listing.pk) if data.listing else None},
    )
    return prescription


@transaction.atomic
def prescription_update(*, clinician: User, prescription: Prescription, data: PrescriptionData) -> Prescription:
    """Change a draft; once sent, the patient has seen it, so it is cancelled and written anew instead."""
    prescription = _locked(prescription)
    _check_clinician(clinician, prescription.organisation)
    if prescription.status != Status.DRAFT:
        raise Conflict("Only a draft can be changed: cancel this prescription and write a new one.")
    data.validate()
    _check_no_open_duplicate(prescription.patient, data.listing, exclude=prescription)
    for name, value in _dose_fields(data).items():
        setattr(prescription, name, value)
    prescription.save()
    record(action="prescription.updated", actor=clinician, organisation=prescription.organisation, target=prescription)
    return prescription


def _locked(prescription: Prescription) -> Prescription:
    """The row, locked for this transaction (PostgreSQL), freshly read so a concurrent move is seen."""
    return Prescription.objects.select_for_update().select_related("patient", "organisation").get(pk=prescription.pk)


def _move(
    prescription: Prescription, status: str, *, action: str, actor: User | None, saving: Iterable[str] = (),
    **details: Any,
) -> Prescription:  # fmt: skip
    """Every change of a prescription's state: refused unless the lifecycle allows it; saved; one audit event."""
    old = prescription.status
    if not prescription.may_move_to(status):
        raise Conflict(
            f"A prescription that is {Status(old).label.lower()} cannot become {Status(status).label.lower()}."
        )
    prescription.status = status
    prescription.status_changed_at = now()
    if status in (Status.COMPLETED, Status.DECLINED, Status.CANCELLED, Status.EXPIRED):
        prescription.ended_at = prescription.status_changed_at
        saving = [*saving, "ended_at"]
    prescription.save(update_fields=["status", "status_changed_at", *saving, "updated_at"])
    record(
        action=action,
        actor=actor,
        organisation=prescription.organisation,
        target=prescription,
        details={**details, "old_status": old, "new_status": status},
    )
    return prescription


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str
    code: str

    @property
    def url(self) -> str:
        return invitations.invitation_url(self.token)


def issued(invitation: Invitation) -> IssuedInvitation:
    """The link and code of an invitation, derived again (for the e-mail task and the print page)."""
    return IssuedInvitation(
        invitation=invitation,
        token=invitations.link_token(invitation.pk, invitation.nonce),
        code=invitations.short_code(invitation.pk, invitation.nonce),
    )


def _new_invitation(prescription: Prescription, actor: User) -> IssuedInvitation:
    invitation = Invitation(prescription=prescription, nonce=invitations.new_nonce(), created_by=actor)
    invitation.expires_at = now() + INVITATION_VALID_FOR
    secrets = issued(invitation)
    invitation.token_hash = invitations.digest(secrets.token)
    invitation.code_hash = invitations.digest(secrets.code)
    invitation.save()
    return secrets


def _schedule_invitation_email(invitation: Invitation) -> None:
    from peerpath.prescriptions.tasks import send_invitation

    invitation_id = str(invitation.pk)
    transaction.on_commit(lambda: send_invitation.enqueue(invitation_id))


@transaction.atomic
def prescription_send(*, clinician: User, prescription: Prescription) -> IssuedInvitation:
    """Send a draft: the patient gets an invitation (e-mailed when there is an address; printable always)."""
    prescription = _locked(prescription)
    _check_clinician(clinician, prescription.organisation)
    if prescription.listing_id is not None and not public_listings().filter(pk=prescription.listing_id).exists():
        raise DomainError("That group is no longer vetted: change the prescription to a vetted group first.")
    prescription.sent_at = now()
    _move(prescription, Status.SENT, action="prescription.sent", actor=clinician, saving=["sent_at"])
    secrets = _new_invitation(prescription, clinician)
    if prescription.patient.email:
        _schedule_invitation_email(secrets.invitation)
    return secrets


def current_invitation(prescription: Prescription) -> Invitation | None:
    """The invitation still open for this prescription, if any."""
    return (
        prescription.invitations.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now())
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def invitation_reissue(*, actor: User, prescription: Prescription) -> IssuedInvitation:
    """A new link and code (the old ones stop working): the patient lost the letter or the e-mail."""
    prescription = _locked(prescription)
    _check_staff(actor, prescription.organisation)
    if prescription.status != Status.SENT:
        raise Conflict("Only a prescription waiting for the patient's answer has an invitation.")
    prescription.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now())
    secrets = _new_invitation(prescription, actor)
    # A reissued invitation gives the patient another 14 days.
    prescription.sent_at = now()
    prescription.save(update_fields=["sent_at", "updated_at"])
    record(action="invitation.reissued", actor=actor, organisation=prescription.organisation, target=prescription)
    if prescription.patient.email:
        _schedule_invitation_email(secrets.invitation)
    return secrets


@transaction.atomic
def invitation_revoke(*, actor: User, prescription: Prescription) -> int:
    prescription = _locked(prescription)
    _check_staff(actor, prescription.organisation)
    revoked = prescription.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now())
    record(
        action="invitation.revoked",
        actor=actor,
        organisation=prescription.organisation,
        target=prescription,
        details={"revoked": revoked},
    )
    return revoked


def invitation_by_token(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("prescription__patient", "prescription__listing", "prescription__clinician")
        .filter(token_hash=invitations.digest(token))
        .first()
    )


def invitation_by_code(code: str) -> Invitation | None:
    code = invitations.normalise_code(code)
    if len(code) != invitations.CODE_LENGTH:
        return None
    return (
        Invitation.objects.select_related("prescription__patient", "prescription__listing", "prescription__clinician")
        .filter(code_hash=invitations.digest(code), used_at__isnull=True, revoked_at__isnull=True)
        .order_by("-created_at")
        .first()
    )


def invitation_problem(invitation: Invitation | None, *, at: datetime | None = None) -> str | None:
    """Why an invitation cannot be answered, in words for the patient; None when it can."""
    moment = at or now()
    if invitation is None:
        return "We could not find that invitation. Check the link or the code, or ask your clinic for a new one."
    if invitation.revoked_at is not None:
        return "This invitation was withdrawn by your clinic. Ask them for a new one."
    if invitation.used_at is not None:
        return "This invitation has already been answered. Your prescriptions are under “My peer support”."
    if invitation.expires_at <= moment:
        return "This invitation has expired. Ask your clinic for a new one."
    if invitation.prescription.status != Status.SENT:
        return "This prescription is no longer waiting for an answer."
    return None


def invitation_viewed(*, invitation: Invitation, viewer: Any) -> None:
    """The invitation page shows the prescription to whoever holds the link or code: each showing is audited
    (SECURITY.md Audit: every read of a patient's data), with the account when someone is signed in."""
    record_access(
        actor=viewer,
        target=invitation.prescription,
        organisation=invitation.prescription.organisation,
        purpose="invitation",
        details={"signed_in": bool(getattr(viewer, "is_authenticated", False))},
    )


def _check_invitation(invitation: Invitation | None) -> Invitation:
    problem = invitation_problem(invitation)
    if problem is not None:
        raise DomainError(problem, code="invitation_unusable", status=409 if invitation else 404)
    assert invitation is not None
    return invitation


def _link_patient(patient: Patient, user: User) -> None:
    if patient.user_id is not None and patient.user_id != user.pk:
        raise PermissionDenied(
            "This invitation belongs to someone else's account. Sign in as the person it was sent to."
        )
    if patient.user_id is None:
        if Patient.objects.filter(organisation=patient.organisation, user=user).exclude(pk=patient.pk).exists():
            raise Conflict("Your account is already linked to another record at this clinic: ask them to check.")
        patient.user = user
        patient.save(update_fields=["user", "updated_at"])
        record(action="patient.linked", actor=user, organisation=patient.organisation, target=patient)


def _lock_invitation(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update()
        .select_related("prescription__patient", "prescription__organisation")
        .get(pk=invitation.pk)
    )


@transaction.atomic
def invitation_accept(
    *, user: User, invitation: Invitation, share_participation: bool, share_ehr_summary: bool = False
) -> Prescription:
    """The patient says yes. Without consent to share participation it is "signpost only": nothing flows back."""
    invitation = _check_invitation(_lock_invitation(invitation))
    if share_ehr_summary and not share_participation:
        raise DomainError(
            "A summary for your health record is made from your participation: share that too, or neither.",
            field="share_ehr_summary",
        )
    prescription = _locked(invitation.prescription)
    _link_patient(prescription.patient, user)
    moment = now()
    invitation.used_at, invitation.used_by = moment, user
    invitation.save(update_fields=["used_at", "used_by", "updated_at"])
    prescription.responded_at = moment
    _move(
        prescription,
        Status.ACCEPTED,
        action="prescription.accepted",
        actor=user,
        saving=["responded_at"],
        tracking=share_participation,
    )
    if share_participation:
        _grant(prescription, user, share_ehr_summary=share_ehr_summary)
    if prescription.start_date <= moment.date():
        _move(prescription, Status.ACTIVE, action="prescription.started", actor=None)
    return prescription


@transaction.atomic
def invitation_decline(*, user: User, invitation: Invitation) -> Prescription:
    invitation = _check_invitation(_lock_invitation(invitation))
    prescription = _locked(invitation.prescription)
    _link_patient(prescription.patient, user)
    moment = now()
    invitation.used_at, invitation.used_by = moment, user
    invitation.save(update_fields=["used_at", "used_by", "updated_at"])
    prescription.responded_at = moment
    return _move(prescription, Status.DECLINED, action="prescription.declined", actor=user, saving=["responded_at"])


@transaction.atomic
def prescription_cancel(*, clinician: User, prescription: Prescription, reason: str = "") -> Prescription:
    prescription = _locked(prescription)
    _check_clinician(clinician, prescription.organisation)
    if len(reason) > 500:
        raise DomainError("Keep the reason under 500 characters.", field="reason")
    prescription.cancel_reason = reason.strip()
    _move(prescription, Status.CANCELLED, action="prescription.cancelled", actor=clinician, saving=["cancel_reason"])
    prescription.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now())
    return prescription


# --- Consent ---------------------------------------------------------------------------------------------------


def active_consent(prescription: Prescription) -> Consent | None:
    return prescription.consents.filter(withdrawn_at__isnull=True).first()


def _check_patient_user(user: User, prescription: Prescription) -> None:
    if prescription.patient.user_id != user.pk:
        raise PermissionDenied("Only the patient can change what they share.")


def _grant(prescription: Prescription, user: User, *, share_ehr_summary: bool) -> Consent:
    consent = Consent.objects.create(
        prescription=prescription,
        patient=prescription.patient,
        share_participation=True,
        share_ehr_summary=share_ehr_summary,
        granted_by=user,
        granted_at=now(),
    )
    record(
        action="consent.granted",
        actor=user,
        organisation=prescription.organisation,
        target=consent,
        details={"prescription": str(prescription.pk), "share_ehr_summary": share_ehr_summary},
    )
    return consent


@transaction.atomic
def consent_grant(*, user: User, prescription: Prescription, share_ehr_summary: bool = False) -> Consent:
    """The patient starts sharing (again). Only what happens from now on is shared."""
    prescription = _locked(prescription)
    _check_patient_user(user, prescription)
    if prescription.status not in Prescription.RUNNING_STATUSES:
        raise Conflict("This prescription is not running, so there is nothing to share.")
    if active_consent(prescription) is not None:
        raise Conflict("You are already sharing your participation for this prescription.")
    return _grant(prescription, user, share_ehr_summary=share_ehr_summary)


@transaction.atomic
def consent_withdraw(*, user: User, prescription: Prescription) -> Consent | None:
    """Stop sharing at once: from this moment the clinic sees "consent withdrawn", never the data."""
    prescription = _locked(prescription)
    _check_patient_user(user, prescription)
    consent = Consent.objects.select_for_update().filter(prescription=prescription, withdrawn_at__isnull=True).first()
    if consent is None:
        raise Conflict("You are not sharing anything for this prescription.")
    consent.withdrawn_at = now()
    consent.save(update_fields=["withdrawn_at", "updated_at"])
    record(
        action="consent.withdrawn",
        actor=user,
        organisation=prescription.organisation,
        target=consent,
        details={"prescription": str(prescription.pk)},
    )
    return consent


# --- Participation ---------------------------------------------------------------------------------------------

_FUTURE_TOLERANCE = timedelta(minutes=5)
PARTICIPATION_ACTIVITIES = frozenset(value for value in Activity.values if value != Activity.ANY)


@transaction.atomic
def participation_record(
    *,
    patient: Patient,
    activity: str,
    when: datetime,
    source: str,
    listing: Listing | None = None,
    recorded_by: User | None = None,
    note: str = "",
    source_ref: str = "",
) -> Participation:
    """The one way participation enters PeerPath: meetings, forum posts and peer contacts all call this.

    Recording the same source twice (same `source_ref`) returns the first record. A lapsed prescription that now
    has participation in its current period becomes active again.
    """
    if activity not in PARTICIPATION_ACTIVITIES:
        raise DomainError("Say what kind of participation this was.", field="activity")
    if source not in Participation.Source.values:
        raise DomainError("Unknown source of participation.", field="source")
    if when.tzinfo is None:
        raise DomainError("The time needs a time zone.", field="when")
    if when > now() + _FUTURE_TOLERANCE:
        raise DomainError("Participation cannot be recorded in the future.", field="when")
    if len(note) > 500:
        raise DomainError("Keep the note under 500 characters.", field="note")
    if source_ref:
        existing = Participation.objects.filter(patient=patient, source=source, source_ref=source_ref).first()
        if existing is not None:
            return existing
    participation = Participation.objects.create(
        patient=patient,
        activity=activity,
        occurred_at=when,
        source=source,
        listing=listing,
        recorded_by=recorded_by,
        note=note.strip(),
        source_ref=source_ref[:100],
    )
    record(
        action="participation.recorded",
        actor=recorded_by,
        organisation=patient.organisation,
        target=participation,
        details={"patient": str(patient.pk), "activity": activity, "source": source},
    )
    _resume_lapsed(patient, participation)
    return participation


def participation_retract(*, patient: Patient, source: str, source_ref: str, actor: User | None) -> bool:
    """Take back participation recorded from a source that was undone (an attendance unticked by an organiser), so
    the clinician's adherence view does not count what did not happen. Returns whether there was one."""
    if not source_ref:
        raise DomainError("Say which record to take back.", field="source_ref")
    participation = Participation.objects.filter(patient=patient, source=source, source_ref=source_ref).first()
    if participation is None:
        return False
    record(
        action="participation.retracted",
        actor=actor,
        organisation=patient.organisation,
        target=participation,
        details={"patient": str(patient.pk), "activity": participation.activity, "source": source},
    )
    participation.delete()
    return True


def _resume_lapsed(patient: Patient, participation: Participation) -> None:
    from peerpath.prescriptions.adherence import counts_towards, current_period

    today = now().date()
    for prescription in Prescription.objects.select_for_update().filter(patient=patient, status=Status.LAPSED):
        period = current_period(prescription, today)
        if period is None or not counts_towards(prescription, participation):
            continue
        if period.start <= participation.occurred_at.date() < period.end:
            _move(prescription, Status.ACTIVE, action="prescription.resumed", actor=None)


def participation_self_report(
    *, user: User, prescription: Prescription, activity: str, when: datetime, note: str = ""
) -> Participation:
    """The patient says they took part ("I went to the group on Tuesday")."""
    _check_patient_user(user, prescription)
    if prescription.status not in Prescription.RUNNING_STATUSES:
        raise Conflict("This prescription is not running: there is nothing to report against.")
    return participation_record(
        patient=prescription.patient,
        activity=activity,
        when=when,
        source=Participation.Source.SELF_REPORT,
        listing=prescription.listing,
        recorded_by=user,
        note=note,
    )


def participation_record_for_patient(
    *, actor: User, prescription: Prescription, activity: str, when: datetime, note: str = ""
) -> Participation:
    """A coordinator records participation on the patient's behalf (a phone call, a paper register)."""
    _check_staff(actor, prescription.organisation, roles={Role.COORDINATOR, Role.ADMIN})
    if prescription.status not in Prescription.RUNNING_STATUSES:
        raise Conflict("This prescription is not running: there is nothing to record against.")
    return participation_record(
        patient=prescription.patient,
        activity=activity,
        when=when,
        source=Participation.Source.COORDINATOR,
        listing=prescription.listing,
        recorded_by=actor,
        note=note,
    )


# --- The daily sweep -------------------------------------------------------------------------------------------


@dataclass
class AdvanceReport:
    started: int = 0
    completed: int = 0
    lapsed: int = 0
    expired: int = 0


def prescriptions_advance(*, today: date | None = None) -> AdvanceReport:
    """Move every prescription on by the calendar: start, complete, lapse, expire. Run daily by a task."""
    from peerpath.prescriptions.adherence import has_lapsed

    day = today or now().date()
    report = AdvanceReport()
    expiry_cutoff = now()
    for prescription_id in Prescription.objects.filter(status=Status.SENT).values_list("pk", flat=True):
        with transaction.atomic():
            prescription = Prescription.objects.select_for_update().get(pk=prescription_id)
            open_invitations = prescription.invitations.filter(used_at__isnull=True, revoked_at__isnull=True)
            if prescription.status == Status.SENT and not open_invitations.filter(expires_at__gt=expiry_cutoff):
                _move(prescription, Status.EXPIRED, action="prescription.expired", actor=None)
                report.expired += 1
    running = Prescription.objects.filter(status__in=Prescription.RUNNING_STATUSES)
    for prescription_id in running.values_list("pk", flat=True):
        with transaction.atomic():
            prescription = (
                Prescription.objects.select_for_update().select_related("organisation").get(pk=prescription_id)
            )
            if prescription.status not in Prescription.RUNNING_STATUSES:
                continue
            if day > prescription.end_date:
                _move(prescription, Status.COMPLETED, action="prescription.completed", actor=None)
                report.completed += 1
            elif prescription.status == Status.ACCEPTED and prescription.start_date <= day:
                _move(prescription, Status.ACTIVE, action="prescription.started", actor=None)
                report.started += 1
            elif prescription.status == Status.ACTIVE and has_lapsed(prescription, day):
                _move(prescription, Status.LAPSED, action="prescription.lapsed", actor=None)
                report.lapsed += 1
    return report
