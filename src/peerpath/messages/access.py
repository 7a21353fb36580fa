"""The gate for private conversations: the conversation, or the same 404 for "missing" and "not yours". Only its
current participants reach it; every refusal is audited, and every read of a conversation with a patient in it (or of
a buddy pair's) is a read of patient data."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from peerpath.audit.services import record_access, record_denied
from peerpath.core.access import uuid_or_404
from peerpath.messages.models import Conversation, Participant
from peerpath.messages.selectors import visible_conversations


def access_conversation(user: Any, conversation_id: Any, *, purpose: str = "read messages") -> Conversation:
    """A conversation the person takes part in (and has not left)."""
    conversation = (
        visible_conversations(user).select_related("organisation").filter(pk=uuid_or_404(conversation_id)).first()
    )
    if conversation is None:
        record_denied(actor=user, object_type="conversations.conversation", object_id=str(conversation_id))
        raise Http404
    # A buddy pair's conversation is as private as a patient's: each read is on record too.
    if (
        conversation.kind == Conversation.Kind.BUDDY
        or conversation.participants.filter(role=Participant.Role.PATIENT).exists()
    ):
        record_access(actor=user, target=conversation, organisation=conversation.organisation, purpose=purpose)
    return conversation
