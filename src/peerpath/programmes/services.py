"""Every change to programmes, supporters, caseloads and interactions (issue 16): one function per use case, atomic,
audited, refusing bad input with a DomainError that names the field and changes nothing.

Who may do what: an organisation's coordinators and admins run its programmes (create them, keep supporters'
profiles, training and supervision, enrol and assign); a supporter logs contacts with the patients in their own
caseload and may pause themselves. A supporter is never assigned beyond the programme's caseload cap, while paused,
or with a required course missing or lapsed (`readiness` says why).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from peerpath.accounts.models import Organisation, RoleAssignment, User
from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.accounts.selectors import roles_in
from peerpath.audit.services import record
from peerpath.core.choices import chosen
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.directory.models import Condition, Listing
from peerpath.prescriptions.dose import Activity
from peerpath.prescriptions.models import Participation, Patient, Prescription
from peerpath.prescriptions.services import participation_record
from peerpath.programmes import messaging, tasks
from peerpath.programmes.models import (
    WELLBEING_HIGH,
    WELLBEING_LOW,
    WELLBEING_QUESTIONS,
    Channel,
    CoreFunction,
    Enrolment,
    Interaction,
    Programme,
    SupervisionSession,
    Supporter,
    SupportKind,
    TrainingRecord,
    WellbeingAlert,
    WellbeingCheckIn,
)
from peerpath.programmes.selectors import (
    caseload_overloads,
    check_in_status,
    check_ins_began,
)
from peerpath.spaces import reach

FOLLOW_UP_DAYS = (1, 365)
CASELOAD_CAP = (1, 200)
DURATION_MINUTES = (1, 720)
# A contact may be logged up to this long after it happened (a supporter catching up after a week of visits).
LOG_WINDOW = timedelta(days=90)
_FUTURE_TOLERANCE = timedelta(minutes=5)


def _check_manager(actor: User, organisation: Organisation | Any) -> None:
    if not ORG_MANAGER_ROLES & roles_in(actor, organisation.pk):
        raise PermissionDenied(_("Only the organisation's coordinators and admins run its programmes."))


def _within(value: int, bounds: tuple[int, int], field_name: str, label: str) -> int:
    low, high = bounds
    if not low <= value <= high:
        raise DomainError(
            _("%(label)s must be between %(low)s and %(high)s.") % {"label": label, "low": low, "high": high},
            field=field_name,
        )
    return value


# --- Programmes ---------------------------------------------------------------------------------------------------


@dataclass
class ProgrammeData:
    name: str
    coordinator: User
    summary: str = ""
    conditions: Sequence[Condition] = ()
    support_kinds: Sequence[str] = (SupportKind.ONE_TO_ONE,)
    channels: Sequence[str] = (Channel.PHONE,)
    follow_up_days: int = 14
    caseload_cap: int = 15
    enrolment_criteria: str = ""
    required_courses: Sequence[str] = field(default_factory=list)


def _clean_programme(organisation: Organisation, data: ProgrammeData) -> dict[str, Any]:
    name = " ".join(data.name.split())
    if not 3 <= len(name) <= 120:
        raise DomainError(_("Give the programme a name of 3 to 120 characters."), field="name")
    if not {Role.COORDINATOR, Role.ADMIN} & roles_in(data.coordinator, organisation.pk):
        raise DomainError(_("The coordinator must be a coordinator or admin of the organisation."), field="coordinator")
    courses = [" ".join(course.split())[:120] for course in data.required_courses if course.strip()]
    return {
        "name": name,
        "coordinator": data.coordinator,
        "summary": data.summary.strip()[:1000],
        "support_kinds": chosen(data.support_kinds, SupportKind, "support_kinds", required=True),
        "channels": chosen(data.channels, Channel, "channels", required=True),
        "follow_up_days": _within(data.follow_up_days, FOLLOW_UP_DAYS, "follow_up_days", _("The follow-up cadence")),
        "caseload_cap": _within(data.caseload_cap, CASELOAD_CAP, "caseload_cap", _("The caseload cap")),
        "enrolment_criteria": data.enrolment_criteria.strip()[:2000],
        "required_courses": list(dict.fromkeys(courses)),
    }


@transaction.atomic
def programme_create(*, actor: User, organisation: Organisation, data: ProgrammeData) -> Programme:
    _check_manager(actor, organisation)
    fields = _clean_programme(organisation, data)
    if Programme.objects.filter(organisation=organisation, name__iexact=fields["name"]).exists():
        raise DomainError(_("The organisation already runs a programme of that name."), field="name")
    programme = Programme.objects.create(organisation=organisation, **fields)
    programme.conditions.set(data.conditions)
    record(action="programmes.programme_created", actor=actor, organisation=organisation, target=programme,
           details={"caseload_cap": programme.caseload_cap, "follow_up_days": programme.follow_up_days})  # fmt: skip
    return programme


@transaction.atomic
def programme_update(*, actor: User, programme: Programme, data: ProgrammeData) -> Programme:
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _check_manager(actor, programme.organisation)
    fields = _clean_programme(programme.organisation, data)
    if (
        Programme.objects.filter(organisation_id=programme.organisation_id, name__iexact=fields["name"])
        .exclude(pk=programme.pk)
        .exists()
    ):
        raise DomainError(_("The organisation already runs a programme of that name."), field="name")
    fullest = (
        Enrolment.objects.filter(programme=programme, status=Enrolment.Status.ACTIVE, supporter__isnull=False)
        .values("supporter")
        .annotate(count=Count("pk"))
        .order_by("-count")
        .values_list("count", flat=True)
        .first()
    )
    if fullest is not None and fields["caseload_cap"] < fullest:
        raise DomainError(
            _("A supporter holds %(count)s patients in this programme: move some before lowering the cap below that.")
            % {"count": fullest},
            field="caseload_cap",
        )
    changed = {key: value for key, value in fields.items() if getattr(programme, key) != value}
    for key, value in fields.items():
        setattr(programme, key, value)
    programme.save()
    programme.conditions.set(data.conditions)
    record(action="programmes.programme_updated", actor=actor, organisation=programme.organisation, target=programme,
           details={"changed": sorted(changed)})  # fmt: skip
    return programme


# --- Supporters -------------------------------------------------------------------------------------------------


@dataclass
class SupporterData:
    programmes: Sequence[Programme] = ()
    languages: Sequence[str] = ("en",)
    lived_conditions: Sequence[Condition] = ()
    availability: str = ""
    supervisor: User | None = None


@transaction.atomic
def supporter_save(*, actor: User, organisation: Organisation, user: User, data: SupporterData) -> Supporter:
    """Create or update a peer supporter's profile; the person must hold the peer-supporter role there."""
    _check_manager(actor, organisation)
    if not RoleAssignment.objects.filter(user=user, organisation=organisation, role=Role.PEER_SUPPORTER).exists():
        raise DomainError(_("Give this person the peer-supporter role first."), field="user")
    if any(programme.organisation_id != organisation.pk for programme in data.programmes):
        raise DomainError(_("A supporter joins their own organisation's programmes only."), field="programmes")
    if data.supervisor is not None and not ORG_MANAGER_ROLES & roles_in(data.supervisor, organisation.pk):
        raise DomainError(_("The supervisor must be a coordinator or admin of the organisation."), field="supervisor")
    languages = [code.strip().lower()[:35] for code in data.languages if code.strip()]
    supporter, created = Supporter.objects.select_for_update().get_or_create(organisation=organisation, user=user)
    supporter.languages = list(dict.fromkeys(languages)) or ["en"]
    supporter.availability = data.availability.strip()[:300]
    supporter.supervisor = data.supervisor
    supporter.save()
    supporter.programmes.set(data.programmes)
    supporter.lived_conditions.set(data.lived_conditions)
    record(action="programmes.supporter_created" if created else "programmes.supporter_updated", actor=actor,
           organisation=organisation, target=supporter,
           details={"programmes": [str(programme.pk) for programme in data.programmes]})  # fmt: skip
    return supporter


