"""Peer-supporter programmes (issue 16): programmes, their trained supporters, supervision, the patients enrolled in
a supporter's caseload, and the contacts ("interactions") a supporter logs, coded by channel and by the four core
functions of peer support.

A peer supporter reaches patients by phone, text, group meetings, home visits and shared activities, doing four
things: help with daily management, social and emotional support, linkage to clinical care and community resources,
and ongoing proactive follow-up, under a coordinator who trains, manages and evaluates them; supporters may be ill
themselves and need looking after too (the sources are named in docs/programmes.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import BaseModel


class SupportKind(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("One-to-one support")
    BUDDY = "buddy", _("Buddy")
    GROUP = "group", _("Group")
    ACTIVITIES = "activities", _("Shared activities")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    TEXT = "text", _("Text message")
    VIDEO = "video", _("Video call")
    HOME_VISIT = "home_visit", _("Home visit")
    GROUP_MEETING = "group_meeting", _("Group meeting")
    WALK = "walk", _("Shared activity: a walk")
    SHOPPING = "shopping", _("Shared activity: shopping")
    OTHER_ACTIVITY = "other_activity", _("Shared activity: other")


# Channels that are an activity done together rather than a conversation (FHIR: a Procedure, not a Communication).
ACTIVITY_CHANNELS = frozenset({Channel.WALK, Channel.SHOPPING, Channel.OTHER_ACTIVITY})


class CoreFunction(models.TextChoices):
    """The four core functions of peer support."""

    DAILY_MANAGEMENT = "daily_management", _("Help with daily management")
    SOCIAL_EMOTIONAL = "social_emotional", _("Social and emotional support")
    LINKAGE = "linkage", _("Linkage to clinical care and community resources")
    FOLLOW_UP = "follow_up", _("Ongoing, proactive follow-up")


class Programme(BaseModel):
    """An organisation's peer-support programme ("Diabetes peer coaching"), with its coordinator, the follow-up
    cadence its supporters keep, and the most patients one supporter may hold in it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Running")
        CLOSED = "closed", _("Closed")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="programmes")
    name = models.CharField(max_length=120)
    summary = models.TextField(max_length=1000, blank=True)
    conditions = models.ManyToManyField("directory.Condition", blank=True, related_name="programmes")
    support_kinds = models.JSONField(default=list)  # SupportKind values
    channels = models.JSONField(default=list)  # Channel values
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    follow_up_days = models.PositiveSmallIntegerField(default=14)
    caseload_cap = models.PositiveSmallIntegerField(default=15)
    enrolment_criteria = models.TextField(max_length=2000, blank=True)
    # Courses a supporter must hold, unexpired, to take new patients in this programme.
    required_courses = models.JSONField(default=list)
    # The programme's entry in the directory, once published (a listing of kind "buddy programme", vetted as any).
    listing = models.OneToOneField(
        "directory.Listing", null=True, blank=True, on_delete=models.SET_NULL, related_name="programme"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="programme_name_unique")]

    def __str__(self) -> str:
        return self.name


