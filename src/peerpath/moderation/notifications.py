"""Moderation e-mails. They say where to look and never quote the post: e-mail crosses servers we do not run."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.core.mail import send_mail

from peerpath.audit.services import record
from peerpath.spaces.tokens import site_url

logger = logging.getLogger(__name__)


def _crisis_item_link(post: Any) -> str:
    """The crisis item's page (issue 15 point 9: an alert opens the item, not the thread); the space's queue when the
    item is gone."""
    from peerpath.moderation.crisis_work import crisis_item_path
    from peerpath.moderation.models import QueueItem

    item = QueueItem.objects.filter(post=post).order_by("status", "-created_at").first()  # "open" before "resolved"
    if item is None:
        return site_url(f"/spaces/{post.thread.space_id}/moderation/")
    return site_url(crisis_item_path(item.pk))


def crisis_alert(post_id: str) -> int:
    from peerpath.forum.models import Post
    from peerpath.moderation.services import moderators_of

    post = Post.objects.select_related("thread__space").filter(pk=post_id).first()
    if post is None:
        return 0
    return _mail_crisis(post, moderators_of(post.thread.space), kind="crisis_alert")


def crisis_realert(item_id: str) -> int:
    """The e-mail of a re-alert: a crisis item nobody has recorded an outcome on."""
    from peerpath.moderation.crisis_work import realert_recipients
    from peerpath.moderation.models import QueueItem

    item = QueueItem.objects.select_related("post__thread__space").filter(pk=item_id).first()
    if item is None:
        return 0
    return _mail_crisis(item.post, realert_recipients(item.space), kind="crisis_realert")


def _mail_crisis(post: Any, people: list[Any], *, kind: str) -> int:
    space = post.thread.space
    link = _crisis_item_link(post)
    sent = failed = 0
    for person in people:
        if person.pk == post.author_id or not person.email:
            continue
        try:
            _send_crisis_mail(person, space, link, again=kind == "crisis_realert")
        except (smtplib.SMTPException, OSError) as error:
            # One refused address must not keep the alert from everyone after it in the list. The error's class
            # only: an SMTP refusal carries the address, and logs hold no personal data.
            failed += 1
            logger.warning("crisis alert e-mail not sent (post %s): %s", post.pk, type(error).__name__)
            continue
        sent += 1
    record(action="notification.sent", actor=None, organisation=space.organisation, target=post,
           details={"kind": kind, "count": sent, "failed": failed})  # fmt: skip
    return sent


def _send_crisis_mail(person: Any, space: Any, link: str, *, again: bool = False) -> None:
    still = "STILL NOT HANDLED: " if again else ""
    first = "Nobody has recorded what happened yet. " if again else "The writer was shown crisis help lines at once. "
    send_mail(
        subject=f"[PeerPath] URGENT: {still}a post in {space.name} may be from someone in crisis",
        message=(
            f"Hello {person.handle},\n\nA post in {space.name} was screened as a possible crisis (suicidal or "
            f"self-harm intent). {first}Please look at it now and record what you did:\n\n{link}\n"
        ),
        from_email=None,
        recipient_list=[person.email],
    )


def member_email(user_id: str, *, subject: str, lines: list[str]) -> bool:
    """A moderator's decision, e-mailed to the member it concerns (not to a disabled account)."""
    from peerpath.accounts.models import User

    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None or not person.email:
        return False
    body = "\n\n".join([f"Hello {person.handle},", *lines])
    send_mail(subject=f"[PeerPath] {subject}", message=body, from_email=None, recipient_list=[person.email])
    return True
