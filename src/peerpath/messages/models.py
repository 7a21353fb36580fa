"""Private conversations: who talks with whom in an organisation, and what they wrote, with what screening found.

A conversation has a kind ("supporter": a peer supporter and a patient of their caseload; "buddy": a matched pair) and
its participants, each with a role in it, the moment they last read it and the moment they left it. A message keeps
what screening found in it (the decision and categories) and whether it was delivered or held: a crisis message is
always delivered, which the database holds too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import BaseModel
from peerpath.screening.categories import Decision

MAX_BODY_LENGTH = 4000
MAX_SUBJECT_LENGTH = 120


class ConversationKind(models.TextChoices):
    SUPPORTER = "supporter", _("A peer supporter and a patient")
    BUDDY = "buddy", _("A matched pair: a member and their buddy or mentor")


class ParticipantRole(models.TextChoices):
    SUPPORTER = "supporter", _("Peer supporter")
    PATIENT = "patient", _("Patient")
    MENTEE = "mentee", _("Member")
    MENTOR = "mentor", _("Buddy or mentor")


class Conversation(BaseModel):
    """A private conversation inside one organisation (the tenant: its staff are the ones alerted about it)."""

    Kind = ConversationKind

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="conversations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=MAX_SUBJECT_LENGTH, blank=True)
    # Kept by message_send, so that a person's conversations sort by their latest message in the database.
    last_message_at = models.DateTimeField(null=True, blank=True)
    # Closed: kept for its participants to read, no longer written in (a buddy match that ended).
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ConversationKind.values), name="conversation_kind_known"),
        ]

    def __str__(self) -> str:
        return self.subject or str(self.pk)


class Participant(BaseModel):
    """A person in a conversation, with their role in it. Someone who left stays on record but no longer reads or
    writes there."""

    Role = ParticipantRole
    # The roles of people who work or volunteer for the organisation: they are alerted to a crisis message.
    STAFF_ROLES = frozenset({ParticipantRole.SUPPORTER})

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conversation_places")
    role = models.CharField(max_length=20, choices=Role.choices)
    last_read_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["user", "left_at"], name="participant_current")]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="participant_once_per_conversation"),
            models.CheckConstraint(condition=Q(role__in=ParticipantRole.values), name="participant_role_known"),
        ]


class Message(BaseModel):
    """One message, as written (plain text, escaped when shown), with what screening found: the decision under the
    default decisions, the deciding categories, and a flag for a coordinator when it was more than personal data the
    writer chose to share."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=MAX_BODY_LENGTH)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    categories = models.JSONField(default=list)  # screening Category values, strongest first
    flagged = models.BooleanField(default=False)
    crisis = models.BooleanField(default=False)
    # Held: kept from the other participants. A crisis message never is (the constraint below).
    held = models.BooleanField(default=False)
    # A crisis message: how many people the alert was for when it was sent, and when the e-mails went (once).
    alert_recipients = models.PositiveSmallIntegerField(default=0)
    alert_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="message_in_order")]
        constraints = [
            models.CheckConstraint(condition=LessThanOrEqual(Length("body"), MAX_BODY_LENGTH),
                                   name="message_body_length"),
            models.CheckConstraint(condition=GreaterThan(Length(Trim("body")), 0), name="message_body_not_blank"),
            models.CheckConstraint(condition=Q(crisis=False) | Q(held=False), name="message_crisis_never_held"),
        ]  # fmt: skip
