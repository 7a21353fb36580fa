"""Matching (issue 17): what a member looking for a buddy, or a mentor offering to be one, says about themselves
beyond the illness, in one programme, and their consent to be matched; the programme's matching settings; the runs of
the matcher; the proposals they make, reviewed and answered; and the matches that follow, with their feedback.

Consent to be matched is its own consent, apart from any other: a profile is in the programme's pool only while
`consent_given_at` is set and `consent_withdrawn_at` is not (selectors.pool). A date of birth is never stored: the
age band is what the person chose to say.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import BaseModel
from peerpath.matching.vocabulary import AgeBand, Gender, Role

ABOUT_MAX = 500
GOALS_TEXT_MAX = 500
DEFAULT_OFFER_DAYS = 14


class MatchProfile(BaseModel):
    """One person's profile in one programme's matching pool, in one role (looking for a buddy, or offering)."""

    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="match_profiles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="match_profiles")
    role = models.CharField(max_length=10, choices=Role.choices)
    age_band = models.CharField(max_length=10, choices=AgeBand.choices, blank=True)
    life_stages = models.JSONField(default=list, blank=True)  # vocabulary.LifeStage values
    goals = models.JSONField(default=list, blank=True)  # vocabulary.Goal values
    goals_text = models.TextField(max_length=GOALS_TEXT_MAX, blank=True)
    languages = models.JSONField(default=list)  # BCP 47 codes, at least one
    formats = models.JSONField(default=list)  # vocabulary.Format values, at least one
    # Only when they chose to meet in person: the place they gave (a town or a US ZIP code), resolved offline by
    # directory.geo, and how far they would travel.
    place = models.CharField(max_length=120, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    max_km = models.PositiveSmallIntegerField(null=True, blank=True)
    availability = models.JSONField(default=list, blank=True)  # vocabulary.Slot values, in their own time zone
    timezone = models.CharField(max_length=64, blank=True)  # IANA name
    interests = models.JSONField(default=list, blank=True)  # vocabulary.Interest values
    gender = models.CharField(max_length=12, choices=Gender.choices, blank=True)
    wants_gender = models.JSONField(default=list, blank=True)  # vocabulary.Gender values; empty: no preference
    avoid = models.JSONField(default=list, blank=True)  # vocabulary.Avoid values
    about = models.TextField(max_length=ABOUT_MAX, blank=True)  # shown on the intro card
    consent_given_at = models.DateTimeField(null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Mentors only, set by a coordinator: may be matched with members under 18.
    approved_for_adolescents = models.BooleanField(default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Mentors only: how many buddies they take at once (1 to the programme's caseload cap; empty: up to the cap).
    # Their caseload in the programme and their active matches count against it together.
    max_matches = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "user", "role"], name="match_profile_once_per_role"),
            models.CheckConstraint(
                condition=Q(max_matches__isnull=True) | Q(role=Role.MENTOR, max_matches__gte=1),
                name="match_profile_max_matches_mentor",
            ),
            models.CheckConstraint(
                condition=Q(approved_for_adolescents=False) | Q(role=Role.MENTOR), name="match_profile_approval_mentor"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="match_profile_place_whole",
            ),
        ]
        indexes = [models.Index(fields=["programme", "consent_withdrawn_at", "consent_given_at"], name="match_pool")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} ({self.pk})"

    @property
    def consented(self) -> bool:
        return self.consent_given_at is not None and self.consent_withdrawn_at is None


class ProfileCondition(BaseModel):
    """A condition the person lives with (or cares for someone with), and where they are with it."""

    profile = models.ForeignKey(MatchProfile, on_delete=models.CASCADE, related_name="conditions")
    condition = models.ForeignKey("directory.Condition", on_delete=models.PROTECT, related_name="+")
    stages = models.JSONField(default=list, blank=True)  # vocabulary.ConditionStage values

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["profile", "condition"], name="profile_condition_once")]


class MatchingSettings(BaseModel):
    """A programme's matching settings, set by its coordinators: the weight of each soft field (0-10, not all zero),
    whether a coordinator reviews proposals before they go out, and how long a proposal waits for answers."""

    programme = models.OneToOneField("programmes.Programme", on_delete=models.CASCADE, related_name="matching_settings")
    weights = models.JSONField(default=dict)  # soft field name -> weight; engine.Weights checks it
    review_required = models.BooleanField(default=True)
    offer_days = models.PositiveSmallIntegerField(default=DEFAULT_OFFER_DAYS)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


RUN_LIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


class MatchRun(BaseModel):
    """One run of the matcher over a programme's pool, as a background task: its progress for the coordinator's page,
    and what it found. Only one run of a programme is queued or running at a time (the database holds it too)."""

    Status = RunStatus

    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="match_runs")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=20, blank=True)  # services.RUN_STAGES
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    weights = models.JSONField(default=dict)  # the weights the run used
    mentees = models.PositiveIntegerField(default=0)
    mentors = models.PositiveIntegerField(default=0)
    places = models.PositiveIntegerField(default=0)  # mentors' places left, summed
    candidate_pairs = models.BigIntegerField(default=0)
    proposals = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    total_points = models.BigIntegerField(default=0)
    optimal = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme"], condition=Q(status__in=RUN_LIVE), name="match_run_one_at_a_time"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="match_run_progress_percent"),
        ]

    @property
    def live(self) -> bool:
        return self.status in RUN_LIVE


class ProposalStatus(models.TextChoices):
    REVIEW = "review", _("Waiting for the coordinator")
    OFFERED = "offered", _("Waiting for both to answer")
    ACCEPTED = "accepted", _("Both accepted")
    DECLINED = "declined", _("Declined")
    REJECTED = "rejected", _("Not sent by the coordinator")
    EXPIRED = "expired", _("Expired without both answers")
    WITHDRAWN = "withdrawn", _("Withdrawn")


PROPOSAL_PENDING = (ProposalStatus.REVIEW, ProposalStatus.OFFERED)


class Answer(models.TextChoices):
    ACCEPT = "accept", _("Accepted")
    DECLINE = "decline", _("Declined")


class Proposal(BaseModel):
    """A proposed pair, from a run (or a coordinator's choice from a member's top five): reviewed by a coordinator
    unless the programme says not, then offered to both, who each accept or decline. Nothing identifying about either
    is shown to the other until both accept. `points` is the score when proposed; the explanation and the score's
    parts are worked out from the two profiles when shown."""

    Status = ProposalStatus

    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="proposals")
    run = models.ForeignKey(MatchRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposal_set")
    mentee = models.ForeignKey(MatchProfile, on_delete=models.CASCADE, related_name="proposals_as_mentee")
    mentor = models.ForeignKey(MatchProfile, on_delete=models.CASCADE, related_name="proposals_as_mentor")
    points = models.IntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    mentee_answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    mentee_answered_at = models.DateTimeField(null=True, blank=True)
    mentor_answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    mentor_answered_at = models.DateTimeField(null=True, blank=True)
    # A decline's optional reason, for the coordinator only (never shown to the other person).
    decline_reason = models.CharField(max_length=300, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["programme", "status", "created_at"], name="proposal_by_status"),
            models.Index(fields=["status", "expires_at"], name="proposal_expiry"),
        ]
        constraints = [
            # A member has one proposal at a time waiting, whatever the runs.
            models.UniqueConstraint(
                fields=["mentee"], condition=Q(status__in=PROPOSAL_PENDING), name="proposal_one_pending_per_mentee"
            ),
            models.CheckConstraint(condition=~Q(mentee=models.F("mentor")), name="proposal_two_profiles"),
        ]

    @property
    def pending(self) -> bool:
        return self.status in PROPOSAL_PENDING


class MatchStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class EndReason(models.TextChoices):
    FINISHED = "finished", _("It has run its course")
    NOT_WORKING = "not_working", _("It is not working")
    REMATCH = "rematch", _("Asked for someone else")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Left the matching pool")
    BLOCKED = "blocked", _("Blocked the other person")
    BY_COORDINATOR = "by_coordinator", _("Ended by the coordinator")


class Match(BaseModel):
    """Two people who both accepted: their private conversation in PeerPath, when they first wrote, the check-ins
    asked of them, and how it ended."""

    Status = MatchStatus
    EndReason = EndReason

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="match")
    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="matches")
    mentee = models.ForeignKey(MatchProfile, on_delete=models.CASCADE, related_name="matches_as_mentee")
    mentor = models.ForeignKey(MatchProfile, on_delete=models.CASCADE, related_name="matches_as_mentor")
    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.PROTECT, related_name="buddy_match"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField()
    first_contact_at = models.DateTimeField(null=True, blank=True)
    nudged_at = models.DateTimeField(null=True, blank=True)  # the one nudge when nobody wrote in the first days
    check_in_weeks = models.JSONField(default=list)  # the weeks whose "is this working?" was asked (2, 6)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    # A phone or e-mail each chose to give the other, blank when not: shown to the other only while both give one
    # and the match is active (no phone or e-mail is exchanged unless both choose to); blanked when the match ends.
    mentee_phone = models.CharField(max_length=40, blank=True)
    mentee_email = models.EmailField(blank=True)
    mentor_phone = models.CharField(max_length=40, blank=True)
    mentor_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["programme", "status"], name="match_by_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"], condition=Q(status="active"), name="match_one_active_per_mentee"
            ),
        ]

    @property
    def active(self) -> bool:
        return self.status == MatchStatus.ACTIVE


class Rating(models.TextChoices):
    WORKING = "working", _("Yes, it is working")
    UNSURE = "unsure", _("Not sure yet")
    NOT_WORKING = "not_working", _("No, it is not working")


class Feedback(BaseModel):
    """What one of the pair said about their match: at a check-in ("is this working?") or when it ended."""

    class Kind(models.TextChoices):
        CHECK_IN = "check_in", _("Check-in")
        ENDING = "ending", _("When it ended")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    week = models.PositiveSmallIntegerField(null=True, blank=True)  # check-ins: the week they were asked in
    rating = models.CharField(max_length=15, choices=Rating.choices, blank=True)
    note = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["match", "user", "week"], condition=Q(kind="check_in"), name="feedback_one_check_in"
            ),
        ]


class MatchReport(BaseModel):
    """One of a pair reports the other, or blocks them (which ends the match at once): for the programme's
    organisation's moderators and coordinators, who deal with it and record how."""

    class Reason(models.TextChoices):
        UNKIND = "unkind", _("Unkind, rude or threatening")
        UNSAFE_ADVICE = "unsafe_advice", _("Unsafe health advice")
        SELLING = "selling", _("Selling something or asking for money")
        PRIVACY = "privacy", _("Pushing for personal details or to meet")
        CRISIS = "crisis", _("I am worried about their safety")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        RESOLVED = "resolved", _("Dealt with")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="reports")
    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="+")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reported = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(max_length=1000, blank=True)
    blocked = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["programme", "status", "created_at"], name="match_report_queue")]
