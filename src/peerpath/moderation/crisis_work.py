"""The crisis workflow (issue 15 point 7): a crisis item is its own kind of work, and it ends with a person reached,
not a button.

Outcomes, each with a note, each audited (`moderation.crisis_outcome`) and appended as a `CrisisOutcome` row (never
overwriting, so two moderators acting at once both keep their record):

    reached_out          a kind message is sent privately to the writer in PeerPath     the item stays open
    passed_to_clinician  the host's clinicians are told and may open the item            the item stays open
    safe                 the person says they are safe                                   resolves the item
    emergency_services   emergency services were called                                  resolves the item
    no_risk              no risk on review (a held post is published)                    resolves the item

The re-alert clock: an open crisis item with no outcome at all re-alerts every `PEERPATH_CRISIS_REALERT_MINUTES`
(default 15) to the space's moderators and the host's coordinators and admins. Any outcome stops the clock: an item
someone reached out on, or passed to a clinician, stays open for its follow-up but is no longer unseen. Outcomes may
still be added to a resolved item (a follow-up after "safe" is kept, not refused). The spam actions (approve, hide,
ask to edit, warn, mute, remove, escalate) are refused on a crisis item (`actions.py`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from peerpath.accounts.models import RoleAssignment, User
from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.accounts.selectors import roles_in
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.forum import services as forum
from peerpath.forum.access import moderates
from peerpath.forum.models import Notification, Post
from peerpath.moderation import tasks
from peerpath.moderation.actions import host_clinicians, item_touch
from peerpath.moderation.models import Action, CrisisOutcome, CrisisRealert, QueueItem, SupportMessage
from peerpath.moderation.services import example_record, moderators_of
from peerpath.spaces.selectors import membership_of
from peerpath.spaces.tokens import site_url

Outcome = CrisisOutcome.Kind
RESOLVING = frozenset({Outcome.SAFE, Outcome.EMERGENCY_SERVICES, Outcome.NO_RISK})
MAX_NOTE = 1000
MAX_MESSAGE = 2000
DEFAULT_REALERT_MINUTES = 15


def kind_message(item: QueueItem) -> str:
    """The starting text of the "reached out" message: warm, plain, no judgement; the sender edits it."""
    post = item.post
    handle = post.author.handle if post.author is not None else ""
    return _(
        "Hello %(handle)s, I am one of the people who look after %(space)s. I read what you wrote and I wanted to "
        "check in with you. How are you doing right now? You are not alone, and you do not have to go through this "
        "by yourself. If you might act on these thoughts, please call one of the help lines on your thread now. "
        "You can reply here in PeerPath whenever you want to."
    ) % {"handle": handle, "space": item.space.name}


def crisis_item_path(item_id: Any) -> str:
    return reverse("crisis_item", kwargs={"item_id": item_id})


def realert_period() -> timedelta:
    minutes = int(getattr(settings, "PEERPATH_CRISIS_REALERT_MINUTES", DEFAULT_REALERT_MINUTES))
    return timedelta(minutes=max(minutes, 1))


def was_passed_to_clinician(item: QueueItem) -> bool:
    return item.crisis_outcomes.filter(kind=Outcome.PASSED_TO_CLINICIAN).exists()


def crisis_role(user: Any, item: QueueItem) -> str:
    """ "moderator" for those who moderate the space; "clinician" for the host's clinicians once the item was passed
    to them; "" for everyone else."""
    space = item.space
    if moderates(user, space, membership_of(user, space)):
        return "moderator"
    if Role.CLINICIAN in roles_in(user, space.organisation_id) and was_passed_to_clinician(item):
        return "clinician"
    return ""


def _lock(item: QueueItem) -> QueueItem:
    return (
        QueueItem.objects.select_for_update(of=("self",))
        .select_related("post__thread__space__organisation", "post__author", "space__organisation")
        .get(pk=item.pk)
    )


def _text(value: str | None, *, limit: int, field: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(missing, field=field)
    if len(value) > limit:
        raise DomainError(_("Keep it under %(n)s characters.") % {"n": limit}, field=field)
    if "\x00" in value:
        raise DomainError(_("Remove the unusual characters and try again."), field=field)
    return value


def _email_link(user_id: Any, *, subject: str, lines: list[str]) -> None:
    person_id = str(user_id)
    transaction.on_commit(lambda: tasks.send_member_email.enqueue(person_id, subject, lines))


@transaction.atomic
def crisis_record_outcome(
    *, item: QueueItem, actor: User, outcome: str, note: str, message: str | None = None
) -> CrisisOutcome:
    """Record what happened on a crisis item (see the module's docstring for which outcomes resolve it). The item
    row is locked, so two people acting at once are applied one after the other, and both rows are kept."""
    item = _lock(item)
    post, space = item.post, item.space
    if not item.is_crisis:
        raise Conflict(_("These actions are for posts that may be from someone in crisis."))
    role = crisis_role(actor, item)
    if not role:
        raise PermissionDenied(_("Only the space's moderators and the clinicians it was passed to can do that."))
    if outcome not in Outcome.values:
        raise DomainError(_("Choose what happened."), field="outcome")
    note = _text(note, limit=MAX_NOTE, field="note", missing=_("Add a short note of what happened."))
    clinicians: list[User] = []
    if outcome == Outcome.PASSED_TO_CLINICIAN:
        if role != "moderator":
            raise PermissionDenied(_("Only a moderator passes a crisis item to a clinician."))
        clinicians = [person for person in host_clinicians(space) if person.pk != post.author_id]
        if not clinicians:
            raise Conflict(_("The host organisation has no clinicians to pass this to."))
    sent: SupportMessage | None = None
    if outcome == Outcome.REACHED_OUT:
        body = _text(message, limit=MAX_MESSAGE, field="message", missing=_("Write the message to send."))
        if post.author is None or not post.author.is_active:
            raise Conflict(_("The writer's account is closed: a message cannot reach them."))
        sent = SupportMessage.objects.create(item=item, sender=actor, recipient=post.author, body=body)
        record(action="moderation.support_message_sent", actor=actor, organisation=space.organisation, target=post,
               details={"item": str(item.pk), "message": str(sent.pk)})  # fmt: skip
        _email_link(post.author_id, subject=_("A message for you from %(space)s") % {"space": space.name}, lines=[
            _("Someone who looks after %(space)s sent you a message. You can read it in PeerPath: %(link)s")
            % {"space": space.name, "link": site_url(reverse("support_messages"))},
        ])  # fmt: skip
    row = CrisisOutcome.objects.create(item=item, actor=actor, actor_role=role, kind=outcome, note=note)
    log_reason = f"{row.get_kind_display()}: {note}"[:500]
    Action.objects.create(space=space, post=post, subject_id=post.author_id, moderator=actor,
                          kind=Action.Kind.CRISIS_OUTCOME, reason=log_reason)  # fmt: skip
    record(action="moderation.crisis_outcome", actor=actor, organisation=space.organisation, target=post,
           details={"item": str(item.pk), "outcome": outcome, "role": role,
                    "resolves": outcome in RESOLVING})  # fmt: skip
    if clinicians:
        _pass_to(clinicians, actor=actor, item=item, note=note)
    if outcome == Outcome.NO_RISK and post.status == Post.Status.HELD:
        forum.post_publish(post=post)  # the review found no risk: a post the space held goes up, as on approval
        if post.author_id is not None:
            Notification.objects.create(user_id=post.author_id, kind=Notification.Kind.POST_APPROVED,
                                        thread=post.thread, post=post)  # fmt: skip
    example_record(post=post, label="none" if outcome == Outcome.NO_RISK else "crisis", decided_by=actor, once=True)
    item_touch(item, resolve=outcome if outcome in RESOLVING else "", by=actor)
    return row


def _pass_to(clinicians: list[User], *, actor: User, item: QueueItem, note: str) -> None:
    """The host's clinicians are told on the site and by e-mail; both open the crisis item. The escalation is logged
    as one too, so the fact-note gate lets them add a note to the post."""
    post, space = item.post, item.space
    Action.objects.create(space=space, post=post, subject_id=post.author_id, moderator=actor,
                          kind=Action.Kind.ESCALATE, reason=note[:500])  # fmt: skip
    record(action="moderation.escalate", actor=actor, organisation=space.organisation, target=post,
           details={"item": str(item.pk), "crisis": True, "clinicians": len(clinicians)})  # fmt: skip
    Notification.objects.bulk_create(
        [Notification(user=person, kind=Notification.Kind.ESCALATED, thread=post.thread, post=post,
                      text=_("Urgent: a post that may be from someone in crisis."))
         for person in clinicians]
    )  # fmt: skip
    link = site_url(crisis_item_path(item.pk))
    for person in clinicians:
        _email_link(person.pk, subject=_("URGENT: a moderator passes a crisis post to you"), lines=[
            _("A moderator of %(space)s passed a post that may be from someone in crisis to the host's clinicians. "
              "Please look now: %(link)s") % {"space": space.name, "link": link},
        ])  # fmt: skip


# --- The writer's messages ------------------------------------------------------------------------------------------


def support_messages_of(user: Any) -> QuerySet[SupportMessage]:
    """The kind messages sent to this person (their own only), newest first."""
    if not getattr(user, "is_authenticated", False):
        return SupportMessage.objects.none()
    return SupportMessage.objects.filter(recipient=user).select_related("sender", "item__space")


@transaction.atomic
def support_messages_seen(*, user: User) -> int:
    """The writer opened their messages: the unread ones are marked read."""
    count = SupportMessage.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now())
    if count:
        record(action="moderation.support_messages_read", actor=user, organisation=None, target=user,
               details={"count": count})  # fmt: skip
    return count


# --- Re-alerts --------------------------------------------------------------------------------------------------


def unhandled_crisis_items() -> QuerySet[QueueItem]:
    """Open crisis items nobody has recorded an outcome on."""
    has_outcome = CrisisOutcome.objects.filter(item=OuterRef("pk"))
    return QueueItem.objects.filter(Q(urgent=True) | Q(category="crisis"), status=QueueItem.Status.OPEN).exclude(
        Exists(has_outcome)
    )


def realert_recipients(space: Any) -> list[User]:
    """The space's moderators and the host's moderators and coordinators (as the first alert), and the host's
    admins: a crisis nobody has handled escalates to the people who run the organisation."""
    managers = RoleAssignment.objects.filter(organisation_id=space.organisation_id, role__in=ORG_MANAGER_ROLES)
    people = {person.pk: person for person in moderators_of(space)}
    for person in User.objects.filter(pk__in=managers.values("user"), is_active=True):
        people.setdefault(person.pk, person)
    return sorted(people.values(), key=lambda person: person.handle)


def crisis_realert_sweep() -> int:
    """Re-alert every unhandled crisis item once per period since it opened; returns how many re-alerts went out.
    Idempotent: a round already recorded (by this sweep or another running at once) is skipped."""
    period, moment = realert_period(), now()
    sent = 0
    for item_id, opened in (
        unhandled_crisis_items().filter(created_at__lte=moment - period).values_list("pk", "created_at")
    ):
        round_ = int((moment - opened) / period)
        if _realert(item_id, round_):
            sent += 1
    return sent


@transaction.atomic
def _realert(item_id: Any, round_: int) -> bool:
    item = QueueItem.objects.select_for_update(of=("self",)).select_related(
        "post__thread__space__organisation", "space__organisation"
    ).filter(pk=item_id).first()  # fmt: skip
    if item is None or item.status != QueueItem.Status.OPEN or item.crisis_outcomes.exists():
        return False
    try:
        with transaction.atomic():
            row = CrisisRealert.objects.create(item=item, round=round_)
    except IntegrityError:
        return False  # this round was already sent
    post, space = item.post, item.space
    people = [person for person in realert_recipients(space) if person.pk != post.author_id]
    minutes = int((now() - item.created_at).total_seconds() // 60)
    text = _("Still nobody has recorded what happened, %(n)s minutes after the post.") % {"n": minutes}
    Notification.objects.bulk_create(
        [Notification(user=person, kind=Notification.Kind.CRISIS, thread=post.thread, post=post, text=text)
         for person in people]
    )  # fmt: skip
    row.people = len(people)
    row.save(update_fields=["people", "updated_at"])
    record(action="moderation.crisis_realerted", actor=None, organisation=space.organisation, target=post,
           details={"item": str(item.pk), "round": round_, "people": len(people)})  # fmt: skip
    item_id_text = str(item.pk)
    transaction.on_commit(lambda: tasks.send_crisis_realert.enqueue(item_id_text))
    return True
