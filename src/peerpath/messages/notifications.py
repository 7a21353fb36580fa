"""E-mails about private conversations. They say where to look and never quote a message, name the patient or give
the conversation's subject: e-mail crosses servers we do not run."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from peerpath.audit.services import record
from peerpath.core.time import now
from peerpath.messages.models import Message, Participant
from peerpath.spaces.tokens import site_url

logger = logging.getLogger(__name__)

SUBJECT = "[PeerPath] URGENT: a private message may be from someone in crisis"


def crisis_alert(message_id: str) -> int:
    """E-mail a crisis message's alert to everyone who should have it, once: the message's `alert_sent_at` is
    claimed before the first e-mail goes, so a second run sends nothing; when nobody could be told, the claim is
    given back so that a retry can. The number sent."""
    from peerpath.messages.services import crisis_recipients

    claimed = Message.objects.filter(pk=message_id, crisis=True, alert_sent_at__isnull=True).update(alert_sent_at=now())
    if not claimed:
        return 0
    message = Message.objects.select_related("conversation__organisation").get(pk=message_id)
    conversation = message.conversation
    places = list(Participant.objects.filter(conversation=conversation, left_at__isnull=True).select_related("user"))
    in_conversation = {place.user_id for place in places}
    supporters = [place.user.handle for place in places if place.role in Participant.STAFF_ROLES]
    link = site_url(reverse("conversation_detail", kwargs={"conversation_id": conversation.pk}))
    sent = failed = 0
    for person in crisis_recipients(message):
        context: dict[str, Any] = {
            "person": person, "participant": person.pk in in_conversation, "link": link,
            "supporters": supporters, "organisation": conversation.organisation.name,
        }  # fmt: skip
        body = render_to_string("messages/crisis_alert_email.txt", context)
        try:
            send_mail(subject=SUBJECT, message=body, from_email=None, recipient_list=[person.email])
        except (smtplib.SMTPException, OSError) as error:
            # One refused address must not keep the alert from the others (the error's class only: no addresses in
            # logs).
            failed += 1
            logger.warning("crisis alert e-mail not sent (message %s): %s", message.pk, type(error).__name__)
            continue
        sent += 1
    if not sent:
        Message.objects.filter(pk=message.pk).update(alert_sent_at=None)
    record(action="notification.sent", actor=None, organisation=conversation.organisation, target=message,
           details={"kind": "message_crisis_alert", "count": sent, "failed": failed})  # fmt: skip
    return sent
