"""Private messages between a peer supporter and a patient of their caseload, or a group member whose organiser asked
the host's peer supporters to check in on them. Programmes decides who may talk to whom; the messages app keeps the
conversation and screens what is written in it (crisis first)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from peerpath.accounts.models import User
from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.accounts.selectors import roles_in
from peerpath.core.errors import Conflict, PermissionDenied
from peerpath.messages import selectors as conversations
from peerpath.messages import services as messaging
from peerpath.messages.models import Conversation, Participant
from peerpath.programmes.models import Enrolment
from peerpath.spaces.models import CheckInRequest, Membership


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
    return _supporter_conversation(actor, patient, enrolment.programme.organisation, enrolment.programme.name)


def _supporter_conversation(actor: User, person: User, organisation: Any, subject: str) -> Conversation:
    """The private conversation between a supporter (the actor) and the person they support, in the organisation:
    the one they already have, or a new one (the caller holds a lock, so two clicks cannot start two)."""
    kind = Conversation.Kind.SUPPORTER
    existing = conversations.existing_conversation(organisation=organisation, kind=kind, users=[actor, person])
    if existing is not None:
        return existing
    return messaging.conversation_start(
        actor=actor, organisation=organisation, kind=kind, subject=subject,
        participants=[(actor, Participant.Role.SUPPORTER), (person, Participant.Role.PATIENT)],
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


@transaction.atomic
def check_in_conversation(*, actor: User, request: CheckInRequest) -> Conversation:
    """The private conversation between a peer supporter (or coordinator, admin) of the host and a group member whose
    organiser asked for a check-in: the one they already have in the host organisation, or a new one. Only while the
    request is open and the member still agrees to a check-in."""
    # One request at a time, so that two clicks cannot start two conversations; withdrawing the agreement cancels
    # the request under the same row lock, so it cannot slip in between.
    request = (
        CheckInRequest.objects.select_for_update(of=("self",))
        .select_related("membership__user", "membership__space__organisation")
        .get(pk=request.pk)
    )
    membership = request.membership
    organisation = membership.space.organisation
    if not {Role.PEER_SUPPORTER, *ORG_MANAGER_ROLES} & roles_in(actor, organisation.pk):
        raise PermissionDenied(_("Only the host's peer supporters and coordinators can write to this member here."))
    if (
        request.status != CheckInRequest.Status.OPEN
        or membership.status != Membership.Status.ACTIVE
        or not membership.peer_check_in_ok
    ):
        raise Conflict(_("This check-in is no longer waiting, or the member no longer agrees to one."))
    member = membership.user
    if member.pk == actor.pk:
        raise Conflict(_("This check-in is about you: another peer supporter will get in touch."))
    return _supporter_conversation(actor, member, organisation, membership.space.name)
