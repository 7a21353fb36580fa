"""Screening a post, reports, and opening queue items, with the crisis alert (issue 6 points 8-10). The moderators'
own actions on the queue (approve, hide, ask to edit, warn, mute, remove, escalate, fact notes, appeals) are in
`actions.py`. Atomic and audited like every service.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from peerpath.accounts.models import RoleAssignment, User
from peerpath.accounts.roles import Role
from peerpath.audit.services import record
from peerpath.core.time import now
from peerpath.moderation.models import (
    NO_LABEL,
    Category,
    Decision,
    FactCheck,
    LabelledExample,
    QueueItem,
    Screening,
)
from peerpath.moderation.selectors import claim_rules, decisions_of, policy_of
from peerpath.screening import core as screening
from peerpath.spaces.models import Membership, Space

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


# An account younger than this is new: its repeated links read as promotion sooner (issue 15 point 4).
NEW_ACCOUNT = timedelta(days=7)
# At most this many of a post's distinct sites are looked up among the vetted listings.
_HOSTS_LOOKED_UP = 5
_LINK = re.compile(r"\bhttps?://([^\s/<>()\[\]?#:]+)|\bwww\.([^\s/<>()\[\]?#:]+)", re.IGNORECASE)


def screen_text(*, author: User, space: Space, text: str) -> screening.Result:
    """Screen a post's text with the space's choices, knowing which of its links go to vetted listings' sites and
    whether a new account is posting link after link (issue 15 point 4)."""
    conditions = frozenset(space.listing.conditions.values_list("slug", flat=True))
    hosts = _link_hosts(text)
    context = screening.Context(
        conditions=conditions,
        claims=claim_rules(),
        author_handle=author.handle,
        allowed_hosts=_vetted_hosts(hosts),
        author_is_new=author.date_joined >= now() - NEW_ACCOUNT,
        author_recent_links=_recent_links(author) if hosts else 0,
    )
    return screening.screen(text, context, decisions_of(policy_of(space)))


def _link_hosts(text: str) -> list[str]:
    hosts: list[str] = []
    for match in _LINK.finditer(text):
        host = (match.group(1) or f"www.{match.group(2)}").lower().removeprefix("www.").rstrip(".,;!")
        if host and host not in hosts:
            hosts.append(host)
    return hosts[:_HOSTS_LOOKED_UP]


def _vetted_hosts(hosts: list[str]) -> frozenset[str]:
    """Those of the hosts that are the website of a listing in the public directory (vetted and not lapsed)."""
    from peerpath.directory.selectors import public_listings

    if not hosts:
        return frozenset()
    query = Q()
    for host in hosts:
        query |= Q(url__icontains=f"//{host}") | Q(url__icontains=f"//www.{host}")
    urls = public_listings().filter(query).values_list("url", flat=True)[:50]
    linked = {host for host in _link_hosts(" ".join(urls))}
    return frozenset(host for host in hosts if host in linked)


def _recent_links(author: User) -> int:
    """How many of the author's posts of the last day carry a link."""
    from peerpath.forum.models import Post

    since = now() - timedelta(days=1)
    return Post.objects.filter(author=author, created_at__gte=since, body__icontains="http").count()


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


def open_item(*, post: Any, source: str, category: str = "", urgent: bool = False) -> QueueItem:
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
        open_item(post=post, source=QueueItem.Source.SCREENING, category=category, urgent=result.is_crisis)
    elif hold_first:
        open_item(post=post, source=QueueItem.Source.FIRST_POST)
    elif edited_from == "held":
        # A held post the author edited (a moderator asked them to, moderation/actions.py) goes back to the queue.
        open_item(post=post, source=QueueItem.Source.SCREENING)
    if result.is_crisis:
        alert_crisis(post=post)
    if result.findings:
        record(action="moderation.screened", actor=None, organisation=post.thread.space.organisation, target=post,
               details={"decision": result.decision, "categories": result.categories,
                        "edited_from": edited_from})  # fmt: skip
    return row


def fact_check_wanted(result: screening.Result) -> bool:
    """A post screening did not already flag as misinformation is matched against the fact-check list after
    publication (screening/fact_checks.py), when there is a list."""
    return Category.MISINFORMATION not in result.categories and FactCheck.objects.exists()


def fact_check_record(*, post: Any, text: str) -> screening.Result | None:
    """Match a published post against the fact-checked statements; when it restates a false one, keep what was
    found (a Screening row, audited) and put the post in the queue as misinformation, so that it stays out of public
    search until a moderator has looked. Returns the result with the space's decision, or None when nothing was
    found. The caller holds the post when the space holds misinformation."""
    from peerpath.moderation.selectors import fact_check_index
    from peerpath.screening import fact_checks

    started = time.perf_counter()
    findings = fact_checks.match(text, fact_check_index())
    if not findings:
        return None
    space = post.thread.space
    decision, categories = screening.decide(findings, decisions_of(policy_of(space)))
    if decision == Decision.REFUSE:
        decision = Decision.HOLD  # published already: a refusal is a hold for a moderator
    result = screening.Result(findings, decision, categories, (time.perf_counter() - started) * 1000)
    Screening.objects.create(post=post, findings=[finding.as_json() for finding in findings], decision=decision,
                             elapsed_ms=result.elapsed_ms)  # fmt: skip
    if decision:
        open_item(post=post, source=QueueItem.Source.SCREENING, category=Category.MISINFORMATION)
    record(action="moderation.screened", actor=None, organisation=space.organisation, target=post,
           details={"decision": decision, "categories": categories, "after_publication": True})  # fmt: skip
    return result


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
    once, on the site and by e-mail (issue 6 point 9). Both open the crisis item (`/moderation/crisis/<id>/`, issue 15
    point 9): the e-mail links there, and the site's notification through `/moderation/alerts/<notification id>/`."""
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


def example_record(*, post: Any, label: str, decided_by: User | None, once: bool = False) -> LabelledExample | None:
    """A queue decision kept as a labelled example for `peerpath moderation retrain` (issue 15 point 6), in the
    decision's transaction: the post's body as it is now. `once`: not again for the same post and label (several
    outcomes on one crisis item teach one thing). Labels outside the screening categories are not kept."""
    if label not in (*Category.values, NO_LABEL) or post is None:
        return None
    text = post.body or ""
    if not text.strip():
        return None  # a deleted post teaches nothing
    if once and LabelledExample.objects.filter(post=post, label=label).exists():
        return None
    return LabelledExample.objects.create(text=text, label=label, post=post, decided_by=decided_by)