@transaction.atomic
def training_record_add(
    *, actor: User, supporter: Supporter, course: str, completed_on: date, expires_on: date | None = None
) -> TrainingRecord:
    _check_manager(actor, supporter.organisation)
    course = " ".join(course.split())
    if not 2 <= len(course) <= 120:
        raise DomainError(_("Name the course (2 to 120 characters)."), field="course")
    if completed_on > now().date():
        raise DomainError(_("A course cannot be completed in the future."), field="completed_on")
    if expires_on is not None and expires_on <= completed_on:
        raise DomainError(_("A course expires after it was completed."), field="expires_on")
    training = TrainingRecord.objects.create(supporter=supporter, course=course, completed_on=completed_on,
                                             expires_on=expires_on, recorded_by=actor)  # fmt: skip
    record(action="programmes.training_recorded", actor=actor, organisation=supporter.organisation, target=training,
           details={"course": course, "expires_on": expires_on.isoformat() if expires_on else None})  # fmt: skip
    return training


@transaction.atomic
def supervision_record(*, actor: User, supporter: Supporter, held_on: date, note: str = "") -> SupervisionSession:
    """A supervision session, recorded by the supporter's supervisor or a manager of the organisation."""
    if actor.pk != supporter.supervisor_id:
        _check_manager(actor, supporter.organisation)
    if held_on > now().date():
        raise DomainError(_("A supervision session cannot be recorded before it is held."), field="held_on")
    session = SupervisionSession.objects.create(supporter=supporter, supervisor=actor, held_on=held_on,
                                                note=note.strip()[:2000])  # fmt: skip
    record(action="programmes.supervision_recorded", actor=actor, organisation=supporter.organisation,
           target=session)  # fmt: skip
    return session


