"""The daily follow digest (issue 6 point 1): people who follow a thread by e-mail get one message a day listing the
threads with new replies since the last digest.

E-mail crosses servers we do not run, so the digest never quotes a post, and it names a thread only when anyone may
read it; a members-only thread is a link with its space's name. A notification goes in one digest at most
(`emailed_at`), and only for threads the person may still read; one read on the site before the digest is not sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from peerpath.accounts.models import User
from peerpath.audit.services import record
from peerpath.core.time import now
from peerpath.forum.models import Follow, Notification, Thread
from peerpath.forum.selectors import public_threads, readable_threads
from peerpath.spaces.tokens import site_url


@dataclass(frozen=True)
class DigestLine:
    thread: Thread
    replies: int
    named: bool  # the thread is public, so its title may go in an e-mail
    url: str


def _waiting(moment: datetime) -> QuerySet[Notification]:
    """Reply notifications not yet read nor e-mailed, of threads followed by e-mail."""
    by_email = Follow.objects.filter(user=OuterRef("user"), thread=OuterRef("thread"), channel=Follow.Channel.EMAIL)
    return Notification.objects.filter(
        kind=Notification.Kind.REPLY, read_at__isnull=True, emailed_at__isnull=True, created_at__lte=moment
    ).filter(Exists(by_email))


def digest_lines(user: User, notifications: list[Notification]) -> list[DigestLine]:
    counts: dict[object, int] = {}
    for notification in notifications:
        counts[notification.thread_id] = counts.get(notification.thread_id, 0) + 1
    threads = Thread.objects.filter(pk__in=counts).select_related("space").order_by("-last_activity_at", "pk")
    public = set(public_threads().filter(pk__in=counts).values_list("pk", flat=True))
    return [
        DigestLine(
            thread=thread,
            replies=counts[thread.pk],
            named=thread.pk in public,
            url=site_url(reverse("thread_detail", kwargs={"space_id": thread.space_id, "thread_id": thread.pk})),
        )
        for thread in threads
    ]


@transaction.atomic
def send_digest(user: User, moment: datetime) -> bool:
    """One person's digest; True when an e-mail went. Rows are locked so that two workers cannot both send them."""
    ids = list(
        _waiting(moment)
        .filter(user=user, thread__in=readable_threads(user).values("pk"))
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
    )
    if not ids:
        return False
    notifications = list(Notification.objects.filter(pk__in=ids))
    lines = digest_lines(user, notifications)
    body = render_to_string(
        "forum/email/follow_digest.txt",
        {"user": user, "lines": lines, "settings_url": site_url(reverse("my_notifications"))},
    )
    send_mail(
        subject="[PeerPath] New replies in threads you follow",
        message=body,
        from_email=None,
        recipient_list=[user.email],
    )
    Notification.objects.filter(pk__in=ids).update(emailed_at=now())
    record(action="notification.sent", actor=None, target=user, details={"kind": "follow_digest", "count": len(ids)})
    return True


def send_follow_digests(moment: datetime | None = None) -> int:
    """Send today's digest to everyone with new replies in threads they follow by e-mail; returns how many went.
    Safe to run again: what went once is not sent again."""
    moment = moment or now()
    people = (
        User.objects.filter(pk__in=_waiting(moment).values("user"), is_active=True).exclude(email="").order_by("pk")
    )
    return sum(send_digest(user, moment) for user in people)
