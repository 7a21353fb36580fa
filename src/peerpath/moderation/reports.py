"""Members' reports of posts (issue 6 point 10). Above the forum: three reports hide a post through the forum's own
service, so this module imports `forum.services`, which never imports it back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerpath.accounts.models import User
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.forum import services as forum
from peerpath.forum.models import Post
from peerpath.moderation.models import Action, QueueItem, Report
from peerpath.moderation.services import alert_crisis, open_item
from peerpath.spaces.models import Membership

# Three reports from different members hide a post until a moderator looks (issue 6 point 10).
REPORTS_TO_HIDE = 3
# A report storm from one account is refused past this many reports in an hour.
REPORTS_PER_HOUR = 10


@transaction.atomic
def report_create(*, reporter: User, post: Any, reason: str, note: str = "") -> Report:
    """A member reports a post they can see. Three reports from different members hide it until a moderator looks;
    a crisis report is urgent and alerts the moderators."""
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
    open_item(post=post, source=QueueItem.Source.REPORTS, category=reason, urgent=urgent)
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