@transaction.atomic
def supporter_pause(*, actor: User, supporter: Supporter, reason: str = "") -> Supporter:
    """ "Taking a break": no new patients until resumed; the coordinator is asked to cover their follow-ups."""
    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
    if actor.pk != supporter.user_id:
        _check_manager(actor, supporter.organisation)
    if supporter.is_paused:
        return supporter
    supporter.paused_at, supporter.pause_reason = now(), reason.strip()[:300]
    supporter.save(update_fields=["paused_at", "pause_reason", "updated_at"])
    if actor.pk == supporter.user_id:  # a coordinator who paused them knows already
        supporter_id = str(supporter.pk)
        transaction.on_commit(lambda: tasks.send_pause_notice.enqueue(supporter_id))
    record(action="programmes.supporter_paused", actor=actor, organisation=supporter.organisation, target=supporter)
    return supporter


@transaction.atomic
def supporter_resume(*, actor: User, supporter: Supporter) -> Supporter:
    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
    if actor.pk != supporter.user_id:
        _check_manager(actor, supporter.organisation)
    if not supporter.is_paused:
        return supporter
    supporter.paused_at, supporter.pause_reason = None, ""
    supporter.save(update_fields=["paused_at", "pause_reason", "updated_at"])
    record(action="programmes.supporter_resumed", actor=actor, organisation=supporter.organisation, target=supporter)
    return supporter


# --- Readiness and caseloads ------------------------------------------------------------------------------------


def lapsed_courses(supporter: Supporter, programme: Programme, on: date) -> list[str]:
    """The programme's required courses the supporter does not hold unexpired on that day."""
    held = ((training.course, training.completed_on, training.expires_on) for training in supporter.training.all())
    return courses_missing(programme.required_courses, held, on)


def courses_missing(required: Iterable[str], training: Iterable[tuple[str, date, date | None]], on: date) -> list[str]:
    """The required courses not held unexpired on that day, from training records as (course, completed on, expires
    on): a course counts from the day it was completed until the day before it expires, whatever its case."""
    held = {course.lower() for course, completed_on, expires_on in training
            if completed_on <= on and (expires_on is None or expires_on > on)}  # fmt: skip
    return [course for course in required if course.lower() not in held]


def active_caseload(supporter: Supporter, programme: Programme) -> int:
    return Enrolment.objects.filter(supporter=supporter, programme=programme, status=Enrolment.Status.ACTIVE).count()


def readiness(supporter: Supporter, programme: Programme, on: date | None = None) -> list[str]:
    """Why the supporter cannot take a new patient in the programme today, in words; empty: they can."""
    on = on or now().date()
    reasons = []
    member = supporter.programmes.filter(pk=programme.pk).exists()
    if supporter.organisation_id != programme.organisation_id or not member:
        reasons.append(_("They are not a supporter of this programme."))
    if supporter.is_paused:
        reasons.append(_("They are taking a break."))
    lapsed = lapsed_courses(supporter, programme, on)
    if lapsed:
        reasons.append(_("Required training missing or lapsed: %(courses)s.") % {"courses": ", ".join(lapsed)})
    caseload = active_caseload(supporter, programme)
    if caseload >= programme.caseload_cap:
        reasons.append(
            _("Their caseload is full (%(count)s of %(cap)s).") % {"count": caseload, "cap": programme.caseload_cap}
        )
    return reasons


