"""Spaces: groups hosted on PeerPath, their members, meetings, RSVPs, attendance and clinician sessions (issue 5).

Seed 002 is the source of the rules: weekly rather than monthly, about 20 active members is critical mass and 50 is
too many, and intro cards so that meetings do not start with half an hour of introductions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import BaseModel

# The join link of an online meeting appears this long before the start (and until the end).
JOIN_LINK_OPENS_BEFORE = timedelta(minutes=15)
# Members may check in with the meeting's code from this long before the start until this long after the end.
CHECK_IN_OPENS_BEFORE = timedelta(minutes=15)
CHECK_IN_CLOSES_AFTER = timedelta(minutes=30)
# A member counts as "new" (highlighted in the meeting view) for this long after joining.
NEW_MEMBER_FOR = timedelta(days=28)
# Meetings are materialised from their schedule this far ahead.
MATERIALISE_AHEAD = timedelta(days=120)


class Space(BaseModel):
    """A group hosted on PeerPath: it belongs to a host organisation and is shown in the directory by its listing."""

    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Open: anyone signed in can join")
        REQUEST = "request", _("By request: organisers approve")
        INVITATION = "invitation", _("By invitation or prescription only")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="spaces")
    listing = models.OneToOneField("directory.Listing", on_delete=models.PROTECT, related_name="space")
    name = models.CharField(max_length=200)
    about = models.TextField(blank=True, max_length=3000)
    join_policy = models.CharField(max_length=20, choices=JoinPolicy.choices, default=JoinPolicy.REQUEST)
    # A public space publishes its meeting times (not its join links) as an iCalendar feed anyone can subscribe to.
    is_public = models.BooleanField(
        default=True, help_text=_("Publish meeting times (never join links) in a calendar anyone can subscribe to.")
    )
    timezone = models.CharField(max_length=64, default="Europe/London")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(BaseModel):
    """A person's place in a space. Peers see each other by handle only (issue 5 point 1)."""

    class Role(models.TextChoices):
        ORGANISER = "organiser", _("Organiser")
        MODERATOR = "moderator", _("Moderator")
        MEMBER = "member", _("Member")
        LISTENER = "listener", _("Listener (attends, does not post)")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Asked to join")
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Member")
        DECLINED = "declined", _("Request declined")
        LEFT = "left", _("Left")
        REMOVED = "removed", _("Removed")

    class Via(models.TextChoices):
        OPEN = "open", _("Joined")
        REQUEST = "request", _("Request approved")
        INVITATION = "invitation", _("Invitation")
        PRESCRIPTION = "prescription", _("Prescription")
        FOUNDER = "founder", _("Started the space")

    LEADER_ROLES: ClassVar[frozenset[str]] = frozenset({Role.ORGANISER, Role.MODERATOR})
    # Who may post, vote and propose topics: everyone but listeners.
    VOICE_ROLES: ClassVar[frozenset[str]] = frozenset({Role.ORGANISER, Role.MODERATOR, Role.MEMBER})

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="space_memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=20, choices=Status.choices)
    via = models.CharField(max_length=20, choices=Via.choices, default=Via.OPEN)
    request_reason = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removal_reason = models.CharField(max_length=500, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Reminders by e-mail, each the member's choice (issue 5 point 8).
    remind_day_before = models.BooleanField(default=True)
    remind_hour_before = models.BooleanField(default=False)
    # The member agrees that a peer supporter of the host may check in when they miss meetings (point 6).
    peer_check_in_ok = models.BooleanField(default=False)
    # How that peer supporter may reach them besides a private message in PeerPath, only if they chose to share it.
    check_in_phone = models.CharField(max_length=40, blank=True)
    check_in_email = models.EmailField(blank=True)
    # Where the member lives, if they say: times are shown in it, and group health can propose a split by time zone.
    timezone = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["joined_at"]
        constraints = [models.UniqueConstraint(fields=["space", "user"], name="spaces_membership_once")]
        indexes = [models.Index(fields=["user", "status"], name="spaces_membership_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} in {self.space}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_leader(self) -> bool:
        return self.is_active and self.role in self.LEADER_ROLES

    @property
    def has_voice(self) -> bool:
        return self.is_active and self.role in self.VOICE_ROLES


class IntroCard(BaseModel):
    """So meetings do not start with half an hour of introductions (seed 002): seen by the space's members only."""

    class LivedWith(models.TextChoices):
        NEW = "new", _("Newly diagnosed (under a year)")
        ONE_TO_FIVE = "1_5", _("1 to 5 years")
        FIVE_TO_TEN = "5_10", _("5 to 10 years")
        OVER_TEN = "10_plus", _("More than 10 years")
        CARER = "carer", _("I care for someone with it")
        UNSAID = "", _("I'd rather not say")

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="intro_card")
    lived_with = models.CharField(max_length=10, choices=LivedWith.choices, blank=True)
    hoping_for = models.CharField(_("what I would like from the group"), max_length=300, blank=True)
    can_offer = models.CharField(_("what I can offer"), max_length=300, blank=True)
    avoid_topics = models.CharField(_("topics I'd rather not discuss"), max_length=300, blank=True)


class Schedule(BaseModel):
    """A recurring meeting pattern: an RFC 5545 RRULE from a local start in the schedule's own time zone, so a
    daylight-saving change keeps the meeting at the same local time."""

    class Mode(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Online and in person")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="schedules")
    title = models.CharField(max_length=120)
    rrule = models.CharField(max_length=300, help_text=_("RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=TU"))
    starts_on = models.DateField()
    start_time = models.TimeField()
    duration = models.DurationField(default=timedelta(minutes=90))
    timezone = models.CharField(max_length=64, default="Europe/London")
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.ONLINE)
    join_url = models.URLField(blank=True, max_length=500)
    place = models.CharField(max_length=300, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_on", "start_time"]

    def __str__(self) -> str:
        return self.title


class Meeting(BaseModel):
    """One occurrence: materialised from a schedule (or a one-off, such as a clinician session), stored in UTC with
    the time zone it is held in."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Group meeting")
        CLINICIAN_SESSION = "clinician_session", _("Clinician Q&A session")

    class GuestStatus(models.TextChoices):
        NONE = "", _("No guest")
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="meetings")
    schedule = models.ForeignKey(Schedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings")
    # The start the rule gave (RFC 5545 RECURRENCE-ID): a moved occurrence keeps it, so it is never generated twice.
    original_start = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    title = models.CharField(max_length=120)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, default="Europe/London")
    mode = models.CharField(max_length=20, choices=Schedule.Mode.choices, default=Schedule.Mode.ONLINE)
    join_url = models.URLField(blank=True, max_length=500)
    place = models.CharField(max_length=300, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    # What members were told when it was moved or cancelled.
    change_message = models.CharField(max_length=500, blank=True)
    # Bumped on every change, for the iCalendar SEQUENCE so calendar clients take the update.
    sequence = models.PositiveIntegerField(default=0)
    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="guest_sessions"
    )
    guest_status = models.CharField(max_length=10, choices=GuestStatus.choices, blank=True, default="")
    # Derives the check-in code with SECRET_KEY; a new nonce makes a new code.
    check_in_nonce = models.CharField(max_length=32)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["space", "starts_at"], name="spaces_meeting_space_idx"),
            models.Index(fields=["status", "starts_at"], name="spaces_meeting_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "original_start"],
                condition=Q(schedule__isnull=False),
                name="spaces_meeting_occurrence_once",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="spaces_meeting_ends_after"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED


class Rsvp(BaseModel):
    """A member's answer for one meeting. "going" holds a seat; when the meeting is full they wait, and the first
    waiting is promoted when a seat frees (issue 5 point 3)."""

    class Answer(models.TextChoices):
        GOING = "going", _("Going")
        MAYBE = "maybe", _("Maybe")
        NOT_GOING = "not_going", _("Not going")

    class State(models.TextChoices):
        CONFIRMED = "confirmed", _("Has a seat")
        WAITING = "waiting", _("On the waiting list")
        NONE = "", _("—")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps")
    answer = models.CharField(max_length=10, choices=Answer.choices)
    # Only for "going": a seat, or a place in the queue ordered by `waiting_since`.
    state = models.CharField(max_length=10, choices=State.choices, blank=True, default="")
    waiting_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="spaces_rsvp_once"),
            models.CheckConstraint(
                condition=(Q(answer="going") & Q(state__in=["confirmed", "waiting"]))
                | (~Q(answer="going") & Q(state="")),
                name="spaces_rsvp_state_matches_answer",
            ),
        ]
        indexes = [models.Index(fields=["meeting", "state"], name="spaces_rsvp_meeting_idx")]


class Attendance(BaseModel):
    """Who came (issue 5 point 4): marked by an organiser or by the member's check-in code."""

    class Method(models.TextChoices):
        MARKED = "marked", _("Marked by an organiser")
        CHECK_IN = "check_in", _("Checked in with the code")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendances")
    method = models.CharField(max_length=10, choices=Method.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="spaces_attendance_once")]
        indexes = [models.Index(fields=["user", "meeting"], name="spaces_attendance_user_idx")]


class MeetingNote(BaseModel):
    """An organiser's notes of one meeting, visible to members; the forum issue makes them searchable."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="note")
    topics = models.TextField(_("topics covered"), blank=True, max_length=4000)
    resources = models.TextField(_("resources shared"), blank=True, max_length=4000)
    open_questions = models.TextField(_("questions left open"), blank=True, max_length=4000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class TopicProposal(BaseModel):
    """A topic members would like a clinician to answer (seed 003); members vote, organisers pick the top ones."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for votes")
        SCHEDULED = "scheduled", _("In a clinician session")
        CLOSED = "closed", _("Closed")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="topics")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=160)
    detail = models.TextField(blank=True, max_length=1000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    session = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="topics")

    class Meta:
        ordering = ["-created_at"]


