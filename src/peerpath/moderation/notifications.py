"""Moderation e-mails. They say where to look and never quote the post: e-mail crosses servers we do not run."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.core.mail import send_mail

from peerpath.audit.services import record
from peerpath.spaces.tokens import site_url

logger = logging.getLogger(__name__)


def crisis_alert(post_id: str) -> int:
    from peerpath.forum.models import Post
    from peerpath.moderation.services import moderators_of

    post = Post.objects.select_related("thread__space").filter(pk=post_id).first()
    if post is None:
        return 0
    space = post.thread.space
    sent = failed = 0
    for person in moderators_of(space):
        if person.pk == post.author_id or not person.email:
            continue
        try:
            _send_crisis_mail(person, space)
        except (smtplib.SMTPException, OSError) as error:
            # One refused address must not keep the alert from everyone after it in the list. The error's class
            # only: an SMTP refusal carries the address, and logs hold no personal data.
            failed += 1
            logger.warning("crisis alert e-mail not sent (post %s): %s", post.pk, type(error).__name__)
            continue
        sent += 1
    record(action="notification.sent", actor=None, organisation=space.organisation, target=post,
           details={"kind": "crisis_alert", "count": sent, "failed": failed})  # fmt: skip
    return sent


def _send_crisis_mail(person: Any, space: Any) -> None:
    send_mail(
        subject=f"[PeerPath] URGENT: a post in {space.name} may be from someone in crisis",
        message=(
            f"Hello {person.handle},\n\nA post in {space.name} was screened as a possible crisis (suicidal or "
            "self-harm intent). The writer was shown crisis help lines at once. Please look at it now:\n\n"
            f"{site_url(f'/spaces/{space.pk}/moderation/')}\n\nIt is at the top of the queue, marked urgent.\n"
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