def _check_patient(programme: Programme, patient: Patient) -> None:
    if patient.organisation_id != programme.organisation_id:
        raise DomainError(_("The patient is not a patient of the programme's organisation."), field="patient")


@transaction.atomic
def enrolment_create(
    *, actor: User, programme: Programme, patient: Patient, source: str = Enrolment.Source.DIRECT,
    prescription: Prescription | None = None, supporter: Supporter | None = None,
) -> Enrolment:  # fmt: skip
    """Enrol a patient in a programme (from a prescription whose dose is contact with a peer supporter, from a
    referral, or directly), and assign a supporter when one is named."""
    _check_manager(actor, programme.organisation)
    _check_patient(programme, patient)
    if programme.status != Programme.Status.ACTIVE:
        raise Conflict(_("The programme is closed to new patients."))
    if source not in Enrolment.Source.values:
        raise DomainError(_("Say where the enrolment comes from."), field="source")
    if source == Enrolment.Source.PRESCRIPTION:
        if prescription is None or prescription.patient_id != patient.pk:
            raise DomainError(_("Choose one of the patient's prescriptions."), field="prescription")
        if prescription.activity not in (Activity.PEER_CONTACT, Activity.ANY):
            raise DomainError(_("The prescription's dose is not contact with a peer supporter."), field="prescription")
        if prescription.status not in Prescription.RUNNING_STATUSES:
            raise Conflict(_("The prescription is not running."))
    elif prescription is not None:
        raise DomainError(_("A prescription is named only for an enrolment from a prescription."), field="prescription")
    if Enrolment.objects.filter(programme=programme, patient=patient, status=Enrolment.Status.ACTIVE).exists():
        raise Conflict(_("The patient is already enrolled in this programme."))
    enrolment = Enrolment.objects.create(programme=programme, patient=patient, source=source, prescription=prescription,
                                         enrolled_at=now(), enrolled_by=actor)  # fmt: skip
    record(action="programmes.enrolled", actor=actor, organisation=programme.organisation, target=enrolment,
           details={"source": source})  # fmt: skip
    if supporter is not None:
        enrolment = enrolment_assign(actor=actor, enrolment=enrolment, supporter=supporter)
    return enrolment


@transaction.atomic
def enrolment_assign(*, actor: User, enrolment: Enrolment, supporter: Supporter) -> Enrolment:
    """Put an enrolled patient in a supporter's caseload. The supporter's row is locked first, so that two
    coordinators giving away the last free place at once cannot both succeed."""
    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
    enrolment = Enrolment.objects.select_for_update().select_related("programme").get(pk=enrolment.pk)
    programme = enrolment.programme
    _check_manager(actor, programme.organisation)
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise Conflict(_("This enrolment has ended."))
    if enrolment.supporter_id == supporter.pk:
        return enrolment
    reasons = readiness(supporter, programme)
    if reasons:
        raise Conflict(_("This supporter cannot take a new patient: %(why)s") % {"why": " ".join(reasons)})
    previous = enrolment.supporter
    enrolment.supporter, enrolment.assigned_at = supporter, now()
    # A new supporter makes first contact at once; a handed-over patient keeps the date already due.
    enrolment.next_due_on = enrolment.next_due_on or enrolment.assigned_at.date()
    enrolment.save(update_fields=["supporter", "assigned_at", "next_due_on", "updated_at"])
    if previous is not None:
        messaging.supporter_leaves(actor=actor, enrolment=enrolment, supporter_user=previous.user)
    record(action="programmes.assigned", actor=actor, organisation=programme.organisation, target=enrolment,
           details={"supporter": str(supporter.pk), "previous": str(previous.pk) if previous else None})  # fmt: skip
    return enrolment


