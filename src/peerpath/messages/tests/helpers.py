"""Conversations for tests, made through the services: the peer supporter persona and the member persona (as the
patient), in the home organisation."""

from __future__ import annotations

from typing import Any

from peerpath.accounts.models import User
from peerpath.messages import services
from peerpath.messages.models import Conversation, Participant
from peerpath.testing.personas import World

CRISIS_TEXT = "I can't do this any more. I want to end it all tonight."
PHONE_TEXT = "Ring me on 07700 900123 any evening and we can talk."
PLAIN_TEXT = "Thank you for the call yesterday, see you at the walk on Tuesday."


def supporter_conversation(
    world: World, *, supporter: User | None = None, patient: User | None = None, subject: str = "Diabetes coaching"
) -> Conversation:
    supporter = supporter or world.people["peer_supporter"]
    patient = patient or world.people["member"]
    return services.conversation_start(
        actor=supporter, organisation=world.home, kind=Conversation.Kind.SUPPORTER, subject=subject,
        participants=[(supporter, Participant.Role.SUPPORTER), (patient, Participant.Role.PATIENT)],
    )  # fmt: skip


def send(author: User, conversation: Conversation, body: str = PLAIN_TEXT, **extra: Any) -> services.SendOutcome:
    return services.message_send(author=author, conversation=conversation, body=body, **extra)