class Supporter(BaseModel):
    """A peer supporter (or patient networker) of an organisation: their programmes, what they choose to share about
    themselves, their supervisor, and whether they are taking a break."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="supporters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supporter_profiles")
    programmes = models.ManyToManyField(Programme, blank=True, related_name="supporters")
    languages = models.JSONField(default=list)  # BCP 47 codes
    # Conditions they live with: only what they chose to share.
    lived_conditions = models.ManyToManyField("directory.Condition", blank=True, related_name="+")
    availability = models.CharField(max_length=300, blank=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="supervisees"
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="supporter_once_per_org")]

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class TrainingRecord(BaseModel):
    """A course a supporter completed, and when it expires (none: it does not)."""

    supporter = models.ForeignKey(Supporter, on_delete=models.CASCADE, related_name="training")
    course = models.CharField(max_length=120)
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("completed_on")),
                name="training_expires_after_completion",
            )
        ]


class SupervisionSession(BaseModel):
    """A supervision session between a supporter and their supervisor; the note is for supervisors only."""

    supporter = models.ForeignKey(Supporter, on_delete=models.CASCADE, related_name="supervision")
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-held_on"]


class Enrolment(BaseModel):
    """A patient in a programme, and the supporter whose caseload they are in (none yet: waiting for one)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    class Source(models.TextChoices):
        PRESCRIPTION = "prescription", _("A prescription")
        REFERRAL = "referral", _("A referral")
        DIRECT = "direct", _("Enrolled directly")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    patient = models.ForeignKey("prescriptions.Patient", on_delete=models.PROTECT, related_name="enrolments")
    supporter = models.ForeignKey(Supporter, null=True, blank=True, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=15, choices=Source.choices)
    prescription = models.ForeignKey(
        "prescriptions.Prescription", null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolments"
    )
    enrolled_at = models.DateTimeField()
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    # The patient's own choice, off until they turn it on: their contacts are readable by the clinic's health record
    # (FHIR) only while it is on. The contacts stay in PeerPath either way: in, but not of, the medical record.
    share_with_ehr = models.BooleanField(default=False)
    share_changed_at = models.DateTimeField(null=True, blank=True)
    # Kept by the services as contacts are logged, so that caseloads and follow-up queues sort in the database: the
    # last contact that reached the patient, when the next one is due, and the tries since they were last reached.
    last_contact_at = models.DateTimeField(null=True, blank=True)
    next_due_on = models.DateField(null=True, blank=True)
    tries_since_reached = models.PositiveSmallIntegerField(default=0)
    # How the patient chose to be reached by their supporter, besides a private message in PeerPath: a phone number
    # and an e-mail address, each only if they shared it (blank: not shared). Only the enrolment's supporter and the
    # programme's coordinators see them; the patient changes or removes them at any time.
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["enrolled_at"]
        indexes = [
            models.Index(fields=["supporter", "status", "next_due_on"], name="enrolment_caseload"),
            # The programme's follow-up queue of patients with a supporter, each list in its own order (the id
            # breaks ties, so a list is read in index order and stops at the page's length, and counted from the
            # index alone): due dates, tries without reaching, last contact.
            models.Index(
                fields=["programme", "status", "next_due_on", "id"],
                name="enrolment_follow_ups",
                condition=Q(supporter__isnull=False),
            ),
            models.Index(
                fields=["programme", "status", "tries_since_reached", "id"],
                name="enrolment_not_reached",
                condition=Q(supporter__isnull=False),
            ),
            models.Index(
                fields=["programme", "status", "last_contact_at", "id"],
                name="enrolment_silent",
                condition=Q(supporter__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "patient"], condition=Q(status="active"), name="one_active_enrolment"
            )
        ]


class Interaction(BaseModel):
    """A supporter's contact with a patient: when, how, how long, which core functions it served, a short note, and
    when to follow up. Every one is dated, coded and attributed, for the programme's reports."""

    class Concern(models.TextChoices):
        NONE = "none", _("No concern")
        CONCERN = "concern", _("A concern for the coordinator")
        SAFEGUARDING = "safeguarding", _("Safeguarding: risk to life or abuse")

    class ConcernOutcome(models.TextChoices):
        """What a coordinator records when they close a concern (a safeguarding one ends with a person reached)."""

        REACHED_SAFE = "reached_safe", _("Person reached: they are safe")
        PASSED_TO_CLINICIAN = "clinician", _("Passed to their clinician")
        EMERGENCY_SERVICES = "emergency", _("Emergency services called")
        SAFEGUARDING_REFERRAL = "referral", _("Safeguarding referral made")
        NO_RISK = "no_risk", _("No risk on review")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="interactions")
    supporter = models.ForeignKey(Supporter, on_delete=models.PROTECT, related_name="interactions")
    occurred_at = models.DateTimeField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    duration_minutes = models.PositiveSmallIntegerField()
    # False: the supporter tried (a call not answered, a text not replied to) but did not reach the patient.
    reached = models.BooleanField(default=True)
    functions = models.JSONField(default=list)  # CoreFunction values, at least one
    discussed = models.TextField(max_length=1000, blank=True)
    concern = models.CharField(max_length=15, choices=Concern.choices, default=Concern.NONE)
    # For the supervisor only, never shown to the patient.
    concern_note = models.TextField(max_length=1000, blank=True)
    # A concern stays open on the coordinator's follow-up queue until a coordinator records what was done.
    concern_outcome = models.CharField(max_length=20, blank=True)
    concern_outcome_note = models.TextField(max_length=1000, blank=True)
    concern_closed_at = models.DateTimeField(null=True, blank=True)
    concern_closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resources = models.CharField(max_length=500, blank=True)
    listing = models.ForeignKey("directory.Listing", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    next_follow_up = models.DateField(null=True, blank=True)
    participation = models.ForeignKey(
        "prescriptions.Participation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            # Only the concerns still open: the coordinator's queue reads them without scanning years of contacts.
            models.Index(
                fields=["enrolment", "occurred_at"],
                condition=Q(concern_closed_at__isnull=True) & ~Q(concern="none"),
                name="interaction_open_concern",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=720), name="interaction_duration"
            )
        ]


# --- Supporters' own wellbeing ------------------------------------------------------------------------------------

# The check-in's answers, 0-4, each against the same words: higher always means more strain, so that a trend reads the
# same way on every line and one threshold rule fits them all.
WELLBEING_SCALE = (
    (0, _("Not at all")),
    (1, _("A little")),
    (2, _("Somewhat")),
    (3, _("Quite a lot")),
    (4, _("Very much")),
)
WELLBEING_LOW, WELLBEING_HIGH = 0, 4