@transaction.atomic
def enrolment_end(*, actor: User, enrolment: Enrolment, reason: str = "") -> Enrolment:
    enrolment = Enrolment.objects.select_for_update().select_related("programme").get(pk=enrolment.pk)
    _check_manager(actor, enrolment.programme.organisation)
    if enrolment.status == Enrolment.Status.ENDED:
        return enrolment
    enrolment.status, enrolment.ended_at, enrolment.end_reason = Enrolment.Status.ENDED, now(), reason.strip()[:300]
    enrolment.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
    if enrolment.supporter is not None:
        messaging.supporter_leaves(actor=actor, enrolment=enrolment, supporter_user=enrolment.supporter.user)
    record(action="programmes.enrolment_ended", actor=actor, organisation=enrolment.programme.organisation,
           target=enrolment)  # fmt: skip
    return enrolment


# --- Interactions -----------------------------------------------------------------------------------------------


@dataclass
class InteractionData:
    occurred_at: datetime
    channel: str
    duration_minutes: int
    functions: Sequence[str]
    reached: bool = True
    discussed: str = ""
    concern: str = Interaction.Concern.NONE
    concern_note: str = ""
    resources: str = ""
    listing: Listing | None = None
    next_follow_up: date | None = None


def _running_prescription(enrolment: Enrolment) -> Prescription | None:
    """The prescription the contact counts towards: the enrolment's own, or the patient's running prescription
    whose dose is contact with a peer supporter."""
    candidates = Prescription.objects.filter(patient_id=enrolment.patient_id, status__in=Prescription.RUNNING_STATUSES,
                                             activity__in=[Activity.PEER_CONTACT, Activity.ANY])  # fmt: skip
    if enrolment.prescription_id is not None:
        own = candidates.filter(pk=enrolment.prescription_id).first()
        if own is not None:
            return own
    return candidates.order_by("-start_date").first()


def _clean_interaction(enrolment: Enrolment, data: InteractionData) -> dict[str, Any]:
    moment = now()
    when = data.occurred_at
    if when.tzinfo is None:
        raise DomainError(_("The time needs a time zone."), field="occurred_at")
    if when > moment + _FUTURE_TOLERANCE:
        raise DomainError(_("A contact cannot be logged before it happens."), field="occurred_at")
    if when < enrolment.enrolled_at - _FUTURE_TOLERANCE:
        raise DomainError(_("The contact is before the patient was enrolled."), field="occurred_at")
    if when < moment - LOG_WINDOW:
        raise DomainError(_("Contacts are logged within 90 days of happening."), field="occurred_at")
    if data.channel not in Channel.values:
        raise DomainError(_("Choose how you were in touch."), field="channel")
    duration = _within(int(data.duration_minutes), DURATION_MINUTES, "duration_minutes", _("The duration in minutes"))
    functions = chosen(data.functions, CoreFunction, "functions", required=True)
    if data.concern not in Interaction.Concern.values:
        raise DomainError(_("Unknown kind of concern."), field="concern")
    if data.concern != Interaction.Concern.NONE and not data.concern_note.strip():
        raise DomainError(_("Say what the concern is, for your coordinator."), field="concern_note")
    if data.next_follow_up is not None and data.next_follow_up < when.date():
        raise DomainError(_("The next follow-up is after this contact."), field="next_follow_up")
    if data.listing is not None and not Listing.objects.filter(pk=data.listing.pk).exists():
        raise DomainError(_("Unknown listing."), field="listing")
    return {
        "occurred_at": when, "channel": data.channel, "duration_minutes": duration, "functions": functions,
        "reached": bool(data.reached),
        "discussed": data.discussed.strip()[:1000], "concern": data.concern,
        "concern_note": data.concern_note.strip()[:1000],
        "resources": data.resources.strip()[:500], "listing": data.listing, "next_follow_up": data.next_follow_up,
    }  # fmt: skip


