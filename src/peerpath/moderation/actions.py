"""The moderators' actions (issue 6 points 7, 9-12): on a queue item (approve, hide, ask the author to edit, warn,
mute, remove from the space, escalate to a clinician), appeals, fact notes, and a space's rules and screening
choices and an organisation's crisis lines.

Every action is atomic and audited, writes one `Action` row (the space's moderation log), sets the queue item's
`first_action_at` on its first action, and resolves the item when the action settles the post (approve, hide, ask
to edit, escalate, an appeal's decision). Actions on the person (warn, mute, remove) leave the item open: the post
still needs a decision. An appeal's item takes its decision only (restore or uphold, by another moderator than the one
who hid the post): every other action on it is refused. The author is told on the site (`forum.models.Notification`)
and, for hides and mutes, by e-mail; the e-mail says where to look and never quotes the post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerpath.accounts.models import Organisation, RoleAssignment, User
from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.accounts.selectors import roles_in
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.forum import services as forum
from peerpath.forum.access import moderates
from peerpath.forum.models import Notification, Post
from peerpath.moderation import tasks
from peerpath.moderation.crisis import Line
from peerpath.moderation.models import (
    NO_LABEL,
    Action,
    Appeal,
    Category,
    CrisisResource,
    Decision,
    FactNote,
    Mute,
    QueueItem,
    SpacePolicy,
)
from peerpath.moderation.rules import TEMPLATE_KEYS
from peerpath.moderation.services import alert_crisis, example_record
from peerpath.spaces import services as spaces
from peerpath.spaces.models import Membership, Space
from peerpath.spaces.tokens import site_url

# How long a mute lasts (issue 6 point 10: "mute for a period").
MUTE_PERIODS: dict[str, timedelta] = {"1d": timedelta(days=1), "7d": timedelta(weeks=1), "30d": timedelta(days=30)}
MAX_REASON = 500
MAX_CRISIS_LINES = 10


# --- Helpers ---------------------------------------------------------------------------------------------------


def _membership(user: Any, space: Space) -> Membership | None:
    return Membership.objects.filter(space=space, user=user, status=Membership.Status.ACTIVE).first()


def check_moderates(actor: User, space: Space) -> None:
    if not moderates(actor, space, _membership(actor, space)):
        raise PermissionDenied(_("Only the space's moderators can do that."))


def _reason(text: str, *, required: bool = True, field: str = "reason") -> str:
    text = (text or "").strip()
    if required and not text:
        raise DomainError(_("Give a reason: the author will see it."), field=field)
    if len(text) > MAX_REASON:
        raise DomainError(_("Keep it under %(n)s characters.") % {"n": MAX_REASON}, field=field)
    return text


def _lock(item: QueueItem) -> QueueItem:
    return QueueItem.objects.select_for_update().select_related("post__thread__space__organisation").get(pk=item.pk)


def item_touch(item: QueueItem, *, resolve: str = "", by: User | None = None) -> None:
    """The first action starts the clock the dashboard reads; an action that settles the post resolves the item."""
    moment = now()
    fields = []
    if item.first_action_at is None:
        item.first_action_at = moment
        fields.append("first_action_at")
    if resolve and item.status == QueueItem.Status.OPEN:
        item.status, item.resolved_at, item.resolved_by, item.resolution = (
            QueueItem.Status.RESOLVED, moment, by, resolve,
        )  # fmt: skip
        fields += ["status", "resolved_at", "resolved_by", "resolution"]
    if fields:
        item.save(update_fields=[*fields, "updated_at"])


def _log(*, actor: User | None, space: Space, post: Post | None, kind: str, reason: str = "") -> Action:
    action = Action.objects.create(
        space=space, post=post, subject_id=post.author_id if post is not None else None, moderator=actor, kind=kind,
        reason=reason[:MAX_REASON],
    )  # fmt: skip
    record(action=f"moderation.{kind}", actor=actor, organisation=space.organisation, target=post or space,
           details={"action": str(action.pk)})  # fmt: skip
    return action


def _tell(user_id: Any, *, kind: str, post: Post, text: str = "") -> None:
    if user_id is None:
        return
    Notification.objects.create(user_id=user_id, kind=kind, thread=post.thread, post=post, text=text[:500])


def _email(user_id: Any, *, subject: str, lines: list[str]) -> None:
    """After the commit: a moderator's decision about a member's post or voice reaches them by e-mail too, by a
    background task, so a mail server that refuses never turns the moderator's saved decision into an error page."""
    if user_id is None:
        return
    person_id = str(user_id)
    transaction.on_commit(lambda: tasks.send_member_email.enqueue(person_id, subject, lines))


