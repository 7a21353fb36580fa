"""The weekly summary to organisers (issue 5 point 8): last week's meetings and attendance, the next meeting,
pending requests to join and the group-health warnings, once per space, organiser and ISO week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from peerpath.core.time import now
from peerpath.spaces.health import group_health
from peerpath.spaces.models import Meeting, Membership, Notice, Space
from peerpath.spaces.notifications import send_once, space_url, when_text
from peerpath.spaces.selectors import next_meeting, pending_requests
from peerpath.spaces.tokens import site_url


@dataclass(frozen=True)
class LastWeek:
    meeting: Meeting
    when: str
    attended: int


def week_of(moment: datetime) -> str:
    """The ISO week, "2026-W48", in the site's time zone: the summary goes once in it."""
    year, week, _ = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def summary_context(space: Space, moment: datetime) -> dict[str, object]:
    """What one space's organisers are told this week."""
    last_week = [
        LastWeek(meeting=meeting, when=when_text(meeting), attended=meeting.attended)
        for meeting in Meeting.objects.filter(
            space=space, starts_at__gte=moment - timedelta(days=7), starts_at__lt=moment
        )
        .annotate(attended=Count("attendances"))
        .order_by("starts_at")
    ]
    upcoming = next_meeting(space, moment=moment)
    return {
        "space": space,
        "last_week": last_week,
        "next_meeting": upcoming,
        "next_when": when_text(upcoming) if upcoming is not None else "",
        "pending": pending_requests(space).count(),
        "warnings": [warning.sentence for warning in group_health(space, moment=moment).warnings],
        "space_url": space_url(space),
        "health_url": site_url(reverse("space_health", kwargs={"space_id": space.pk})),
    }


def send_weekly_summaries(moment: datetime | None = None) -> int:
    """Send this week's summary to each active organiser of each open space; returns how many were sent. Safe to
    run again: each (space, organiser, week) goes once."""
    moment = moment or now()
    week = week_of(moment)
    sent = 0
    for space in Space.objects.filter(archived_at__isnull=True).select_related("listing").order_by("created_at"):
        organisers = list(
            Membership.objects.filter(
                space=space, role=Membership.Role.ORGANISER, status=Membership.Status.ACTIVE
            ).select_related("user")
        )
        if not organisers:
            continue
        context = summary_context(space, moment)
        for organiser in organisers:
            sent += send_once(
                kind=Notice.Kind.SUMMARY,
                key=f"summary:{week}:{space.pk}:{organiser.user_id}",
                user=organiser.user,
                subject=f"{space.name}: your weekly summary",
                template="spaces/email/weekly_summary.txt",
                context=context,
            )
    return sent
