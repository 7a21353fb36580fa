"""Screening a post, reports, and opening queue items, with the crisis alert (issue 6 points 8-10). The moderators'
own actions on the queue (approve, hide, ask to edit, warn, mute, remove, escalate, fact notes, appeals) are in
`actions.py`. Atomic and audited like every service.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from peerpath.accounts.models import RoleAssignment, User
from peerpath.accounts.roles import Role
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.moderation import screening
from peerpath.moderation.models import Action, Category, Decision, QueueItem, Report, Screening
from peerpath.moderation.selectors import claim_rules, decisions_of, policy_of
from peerpath.spaces.models import Membership, Space

# Three reports from different members hide a post until a moderator looks (issue 6 point 10).
REPORTS_TO_HIDE = 3
# A report storm from one account is refused past this many reports in an hour.
REPORTS_PER_HOUR = 10

REFUSAL_REASONS = {
    Category.CRISIS: _("This group cannot take posts like this one."),
    Category.MEDICAL_INSTRUCTIONS: _(
        "It reads as medical instructions (telling someone to start, stop or change a treatment). Share your own "
        "experience instead, and leave decisions to each person and their clinician."
    ),
    Category.PROMOTION: _("It reads as promotion (selling, shop links, prices, discount codes or “message me”)."),
    Category.MISINFORMATION: _("It repeats a claim known to be false."),
    Category.PERSONAL_DATA: _(
        "It contains personal details (a phone number, an address, or someone's full name). Remove them and try again."
    ),
}


def screen_text(*, author: User, space: Space, text: str) -> screening.Result:
    """Screen a post's text with the space's choices."""
    conditions = frozenset(space.listing.conditions.values_list("slug", flat=True))
    context = screening.Context(conditions=conditions, claims=claim_rules(), author_handle=author.handle)
    return screening.screen(text, context, decisions_of(policy_of(space)))


def refusal_message(result: screening.Result) -> str:
    reasons = [
        str(REFUSAL_REASONS[Category(category)]) for category in result.categories if category in Category.values
    ]
    return _("This group's rules do not allow this post. %(reasons)s") % {"reasons": " ".join(reasons)}


def holds_first_post(*, author: User, space: Space) -> bool:
    """A space may hold a new member's first post for review (issue 6 point 10)."""
    from peerpath.forum.models import Post

    if not policy_of(space).hold_first_posts:
        return False
    return not Post.objects.filter(author=author, thread__space=space, status=Post.Status.PUBLISHED).exists()


def _open_item(*, post: Any, source: str, category: str = "", urgent: bool = False) -> QueueItem:
    """The post's open queue item, made or raised (a crisis makes an existing item urgent)."""
    space = post.thread.space
    item = QueueItem.objects.select_for_update().filter(post=post, status=QueueItem.Status.OPEN).first()
    if item is None:
        try:
            with transaction.atomic():
                return QueueItem.objects.create(
                    post=post, space=space, organisation_id=space.organisation_id, source=source, category=category,
                    urgent=urgent,
                )  # fmt: skip
        except IntegrityError:
            item = QueueItem.objects.select_for_update().get(post=post, status=QueueItem.Status.OPEN)
    if urgent and not item.urgent:
        item.urgent, item.category = True, category or item.category
        item.save(update_fields=["urgent", "category", "updated_at"])
    return item


def screening_record(
    *, post: Any, result: screening.Result, hold_first: bool, edited_from: str = ""
) -> Screening | None:
    """Keep what screening found and put the post in the queue when it was flagged or held; a crisis is urgent and
    alerts the space's moderators and the host's coordinators at once."""
    row = Screening.objects.create(
        post=post, findings=[finding.as_json() for finding in result.findings], decision=result.decision,
        elapsed_ms=result.elapsed_ms,
    )  # fmt: skip
    if result.decision in (Decision.PUBLISH_AND_FLAG, Decision.HOLD):
        category = result.categories[0] if result.categories else ""
        _open_item(post=post, source=QueueItem.Source.SCREENING, category=category, urgent=result.is_crisis)
    elif hold_first:
        _open_item(post=post, source=QueueItem.Source.FIRST_POST)
    elif edited_from == "held":
        # A held post the author edited (a moderator asked them to, moderation/actions.py) goes back to the queue.
        _open_item(post=post, source=QueueItem.Source.SCREENING)
    if result.is_crisis:
        alert_crisis(post=post)
    if result.findings:
        record(action="moderation.screened", actor=None, organisation=post.thread.space.organisation, target=post,
               details={"decision": result.decision, "categories": result.categories,
                        "edited_from": edited_from})  # fmt: skip
    return row