def _thread_link(post: Post) -> str:
    return site_url(f"/spaces/{post.thread.space_id}/forum/{post.thread_id}/")


def _check_open(item: QueueItem) -> None:
    if item.status != QueueItem.Status.OPEN:
        raise Conflict(_("This item was already dealt with."))


def _check_not_crisis(item: QueueItem) -> None:
    """A crisis item is its own kind of work (issue 15 point 7): what happened is recorded with a crisis outcome
    (`crisis_work.crisis_record_outcome`), never with the actions made for spam."""
    if item.is_crisis:
        raise Conflict(_("This post may be from someone in crisis: record what happened on its crisis page instead."))


def _check_not_appeal(item: QueueItem) -> None:
    """An appeal's item is settled by its decision only (`appeal_decide`: restore or uphold, by another moderator
    than the one who hid the post): any other action would resolve the item and leave the appeal open for ever."""
    if item.source == QueueItem.Source.APPEAL:
        raise Conflict(
            _("This post is under appeal: an appeal is decided by restoring the post or upholding the hide.")
        )


# --- Actions on a queue item ------------------------------------------------------------------------------------


@transaction.atomic
def item_approve(*, actor: User, item: QueueItem) -> QueueItem:
    """A held (or auto-hidden) post is published; a flagged published post stays and the flag is cleared."""
    item = _lock(item)
    post, space = item.post, item.space
    check_moderates(actor, space)
    _check_open(item)
    _check_not_crisis(item)
    _check_not_appeal(item)
    was = post.status
    if was == Post.Status.DELETED:
        raise Conflict(_("Its author deleted this post: there is nothing to approve."))
    if was in (Post.Status.HELD, Post.Status.HIDDEN):
        forum.post_publish(post=post)
        _tell(post.author_id, kind=Notification.Kind.POST_APPROVED, post=post)
    _log(actor=actor, space=space, post=post, kind=Action.Kind.APPROVE)
    example_record(post=post, label=NO_LABEL, decided_by=actor)
    item_touch(item, resolve=Action.Kind.APPROVE, by=actor)
    return item


@transaction.atomic
def item_hide(*, actor: User, item: QueueItem, reason: str) -> QueueItem:
    """Hide the post, with a reason its author sees (they may appeal once)."""
    item = _lock(item)
    post, space = item.post, item.space
    check_moderates(actor, space)
    _check_open(item)
    _check_not_crisis(item)
    _check_not_appeal(item)
    reason = _reason(reason)
    if post.status == Post.Status.DELETED:
        raise Conflict(_("Its author deleted this post already."))
    forum.post_unpublish(post=post, status=Post.Status.HIDDEN, note=reason)
    _tell(post.author_id, kind=Notification.Kind.POST_HIDDEN, post=post, text=reason)
    _email(post.author_id, subject=_("A moderator hid your post in %(space)s") % {"space": space.name}, lines=[
        _("A moderator of %(space)s hid one of your posts. Their reason: %(reason)s")
        % {"space": space.name, "reason": reason},
        _("You can see it, and appeal once if you think it was a mistake: %(link)s") % {"link": _thread_link(post)},
    ])  # fmt: skip
    _log(actor=actor, space=space, post=post, kind=Action.Kind.HIDE, reason=reason)
    example_record(post=post, label=item.category, decided_by=actor)  # a report reason ("unkind"): not kept
    item_touch(item, resolve=Action.Kind.HIDE, by=actor)
    return item


