"""Private messages between a peer supporter and a patient of their caseload. Programmes decides who may talk to
whom; the messages app keeps the conversation and screens what is written in it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from peerpath.accounts.models import User
from peerpath.core.errors import Conflict, PermissionDenied
from peerpath.messages import selectors as conversations
from peerpath.messages import services as messaging
from peerpath.messages.models import Conversation, Participant
from peerpath.programmes.models import Enrolment


def may_message(user: Any, enrolment: Enrolment) -> bool:
    """Whether the person may write to the enrolment's patient from the patient's page: they are the patient's
    supporter, the enrolment is running and the patient has a PeerPath account."""
    return (
        enrolment.supporter is not None
        and enrolment.supporter.user_id == getattr(user, "pk", None)
        and enrolment.status == Enrolment.Status.ACTIVE
        and enrolment.patient.user_id is not None
    )


@transaction.atomic
def enrolment_conversation(*, actor: User, enrolment: Enrolment) -> Conversation:
    """The private conversation between the enrolment's supporter (the actor) and its patient: the one they already
    have, or a new one."""
    # One enrolment at a time, so that two clicks cannot start two conversations.
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("patient__user", "supporter", "programme__organisation")
        .get(pk=enrolment.pk)
    )
    if enrolment.supporter is None or enrolment.supporter.user_id != actor.pk:
        raise PermissionDenied(_("Only the patient's peer supporter can write to them here."))
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise Conflict(_("This patient's place in the programme has ended."))
    patient = enrolment.patient.user
    if patient is None or not patient.is_active:
        raise Conflict(_("This patient has no PeerPath account, so they cannot get private messages yet."))
    organisation = enrolment.programme.organisation
    kind = Conversation.Kind.SUPPORTER
    existing = conversations.existing_conversation(organisation=organisation, kind=kind, users=[actor, patient])
    if existing is not None:
        return existing
    return messaging.conversation_start(
        actor=actor, organisation=organisation, kind=kind, subject=enrolment.programme.name,
        participants=[(actor, Participant.Role.SUPPORTER), (patient, Participant.Role.PATIENT)],
    )  # fmt: skip


def supporter_leaves(*, actor: User, enrolment: Enrolment, supporter_user: User) -> None:
    """A supporter who no longer holds the patient (the enrolment ended or went to another supporter) leaves their
    private conversation with the patient: they stop reading and writing there. Not while they still support the
    same patient in another programme of the organisation."""
    patient = enrolment.patient.user
    if patient is None:
        return
    still = Enrolment.objects.filter(patient=enrolment.patient, supporter__user=supporter_user,
                                     status=Enrolment.Status.ACTIVE).exclude(pk=enrolment.pk)  # fmt: skip
    if still.exists():
        return
    organisation = enrolment.programme.organisation
    existing = conversations.existing_conversation(
        organisation=organisation, kind=Conversation.Kind.SUPPORTER, users=[supporter_user, patient]
    )
    if existing is not None:
        messaging.participant_leave(actor=actor, conversation=existing, user=supporter_user)