def moderators_of(space: Space) -> list[User]:
    """Who is alerted for a space: its organisers and moderators, and the host's moderators and coordinators."""
    leaders = Membership.objects.filter(
        space=space, status=Membership.Status.ACTIVE, role__in=Membership.LEADER_ROLES
    ).values("user")
    host = RoleAssignment.objects.filter(
        organisation_id=space.organisation_id, role__in=[Role.MODERATOR, Role.COORDINATOR]
    ).values("user")
    return list(User.objects.filter(Q(pk__in=leaders) | Q(pk__in=host), is_active=True).order_by("handle"))


def alert_crisis(*, post: Any) -> int:
    """A crisis post is never silently hidden: every moderator of the space and coordinator of the host is told at
    once, on the site and by e-mail (issue 6 point 9)."""
    from peerpath.forum.models import Notification
    from peerpath.moderation import tasks

    space = post.thread.space
    people = [person for person in moderators_of(space) if person.pk != post.author_id]
    Notification.objects.bulk_create(
        [Notification(user=person, kind=Notification.Kind.CRISIS, thread=post.thread, post=post) for person in people]
    )
    record(action="moderation.crisis_alerted", actor=None, organisation=space.organisation, target=post,
           details={"people": len(people)})  # fmt: skip
    post_id = str(post.pk)
    transaction.on_commit(lambda: tasks.send_crisis_alert.enqueue(post_id))
    return len(people)


@transaction.atomic
def report_create(*, reporter: User, post: Any, reason: str, note: str = "") -> Report:
    """A member reports a post they can see. Three reports from different members hide it until a moderator looks;
    a crisis report is urgent and alerts the moderators."""
    from peerpath.forum import services as forum
    from peerpath.forum.models import Post

    if reason not in Report.Reason.values:
        raise DomainError(_("Choose why you are reporting it."), field="reason")
    note = (note or "").strip()
    if len(note) > 500:
        raise DomainError(_("Keep the note under 500 characters."), field="note")
    space = post.thread.space
    if not Membership.objects.filter(space=space, user=reporter, status=Membership.Status.ACTIVE).exists():
        raise PermissionDenied(_("Only members of this space can report its posts."))
    if post.author_id == reporter.pk:
        raise Conflict(_("You cannot report your own post: edit or delete it instead."))
    if post.status not in (Post.Status.PUBLISHED, Post.Status.HIDDEN):
        raise Conflict(_("That post is not published."))
    if Report.objects.filter(reporter=reporter, created_at__gte=now() - timedelta(hours=1)).count() >= REPORTS_PER_HOUR:
        raise Conflict(_("You have sent many reports in the last hour: a moderator will look at them first."),
                       status=429)  # fmt: skip
    try:
        with transaction.atomic():
            report = Report.objects.create(post=post, reporter=reporter, reason=reason, note=note)
    except IntegrityError:
        raise Conflict(_("You have already reported this post.")) from None
    urgent = reason == Report.Reason.CRISIS
    _open_item(post=post, source=QueueItem.Source.REPORTS, category=reason, urgent=urgent)
    record(action="moderation.reported", actor=reporter, organisation=space.organisation, target=post,
           details={"reason": reason})  # fmt: skip
    if urgent:
        alert_crisis(post=post)
    # The post's lock first, then the count and its status: two reports at once must not both hide it (and log and
    # audit it twice).
    status = Post.objects.select_for_update().filter(pk=post.pk).values_list("status", flat=True).first()
    # Reports a moderator already looked at (approving or restoring the post) do not count again: three new ones do.
    cleared = (
        Action.objects.filter(post=post, kind__in=[Action.Kind.APPROVE, Action.Kind.RESTORE])
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    reports = Report.objects.filter(post=post)
    if cleared is not None:
        reports = reports.filter(created_at__gt=cleared)
    reporters = reports.values("reporter").distinct().count()
    if reporters >= REPORTS_TO_HIDE and status == Post.Status.PUBLISHED:
        forum.post_unpublish(post=post, status=Post.Status.HIDDEN,
                             note=str(_("Hidden after reports from members, until a moderator looks.")))  # fmt: skip
        action = Action.objects.create(space=space, post=post, subject_id=post.author_id, moderator=None,
                                       kind=Action.Kind.AUTO_HIDE, reason=f"{reporters} reports")  # fmt: skip
        # PeerPath itself hid the post (no actor): audited like a moderator's hide (actions._log).
        record(action="moderation.auto_hide", actor=None, organisation=space.organisation,
               target=post, details={"action": str(action.pk), "reports": reporters})  # fmt: skip
    return report