@transaction.atomic
def item_ask_edit(*, actor: User, item: QueueItem, reason: str) -> QueueItem:
    """Hold the post with a note to its author; their edit puts it back in the queue (screening_record)."""
    item = _lock(item)
    post, space = item.post, item.space
    check_moderates(actor, space)
    _check_open(item)
    _check_not_crisis(item)
    _check_not_appeal(item)
    reason = _reason(reason)
    if post.status == Post.Status.DELETED:
        raise Conflict(_("Its author deleted this post already."))
    forum.post_unpublish(post=post, status=Post.Status.HELD, note=reason)
    _tell(post.author_id, kind=Notification.Kind.EDIT_ASKED, post=post, text=reason)
    _log(actor=actor, space=space, post=post, kind=Action.Kind.ASK_EDIT, reason=reason)
    item_touch(item, resolve=Action.Kind.ASK_EDIT, by=actor)
    return item


@transaction.atomic
def item_warn(*, actor: User, item: QueueItem, reason: str) -> QueueItem:
    item = _lock(item)
    post, space = item.post, item.space
    check_moderates(actor, space)
    _check_open(item)
    _check_not_crisis(item)
    _check_not_appeal(item)
    reason = _reason(reason)
    _tell(post.author_id, kind=Notification.Kind.WARNING, post=post, text=reason)
    _log(actor=actor, space=space, post=post, kind=Action.Kind.WARN, reason=reason)
    item_touch(item)
    return item


@transaction.atomic
def item_mute(*, actor: User, item: QueueItem, period: str, reason: str) -> Mute:
    """The author may read but not post in the space for 1 day, 1 week or 30 days."""
    item = _lock(item)
    post, space = item.post, item.space
    check_moderates(actor, space)
    _check_open(item)
    _check_not_crisis(item)
    _check_not_appeal(item)
    if period not in MUTE_PERIODS:
        raise DomainError(_("Choose how long: 1 day, 1 week or 30 days."), field="period")
    reason = _reason(reason)
    if post.author_id is None:
        raise Conflict(_("This post has no author any more."))
    if post.author_id == actor.pk:
        raise Conflict(_("You cannot mute yourself."))
    until = now() + MUTE_PERIODS[period]
    mute = Mute.objects.create(space=space, user_id=post.author_id, until=until, reason=reason, by=actor)
    when = until.strftime("%d %b %Y %H:%M UTC")
    _tell(post.author_id, kind=Notification.Kind.MUTED, post=post, text=f"{reason} ({when})")
    _email(post.author_id, subject=_("You are muted in %(space)s") % {"space": space.name}, lines=[
        _("A moderator of %(space)s muted you until %(until)s: you can read the forum but not post. Their reason: "
          "%(reason)s") % {"space": space.name, "until": when, "reason": reason},
    ])  # fmt: skip
    _log(actor=actor, space=space, post=post, kind=Action.Kind.MUTE, reason=f"{reason} (until {when})")
    item_touch(item)
    return mute


@transaction.atomic
def item_remove(*, actor: User, item: QueueItem, reason: str) -> Membership:
    """Remove the author from the space (spaces.services.membership_remove keeps who may remove whom)."""
    item = _lock(item)
    post, space = item.post, item.space
    check_moderates(actor, space)
    _check_open(item)
    _check_not_crisis(item)
    _check_not_appeal(item)
    reason = _reason(reason)
    membership = None
    if post.author_id is not None:
        membership = Membership.objects.select_related("space__organisation", "user").filter(
            space=space, user_id=post.author_id, status=Membership.Status.ACTIVE
        ).first()  # fmt: skip
    if membership is None:
        raise Conflict(_("The author is not a member of this space any more."))
    membership = spaces.membership_remove(actor=actor, membership=membership, reason=reason)
    _tell(post.author_id, kind=Notification.Kind.WARNING, post=post,
          text=_("You were removed from %(space)s: %(reason)s") % {"space": space.name, "reason": reason})  # fmt: skip
    _log(actor=actor, space=space, post=post, kind=Action.Kind.REMOVE, reason=reason)
    item_touch(item)
    return membership


