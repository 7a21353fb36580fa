"""The public directory of peer support: conditions, host organisations, listings, vetting and suggestions.

A listing is public only once vetted (ARCHITECTURE.md §2). Its vetting lapses: re-review falls due 12 months after
the last review; the listing stays public, marked, for 30 days past the due date, then drops out of search.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from peerpath.core.fields import CodeListField
from peerpath.core.models import BaseModel

SNOMED_SYSTEM = "http://snomed.info/sct"
# Seed 003 / issue 3: re-review falls due 12 months after a review; a listing past due stays public for 30 days.
REREVIEW_AFTER = timedelta(days=365)
GRACE_AFTER_DUE = timedelta(days=30)


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """One value's label. `get_FOO_display` translates every label of the field to find one: on a page of twenty
    search results that is hundreds of translations."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class Condition(BaseModel):
    """A long-term condition peer groups form around, from the shipped value set (directory/data/conditions.json)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=150)
    snomed_code = models.CharField(max_length=18, unique=True)
    icd10_code = models.CharField(max_length=10, blank=True)
    synonyms = models.JSONField(default=list, blank=True, help_text=_("The words people search with."))

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConditionCode(models.Model):
    """A code found in a patient record that maps to a condition: the condition's own code or a more specific child."""

    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="codes")
    system = models.CharField(max_length=60, default=SNOMED_SYSTEM)
    code = models.CharField(max_length=18)
    display = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["condition", "system", "code"], name="directory_condition_code_unique")
        ]
        indexes = [models.Index(fields=["system", "code"], name="directory_code_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.code} → {self.condition_id}"


class HostOrganisation(BaseModel):
    """Who runs a listed group: a society, a charity, a health service, peers themselves, or a company."""

    class Kind(models.TextChoices):
        NATIONAL_SOCIETY = "national_society", _("National society")
        CHARITY = "charity", _("Charity")
        HEALTH_SERVICE = "health_service", _("Health service")
        PEER_LED = "peer_led", _("Peer-led group")
        COMMERCIAL = "commercial", _("Commercial")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    website = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    description = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="directory_host_name_ci_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return choice_label(self.Kind, self.kind)


class Listing(BaseModel):
    """A peer-support offering in the directory: a group, a buddy programme, a forum, an activity."""

    class Kind(models.TextChoices):
        GROUP = "group", _("Support group")
        BUDDY = "buddy", _("Buddy programme")
        ONE_TO_ONE = "one_to_one", _("One-to-one peer support")
        FORUM = "forum", _("Online forum")
        ACTIVITY = "activity", _("Shared activity")

    class Format(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Online and in person")

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        FORTNIGHTLY = "fortnightly", _("Fortnightly")
        MONTHLY = "monthly", _("Monthly")
        AD_HOC = "ad_hoc", _("Now and then")
        ALWAYS_OPEN = "always_open", _("Always open")

    class Audience(models.TextChoices):
        PATIENTS = "patients", _("People living with the condition")
        CARERS = "carers", _("Carers and family")
        BOTH = "both", _("People with the condition and their carers")

    class LifeStage(models.TextChoices):
        NEWLY_DIAGNOSED = "newly_diagnosed", _("Newly diagnosed")
        PREGNANCY = "pregnancy", _("Pregnancy and new parents")
        STUDENTS = "students", _("Students")
        TRANSITION = "transition", _("Adolescents moving to adult care")
        WORKING_AGE = "working_age", _("Working age")
        OLDER_PEOPLE = "older_people", _("Older people")
        BEREAVED = "bereaved", _("Bereaved")

    class Moderation(models.TextChoices):
        PROFESSIONAL = "professional", _("Professionally moderated")
        PEER = "peer", _("Peer moderated")
        UNMODERATED = "unmoderated", _("Unmoderated")

    class ClinicianParticipation(models.TextChoices):
        NEVER = "never", _("Never: a clinician-free space")
        BY_INVITATION = "by_invitation", _("By invitation")
        YES = "yes", _("Yes")

    class JoinMethod(models.TextChoices):
        OPEN = "open", _("Open: just come along")
        REQUEST = "request", _("Ask to join")
        REFERRAL = "referral", _("By referral")

    class Frequency(models.TextChoices):
        # RFC 5545 FREQ values, as HSDS schedules use them.
        NONE = "", _("No fixed schedule")
        DAILY = "DAILY", _("Daily")
        WEEKLY = "WEEKLY", _("Weekly")
        MONTHLY = "MONTHLY", _("Monthly")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        VETTED = "vetted", _("Vetted")
        DELISTED = "delisted", _("Delisted")

    # What it is.
    name = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True, max_length=5000)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.GROUP)
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.ONLINE)
    cadence = models.CharField(max_length=20, choices=Cadence.choices, default=Cadence.WEEKLY)
    typical_attendance = models.PositiveSmallIntegerField(null=True, blank=True)
    conditions = models.ManyToManyField(Condition, related_name="listings", blank=True)

    # Who it is for.
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.PATIENTS)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    life_stages = CodeListField(max_length=200, blank=True, default=list)
    languages = CodeListField(max_length=100, blank=True, default=list, help_text=_("BCP 47 codes: en, cy, pa…"))
    is_free = models.BooleanField(default=True)
    fee_text = models.CharField(max_length=200, blank=True)
    accessibility_notes = models.TextField(blank=True, max_length=2000)

    # Who runs it, and how to reach it.
    host = models.ForeignKey(HostOrganisation, null=True, blank=True, on_delete=models.PROTECT, related_name="listings")
    url = models.URLField(blank=True, max_length=500)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)

    # Where: an address and coordinates, or nowhere when online only.
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, default="GB", help_text=_("ISO 3166-1 alpha-2"))
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    # When: an HSDS-style recurrence (RFC 5545 FREQ, INTERVAL, BYDAY) in the group's own time zone.
    schedule_frequency = models.CharField(max_length=10, choices=Frequency.choices, blank=True, default="")
    schedule_interval = models.PositiveSmallIntegerField(default=1)
    schedule_byday = models.CharField(max_length=40, blank=True, help_text=_("RFC 5545 BYDAY: TU, or 1TH,3TH"))
    schedule_opens_at = models.TimeField(null=True, blank=True)
    schedule_closes_at = models.TimeField(null=True, blank=True)
    schedule_timezone = models.CharField(max_length=64, blank=True, default="Europe/London")
    schedule_notes = models.CharField(max_length=300, blank=True)

    # How it is run (seed 003: moderators, no medical advice, no product promotion; Sugarbuddies stays clinician-free).
    moderation = models.CharField(max_length=20, choices=Moderation.choices, default=Moderation.PEER)
    clinician_participation = models.CharField(
        max_length=20, choices=ClinicianParticipation.choices, default=ClinicianParticipation.NEVER
    )
    rule_no_medical_advice = models.BooleanField(default=False)
    rule_no_promotion = models.BooleanField(default=False)
    rules_text = models.TextField(blank=True, max_length=3000)
    join_method = models.CharField(max_length=20, choices=JoinMethod.choices, default=JoinMethod.OPEN)

    # Vetting. The curator is the organisation that reviews the listing and answers for it.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    status_reason = models.TextField(blank=True, max_length=2000)
    curator = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="curated_listings"
    )
    last_vetted_on = models.DateField(null=True, blank=True)
    rereview_due_on = models.DateField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitter_contact = models.CharField(max_length=254, blank=True)
    # Where an imported listing came from (HSDS service id), so a second import updates instead of duplicating.
    source_id = models.CharField(max_length=200, blank=True, db_index=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status", "-last_vetted_on", "-id"], name="directory_status_vetted_idx"),
            models.Index(fields=["status", "rereview_due_on"], name="directory_status_due_idx"),
            models.Index(fields=["latitude", "longitude"], name="directory_lat_lon_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__isnull=True) | Q(age_max__isnull=True) | Q(age_min__lte=models.F("age_max")),
                name="directory_age_range_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status="vetted") | (Q(last_vetted_on__isnull=False) & Q(rereview_due_on__isnull=False)),
                name="directory_vetted_has_dates",
            ),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__gte=-90) & Q(latitude__lte=90) & Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="directory_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def rereview_is_due(self, today: date) -> bool:
        return self.status == self.Status.VETTED and self.rereview_due_on is not None and self.rereview_due_on <= today

    def hidden_after(self) -> date | None:
        """The last day a vetted listing stays public without a new review."""
        return self.rereview_due_on + GRACE_AFTER_DUE if self.rereview_due_on else None

    @property
    def kind_label(self) -> str:
        return choice_label(self.Kind, self.kind)

    @property
    def format_label(self) -> str:
        return choice_label(self.Format, self.format)

    @property
    def cadence_label(self) -> str:
        return choice_label(self.Cadence, self.cadence)

    @property
    def has_place(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Vetting(BaseModel):
    """One dated review of a listing against the published criteria, by a named reviewer."""

    class Outcome(models.TextChoices):
        VETTED = "vetted", _("Vetted")
        DECLINED = "declined", _("Not vetted")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="vettings")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The reviewer's name and organisation as they were that day: the public badge must not change afterwards.
    reviewer_name = models.CharField(max_length=150)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    organisation_name = models.CharField(max_length=200)
    reviewed_on = models.DateField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    rereview_due_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, max_length=3000)

    class Meta:
        ordering = ["-reviewed_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.listing_id} {self.outcome} on {self.reviewed_on}"


class Criterion(models.TextChoices):
    """The vetting checklist, from the seeds: moderated, rules published, no promotion, crisis procedure, privacy…"""

    RULES_PUBLISHED = "rules_published", _("Group rules are published")
    ACTIVE_MODERATOR = "active_moderator", _("An active moderator")
    NO_PROMOTION = "no_promotion", _("No product promotion or sales")
    CRISIS_PROCEDURE = "crisis_procedure", _("A crisis and safeguarding procedure")
    PRIVACY_STATEMENT = "privacy_statement", _("A privacy statement")
    HOST_IDENTIFIED = "host_identified", _("The host organisation is identified")
    MEETS_REGULARLY = "meets_regularly", _("Meets at least monthly, or is always open")
    INFORMATION_CURRENT = "information_current", _("The information is current")


class VettingCheck(models.Model):
    """One criterion of one review: met, not met, or not applicable, with a note."""

    class Result(models.TextChoices):
        MET = "met", _("Met")
        NOT_MET = "not_met", _("Not met")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    vetting = models.ForeignKey(Vetting, on_delete=models.CASCADE, related_name="checks")
    criterion = models.CharField(max_length=40, choices=Criterion.choices)
    result = models.CharField(max_length=20, choices=Result.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["vetting", "criterion"], name="directory_vetting_criterion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.result}"


class EditSuggestion(BaseModel):
    """Someone, signed in or not, says a listing is wrong or out of date; it waits in the curator's queue."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        APPLIED = "applied", _("Applied")
        DISMISSED = "dismissed", _("Dismissed")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="edit_suggestions")
    message = models.TextField(max_length=3000)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitter_contact = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="directory_suggestion_open_idx")]

    def __str__(self) -> str:
        return f"suggestion on {self.listing_id} ({self.status})"


class ListingSearchDocument(models.Model):
    """The text search reads for one listing, kept by the directory services.

    The full-text index is built on this table by engine-specific SQL (migration 0002): an FTS5 table with
    triggers on SQLite, a generated, weighted tsvector column with a GIN index on PostgreSQL.
    """

    id = models.BigAutoField(primary_key=True)
    listing = models.OneToOneField(Listing, on_delete=models.CASCADE, related_name="search_document")
    name = models.TextField()
    conditions = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # The listing's filter values as index terms ("formatonline", "cadenceweekly", a map cell): on SQLite the
    # filters then narrow the full-text match itself, instead of being checked row by row afterwards.
    facets = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"search document of {self.listing_id}"