# (field, the question asked, its short name on the team's board)
WELLBEING_QUESTIONS = (
    ("strain", _("How much has the supporter role strained you in the last two weeks?"), _("Strain from the role")),
    ("emotional_load", _("How much have the conversations of the last two weeks weighed on you?"), _("Emotional load")),
    ("support_needed", _("How much would you like some support for yourself right now?"), _("Support wanted")),
    ("own_health", _("How hard has it been to look after your own health (sleep, energy, your condition)?"),
     _("Own health a struggle")),
)  # fmt: skip

# When a check-in asks the supervisor to get in touch. These four questions are not a validated instrument, so the
# rule errs towards a conversation: a false alarm costs a phone call, a missed one a supporter who burns out or
# drops away. One answer of "quite a lot" or more on strain, emotional load or support wanted is the supporter saying
# so in as many words. Own health counts only in the total: supporters live with long-term conditions themselves and
# a hard fortnight with one's own health alone is not a sign that the role is too much. The total catches the broad
# wear that no single answer shows: 10 of 16 is "somewhat" on every question and more on two.
WELLBEING_ALERT_FIELDS = ("strain", "emotional_load", "support_needed")
WELLBEING_ALERT_ANSWER = 3
WELLBEING_ALERT_TOTAL = 10


def _wellbeing_range(field_name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field_name}__gte": WELLBEING_LOW}) & Q(**{f"{field_name}__lte": WELLBEING_HIGH}),
        name=f"wellbeing_{field_name}_range",
    )


class WellbeingCheckIn(BaseModel):
    """A supporter's answers to the fortnightly wellbeing check-in, and a note for their supervisor and the
    organisation's coordinators (no one else reads it)."""

    supporter = models.ForeignKey(Supporter, on_delete=models.CASCADE, related_name="check_ins")
    answered_at = models.DateTimeField()
    strain = models.PositiveSmallIntegerField()
    emotional_load = models.PositiveSmallIntegerField()
    support_needed = models.PositiveSmallIntegerField()
    own_health = models.PositiveSmallIntegerField()
    note = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-answered_at"]
        indexes = [models.Index(fields=["supporter", "-answered_at"], name="wellbeing_latest")]
        constraints = [_wellbeing_range(field_name) for field_name, _question, _label in WELLBEING_QUESTIONS]

    def answers(self) -> dict[str, int]:
        return {field_name: int(getattr(self, field_name)) for field_name, _question, _label in WELLBEING_QUESTIONS}

    @property
    def asks_for_attention(self) -> bool:
        """The check-in crosses the threshold at which the supervisor is asked to get in touch (see above)."""
        answers = self.answers()
        return (
            any(answers[field_name] >= WELLBEING_ALERT_ANSWER for field_name in WELLBEING_ALERT_FIELDS)
            or sum(answers.values()) >= WELLBEING_ALERT_TOTAL
        )


class WellbeingAlert(BaseModel):
    """A supporter's supervisor (or the organisation's coordinators) asked to look after them: a worrying check-in,
    two check-ins missed in a row, or a caseload above the cap. The (kind, key) pair names the situation, so the
    same one is never raised, nor e-mailed, twice; it stays open until someone has followed it up or, for missed
    check-ins and caseloads, until the situation is over."""

    class Kind(models.TextChoices):
        CHECK_IN = "check_in", _("A check-in asks for attention")
        MISSED = "missed", _("Two check-ins missed in a row")
        OVER_CAPACITY = "over_capacity", _("Caseload above the cap")

    supporter = models.ForeignKey(Supporter, on_delete=models.CASCADE, related_name="wellbeing_alerts")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    key = models.CharField(max_length=200)
    check_in = models.ForeignKey(
        WellbeingCheckIn, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    # Over capacity: in this programme (none: across the supporter's programmes), with this many patients and cap.
    programme = models.ForeignKey(Programme, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    caseload = models.PositiveSmallIntegerField(null=True, blank=True)
    cap = models.PositiveSmallIntegerField(null=True, blank=True)
    # Missed: the day the first unanswered check-in was due.
    due_on = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["supporter", "resolved_at"], name="wellbeing_alert_open")]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="wellbeing_alert_once")]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Notice(BaseModel):
    """A message already sent about follow-ups (a supporter's digest of contacts due, a coordinator told of a patient
    nobody has reached for weeks): the (kind, key) pair makes each go once."""

    class Kind(models.TextChoices):
        FOLLOW_UP_DIGEST = "follow_up_digest", _("Follow-ups due, to the supporter")
        SILENT_ESCALATION = "silent_escalation", _("No contact for weeks, to the coordinator")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=200)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="programmes_notice_once")]