class TopicVote(BaseModel):
    proposal = models.ForeignKey(TopicProposal, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="spaces_topic_vote_once")]


class CalendarFeed(BaseModel):
    """A member's personal iCalendar feed. The token is derived from the nonce and SECRET_KEY and only its hash is
    stored; revoking sets `revoked_at` and a new feed gets a new nonce."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    nonce = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="spaces_one_live_feed_per_user"
            )
        ]


class CheckInRequest(BaseModel):
    """An organiser asks the host's peer supporters to check in on a member who missed meetings, only where the
    member agreed to that (issue 5 point 6)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a peer supporter")
        DONE = "done", _("Checked in")
        CANCELLED = "cancelled", _("Cancelled")

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="check_in_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"], condition=Q(status="open"), name="spaces_one_open_check_in_request"
            )
        ]


class Notice(BaseModel):
    """A message already sent (reminder, change, "we missed you", weekly summary): the key makes each go once."""

    class Kind(models.TextChoices):
        REMINDER_DAY = "reminder_day", _("Reminder the day before")
        REMINDER_HOUR = "reminder_hour", _("Reminder an hour before")
        CHANGE = "change", _("Meeting moved or cancelled")
        MISSED_YOU = "missed_you", _("We missed you")
        SUMMARY = "summary", _("Weekly summary to organisers")
        GUEST = "guest", _("Clinician session invitation")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=160)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="spaces_notice_once")]
