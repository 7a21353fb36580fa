"""A match's life (issue 17 point 5), from both accepting to its end.

    match_begin        both accepted: a private conversation between the two inside PeerPath (messages, screened
                       crisis first like every message); no phone or e-mail is exchanged unless both choose to
    (a message sent)   the pair's first contact is noted, and each day with a message counts as contact with a peer
                       supporter on the member's running prescription of that dose
    life_sweep         daily: a nudge to both if nobody wrote within NUDGE_AFTER; "is this working?" at 2 and 6 weeks
    check_in_answer    one side answers; "not working" offers a rematch and shows on the coordinator's board
    match_end          either side (or a coordinator) ends it, with optional feedback; "someone else" puts the member
                       back in the pool for the next run (the same pair is never proposed again)
    match_report       report the other person to the moderators and coordinators; blocking also ends the match
    match_contact_set  each may give the other a phone or e-mail: shown only while both have (shared_contact)

A message in a match that ended is refused (messages.conversation_close).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from peerpath.accounts.models import User
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.matching.models import Feedback, Match, MatchReport, Proposal, Rating
from peerpath.matching.settings import require_manager
from peerpath.messages.models import Conversation, Message, Participant
from peerpath.messages.services import conversation_close, conversation_start, on_message_sent

NUDGE_AFTER = timedelta(days=7)
CHECK_IN_WEEKS = (2, 6)
MAX_NOTE = 1000
# What a person may choose when they end a match themselves (the others are set by PeerPath or a coordinator).
OWN_END_REASONS = (Match.EndReason.FINISHED, Match.EndReason.NOT_WORKING, Match.EndReason.REMATCH)


def _note(note: str, field: str = "note") -> str:
    note = note.strip()
    if "\x00" in note:
        raise DomainError(_("Remove the null character from the text: it cannot be saved."), field=field)
    if len(note) > MAX_NOTE:
        raise DomainError(_("Keep it to %(n)d characters or fewer.") % {"n": MAX_NOTE}, field=field)
    return note


def side_in(match: Match, user: Any) -> str | None:
    if match.mentee.user_id == getattr(user, "pk", None):
        return "mentee"
    if match.mentor.user_id == getattr(user, "pk", None):
        return "mentor"
    return None


def other_user(match: Match, user: Any) -> User:
    return match.mentor.user if side_in(match, user) == "mentee" else match.mentee.user


def match_begin(*, proposal: Proposal) -> Match:
    """Both accepted (called inside proposal_answer's transaction): the match and the pair's conversation."""
    mentee, mentor = proposal.mentee, proposal.mentor
    conversation = conversation_start(
        actor=None, organisation=proposal.programme.organisation, kind=Conversation.Kind.BUDDY,
        participants=[(mentee.user, Participant.Role.MENTEE), (mentor.user, Participant.Role.MENTOR)],
        subject=_("Buddies in %(programme)s") % {"programme": proposal.programme.name},
    )  # fmt: skip
    match = Match.objects.create(
        proposal=proposal, programme=proposal.programme, mentee=mentee, mentor=mentor, conversation=conversation,
        started_at=now(),
    )  # fmt: skip
    record(action="matching.match_started", actor=None, organisation=proposal.programme.organisation, target=match,
           details={"proposal": str(proposal.pk)})  # fmt: skip
    match_id = str(match.pk)
    transaction.on_commit(lambda: _notify(match_id, "started"))
    return match


def _notify(match_id: str, kind: str) -> None:
    from peerpath.matching import tasks

    tasks.send_match_notice.enqueue(match_id, kind)


@on_message_sent
def _contact_made(message: Message) -> None:
    """A message in a pair's conversation: their first contact, and contact on the member's prescription."""
    if message.conversation.kind != Conversation.Kind.BUDDY:
        return
    match = Match.objects.select_related("mentee__user", "programme").filter(conversation=message.conversation).first()
    if match is None:
        return
    if match.first_contact_at is None:
        Match.objects.filter(pk=match.pk, first_contact_at__isnull=True).update(
            first_contact_at=message.created_at, updated_at=now()
        )
    _count_on_prescriptions(match, message)


def _count_on_prescriptions(match: Match, message: Message) -> None:
    """Each day with a message in the match is one contact with a peer supporter for the member, on each running
    prescription of theirs in the programme's organisation whose dose counts peer contact."""
    from peerpath.prescriptions.dose import Activity
    from peerpath.prescriptions.models import Participation, Patient, Prescription
    from peerpath.prescriptions.services import participation_record

    patients = Patient.objects.filter(user=match.mentee.user, organisation_id=match.programme.organisation_id)
    for patient in patients:
        running = Prescription.objects.filter(
            patient=patient, status__in=Prescription.RUNNING_STATUSES,
            activity__in=[Activity.PEER_CONTACT, Activity.ANY],
        ).first()  # fmt: skip
        if running is None:
            continue
        participation_record(
            patient=patient, activity=Activity.PEER_CONTACT, when=message.created_at,
            source=Participation.Source.PEER_CONTACT, recorded_by=None, listing=running.listing,
            source_ref=f"buddy:{match.pk}:{message.created_at.date().isoformat()}",
        )  # fmt: skip


def _locked(match: Match) -> Match:
    return (
        Match.objects.select_for_update(of=("self",))
        .select_related("programme__organisation", "mentee__user", "mentor__user", "conversation")
        .get(pk=match.pk)
    )


CONTACT_FIELDS = ("mentee_phone", "mentee_email", "mentor_phone", "mentor_email")


def _end(match: Match, *, actor: User | None, reason: str) -> None:
    match.status, match.ended_at, match.ended_by, match.end_reason = Match.Status.ENDED, now(), actor, reason
    for name in CONTACT_FIELDS:  # what they gave each other is not kept past the match
        setattr(match, name, "")
    match.save(update_fields=["status", "ended_at", "ended_by", "end_reason", *CONTACT_FIELDS, "updated_at"])
    conversation_close(actor=actor, conversation=match.conversation)
    record(action="matching.match_ended", actor=actor, organisation=match.programme.organisation, target=match,
           details={"reason": reason})  # fmt: skip
    match_id = str(match.pk)
    transaction.on_commit(lambda: _notify(match_id, "ended"))


@transaction.atomic
def match_end(*, actor: User, match: Match, reason: str, rating: str = "", note: str = "") -> Match:
    """Either of the pair ends the match (or a coordinator of the programme), with optional feedback."""
    match = _locked(match)
    side = side_in(match, actor)
    if side is None:
        require_manager(actor, match.programme)
        reason = Match.EndReason.BY_COORDINATOR
    elif reason not in OWN_END_REASONS:
        raise DomainError(_("Choose why you are ending the match."), field="reason")
    if rating and rating not in Rating.values:
        raise DomainError(_("Choose one of the answers."), field="rating")
    note = _note(note)
    if not match.active:
        raise Conflict(_("This match has already ended."), code="ended")
    _end(match, actor=actor, reason=reason)
    if side is not None and (rating or note):
        Feedback.objects.create(match=match, user=actor, kind=Feedback.Kind.ENDING, rating=rating, note=note)
    return match


@transaction.atomic
def match_contact_set(*, actor: User, match: Match, phone: str, email: str) -> Match:
    """One of the pair chooses a phone and/or e-mail to give the other (both blank: stop, at once). The other sees
    them only while both have given one (shared_contact): nothing is exchanged unless both choose to."""
    from peerpath.spaces import reach

    match = _locked(match)
    side = side_in(match, actor)
    if side is None:
        raise PermissionDenied(_("Only the two people in a match share their own phone or e-mail."))
    phone = reach.clean_phone(phone, field="phone")
    email = reach.clean_email(email, field="email")
    if (phone or email) and not match.active:
        raise Conflict(_("This match has ended: there is no one to share a phone or e-mail with."), code="ended")
    before = [name for name in ("phone", "email") if getattr(match, f"{side}_{name}")]
    if (phone, email) == (getattr(match, f"{side}_phone"), getattr(match, f"{side}_email")):
        return match
    setattr(match, f"{side}_phone", phone)
    setattr(match, f"{side}_email", email)
    match.save(update_fields=[f"{side}_phone", f"{side}_email", "updated_at"])
    shared = [name for name, value in (("phone", phone), ("email", email)) if value]
    # Which ways, before and after: never the number or the address.
    record(action="matching.contact_shared" if shared else "matching.contact_stopped", actor=actor,
           organisation=match.programme.organisation, target=match,
           details={"side": side, "shared": shared, "previous": before})  # fmt: skip
    return match


@dataclass(frozen=True)
class SharedContact:
    phone: str
    email: str
    tel: str = ""  # the phone as a tel: link, dialable from the organisation's country


def shared_contact(match: Match, viewer: Any) -> SharedContact | None:
    """The other person's phone and e-mail for one of the pair, only while the match is active and both have given
    at least one; None otherwise."""
    side = side_in(match, viewer)
    if side is None or not match.active:
        return None
    other = "mentor" if side == "mentee" else "mentee"
    mine = getattr(match, f"{side}_phone") or getattr(match, f"{side}_email")
    from peerpath.spaces.reach import tel_href

    phone = getattr(match, f"{other}_phone")
    country = match.programme.organisation.country
    theirs = SharedContact(phone=phone, email=getattr(match, f"{other}_email"),
                           tel=tel_href(phone, country) if phone else "")  # fmt: skip
    return theirs if mine and (theirs.phone or theirs.email) else None


@transaction.atomic
def check_in_answer(*, actor: User, match: Match, week: int, rating: str, note: str = "") -> Feedback:
    """One side answers "is this working?" for a week they were asked about."""
    match = _locked(match)
    if side_in(match, actor) is None:
        raise PermissionDenied(_("Only the two people in a match answer its check-ins."))
    if not match.active:
        raise Conflict(_("This match has ended: there is nothing to check in on."), code="ended")
    if week not in match.check_in_weeks:
        raise DomainError(_("There is no check-in for that week."), field="week")
    if rating not in Rating.values:
        raise DomainError(_("Choose one of the answers."), field="rating")
    note = _note(note)
    if Feedback.objects.filter(match=match, user=actor, kind=Feedback.Kind.CHECK_IN, week=week).exists():
        raise Conflict(_("You have already answered this check-in."), code="answered")
    feedback = Feedback.objects.create(match=match, user=actor, kind=Feedback.Kind.CHECK_IN, week=week,
                                       rating=rating, note=note)  # fmt: skip
    record(action="matching.check_in_answered", actor=actor, organisation=match.programme.organisation,
           target=match, details={"week": week, "rating": rating})  # fmt: skip
    if rating == Rating.NOT_WORKING:
        match_id = str(match.pk)
        transaction.on_commit(lambda: _notify(match_id, "poor_check_in"))
    return feedback


@transaction.atomic
def match_report(*, actor: User, match: Match, reason: str, note: str = "", block: bool = False) -> MatchReport:
    """Report the other person of the pair to the organisation's moderators and coordinators; blocking ends the
    match at once (and the pair is never proposed again)."""
    match = _locked(match)
    if side_in(match, actor) is None:
        raise PermissionDenied(_("Only the two people in a match can report it."))
    if reason not in MatchReport.Reason.values:
        raise DomainError(_("Choose what is wrong."), field="reason")
    note = _note(note)
    report = MatchReport.objects.create(
        match=match, programme=match.programme, reporter=actor, reported=other_user(match, actor), reason=reason,
        note=note, blocked=block,
    )  # fmt: skip
    record(action="matching.match_reported", actor=actor, organisation=match.programme.organisation, target=report,
           details={"reason": reason, "blocked": block})  # fmt: skip
    if block and match.active:
        _end(match, actor=actor, reason=Match.EndReason.BLOCKED)
    report_id = str(report.pk)
    transaction.on_commit(lambda: _notify_report(report_id))
    return report


def _notify_report(report_id: str) -> None:
    from peerpath.matching import tasks

    tasks.send_report_notice.enqueue(report_id)


@transaction.atomic
def report_resolve(*, actor: User, report: MatchReport, resolution: str, end_match: bool = False) -> MatchReport:
    """A moderator or coordinator of the organisation deals with a report, saying how."""
    from peerpath.matching.access import handles_reports

    report = (
        MatchReport.objects.select_for_update(of=("self",)).select_related("programme__organisation", "match")
        .get(pk=report.pk)
    )  # fmt: skip
    if not handles_reports(actor, report.programme.organisation_id):
        raise PermissionDenied(_("Only the organisation's moderators and coordinators deal with reports."))
    if report.status == MatchReport.Status.RESOLVED:
        raise Conflict(_("This report has already been dealt with."), code="resolved")
    resolution = _note(resolution, field="resolution")
    if not resolution:
        raise DomainError(_("Say what you did."), field="resolution")
    report.status, report.resolved_by, report.resolved_at, report.resolution = (
        MatchReport.Status.RESOLVED, actor, now(), resolution,
    )  # fmt: skip
    report.save(update_fields=["status", "resolved_by", "resolved_at", "resolution", "updated_at"])
    if end_match:
        match = _locked(report.match)
        if match.active:
            _end(match, actor=actor, reason=Match.EndReason.BY_COORDINATOR)
    record(action="matching.report_resolved", actor=actor, organisation=report.programme.organisation,
           target=report, details={"ended": end_match})  # fmt: skip
    return report


@dataclass
class SweepReport:
    nudged: int = 0
    check_ins: int = 0
    expired: int = 0


def life_sweep() -> SweepReport:
    """The daily sweep: expire proposals past their deadline, nudge pairs who have not written, ask check-ins."""
    from peerpath.matching.proposals import expire_due

    report = SweepReport(expired=expire_due())
    moment = now()
    messages = Message.objects.filter(conversation=OuterRef("conversation"))
    silent = (
        Match.objects.filter(status=Match.Status.ACTIVE, nudged_at__isnull=True, started_at__lte=moment - NUDGE_AFTER)
        .annotate(written=Exists(messages))
        .filter(written=False)
    )
    for match_id in list(silent.values_list("pk", flat=True)):
        if Match.objects.filter(pk=match_id, nudged_at__isnull=True).update(nudged_at=moment, updated_at=moment):
            report.nudged += 1
            _notify(str(match_id), "nudge")
    for week in CHECK_IN_WEEKS:
        due = Match.objects.filter(status=Match.Status.ACTIVE, started_at__lte=moment - timedelta(weeks=week))
        for match in due.only("pk", "check_in_weeks"):
            if week in match.check_in_weeks:
                continue
            with transaction.atomic():
                locked = Match.objects.select_for_update().only("pk", "check_in_weeks").get(pk=match.pk)
                if week in locked.check_in_weeks:
                    continue
                locked.check_in_weeks = sorted({*locked.check_in_weeks, week})
                locked.save(update_fields=["check_in_weeks", "updated_at"])
            report.check_ins += 1
            _notify(str(match.pk), f"check_in_{week}")
    return report