@transaction.atomic
def item_correct_category(*, actor: User, item: QueueItem, category: str) -> QueueItem:
    """The moderator says what the post really is (a screening category, or "none"): kept as a labelled example
    (issue 15 point 6). The item stays open for its decision; corrected to crisis, it becomes urgent crisis work and
    everyone is alerted."""
    item = _lock(item)
    post, space = item.post, item.space
    check_moderates(actor, space)
    _check_open(item)
    _check_not_crisis(item)
    _check_not_appeal(item)
    if category not in (*Category.values, NO_LABEL):
        raise DomainError(_("Choose the right category, or none."), field="category")
    before = item.category
    item.category = "" if category == NO_LABEL else category
    item.urgent = category == Category.CRISIS
    item.save(update_fields=["category", "urgent", "updated_at"])
    change = f"{before or NO_LABEL} → {category}"
    _log(actor=actor, space=space, post=post, kind=Action.Kind.RECATEGORISE, reason=change)
    example_record(post=post, label=category, decided_by=actor)
    item_touch(item)
    if category == Category.CRISIS:
        alert_crisis(post=post)
    return item


def host_clinicians(space: Space) -> list[User]:
    ids = RoleAssignment.objects.filter(organisation_id=space.organisation_id, role=Role.CLINICIAN).values("user")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("handle"))


@transaction.atomic
def item_escalate(*, actor: User, item: QueueItem, reason: str) -> QueueItem:
    """Ask the host's clinicians to look: the post moves to their "Escalated" list, where a clinician can add a
    fact note. Returns the new escalation item."""
    item = _lock(item)
    post, space = item.post, item.space
    check_moderates(actor, space)
    _check_open(item)
    _check_not_crisis(item)
    _check_not_appeal(item)
    if item.source == QueueItem.Source.ESCALATION:
        raise Conflict(_("This post is already with the host's clinicians."))
    reason = _reason(reason, required=False)
    clinicians = host_clinicians(space)
    if not clinicians:
        raise Conflict(_("The host organisation has no clinicians to escalate to."))
    _log(actor=actor, space=space, post=post, kind=Action.Kind.ESCALATE, reason=reason)
    item_touch(item, resolve=Action.Kind.ESCALATE, by=actor)
    escalated = QueueItem.objects.create(
        post=post, space=space, organisation_id=space.organisation_id, source=QueueItem.Source.ESCALATION,
        category=item.category, urgent=item.urgent,
    )  # fmt: skip
    Notification.objects.bulk_create(
        [Notification(user=person, kind=Notification.Kind.ESCALATED, thread=post.thread, post=post, text=reason)
         for person in clinicians]
    )  # fmt: skip
    for person in clinicians:
        _email(person.pk, subject=_("A moderator asks a clinician to look at a post"), lines=[
            _("A moderator of %(space)s asks the host's clinicians to look at a post and, if it needs one, add a "
              "fact note: %(link)s") % {"space": space.name, "link": site_url("/moderation/escalated/")},
        ])  # fmt: skip
    return escalated


