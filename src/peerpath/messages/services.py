"""Every change to private conversations: atomic, audited, keyword-only.

Who may talk to whom is the caller's decision (programmes starts a conversation between a supporter and a patient of
their caseload); this app keeps the conversation private to its participants and screens every message as a post
is screened, with the default decisions, crisis first: a crisis message is delivered, its writer sees the help lines
of their country at once, and the supporters in the conversation and the organisation's coordinators are e-mailed
(never the text). Personal data is sent only once the writer confirms; promotion, misinformation and medical
instructions are delivered and flagged on the message for a coordinator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from peerpath.accounts.models import Organisation, RoleAssignment, User
from peerpath.accounts.roles import Role
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.forum import reasons
from peerpath.messages.models import MAX_BODY_LENGTH, MAX_SUBJECT_LENGTH, Conversation, Message, Participant
from peerpath.moderation import crisis
from peerpath.moderation.selectors import claim_rules
from peerpath.screening.categories import DEFAULT_DECISIONS, Category
from peerpath.screening.core import Context, Result, screen

# The roles a conversation of each kind is between: one person in each.
KIND_ROLES: dict[str, tuple[str, ...]] = {
    Conversation.Kind.SUPPORTER: (Participant.Role.SUPPORTER, Participant.Role.PATIENT),
    Conversation.Kind.BUDDY: (Participant.Role.MENTEE, Participant.Role.MENTOR),
}
# Kinds with nobody who works for the organisation in them: a crisis there alerts its moderators too, since no one
# else reads these conversations.
UNWATCHED_KINDS = frozenset({Conversation.Kind.BUDDY})


class PersonalDataFound(DomainError):
    """Screening found personal data in a message: the writer is asked to confirm before anything is sent. `kinds`
    names what was found ("a phone number"), never the data itself."""

    status = 409
    code = "personal_data"

    def __init__(self, kinds: list[str]) -> None:
        self.kinds = kinds
        super().__init__(
            _(
                "Your message seems to contain %(what)s. Only the people in this conversation will see it. You can "
                "edit your message to take it out, or send it anyway."
            )
            % {"what": reasons.joined(kinds)},
            field="body",
        )


SentHook = Callable[[Message], None]
_sent_hooks: list[SentHook] = []


def on_message_sent(hook: SentHook) -> SentHook:
    """Register what else happens when a message is sent (matching: a pair's first contact, and the contact counted
    on the member's prescription). Runs inside the sending transaction; an exception undoes the send."""
    if hook not in _sent_hooks:
        _sent_hooks.append(hook)
    return hook


@dataclass
class SendOutcome:
    """What the writer is told after sending."""

    message: Message
    crisis_lines: list[crisis.Line] = field(default_factory=list)
    someone_told: bool = False  # a crisis alert is on its way to a person who can act

    @property
    def is_crisis(self) -> bool:
        return self.message.crisis


def _check_text(value: str, *, name: str, required: bool, limit: int) -> None:
    # PostgreSQL cannot store a NUL character: refuse it clearly rather than fail on saving (a 500).
    if "\x00" in value:
        raise DomainError(_("Remove the null character from the text: it cannot be saved."), field=name)
    if required and not value.strip():
        raise DomainError(_("Write a message first."), field=name)
    if len(value) > limit:
        raise DomainError(_("Keep it to %(n)s characters at most.") % {"n": f"{limit:,}"}, field=name)


@transaction.atomic
def conversation_start(
    *, actor: User | None, organisation: Organisation, participants: Sequence[tuple[User, str]], kind: str,
    subject: str = "",
) -> Conversation:  # fmt: skip
    """Start a conversation between these people, each with their role in it (`participants`: (user, role) pairs).
    The caller has decided that they may talk to each other."""
    if kind not in KIND_ROLES:
        raise DomainError(_("Choose what kind of conversation this is."), field="kind")
    subject = subject.strip()
    _check_text(subject, name="subject", required=False, limit=MAX_SUBJECT_LENGTH)
    roles = sorted(role for _user, role in participants)
    if roles != sorted(KIND_ROLES[kind]):
        raise DomainError(_("This conversation needs one person in each role."), field="participants")
    people = {user.pk for user, _role in participants}
    if len(people) != len(participants):
        raise DomainError(_("A person can take part in a conversation once."), field="participants")
    if any(not user.is_active for user, _role in participants):
        raise Conflict(_("One of these accounts is closed."), field="participants")
    conversation = Conversation.objects.create(organisation=organisation, kind=kind, subject=subject)
    Participant.objects.bulk_create(
        [Participant(conversation=conversation, user=user, role=role) for user, role in participants]
    )
    record(action="conversations.started", actor=actor, organisation=organisation, target=conversation,
           details={"kind": kind, "roles": roles})  # fmt: skip
    return conversation


def _current_place(user: User, conversation: Conversation) -> Participant | None:
    return Participant.objects.filter(conversation=conversation, user=user, left_at__isnull=True).first()


def _screen(author: User, body: str) -> Result:
    """Screen a message as a post is screened, without a space's conditions or choices: the curated claims, the
    writer's own handle, and the default decisions."""
    context = Context(claims=claim_rules(), author_handle=author.handle)
    return screen(body, context, dict(DEFAULT_DECISIONS))


def _check_personal_data(result: Result, *, confirmed: bool) -> None:
    """Ask before sending personal data; a crisis message is never delayed by the question."""
    if confirmed or result.is_crisis or Category.PERSONAL_DATA not in result.categories:
        return
    raise PersonalDataFound(reasons.personal_data_kinds(result.findings) or [_("personal details")])


def crisis_recipients(message: Message) -> list[User]:
    """Who is alerted to a crisis message: the other participants who work for the organisation (the supporter)
    and the organisation's coordinators (and its moderators, where no one who works for it is in the conversation);
    never the writer, each person once, only those an e-mail can reach."""
    conversation = message.conversation
    staff = Participant.objects.filter(
        conversation=conversation, left_at__isnull=True, role__in=Participant.STAFF_ROLES
    ).values("user")
    alerted_roles = [Role.COORDINATOR, Role.MODERATOR] if conversation.kind in UNWATCHED_KINDS else [Role.COORDINATOR]
    coordinators = RoleAssignment.objects.filter(
        organisation_id=conversation.organisation_id, role__in=alerted_roles
    ).values("user")
    people = (
        User.objects.filter(Q(pk__in=staff) | Q(pk__in=coordinators), is_active=True)
        .exclude(pk=message.author_id)
        .exclude(email="")
    )
    return list(people.order_by("handle"))


def _alert_crisis(message: Message) -> int:
    """A crisis message is never left unseen: the people who can act are e-mailed once the message is saved."""
    from peerpath.messages import tasks

    people = crisis_recipients(message)
    message.alert_recipients = len(people)
    message.save(update_fields=["alert_recipients", "updated_at"])
    record(action="conversations.crisis_alerted", actor=None, organisation=message.conversation.organisation,
           target=message, details={"people": len(people)})  # fmt: skip
    if people:
        message_id = str(message.pk)
        transaction.on_commit(lambda: tasks.send_crisis_alert.enqueue(message_id))
    return len(people)


@transaction.atomic
def message_send(
    *, author: User, conversation: Conversation, body: str, confirm_personal_data: bool = False
) -> SendOutcome:
    """Send a message in a conversation the author is a current participant of, screened first (crisis first)."""
    # One message at a time per conversation (the organisation's row is not locked with it).
    conversation = (
        Conversation.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=conversation.pk)
    )
    place = _current_place(author, conversation)
    if place is None or not author.is_active:
        raise PermissionDenied(_("Only the people in this conversation can write in it."))
    if conversation.closed_at is not None:
        raise Conflict(_("This conversation has ended: you can read it, but no new messages can be sent."),
                       field="body")  # fmt: skip
    _check_text(body, name="body", required=True, limit=MAX_BODY_LENGTH)
    result = _screen(author, body)
    _check_personal_data(result, confirmed=confirm_personal_data)
    categories = [str(category) for category in result.categories]
    # In a private conversation every message is delivered: a crisis must reach a person, and what else screening
    # found is kept on the message for a coordinator, not held in a queue the other person cannot see.
    message = Message.objects.create(
        conversation=conversation, author=author, body=body, decision=result.decision, categories=categories,
        flagged=bool(set(categories) - {Category.PERSONAL_DATA}), crisis=result.is_crisis, held=False,
    )  # fmt: skip
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    Participant.objects.filter(pk=place.pk).update(last_read_at=message.created_at)  # one's own message is read
    record(action="conversations.message_sent", actor=author, organisation=conversation.organisation,
           target=message, details={"decision": result.decision, "categories": categories})  # fmt: skip
    for hook in list(_sent_hooks):
        hook(message)
    if not result.is_crisis:
        return SendOutcome(message=message)
    told = _alert_crisis(message)
    lines = crisis.lines_for(conversation.organisation, writer=author)
    return SendOutcome(message=message, crisis_lines=lines, someone_told=told > 0)