@transaction.atomic
def interaction_log(*, actor: User, enrolment: Enrolment, data: InteractionData) -> Interaction:
    """The supporter whose caseload holds the patient logs a contact. It counts as contact with a peer supporter on
    the patient's running prescription (participation_record), so adherence moves."""
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the supporter.
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",)).select_related("programme", "supporter").get(pk=enrolment.pk)
    )
    supporter = enrolment.supporter
    if supporter is None or supporter.user_id != actor.pk or enrolment.status != Enrolment.Status.ACTIVE:
        raise PermissionDenied(_("Only the patient's own supporter logs contacts with them."))
    fields = _clean_interaction(enrolment, data)
    interaction = Interaction.objects.create(enrolment=enrolment, supporter=supporter, recorded_by=actor, **fields)
    _follow_up_refresh(enrolment)
    prescription = _running_prescription(enrolment) if interaction.reached else None
    if prescription is not None:
        participation = participation_record(
            patient=enrolment.patient, activity=Activity.PEER_CONTACT, when=interaction.occurred_at,
            source=Participation.Source.PEER_CONTACT, recorded_by=actor, listing=prescription.listing,
            source_ref=f"interaction:{interaction.pk}",
        )  # fmt: skip
        interaction.participation = participation
        interaction.save(update_fields=["participation", "updated_at"])
    if interaction.concern != Interaction.Concern.NONE:
        interaction_id = str(interaction.pk)
        transaction.on_commit(lambda: tasks.send_concern_alert.enqueue(interaction_id))
    record(action="programmes.interaction_logged", actor=actor, organisation=enrolment.programme.organisation,
           target=interaction, details={"channel": interaction.channel, "functions": interaction.functions,
                                        "reached": interaction.reached, "concern": interaction.concern})  # fmt: skip
    return interaction


@transaction.atomic
def concern_close(*, actor: User, interaction: Interaction, outcome: str, note: str = "") -> Interaction:
    """A coordinator (or the supporter's supervisor) records what was done about a concern, which closes it. A
    safeguarding concern is closed only with what happened to the person, never silently."""
    interaction = (
        Interaction.objects.select_for_update(of=("self",))
        .select_related("enrolment__programme__organisation", "supporter")
        .get(pk=interaction.pk)
    )
    if actor.pk != interaction.supporter.supervisor_id:
        _check_manager(actor, interaction.enrolment.programme.organisation)
    if interaction.concern == Interaction.Concern.NONE:
        raise DomainError(_("This contact raised no concern."))
    if interaction.concern_closed_at is not None:
        raise Conflict(_("This concern was closed already."))
    if outcome not in Interaction.ConcernOutcome.values:
        raise DomainError(_("Choose what was done."), field="outcome")
    if interaction.concern == Interaction.Concern.SAFEGUARDING and not note.strip():
        raise DomainError(_("Say what happened, for the record."), field="note")
    interaction.concern_outcome, interaction.concern_outcome_note = outcome, note.strip()[:1000]
    interaction.concern_closed_at, interaction.concern_closed_by = now(), actor
    interaction.save(update_fields=["concern_outcome", "concern_outcome_note", "concern_closed_at",
                                    "concern_closed_by", "updated_at"])  # fmt: skip
    record(action="programmes.concern_closed", actor=actor, organisation=interaction.enrolment.programme.organisation,
           target=interaction, details={"concern": interaction.concern, "outcome": outcome})  # fmt: skip
    return interaction


# After a try that did not reach the patient, the supporter tries again this soon.
RETRY_DAYS = 2


def _follow_up_refresh(enrolment: Enrolment) -> None:
    """The enrolment's last contact, next due date and tries since last reached, from its contacts (a contact may
    be logged late, so the latest by time decides, not the last logged)."""
    contacts = list(
        Interaction.objects.filter(enrolment=enrolment)
        .order_by("-occurred_at", "-created_at")
        .values("occurred_at", "reached", "next_follow_up")[:50]
    )
    latest = contacts[0]
    tries = 0
    for contact in contacts:
        if contact["reached"]:
            break
        tries += 1
    reached = next((contact for contact in contacts if contact["reached"]), None)
    if latest["next_follow_up"] is not None:
        due = latest["next_follow_up"]
    elif latest["reached"]:
        due = latest["occurred_at"].date() + timedelta(days=enrolment.programme.follow_up_days)
    else:
        due = latest["occurred_at"].date() + timedelta(days=RETRY_DAYS)
    enrolment.last_contact_at = reached["occurred_at"] if reached else None
    enrolment.next_due_on, enrolment.tries_since_reached = due, tries
    enrolment.save(update_fields=["last_contact_at", "next_due_on", "tries_since_reached", "updated_at"])


# --- The patient's choice to share with their health record ---------------------------------------------------


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


# --- Supporters' own wellbeing ----------------------------------------------------------------------------------


