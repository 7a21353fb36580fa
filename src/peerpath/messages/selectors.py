"""Reads of private conversations, already filtered to the asking person: the conversations they are a current
participant of, and nothing else. The gate (access.py) and the list use the same filter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, When
from django.utils.translation import gettext as _

from peerpath.core.time import now
from peerpath.messages.models import Conversation, Message, Participant
from peerpath.moderation import crisis

# How long the writer of a crisis message sees the help lines on the conversation: the forum's period (HAZ-025).
CRISIS_LINES_DAYS = 14


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def current_places(user: Any) -> QuerySet[Participant]:
    """The person's places in conversations they have not left."""
    if not _signed_in(user):
        return Participant.objects.none()
    return Participant.objects.filter(user=user, left_at__isnull=True)


def visible_conversations(user: Any) -> QuerySet[Conversation]:
    """The conversations the person is a current participant of."""
    return Conversation.objects.filter(pk__in=current_places(user).values("conversation"))


def has_conversations(user: Any) -> bool:
    """Whether the person has a conversation to go to (the menu's "Messages" link)."""
    return current_places(user).exists()


@dataclass(frozen=True)
class ConversationRow:
    """One conversation as the person's list shows it."""

    conversation: Conversation
    role: str
    unread: int
    others: list[Participant]

    @property
    def title(self) -> str:
        return title_of(self.conversation, self.others)


def title_of(conversation: Conversation, others: Sequence[Participant]) -> str:
    """A conversation's name: its subject, else whom it is with."""
    if conversation.subject:
        return conversation.subject
    if not others:
        return _("Conversation")
    return _("Conversation with %(people)s") % {"people": ", ".join(place.user.handle for place in others)}


def _unread_filter(prefix: str, user: Any) -> Q:
    """Messages of the conversation the person has not read: written by someone else, delivered, and newer than
    the moment they last read it (all of them when they never have)."""
    messages = f"{prefix}messages"
    return (
        ~Q(**{f"{messages}__author": user})
        & Q(**{f"{messages}__held": False})
        & (Q(last_read_at__isnull=True) | Q(**{f"{messages}__created_at__gt": F("last_read_at")}))
    )


def conversations_for(user: Any) -> list[ConversationRow]:
    """The person's conversations, those with unread messages first, then the most recently active; with the
    unread count and the other participants. Two queries however many conversations."""
    others = Prefetch(
        "conversation__participants",
        queryset=Participant.objects.filter(left_at__isnull=True).exclude(user=user).select_related("user")
        if _signed_in(user)
        else Participant.objects.none(),
        to_attr="other_places",
    )
    places = (
        current_places(user)
        .select_related("conversation")
        .annotate(unread=Count("conversation__messages", filter=_unread_filter("conversation__", user)))
        .annotate(has_unread=Case(When(unread__gt=0, then=1), default=0, output_field=IntegerField()))
        .order_by(
            "-has_unread",
            F("conversation__last_message_at").desc(nulls_last=True),
            "-conversation__created_at",
        )
        .prefetch_related(others)
    )
    return [
        ConversationRow(
            conversation=place.conversation,
            role=place.role,
            unread=place.unread,
            others=list(getattr(place.conversation, "other_places", [])),
        )
        for place in places
    ]


def unread_count(user: Any, conversation: Conversation) -> int:
    place = current_places(user).filter(conversation=conversation).first()
    if place is None:
        return 0
    unread = conversation.messages.exclude(author=user).filter(held=False)
    if place.last_read_at is not None:
        unread = unread.filter(created_at__gt=place.last_read_at)
    return unread.count()


def participants_of(conversation: Conversation) -> list[Participant]:
    """Everyone currently in the conversation, with their accounts."""
    return list(conversation.participants.filter(left_at__isnull=True).select_related("user").order_by("created_at"))


def messages_of(conversation: Conversation, user: Any) -> QuerySet[Message]:
    """The messages the person sees, oldest first: every delivered one, and their own held ones."""
    return conversation.messages.filter(Q(held=False) | Q(author=user)).select_related("author").order_by("created_at")


def existing_conversation(*, organisation: Any, kind: str, users: Sequence[Any]) -> Conversation | None:
    """The conversation of this kind in the organisation whose current participants are exactly these people (the
    oldest, should there be more than one)."""
    ids = {user.pk for user in users}
    candidates = (
        Conversation.objects.filter(organisation=organisation, kind=kind)
        .annotate(
            wanted=Count("participants", filter=Q(participants__user__in=ids, participants__left_at__isnull=True)),
            current=Count("participants", filter=Q(participants__left_at__isnull=True)),
        )
        .filter(wanted=len(ids), current=len(ids))
        .order_by("created_at")
    )
    return candidates.first()


@dataclass(frozen=True)
class CrisisSupport:
    """The help lines for the writer of a crisis message, and whether someone was asked to look."""

    lines: list[crisis.Line]
    someone_told: bool


def crisis_lines_period() -> timedelta:
    return timedelta(days=int(getattr(settings, "PEERPATH_CRISIS_LINES_DAYS", CRISIS_LINES_DAYS)))


def crisis_support(user: Any, conversation: Conversation) -> CrisisSupport | None:
    """The help lines for the person when they themselves wrote a message in this conversation that screening read
    as a crisis, within the period; None for everyone else (the others never learn how a message was screened)."""
    if not _signed_in(user):
        return None
    recent = conversation.messages.filter(author=user, crisis=True, created_at__gte=now() - crisis_lines_period())
    if not recent.exists():
        return None
    return CrisisSupport(
        lines=crisis.lines_for(conversation.organisation, writer=user),
        someone_told=recent.filter(alert_recipients__gt=0).exists(),
    )