@transaction.atomic
def conversation_read(*, user: User, conversation: Conversation) -> int:
    """Mark the conversation read up to now for the person; the number of messages of others that were unread."""
    from peerpath.messages.selectors import unread_count

    place = (
        Participant.objects.select_for_update()
        .filter(conversation=conversation, user=user, left_at__isnull=True)
        .first()
    )
    if place is None:
        raise PermissionDenied(_("Only the people in this conversation can read it."))
    unread = unread_count(user, conversation)
    place.last_read_at = now()
    place.save(update_fields=["last_read_at", "updated_at"])
    if unread:
        record(action="conversations.read", actor=user, organisation=conversation.organisation,
               target=conversation, details={"messages": unread})  # fmt: skip
    return unread


@transaction.atomic
def participant_leave(*, actor: User, conversation: Conversation, user: User) -> Participant:
    """Take a person out of a conversation (they stop reading and writing there; what they wrote stays). The caller
    decides who may: the person themselves, or the app that let them in (a patient leaving a caseload)."""
    place = (
        Participant.objects.select_for_update()
        .filter(conversation=conversation, user=user, left_at__isnull=True)
        .first()
    )
    if place is None:
        raise Conflict(_("This person is not in the conversation."))
    place.left_at = now()
    place.save(update_fields=["left_at", "updated_at"])
    record(action="conversations.participant_left", actor=actor, organisation=conversation.organisation,
           target=conversation, details={"role": place.role, "self": actor.pk == user.pk})  # fmt: skip
    return place


@transaction.atomic
def conversation_close(*, actor: User | None, conversation: Conversation) -> Conversation:
    """Close a conversation: its participants still read it, nobody writes in it any more. The caller decides who
    may (matching closes a pair's conversation when their match ends). Closing a closed one changes nothing."""
    conversation = (
        Conversation.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=conversation.pk)
    )
    if conversation.closed_at is not None:
        return conversation
    conversation.closed_at = now()
    conversation.save(update_fields=["closed_at", "updated_at"])
    record(action="conversations.closed", actor=actor, organisation=conversation.organisation, target=conversation,
           details={"kind": conversation.kind})  # fmt: skip
    return conversation
