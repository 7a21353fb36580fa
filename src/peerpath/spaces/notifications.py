"""Who in a space is told what, by e-mail (issue 5 points 3, 6, 7 and 8).

E-mail crosses servers we do not run, so messages name the space and the meeting time and link back; they never say
who else is coming, what was discussed or anything from an intro card. Each message goes at most once: a `Notice`
row with a unique (kind, key) is claimed before sending, as in prescriptions/notifications.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string

from peerpath.accounts.models import User
from peerpath.audit.services import record
from peerpath.core.time import now
from peerpath.spaces.models import Meeting, Membership, Notice, Rsvp, Space
from peerpath.spaces.tokens import site_url

# The day-before reminder goes for meetings starting 23 to 25 hours from now; the hour-before one from 75 minutes
# before. A scheduler tick every few minutes catches every meeting once (the Notice key makes it once).
DAY_BEFORE = (timedelta(hours=23), timedelta(hours=25))
HOUR_BEFORE = (timedelta(0), timedelta(minutes=75))


def local_time(meeting: Meeting) -> datetime:
    return meeting.starts_at.astimezone(ZoneInfo(meeting.timezone))


def when_text(meeting: Meeting) -> str:
    """ "Tuesday 3 March 2026, 19:00 (Europe/London)": in the meeting's own time zone."""
    local = local_time(meeting)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} ({meeting.timezone})"


def meeting_url(meeting: Meeting) -> str:
    return site_url(f"/spaces/{meeting.space_id}/meetings/{meeting.pk}/")


def space_url(space: Space) -> str:
    return site_url(f"/spaces/{space.pk}/")


def send_once(*, kind: str, key: str, user: User, subject: str, template: str, context: dict[str, object]) -> bool:
    """Send one message unless its notice exists; True when sent. A failed send gives the claim back."""
    if not user.email or not user.is_active:
        return False
    try:
        with transaction.atomic():
            notice = Notice.objects.create(kind=kind, key=key[:160], recipient=user, sent_at=now())
    except IntegrityError:
        return False
    body = render_to_string(template, {"user": user, **context})
    try:
        send_mail(subject=f"[PeerPath] {subject}", message=body, from_email=None, recipient_list=[user.email])
    except Exception:
        notice.delete()
        raise
    record(action="notification.sent", actor=None, target=notice, details={"kind": kind})
    return True


def members_to_tell(meeting: Meeting) -> QuerySet[Membership]:
    return Membership.objects.filter(space_id=meeting.space_id, status=Membership.Status.ACTIVE).select_related("user")


def people_to_tell(meeting: Meeting) -> list[User]:
    """The members, and the clinician guest of a session while they have not declined."""
    people = [membership.user for membership in members_to_tell(meeting)]
    if (
        meeting.guest is not None
        and meeting.guest_status
        in (
            Meeting.GuestStatus.INVITED,
            Meeting.GuestStatus.ACCEPTED,
        )
        and all(person.pk != meeting.guest_id for person in people)
    ):
        people.append(meeting.guest)
    return people


def meeting_changed(meeting: Meeting, sequence: int) -> int:
    """Tell every member that one meeting moved or was cancelled, with the organiser's message."""
    sent = 0
    cancelled = meeting.is_cancelled
    subject = f"{'Cancelled' if cancelled else 'Moved'}: {meeting.space.name}, {when_text(meeting)}"
    for person in people_to_tell(meeting):
        sent += send_once(
            kind=Notice.Kind.CHANGE,
            key=f"change:{meeting.pk}:{sequence}:{person.pk}",
            user=person,
            subject=subject,
            template="spaces/email/meeting_changed.txt",
            context={"meeting": meeting, "when": when_text(meeting), "cancelled": cancelled,
                     "url": meeting_url(meeting)},
        )  # fmt: skip
    return sent


def _reminder_candidates(window: tuple[timedelta, timedelta], moment: datetime) -> QuerySet[Meeting]:
    return Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED,
        starts_at__gte=moment + window[0],
        starts_at__lt=moment + window[1],
        space__archived_at__isnull=True,
    ).select_related("space", "guest")