def _raise_alert(*, supporter: Supporter, kind: str, key: str, **facts: Any) -> WellbeingAlert | None:
    """Raise an alert unless the same one (kind and key) was raised before, and e-mail it once the change is
    committed; None when it already existed."""
    if WellbeingAlert.objects.filter(kind=kind, key=key).exists():
        return None
    try:
        with transaction.atomic():
            alert = WellbeingAlert.objects.create(supporter=supporter, kind=kind, key=key, **facts)
    except IntegrityError:
        return None  # raised at the same moment by another run
    record(action="programmes.wellbeing_alert_raised", actor=None, organisation=supporter.organisation, target=alert,
           details={"kind": kind})  # fmt: skip
    _queue_alert_email(alert)
    return alert


def _queue_alert_email(alert: WellbeingAlert) -> None:
    alert_id = str(alert.pk)
    transaction.on_commit(lambda: tasks.send_wellbeing_alert.enqueue(alert_id))


@transaction.atomic
def wellbeing_check_in(
    *, actor: User, supporter: Supporter, strain: int, emotional_load: int, support_needed: int, own_health: int,
    note: str = "",
) -> WellbeingCheckIn:  # fmt: skip
    """The supporter answers their wellbeing check-in (whenever they like, not only when it is due). Answers past the
    threshold (WellbeingCheckIn.asks_for_attention) ask their supervisor to get in touch; any answer closes an alert
    about missed check-ins."""
    if actor.pk != supporter.user_id:
        raise PermissionDenied(_("Only the supporter answers their own check-in."))
    given = {"strain": strain, "emotional_load": emotional_load, "support_needed": support_needed,
             "own_health": own_health}  # fmt: skip
    for field_name, _question, label in WELLBEING_QUESTIONS:
        value = given[field_name]
        if isinstance(value, bool) or not isinstance(value, int) or not WELLBEING_LOW <= value <= WELLBEING_HIGH:
            raise DomainError(
                _("%(label)s: choose an answer from %(low)s to %(high)s.")
                % {"label": label, "low": WELLBEING_LOW, "high": WELLBEING_HIGH},
                field=field_name,
            )
    check_in = WellbeingCheckIn.objects.create(supporter=supporter, answered_at=now(), note=note.strip()[:1000],
                                               **given)  # fmt: skip
    closed = WellbeingAlert.objects.filter(
        supporter=supporter, kind=WellbeingAlert.Kind.MISSED, resolved_at__isnull=True
    ).update(resolved_at=check_in.answered_at, updated_at=check_in.answered_at)
    alert = None
    if check_in.asks_for_attention:
        alert = _raise_alert(supporter=supporter, kind=WellbeingAlert.Kind.CHECK_IN, key=f"check_in:{check_in.pk}",
                             check_in=check_in)  # fmt: skip
    # The answers and the note stay out of the audit trail: they are for the supervisor and coordinators only.
    record(action="programmes.wellbeing_checked_in", actor=actor, organisation=supporter.organisation,
           target=check_in, details={"alert": alert is not None, "missed_alerts_closed": closed})  # fmt: skip
    return check_in


@transaction.atomic
def wellbeing_alert_resolve(*, actor: User, alert: WellbeingAlert) -> WellbeingAlert:
    """The supporter's supervisor or a manager of the organisation has followed the alert up."""
    alert = (
        WellbeingAlert.objects.select_for_update(of=("self",))
        .select_related("supporter__organisation")
        .get(pk=alert.pk)
    )
    supporter = alert.supporter
    if actor.pk != supporter.supervisor_id:
        _check_manager(actor, supporter.organisation)
    if alert.resolved_at is not None:
        return alert
    alert.resolved_at, alert.resolved_by = now(), actor
    alert.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
    record(action="programmes.wellbeing_alert_resolved", actor=actor, organisation=supporter.organisation,
           target=alert, details={"kind": alert.kind})  # fmt: skip
    return alert


@dataclass
class WellbeingSweep:
    missed: int = 0
    over_capacity: int = 0
    cleared: int = 0
    resent: int = 0


def _sweep_missed(moment: datetime, report: WellbeingSweep) -> None:
    # Supporters on a break are not chased: the pause already tells their coordinator, and answering is not a duty.
    running = Supporter.programmes.through.objects.filter(programme__status=Programme.Status.ACTIVE)
    supporters = (
        Supporter.objects.filter(pk__in=running.values("supporter_id"), paused_at__isnull=True, user__is_active=True)
        .select_related("organisation")
        .annotate(last_answered_at=Max("check_ins__answered_at"))
    )
    began = check_ins_began()
    for supporter in supporters:
        status = check_in_status(supporter, getattr(supporter, "last_answered_at", None), began=began, moment=moment)
        if not status.missed_in_a_row:
            continue
        due_on = status.due_at.date()
        if _raise_alert(supporter=supporter, kind=WellbeingAlert.Kind.MISSED, key=f"missed:{supporter.pk}:{due_on}",
                        due_on=due_on):  # fmt: skip
            report.missed += 1


