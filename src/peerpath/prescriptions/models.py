"""Patients known to a clinic, their peer-support prescriptions, invitations, consent and participation (issue 4)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import BaseModel
from peerpath.prescriptions.dose import Activity, Dose, DurationUnit, Per

INVITATION_VALID_FOR = timedelta(days=14)


class Patient(BaseModel):
    """A clinic's record of a person it cares for: seen by that organisation's staff only."""

    class Gender(models.TextChoices):
        # FHIR AdministrativeGender, so an imported record keeps what the EHR said.
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Unknown")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="patients")
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=35, default="en")
    # Set when the patient accepts an invitation with their PeerPath account.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="patient_records"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], condition=Q(user__isnull=False), name="prescriptions_patient_one_link"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class PatientIdentifier(BaseModel):
    """An identifier of a patient with its system (an MRN, an NHS number): how imports find the same person."""

    class Kind(models.TextChoices):
        NHS_NUMBER = "nhs_number", _("NHS number")
        MRN = "mrn", _("Medical record number")
        OTHER = "other", _("Other identifier")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    system = models.CharField(max_length=255, help_text=_("The identifier system, a URI"))
    value = models.CharField(max_length=100)

    class Meta:
        ordering = ["kind", "system"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "system", "value"], name="prescriptions_identifier_unique_in_organisation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class Reason(models.TextChoices):
    """Why peer support now: BMJ Box 1, the "newness" moments."""

    NEW_DIAGNOSIS = "new_diagnosis", _("New diagnosis")
    NEW_TECHNOLOGY = "new_technology", _("New technology (a pump, a monitor, an app)")
    NEW_MEDICATION = "new_medication", _("New medication")
    COMPLICATION = "complication", _("Complication or progression")
    LIFE_EVENT = "life_event", _("Life event (pregnancy, bereavement, a new job…)")
    NEW_TO_AREA = "new_to_area", _("New to the area")
    STRUGGLING_APPOINTMENTS = "struggling_appointments", _("Struggling to attend appointments")
    DISTRUST = "distrust", _("Distrust of health services")
    TRANSITION = "transition", _("Transition (such as from children's to adult care)")


class Prescription(BaseModel):
    """A clinician's order of peer support for a patient, with a dose (seed 000)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        LAPSED = "lapsed", _("Lapsed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    # The lifecycle (issue 4 point 3). Anything not listed here is refused by the services.
    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.DRAFT: frozenset({Status.SENT, Status.CANCELLED}),
        Status.SENT: frozenset({Status.ACCEPTED, Status.DECLINED, Status.EXPIRED, Status.CANCELLED}),
        Status.ACCEPTED: frozenset({Status.ACTIVE, Status.COMPLETED, Status.CANCELLED}),
        Status.ACTIVE: frozenset({Status.COMPLETED, Status.LAPSED, Status.CANCELLED}),
        Status.LAPSED: frozenset({Status.ACTIVE, Status.COMPLETED, Status.CANCELLED}),
        Status.COMPLETED: frozenset(),
        Status.DECLINED: frozenset(),
        Status.CANCELLED: frozenset(),
        Status.EXPIRED: frozenset(),
    }
    # A patient may hold one of these per listing at a time (issue 4, "Bad input").
    OPEN_STATUSES: ClassVar[frozenset[str]] = frozenset(
        {Status.DRAFT, Status.SENT, Status.ACCEPTED, Status.ACTIVE, Status.LAPSED}
    )
    # States in which participation is counted against the dose.
    RUNNING_STATUSES: ClassVar[frozenset[str]] = frozenset({Status.ACCEPTED, Status.ACTIVE, Status.LAPSED})

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="prescriptions")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="prescriptions")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prescriptions")

    # What is prescribed: a vetted listing, or a kind of support for a condition when no listing is chosen yet.
    listing = models.ForeignKey(
        "directory.Listing", null=True, blank=True, on_delete=models.PROTECT, related_name="prescriptions"
    )
    support_kind = models.CharField(max_length=20, blank=True)  # a directory Listing.Kind value
    condition = models.ForeignKey(
        "directory.Condition", null=True, blank=True, on_delete=models.PROTECT, related_name="prescriptions"
    )

    # The dose.
    activity = models.CharField(max_length=30, choices=Activity.choices)
    dose_count = models.PositiveSmallIntegerField()
    per = models.CharField(max_length=10, choices=Per.choices)
    duration = models.PositiveSmallIntegerField()
    duration_unit = models.CharField(max_length=10, choices=DurationUnit.choices)
    start_date = models.DateField()

    reasons = models.JSONField(default=list, blank=True)  # Reason values
    reason_text = models.TextField(blank=True, max_length=1000)
    note_to_patient = models.TextField(blank=True, max_length=2000)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "status"], name="prescriptions_org_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "listing"],
                condition=Q(listing__isnull=False) & Q(status__in=["draft", "sent", "accepted", "active", "lapsed"]),
                name="prescriptions_one_open_per_listing",
            ),
            models.CheckConstraint(
                condition=Q(listing__isnull=False) | ~Q(support_kind=""), name="prescriptions_listing_or_kind"
            ),
            models.CheckConstraint(condition=Q(dose_count__gte=1), name="prescriptions_dose_count_positive"),
            models.CheckConstraint(condition=Q(duration__gte=1), name="prescriptions_duration_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.what} — {self.dose_sentence}"

    @property
    def dose(self) -> Dose:
        return Dose(
            activity=self.activity,
            count=self.dose_count,
            per=self.per,
            duration=self.duration,
            duration_unit=self.duration_unit,
            start=self.start_date,
        )

    @property
    def dose_sentence(self) -> str:
        return self.dose.sentence()

    @property
    def end_date(self) -> date:
        """The last day of the dose."""
        return self.dose.end - timedelta(days=1)

    @property
    def what(self) -> str:
        """The group's name, or the kind of support and condition ("Buddy programme for type 1 diabetes")."""
        if self.listing is not None:
            return self.listing.name
        from peerpath.directory.models import Listing, choice_label

        kind = choice_label(Listing.Kind, self.support_kind)
        return f"{kind} for {self.condition.name.lower()}" if self.condition is not None else kind

    @property
    def reason_labels(self) -> list[str]:
        return [str(Reason(code).label) for code in self.reasons if code in Reason.values]

    def may_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, frozenset())


