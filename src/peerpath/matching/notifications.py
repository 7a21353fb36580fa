"""Matching e-mails. They say where to look and never name the other person, quote a message or give a profile:
e-mail crosses servers we do not run, and nothing identifying is shared before both accept."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from typing import Any

from django.core.mail import send_mail
from django.urls import reverse

from peerpath.accounts.models import RoleAssignment, User
from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.audit.services import record
from peerpath.matching.models import Match, MatchReport, Proposal
from peerpath.spaces.tokens import site_url

logger = logging.getLogger(__name__)

POOR_CHECK_IN = "poor_check_in"  # to the coordinator, not the pair
MATCH_MESSAGES = {
    "started": ("You have a new buddy", "You both accepted: your private conversation is open in PeerPath."),
    "ended": ("Your buddy match has ended", "Your match has ended. You can still read your conversation."),
    "nudge": (
        "Say hello to your buddy",
        "Nobody has written yet in your buddy conversation. A short hello is a good start.",
    ),
    "check_in_2": ("Is your buddy match working?", "It has been two weeks: tell us how it is going."),
    "check_in_6": ("Is your buddy match working?", "It has been six weeks: tell us how it is going."),
}


def _send(people: Iterable[User], subject: str, text: str, link: str) -> tuple[int, int]:
    sent = failed = 0
    for person in people:
        if not person.is_active or not person.email:
            continue
        body = f"Hello {person.handle},\n\n{text}\n\n{link}\n"
        try:
            send_mail(subject=f"[PeerPath] {subject}", message=body, from_email=None, recipient_list=[person.email])
        except (smtplib.SMTPException, OSError) as error:
            failed += 1
            logger.warning("matching e-mail not sent: %s", type(error).__name__)
            continue
        sent += 1
    return sent, failed


def _proposal_link(proposal: Proposal) -> str:
    return site_url(reverse("matching_proposal", kwargs={"proposal_id": proposal.pk}))


def proposal_notice(proposal_id: str) -> int:
    proposal = (
        Proposal.objects.select_related("programme__organisation", "mentee__user", "mentor__user")
        .filter(pk=proposal_id, status=Proposal.Status.OFFERED)
        .first()
    )
    if proposal is None:
        return 0
    sent, failed = _send(
        [proposal.mentee.user, proposal.mentor.user], f"A buddy is proposed to you in {proposal.programme.name}",
        "We think you two could support each other. Read why, and accept or decline:", _proposal_link(proposal),
    )  # fmt: skip
    record(action="notification.sent", actor=None, organisation=proposal.programme.organisation, target=proposal,
           details={"kind": "proposal_offered", "count": sent, "failed": failed})  # fmt: skip
    return sent


def run_notices(run_id: str) -> int:
    offered = Proposal.objects.filter(run__pk=run_id, status=Proposal.Status.OFFERED).values_list("pk", flat=True)
    return sum(proposal_notice(str(proposal_id)) for proposal_id in offered.iterator())


def match_notice(match_id: str, kind: str) -> int:
    """An e-mail about a match: to both of the pair, or (a poor check-in) to the programme's coordinator."""
    match = (
        Match.objects.select_related("programme__organisation", "programme__coordinator", "mentee__user",
                                     "mentor__user")
        .filter(pk=match_id)
        .first()
    )  # fmt: skip
    if match is None or (kind not in MATCH_MESSAGES and kind != POOR_CHECK_IN):
        return 0
    link = site_url(reverse("matching_match", kwargs={"match_id": match.pk}))
    if kind == POOR_CHECK_IN:
        people = [match.programme.coordinator]
        subject = f"A buddy match in {match.programme.name} is not working"
        text = ("One of a pair answered their check-in: it is not working. They can ask for someone else; you may "
                "want to get in touch:")  # fmt: skip
    else:
        people = [match.mentee.user, match.mentor.user]
        subject, text = MATCH_MESSAGES[kind]
    sent, failed = _send(people, subject, text, link)
    record(action="notification.sent", actor=None, organisation=match.programme.organisation, target=match,
           details={"kind": f"match_{kind}", "count": sent, "failed": failed})  # fmt: skip
    return sent


def report_recipients(organisation_id: Any) -> list[User]:
    roles = [*ORG_MANAGER_ROLES, Role.MODERATOR]
    people = RoleAssignment.objects.filter(organisation_id=organisation_id, role__in=roles).values("user")
    return list(User.objects.filter(pk__in=people, is_active=True).exclude(email="").order_by("handle"))


def report_notice(report_id: str) -> int:
    report = MatchReport.objects.select_related("programme__organisation").filter(pk=report_id).first()
    if report is None:
        return 0
    subject = "URGENT: a buddy is worried about someone's safety" if report.reason == MatchReport.Reason.CRISIS \
        else f"A report from a buddy match in {report.programme.name}"  # fmt: skip
    link = site_url(reverse("matching_reports"))
    sent, failed = _send(report_recipients(report.programme.organisation_id), subject,
                         "A member reported the other person in their buddy match. Please look:", link)  # fmt: skip
    record(action="notification.sent", actor=None, organisation=report.programme.organisation, target=report,
           details={"kind": "match_report", "count": sent, "failed": failed})  # fmt: skip
    return sent