def _sweep_capacity(moment: datetime, report: WellbeingSweep) -> None:
    holding = Enrolment.objects.filter(status=Enrolment.Status.ACTIVE, supporter__isnull=False)
    overloads = caseload_overloads(holding.order_by().values_list("supporter_id", flat=True).distinct())
    supporters = Supporter.objects.select_related("organisation").in_bulk(list(overloads))
    current = set()
    for supporter_id, found in overloads.items():
        for overload in found:
            key = f"over_capacity:{supporter_id}:{overload.programme_id or 'all'}:{overload.caseload}:{overload.cap}"
            current.add(key)
            raised = _raise_alert(supporter=supporters[supporter_id], kind=WellbeingAlert.Kind.OVER_CAPACITY,
                                  key=key, programme_id=overload.programme_id, caseload=overload.caseload,
                                  cap=overload.cap)  # fmt: skip
            if raised is not None:
                report.over_capacity += 1
    # A caseload back within its cap (or changed, and alerted again under its new numbers) closes its alert.
    report.cleared = (
        WellbeingAlert.objects.filter(kind=WellbeingAlert.Kind.OVER_CAPACITY, resolved_at__isnull=True)
        .exclude(key__in=current)
        .update(resolved_at=moment, updated_at=moment)
    )


@transaction.atomic
def wellbeing_sweep(*, moment: datetime | None = None) -> WellbeingSweep:
    """The daily look after supporters (queued by `peerpath run_scheduler`): alert the supervisor of each supporter
    who has missed two check-ins in a row or holds more patients than a cap allows, close the capacity alerts that are
    over, and queue again any alert whose e-mail did not go (a mail server that was down, nobody to send it to)."""
    moment = moment or now()
    report = WellbeingSweep()
    _sweep_missed(moment, report)
    _sweep_capacity(moment, report)
    for alert in WellbeingAlert.objects.filter(sent_at__isnull=True, resolved_at__isnull=True,
                                               created_at__lt=moment - timedelta(hours=1)):  # fmt: skip
        _queue_alert_email(alert)
        report.resent += 1
    return report


# --- How the supporter can reach the patient ---------------------------------------------------------------------


@transaction.atomic
def enrolment_reach_set(*, user: User, enrolment: Enrolment, phone: str, email: str) -> Enrolment:
    """The patient chooses how their supporter can reach them besides a private message in PeerPath: a phone and an
    e-mail, each optional; both blank stops sharing them, at once. Only the enrolment's own patient decides, and only
    while a supporter holds the running enrolment (stopping is always allowed)."""
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("patient", "programme__organisation")
        .get(pk=enrolment.pk)
    )
    if enrolment.patient.user_id is None or enrolment.patient.user_id != user.pk:
        raise PermissionDenied(_("Only the patient decides how their peer supporter can reach them."))
    phone = reach.clean_phone(phone, field="phone")
    email = reach.clean_email(email, field="email")
    sharing = bool(phone or email)
    if sharing and (enrolment.status != Enrolment.Status.ACTIVE or enrolment.supporter_id is None):
        raise Conflict(_("You can share a phone or e-mail once a peer supporter is supporting you in this programme."))
    before = [name for name, value in (("phone", enrolment.contact_phone), ("email", enrolment.contact_email)) if value]
    if (phone, email) == (enrolment.contact_phone, enrolment.contact_email):
        return enrolment
    enrolment.contact_phone, enrolment.contact_email, enrolment.contact_changed_at = phone, email, now()
    enrolment.save(update_fields=["contact_phone", "contact_email", "contact_changed_at", "updated_at"])
    shared = [name for name, value in (("phone", phone), ("email", email)) if value]
    # Which ways are shared, before and after: never the number or the address.
    record(action="programmes.reach_changed" if sharing else "programmes.reach_stopped", actor=user,
           organisation=enrolment.programme.organisation, target=enrolment,
           details={"shared": shared, "previous": before})  # fmt: skip
    return enrolment