def reminders_due(moment: datetime | None = None) -> int:
    """Send the day-before and hour-before reminders due now, each to members who chose it and did not say
    they are not going; returns how many were sent."""
    moment = moment or now()
    sent = 0
    plans = (
        (DAY_BEFORE, "remind_day_before", Notice.Kind.REMINDER_DAY, "tomorrow"),
        (HOUR_BEFORE, "remind_hour_before", Notice.Kind.REMINDER_HOUR, "soon"),
    )
    for window, preference, kind, word in plans:
        for meeting in _reminder_candidates(window, moment):
            declined = set(
                Rsvp.objects.filter(meeting=meeting, answer=Rsvp.Answer.NOT_GOING).values_list("user_id", flat=True)
            )
            members = members_to_tell(meeting).filter(**{preference: True})
            for membership in members:
                if membership.user_id in declined:
                    continue
                sent += send_once(
                    kind=kind,
                    # The start is in the key: a moved meeting is reminded again at its new time.
                    key=f"{kind}:{meeting.pk}:{meeting.starts_at:%Y%m%dT%H%M}:{membership.user_id}",
                    user=membership.user,
                    subject=f"{meeting.space.name} meets {word}: {when_text(meeting)}",
                    template="spaces/email/reminder.txt",
                    context={"meeting": meeting, "when": when_text(meeting), "url": meeting_url(meeting)},
                )
    # The clinician guest of a session is reminded the day before (they have no member preferences).
    for meeting in _reminder_candidates(DAY_BEFORE, moment).filter(guest_status=Meeting.GuestStatus.ACCEPTED):
        if meeting.guest is not None:
            sent += send_once(
                kind=Notice.Kind.REMINDER_DAY,
                key=f"{Notice.Kind.REMINDER_DAY}:{meeting.pk}:{meeting.starts_at:%Y%m%dT%H%M}:{meeting.guest_id}",
                user=meeting.guest,
                subject=f"Your Q&A session with {meeting.space.name} is tomorrow: {when_text(meeting)}",
                template="spaces/email/reminder.txt",
                context={"meeting": meeting, "when": when_text(meeting), "url": meeting_url(meeting)},
            )
    return sent


def request_decided(membership: Membership) -> bool:
    approved = membership.status == Membership.Status.ACTIVE
    return send_once(
        kind=Notice.Kind.CHANGE,
        key=f"decided:{membership.pk}:{membership.status}:{membership.updated_at:%Y%m%dT%H%M%S}",
        user=membership.user,
        subject=f"{'Welcome to' if approved else 'Your request to join'} {membership.space.name}",
        template="spaces/email/request_decided.txt",
        context={"space": membership.space, "approved": approved, "url": space_url(membership.space)},
    )


def invitation(membership: Membership) -> bool:
    return send_once(
        kind=Notice.Kind.CHANGE,
        key=f"invited:{membership.pk}:{membership.updated_at:%Y%m%dT%H%M%S}",
        user=membership.user,
        subject=f"You are invited to join {membership.space.name}",
        template="spaces/email/invitation.txt",
        context={"space": membership.space, "url": space_url(membership.space)},
    )


def guest_invitation(meeting: Meeting) -> bool:
    if meeting.guest is None:
        return False
    return send_once(
        kind=Notice.Kind.GUEST,
        key=f"guest:{meeting.pk}:{meeting.guest_id}",
        user=meeting.guest,
        subject=f"Invitation to a Q&A session with {meeting.space.name}",
        template="spaces/email/guest_invitation.txt",
        context={"meeting": meeting, "when": when_text(meeting), "topics": list(meeting.topics.all()),
                 "url": site_url("/sessions/")},
    )  # fmt: skip


def missed_you(membership: Membership, last: Meeting) -> bool:
    return send_once(
        kind=Notice.Kind.MISSED_YOU,
        key=f"missed:{membership.pk}:{last.pk}",
        user=membership.user,
        subject=f"We missed you at {membership.space.name}",
        template="spaces/email/missed_you.txt",
        context={"space": membership.space, "url": space_url(membership.space)},
    )


def seat_free(rsvp: Rsvp) -> bool:
    meeting = rsvp.meeting
    return send_once(
        kind=Notice.Kind.CHANGE,
        key=f"seat:{rsvp.pk}:{meeting.starts_at:%Y%m%dT%H%M}",
        user=rsvp.user,
        subject=f"A seat is yours: {meeting.space.name}, {when_text(meeting)}",
        template="spaces/email/seat_free.txt",
        context={"meeting": meeting, "when": when_text(meeting), "url": meeting_url(meeting)},
    )


def check_in_requested(request_id: str) -> int:
    """Tell the host's peer supporters that a member would welcome a check-in (without naming them in e-mail)."""
    from peerpath.accounts.models import RoleAssignment
    from peerpath.accounts.roles import Role
    from peerpath.spaces.models import CheckInRequest

    request = CheckInRequest.objects.select_related("membership__space").filter(pk=request_id).first()
    if request is None or request.status != CheckInRequest.Status.OPEN:
        return 0
    space = request.membership.space
    supporters = User.objects.filter(
        pk__in=RoleAssignment.objects.filter(organisation_id=space.organisation_id, role=Role.PEER_SUPPORTER).values(
            "user"
        ),
        is_active=True,
    )
    return sum(
        send_once(
            kind=Notice.Kind.CHANGE,
            key=f"check-in:{request.pk}:{supporter.pk}",
            user=supporter,
            subject=f"A check-in is asked for in {space.name}",
            template="spaces/email/check_in_requested.txt",
            context={"space": space, "url": site_url("/spaces/check-ins/")},
        )
        for supporter in supporters
    )
