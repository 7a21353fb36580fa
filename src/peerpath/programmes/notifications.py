"""Programme e-mails. They say where to look and never name the patient or quote the note: e-mail crosses servers we
do not run."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext

from peerpath.accounts.models import RoleAssignment, User
from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.audit.services import record
from peerpath.core.time import now
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


# --- Wellbeing alerts --------------------------------------------------------------------------------------------
# To the supporter's supervisor or, when they have none, the organisation's coordinators. The message says whom to
# look after and why in one line, never the supporter's answers or note, which are one signed-in click away on the
# team's wellbeing board. Each alert is e-mailed once: its `sent_at` is claimed before the first message goes, so a
# second run finds it claimed and sends nothing; when nobody could be told, the claim is given back and the daily
# sweep tries again.


def wellbeing_alert_recipients(supporter: Any) -> list[User]:
    """The supporter's supervisor while they still run the organisation; otherwise its coordinators. Never the
    supporter themselves."""
    supervisor = supporter.supervisor
    if (
        supervisor is not None
        and supervisor.is_active
        and supervisor.email
        and supervisor.pk != supporter.user_id
        and RoleAssignment.objects.filter(
            user=supervisor, organisation_id=supporter.organisation_id, role__in=ORG_MANAGER_ROLES
        ).exists()
    ):
        return [supervisor]
    coordinators = (
        User.objects.filter(
            pk__in=RoleAssignment.objects.filter(
                organisation_id=supporter.organisation_id, role=Role.COORDINATOR
            ).values("user"),
            is_active=True,
        )
        .exclude(email="")
        .exclude(pk=supporter.user_id)
    )
    return list(coordinators.order_by("handle"))


def wellbeing_board_link(alert: Any) -> str:
    """The team's wellbeing board of the programme the alert concerns (or the supporter's first running one); the
    supporter's profile when they are in no running programme."""
    from peerpath.programmes.models import Programme

    programme = alert.programme or (
        Programme.objects.filter(supporters=alert.supporter, status=Programme.Status.ACTIVE).order_by("name").first()
    )
    if programme is not None:
        return site_url(reverse("programmes_wellbeing_board", kwargs={"programme_id": programme.pk}))
    return site_url(reverse("programmes_supporter", kwargs={"supporter_id": alert.supporter_id}))


def wellbeing_alert(alert_id: str) -> int:
    """E-mail one wellbeing alert to everyone who should have it; the number sent (0: already sent, or closed)."""
    from peerpath.programmes.models import WellbeingAlert

    claimed = WellbeingAlert.objects.filter(pk=alert_id, sent_at__isnull=True, resolved_at__isnull=True).update(
        sent_at=now()
    )
    if not claimed:
        return 0
    alert = WellbeingAlert.objects.select_related(
        "supporter__user", "supporter__supervisor", "supporter__organisation", "programme", "check_in"
    ).get(pk=alert_id)
    link = wellbeing_board_link(alert)
    sent = failed = 0
    for person in wellbeing_alert_recipients(alert.supporter):
        body = render_to_string("programmes/wellbeing_alert_email.txt",
                                {"alert": alert, "person": person, "handle": alert.supporter.user.handle,
                                 "link": link})  # fmt: skip
        try:
            send_mail(subject="[PeerPath] A peer supporter may need your support", message=body, from_email=None,
                      recipient_list=[person.email])  # fmt: skip
        except (smtplib.SMTPException, OSError) as error:
            # One refused address must not keep the alert from the others (the error's class only: no addresses in
            # logs).
            failed += 1
            logger.warning("wellbeing alert e-mail not sent (alert %s): %s", alert.pk, type(error).__name__)
            continue
        sent += 1
    if not sent:
        WellbeingAlert.objects.filter(pk=alert.pk).update(sent_at=None)
    record(action="notification.sent", actor=None, organisation=alert.supporter.organisation, target=alert,
           details={"kind": f"wellbeing_{alert.kind}", "count": sent, "failed": failed})  # fmt: skip
    return sent


def pause_notice(supporter_id: str) -> int:
    """Tell the supervisor (or the coordinators) that a supporter is taking a break and their patients' follow-ups
    need cover; no patient is named."""
    from peerpath.programmes.models import Enrolment, Programme, Supporter

    supporter = Supporter.objects.select_related("user", "supervisor").filter(pk=supporter_id).first()
    if supporter is None or not supporter.is_paused:
        return 0
    patients = Enrolment.objects.filter(supporter=supporter, status=Enrolment.Status.ACTIVE).count()
    programme = Programme.objects.filter(supporters=supporter, status=Programme.Status.ACTIVE).order_by("name").first()
    link = (
        site_url(reverse("programmes_follow_ups", kwargs={"programme_id": programme.pk}))
        if programme is not None
        else site_url(reverse("programmes_supporter", kwargs={"supporter_id": supporter.pk}))
    )
    sent = 0
    for person in wellbeing_alert_recipients(supporter):
        body = (
            f"Hello {person.handle},\n\n{supporter.user.handle} is taking a break from peer support and gets no new "
            f"patients until they resume. Their {patients} patient{'s' if patients != 1 else ''} need someone to "
            f"cover their follow-ups:\n\n{link}\n"
        )
        try:
            send_mail(subject=f"[PeerPath] {supporter.user.handle} is taking a break: follow-ups need cover",
                      message=body, from_email=None, recipient_list=[person.email])  # fmt: skip
        except (smtplib.SMTPException, OSError) as error:
            logger.warning("pause notice e-mail not sent (supporter %s): %s", supporter.pk, type(error).__name__)
            continue
        sent += 1
    record(action="notification.sent", actor=None, organisation=supporter.organisation, target=supporter,
           details={"kind": "supporter_paused", "count": sent})  # fmt: skip
    return sent


# --- Follow-up digests and escalations ----------------------------------------------------------------------------
# Written here, sent by follow_ups.py, which finds who gets what and makes each go once. They give counts and a link
# to a signed-in page, never a patient's name or a note.


def follow_up_digest_message(digest: Any, *, tries: int) -> tuple[str, str]:
    """A supporter's digest of the follow-ups due in their caseload of one organisation."""
    supporter = digest.supporter
    body = render_to_string("programmes/follow_up_digest_email.txt",
                            {"person": supporter.user, "organisation": supporter.organisation, "digest": digest,
                             "tries": tries, "link": site_url(reverse("programmes_caseload"))})  # fmt: skip
    # No numbers in the subject: it shows on lock screens and in notification previews.
    return gettext("[PeerPath] Follow-ups are due in your caseload"), body


def silent_escalation_message(person: User, programme: Any, *, count: int, days: int,
                              as_supervisor: bool) -> tuple[str, str]:  # fmt: skip
    """Tell a coordinator (or a supporter's supervisor) how many patients of a programme newly went `days` days
    without a contact that reached them."""
    link = site_url(reverse("programmes_follow_ups", kwargs={"programme_id": programme.pk}))
    body = render_to_string("programmes/silent_escalation_email.txt",
                            {"person": person, "programme": programme, "count": count, "days": days,
                             "as_supervisor": as_supervisor, "link": link})  # fmt: skip
    return gettext("[PeerPath] Patients nobody has reached for weeks"), body


def send_one(*, to: str, subject: str, body: str, about: Any) -> bool:
    """Hand one message to the mail server; False when it refused (logged by the error's class only: no addresses
    in logs)."""
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("follow-up e-mail not sent (%s %s): %s", about._meta.model_name, about.pk, type(error).__name__)
        return False
    return True