# --- Appeals ----------------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_create(*, author: User, post: Post, text: str) -> Appeal:
    """The author of a hidden post appeals once; another moderator decides."""
    post = Post.objects.select_for_update().select_related("thread__space__organisation").get(pk=post.pk)
    if post.author_id != author.pk:
        raise PermissionDenied(_("Only the author can appeal."))
    if post.status != Post.Status.HIDDEN:
        raise Conflict(_("Only a hidden post can be appealed."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Say why the post should be restored."), field="text")
    if len(text) > 1000:
        raise DomainError(_("Keep it under 1000 characters."), field="text")
    space = post.thread.space
    hide = (
        Action.objects.filter(post=post, kind__in=[Action.Kind.HIDE, Action.Kind.AUTO_HIDE])
        .order_by("-created_at")
        .first()
    )
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(post=post, text=text, hidden_by=hide.moderator if hide else None)
    except IntegrityError:
        raise Conflict(_("You have appealed against this already: a post can be appealed once.")) from None
    open_item = QueueItem.objects.select_for_update().filter(post=post, status=QueueItem.Status.OPEN).first()
    if open_item is not None:
        open_item.source = QueueItem.Source.APPEAL
        open_item.save(update_fields=["source", "updated_at"])
    else:
        QueueItem.objects.create(post=post, space=space, organisation_id=space.organisation_id,
                                 source=QueueItem.Source.APPEAL)  # fmt: skip
    record(action="moderation.appealed", actor=author, organisation=space.organisation, target=post)
    return appeal


@transaction.atomic
def appeal_decide(*, actor: User, item: QueueItem, restore: bool, note: str = "") -> Appeal:
    """Another moderator than the one who hid the post restores it or upholds the hide."""
    item = _lock(item)
    post, space = item.post, item.space
    check_moderates(actor, space)
    _check_open(item)
    appeal = Appeal.objects.select_for_update().filter(post=post).first()
    if appeal is None or appeal.status != Appeal.Status.OPEN:
        raise Conflict(_("There is no open appeal on this post."))
    if appeal.hidden_by_id == actor.pk:
        raise PermissionDenied(_("You hid this post: another moderator decides the appeal."))
    note = _reason(note, required=False, field="note")
    kind = Action.Kind.RESTORE if restore else Action.Kind.UPHOLD
    if restore:
        forum.post_publish(post=post)
    appeal.status = Appeal.Status.RESTORED if restore else Appeal.Status.UPHELD
    appeal.decided_by, appeal.decided_at, appeal.decision_note = actor, now(), note
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    outcome = _("Your post is restored.") if restore else _("The hide is upheld.")
    _tell(post.author_id, kind=Notification.Kind.APPEAL_DECIDED, post=post, text=f"{outcome} {note}".strip())
    _log(actor=actor, space=space, post=post, kind=kind, reason=note)
    item_touch(item, resolve=kind, by=actor)
    return appeal


# --- Fact notes -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactNoteData:
    what_is_wrong: str
    what_is_known: str
    source_url: str
    source_title: str = ""


def _check_source(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or len(url) > 500:
        raise DomainError(_("Give the source as an https:// address."), field="source_url")
    return url


@transaction.atomic
def fact_note_add(*, actor: User, post: Post, data: FactNoteData) -> FactNote:
    """A visible correction under a post instead of deleting it (seed 003): a moderator of the space or a clinician
    of the host. The author is told."""
    post = Post.objects.select_related("thread__space__organisation").get(pk=post.pk)
    space = post.thread.space
    is_moderator = moderates(actor, space, _membership(actor, space))
    is_clinician = Role.CLINICIAN in roles_in(actor, space.organisation_id)
    if not (is_moderator or is_clinician):
        raise PermissionDenied(_("Only the space's moderators and the host's clinicians add fact notes."))
    if post.status == Post.Status.DELETED:
        raise Conflict(_("Its author deleted this post."))
    wrong, known = (data.what_is_wrong or "").strip(), (data.what_is_known or "").strip()
    if not wrong:
        raise DomainError(_("Say what is wrong in the post."), field="what_is_wrong")
    if len(wrong) > 500:
        raise DomainError(_("Keep “what is wrong” under 500 characters."), field="what_is_wrong")
    if not known:
        raise DomainError(_("Say what is known instead."), field="what_is_known")
    if len(known) > 2000:
        raise DomainError(_("Keep “what is known” under 2000 characters."), field="what_is_known")
    title = (data.source_title or "").strip()
    if len(title) > 200:
        raise DomainError(_("Keep the source's title under 200 characters."), field="source_title")
    note = FactNote.objects.create(
        post=post, author=actor, author_role="clinician" if is_clinician else "moderator", what_is_wrong=wrong,
        what_is_known=known, source_url=_check_source(data.source_url), source_title=title,
    )  # fmt: skip
    if post.author_id != actor.pk:
        _tell(post.author_id, kind=Notification.Kind.FACT_NOTE, post=post, text=wrong)
    _log(actor=actor, space=space, post=post, kind=Action.Kind.FACT_NOTE, reason=wrong)
    for item in QueueItem.objects.select_for_update().filter(post=post, status=QueueItem.Status.OPEN):
        item.space = space
        item_touch(item, resolve=Action.Kind.FACT_NOTE if item.source == QueueItem.Source.ESCALATION else "", by=actor)
    return note


# --- A space's rules and screening choices; an organisation's crisis lines --------------------------------------


@dataclass(frozen=True)
class PolicyData:
    rule_templates: list[str]
    own_rules: str
    decisions: dict[str, str]
    hold_first_posts: bool


@transaction.atomic
def policy_update(*, actor: User, space: Space, data: PolicyData) -> SpacePolicy:
    """Which rules the space publishes, its own rules, and what screening does per category (issue 6 points 7-8)."""
    check_moderates(actor, space)
    unknown = set(data.rule_templates) - set(TEMPLATE_KEYS)
    if unknown:
        raise DomainError(_("Choose rules from the list."), field="rule_templates")
    own = (data.own_rules or "").strip()
    if len(own) > 3000:
        raise DomainError(_("Keep your own rules under 3000 characters."), field="own_rules")
    decisions: dict[str, str] = {}
    for category, decision in data.decisions.items():
        if category not in Category.values or decision not in Decision.values:
            raise DomainError(_("Choose what happens for each kind of post."), field=category)
        if category == Category.CRISIS and decision == Decision.REFUSE:
            raise DomainError(crisis_refusal_why(), field=category)
        decisions[category] = decision
    policy, _created = SpacePolicy.objects.select_for_update().get_or_create(space=space)
    before_rules, before_decisions = list(policy.rule_templates), dict(policy.decisions or {})
    policy.rule_templates = [key for key in TEMPLATE_KEYS if key in set(data.rule_templates)]
    policy.own_rules, policy.decisions, policy.hold_first_posts = own, decisions, data.hold_first_posts
    policy.save()
    record(action="moderation.policy_changed", actor=actor, organisation=space.organisation, target=policy,
           details={"before_rules": before_rules, "rules": policy.rule_templates,
                    "before_decisions": [f"{k}={v}" for k, v in sorted(before_decisions.items())],
                    "decisions": [f"{k}={v}" for k, v in sorted(decisions.items())],
                    "hold_first_posts": policy.hold_first_posts})  # fmt: skip
    return policy


def crisis_refusal_why() -> str:
    return _(
        "A post that may be from someone in crisis is never refused or hidden unseen: the writer must see help lines "
        "at once and a moderator must see the post. Choose “publish and flag” or “hold”."
    )


@transaction.atomic
def crisis_lines_set(*, actor: User, organisation: Organisation, lines: list[Line]) -> list[CrisisResource]:
    """The organisation's own crisis lines, for its country: writers there see them after the country's defaults
    (crisis.lines_for); none: the defaults alone again."""
    if not ORG_MANAGER_ROLES & roles_in(actor, organisation.pk):
        raise PermissionDenied(_("Only the organisation's coordinators and admins set its crisis lines."))
    if len(lines) > MAX_CRISIS_LINES:
        raise DomainError(_("Give at most %(n)s lines.") % {"n": MAX_CRISIS_LINES})
    for line in lines:
        if not line.name.strip() or not line.contact.strip():
            raise DomainError(_("Give each line a name and a number or contact."))
        if line.url and urlsplit(line.url).scheme != "https":
            raise DomainError(_("Give each line's web address as https://."))
    CrisisResource.objects.filter(organisation=organisation).delete()
    rows = CrisisResource.objects.bulk_create(
        [
            CrisisResource(
                organisation=organisation,
                country=organisation.country or "",
                name=line.name.strip(),
                contact=line.contact.strip(),
                detail=line.detail.strip(),
                url=line.url.strip(),
                order=index,
            )
            for index, line in enumerate(lines)
        ]
    )
    record(action="moderation.crisis_lines_changed", actor=actor, organisation=organisation, target=organisation,
           details={"lines": [f"{line.name}: {line.contact}" for line in lines]})  # fmt: skip
    return rows