class Invitation(BaseModel):
    """A single-use invitation to accept a prescription: a link and a short code, valid 14 days, revocable.

    Neither secret is stored: both are derived from the row and the server's secret key (as Django's password reset
    tokens are), so the e-mail task and the print page can show them while the database holds only their hashes.
    """

    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="invitations")
    nonce = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]


class Consent(BaseModel):
    """What the patient agreed to share about one prescription; withdrawing it stops the sharing at once.

    One row per grant: a withdrawal closes the row, a later grant opens a new one, so what was shared when can be
    answered from the rows alone.
    """

    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="consents")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consents")
    share_participation = models.BooleanField(default=True)  # needed for tracking
    share_ehr_summary = models.BooleanField(default=False)  # optional: a short summary into the EHR
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["prescription"], condition=Q(withdrawn_at__isnull=True), name="prescriptions_one_open_consent"
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class Participation(BaseModel):
    """One thing a patient took part in: a meeting attended, a forum post, a peer contact (issue 4 point 5)."""

    class Source(models.TextChoices):
        ATTENDANCE = "attendance", _("Meeting attendance")
        FORUM_POST = "forum_post", _("Forum post")
        PEER_CONTACT = "peer_contact", _("Peer supporter contact")
        SELF_REPORT = "self_report", _("Reported by the patient")
        COORDINATOR = "coordinator", _("Recorded by a coordinator")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="participations")
    activity = models.CharField(
        max_length=30, choices=[(value, label) for value, label in Activity.choices if value != Activity.ANY]
    )
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=20, choices=Source.choices)
    # The group it happened in, when known: a prescription of another listing does not count it.
    listing = models.ForeignKey(
        "directory.Listing", null=True, blank=True, on_delete=models.SET_NULL, related_name="participations"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    # The attendance, post or contact it came from, so recording it twice counts it once.
    source_ref = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["patient", "occurred_at"], name="prescriptions_part_patient_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "source", "source_ref"],
                condition=~Q(source_ref=""),
                name="prescriptions_participation_once",
            ),
        ]


class Notice(BaseModel):
    """A notification already sent (invitation, period reminder, weekly digest): the key makes each one go once."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        REMINDER = "reminder", _("Reminder")
        DIGEST = "digest", _("Weekly digest")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=120)
    prescription = models.ForeignKey(
        Prescription, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="prescriptions_notice_once")]
