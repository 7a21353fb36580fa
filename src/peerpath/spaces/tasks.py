"""Background work for spaces (the Django Tasks API): messages the services queue after their commit, the frequent
reminder sweep and the daily materialising of meetings. Arguments are strings: they are stored as JSON in the queue.
"""

from __future__ import annotations

from django_tasks import task

from peerpath.spaces import notifications
from peerpath.spaces.models import Meeting, Membership, Rsvp


@task()
def send_meeting_changed(meeting_id: str, sequence: str) -> int:
    meeting = Meeting.objects.select_related("space").filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    return notifications.meeting_changed(meeting, int(sequence))


@task()
def send_request_decided(membership_id: str) -> bool:
    membership = Membership.objects.select_related("space", "user").filter(pk=membership_id).first()
    return membership is not None and notifications.request_decided(membership)


@task()
def send_invitation(membership_id: str) -> bool:
    membership = (
        Membership.objects.select_related("space", "user")
        .filter(pk=membership_id, status=Membership.Status.INVITED)
        .first()
    )
    return membership is not None and notifications.invitation(membership)


@task()
def send_guest_invitation(meeting_id: str) -> bool:
    meeting = Meeting.objects.select_related("space", "guest").filter(pk=meeting_id).first()
    return meeting is not None and notifications.guest_invitation(meeting)


@task()
def send_missed_you(membership_id: str, meeting_id: str) -> bool:
    membership = (
        Membership.objects.select_related("space", "user")
        .filter(pk=membership_id, status=Membership.Status.ACTIVE)
        .first()
    )
    last = Meeting.objects.filter(pk=meeting_id).first()
    return membership is not None and last is not None and notifications.missed_you(membership, last)


@task()
def send_check_in_requested(request_id: str) -> int:
    return notifications.check_in_requested(request_id)


@task()
def send_seat_free(rsvp_id: str) -> bool:
    rsvp = Rsvp.objects.select_related("meeting__space", "user").filter(pk=rsvp_id, state=Rsvp.State.CONFIRMED).first()
    return rsvp is not None and notifications.seat_free(rsvp)


@task()
def send_due_reminders() -> int:
    """The day-before and hour-before reminders due now (run every few minutes by `peerpath run_scheduler`)."""
    return notifications.reminders_due()


@task()
def materialise_meetings() -> int:
    """Keep every live schedule's meetings materialised ahead (daily)."""
    from peerpath.spaces.meetings import materialise_all

    return materialise_all()


@task()
def weekly_summary() -> int:
    """This week's summary to every organiser (weekly, queued by `peerpath run_scheduler`)."""
    from peerpath.spaces.summary import send_weekly_summaries

    return send_weekly_summaries()
