"""Programme e-mails. They say where to look and never name the patient or quote the note: e-mail crosses servers we
do not run."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.core.mail import send_mail
from django.urls import reverse

from peerpath.accounts.models import RoleAssignment, User
from peerpath.accounts.roles import ORG_MANAGER_ROLES
from peerpath.audit.services import record
from peerpath.spaces.tokens import site_url

logger = logging.getLogger(__name__)


def concern_recipients(interaction: Any) -> list[User]:
    """Who hears of a concern: the supporter's supervisor and the programme's coordinator; for a safeguarding concern
    also every coordinator and admin of the organisation (every channel there is, at once)."""
    from peerpath.programmes.models import Interaction

    people: dict[Any, User] = {}
    supporter = interaction.supporter
    programme = interaction.enrolment.programme
    for person in (supporter.supervisor, programme.coordinator):
        if person is not None:
            people[person.pk] = person
    if interaction.concern == Interaction.Concern.SAFEGUARDING:
        managers = User.objects.filter(
            pk__in=RoleAssignment.objects.filter(
                organisation_id=programme.organisation_id, role__in=ORG_MANAGER_ROLES
            ).values("user")
        )
        people.update({person.pk: person for person in managers})
    people.pop(supporter.user_id, None)
    return [person for person in people.values() if person.is_active and person.email]


def concern_alert(interaction_id: str) -> int:
    """E-mail that a supporter raised a concern (urgent for safeguarding), with the link to the follow-up queue."""
    from peerpath.programmes.models import Interaction

    interaction = (
        Interaction.objects.select_related(
            "supporter__supervisor", "supporter__user", "enrolment__programme__coordinator"
        )
        .filter(pk=interaction_id)
        .first()
    )
    if interaction is None:
        return 0
    programme = interaction.enrolment.programme
    urgent = interaction.concern == Interaction.Concern.SAFEGUARDING
    link = site_url(reverse("programmes_follow_ups", kwargs={"programme_id": programme.pk}))
    subject = (
        f"[PeerPath] URGENT: a safeguarding concern in {programme.name}"
        if urgent
        else f"[PeerPath] A supporter raised a concern in {programme.name}"
    )
    sent = failed = 0
    for person in concern_recipients(interaction):
        body = (
            f"Hello {person.handle},\n\n{interaction.supporter.user.handle} logged a contact with a "
            f"{'safeguarding concern (risk to life or abuse)' if urgent else 'concern'} for the coordinator. "
            f"{'Please act now and ' if urgent else 'Please '}record what was done:\n\n{link}\n"
        )
        try:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[person.email])
        except (smtplib.SMTPException, OSError) as error:
            failed += 1
            logger.warning("concern alert e-mail not sent (contact %s): %s", interaction.pk, type(error).__name__)
            continue
        sent += 1
    record(action="notification.sent", actor=None, organisation=programme.organisation, target=interaction,
           details={"kind": "safeguarding_alert" if urgent else "concern_alert", "count": sent,
                    "failed": failed})  # fmt: skip
    return sent
