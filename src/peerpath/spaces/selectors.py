"""Reads of spaces, already filtered to what the asking person may see (ARCHITECTURE.md §3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from peerpath.accounts.models import RoleAssignment
from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.core.time import now
from peerpath.directory.models import Listing
from peerpath.spaces.models import (
    Attendance,
    CheckInRequest,
    Meeting,
    Membership,
    Rsvp,
    Schedule,
    Space,
    TopicProposal,
)
from peerpath.spaces.reach import Reach


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def public_spaces() -> QuerySet[Space]:
    """Spaces anyone may find: not archived, with a vetted listing."""
    return Space.objects.filter(archived_at__isnull=True, listing__status=Listing.Status.VETTED)


# Host-organisation roles that moderate every space the organisation hosts, whatever its listing's status: they are
# alerted to its crisis posts (moderation.services.moderators_of), so they must reach it (forum.access.moderates).
HOST_MODERATOR_ROLES: frozenset[str] = frozenset({Role.MODERATOR, *ORG_MANAGER_ROLES})


def managed_organisation_ids(user: Any) -> QuerySet[RoleAssignment, Any]:
    return RoleAssignment.objects.filter(user=user, role__in=ORG_MANAGER_ROLES).values("organisation")


def moderated_organisation_ids(user: Any) -> QuerySet[RoleAssignment, Any]:
    return RoleAssignment.objects.filter(user=user, role__in=HOST_MODERATOR_ROLES).values("organisation")


def visible_spaces(user: Any) -> QuerySet[Space]:
    """Public spaces, plus those the person belongs to (even while the listing is re-reviewed) or whose host they
    manage or moderate (the host's moderators answer for all its spaces, vetted or not)."""
    if not _signed_in(user):
        return public_spaces()
    # Members, and people invited, who must see the space to decide.
    mine = Membership.objects.filter(
        user=user, status__in=[Membership.Status.ACTIVE, Membership.Status.INVITED]
    ).values("space")
    return Space.objects.filter(
        Q(archived_at__isnull=True, listing__status=Listing.Status.VETTED)
        | Q(pk__in=mine)
        | Q(organisation__in=moderated_organisation_ids(user))
    )


def membership_of(user: Any, space: Space) -> Membership | None:
    if not _signed_in(user):
        return None
    return Membership.objects.filter(user=user, space=space).first()


def my_memberships(user: Any) -> QuerySet[Membership]:
    """The person's memberships, live or pending, with their spaces."""
    if not _signed_in(user):
        return Membership.objects.none()
    return (
        Membership.objects.filter(
            user=user,
            status__in=[Membership.Status.ACTIVE, Membership.Status.REQUESTED, Membership.Status.INVITED],
        )
        .select_related("space__listing")
        .order_by("space__name")
    )


def active_members(space: Space) -> QuerySet[Membership]:
    """The space's members, with their intro cards (for members' eyes only: callers are behind a member gate)."""
    return (
        Membership.objects.filter(space=space, status=Membership.Status.ACTIVE)
        .select_related("user", "intro_card")
        .order_by("user__handle")
    )


def pending_requests(space: Space) -> QuerySet[Membership]:
    return Membership.objects.filter(space=space, status=Membership.Status.REQUESTED).select_related("user")


def upcoming_meetings(space: Space, *, limit: int = 10, moment: datetime | None = None) -> QuerySet[Meeting]:
    """Meetings not yet over, soonest first; cancelled ones stay so members see the message."""
    moment = moment or now()
    return (
        Meeting.objects.filter(space=space, ends_at__gt=moment)
        .select_related("guest")
        .annotate(
            going=Count("rsvps", filter=Q(rsvps__state=Rsvp.State.CONFIRMED)),
            waiting=Count("rsvps", filter=Q(rsvps__state=Rsvp.State.WAITING)),
        )
        .order_by("starts_at")[:limit]
    )


def past_meetings(space: Space, *, limit: int = 10, moment: datetime | None = None) -> QuerySet[Meeting]:
    moment = moment or now()
    return (
        Meeting.objects.filter(space=space, starts_at__lt=moment, status=Meeting.Status.SCHEDULED)
        .select_related("note")
        .annotate(attended=Count("attendances"))
        .order_by("-starts_at")[:limit]
    )


def next_meeting(space: Space, *, moment: datetime | None = None) -> Meeting | None:
    moment = moment or now()
    return (
        Meeting.objects.filter(space=space, ends_at__gt=moment, status=Meeting.Status.SCHEDULED)
        .order_by("starts_at")
        .first()
    )


def rsvps_of(meeting: Meeting) -> QuerySet[Rsvp]:
    """Who answered, with their intro cards in this space (members' eyes only)."""
    cards = Membership.objects.filter(space_id=meeting.space_id).select_related("intro_card")
    return (
        Rsvp.objects.filter(meeting=meeting)
        .select_related("user")
        .prefetch_related(Prefetch("user__space_memberships", queryset=cards, to_attr="memberships_here"))
        .order_by("waiting_since", "created_at")
    )


def rsvp_of(user: Any, meeting: Meeting) -> Rsvp | None:
    if not _signed_in(user):
        return None
    return Rsvp.objects.filter(user=user, meeting=meeting).first()


def attendance_of(meeting: Meeting) -> QuerySet[Attendance]:
    return Attendance.objects.filter(meeting=meeting).select_related("user")


def feed_meetings(user: Any, *, moment: datetime | None = None) -> QuerySet[Meeting]:
    """What a member's calendar feed holds: their spaces' meetings from a month ago to the horizon, plus the
    sessions they are the accepted guest of."""
    moment = moment or now()
    mine = Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values("space")
    return (
        Meeting.objects.filter(
            Q(space__in=mine) | Q(guest=user, guest_status=Meeting.GuestStatus.ACCEPTED),
            starts_at__gte=moment - timedelta(days=31),
        )
        .select_related("space")
        .order_by("starts_at")
    )


def public_feed_meetings(space: Space, *, moment: datetime | None = None) -> QuerySet[Meeting]:
    moment = moment or now()
    return Meeting.objects.filter(space=space, starts_at__gte=moment - timedelta(days=31)).order_by("starts_at")


def topics_of(space: Space, user: Any) -> QuerySet[TopicProposal]:
    """Topic proposals, most votes first, with whether this person voted."""
    from peerpath.spaces.models import TopicVote

    voted = TopicVote.objects.filter(proposal=OuterRef("pk"), user=user) if _signed_in(user) else None
    queryset = TopicProposal.objects.filter(space=space).annotate(vote_count=Count("votes"))
    if voted is not None:
        queryset = queryset.annotate(voted=Exists(voted))
    return queryset.select_related("session").order_by("status", "-vote_count", "created_at")


def guest_sessions(user: Any) -> QuerySet[Meeting]:
    """Clinician sessions this person is invited to host, upcoming first."""
    if not _signed_in(user):
        return Meeting.objects.none()
    return (
        Meeting.objects.filter(guest=user, kind=Meeting.Kind.CLINICIAN_SESSION)
        .select_related("space")
        .prefetch_related("topics")
        .order_by("-starts_at")
    )


def clinicians() -> QuerySet[RoleAssignment]:
    """Everyone who holds the clinician role somewhere: who an organiser may invite to a session."""
    return RoleAssignment.objects.filter(role=Role.CLINICIAN, user__is_active=True)


def spaces_run_by(user: Any) -> QuerySet[Space]:
    """Spaces where the person is an organiser or moderator, or whose host they manage (for group health)."""
    if not _signed_in(user):
        return Space.objects.none()
    leading = Membership.objects.filter(
        user=user, status=Membership.Status.ACTIVE, role__in=Membership.LEADER_ROLES
    ).values("space")
    return Space.objects.filter(
        Q(pk__in=leading) | Q(organisation__in=managed_organisation_ids(user)), archived_at__isnull=True
    )


def with_next_meeting(
    queryset: QuerySet[Any], *, space_field: str = "pk", moment: datetime | None = None
) -> QuerySet[Any]:
    """Spaces (or memberships, with space_field="space") with `next_start` and `next_timezone`: the next scheduled
    meeting, in the same query as the list."""
    upcoming = Meeting.objects.filter(
        space=OuterRef(space_field), status=Meeting.Status.SCHEDULED, ends_at__gt=moment or now()
    ).order_by("starts_at")
    return queryset.annotate(
        next_start=Subquery(upcoming.values("starts_at")[:1]),
        next_timezone=Subquery(upcoming.values("timezone")[:1]),
    )


def hostable_listings(user: Any) -> QuerySet[Listing]:
    """Listings a coordinator or admin may host as a space: curated by an organisation they manage, with no space
    yet."""
    if not _signed_in(user):
        return Listing.objects.none()
    return (
        Listing.objects.filter(curator__in=managed_organisation_ids(user), space__isnull=True)
        .select_related("curator")
        .order_by("name")
    )


def live_schedules(space: Space) -> QuerySet[Schedule]:
    """The schedules a space meets by now (ended ones are history)."""
    return Schedule.objects.filter(space=space, ended_at__isnull=True).order_by("starts_on", "start_time")


def check_in_requests_for(user: Any) -> QuerySet[CheckInRequest]:
    """Open check-in requests of the spaces hosted by the organisations where the person is a peer supporter,
    coordinator or admin; only while the member is still a member and still agrees to a check-in."""
    if not _signed_in(user):
        return CheckInRequest.objects.none()
    roles = [Role.PEER_SUPPORTER, *ORG_MANAGER_ROLES]
    organisations = RoleAssignment.objects.filter(user=user, role__in=roles).values("organisation")
    return (
        CheckInRequest.objects.filter(
            status=CheckInRequest.Status.OPEN,
            membership__space__organisation__in=organisations,
            membership__status=Membership.Status.ACTIVE,
            membership__peer_check_in_ok=True,
        )
        .select_related("membership__user", "membership__space__organisation")
        .order_by("created_at")
    )


@dataclass(frozen=True)
class CheckInRow:
    """One open check-in request as the lists show it (the check-in list and the peer supporter's caseload): the
    member's handle, the group, since when, and the ways to reach them that the member agreed to."""

    request: CheckInRequest
    reach: Reach

    @classmethod
    def of(cls, request: CheckInRequest) -> CheckInRow:
        membership = request.membership
        country = membership.space.organisation.country
        return cls(request, Reach(membership.check_in_phone, membership.check_in_email, country))


def waiting_position(rsvp: Rsvp) -> int | None:
    """1 for the first on the meeting's waiting list (first come, first served), or None without a wait."""
    if rsvp.state != Rsvp.State.WAITING or rsvp.waiting_since is None:
        return None
    ahead = Rsvp.objects.filter(meeting_id=rsvp.meeting_id, state=Rsvp.State.WAITING).filter(
        Q(waiting_since__lt=rsvp.waiting_since) | Q(waiting_since=rsvp.waiting_since, created_at__lt=rsvp.created_at)
    )
    return ahead.count() + 1


def my_rsvps(user: Any, meeting_ids: list[Any]) -> dict[Any, Rsvp]:
    """The person's answers to these meetings, by meeting id (one query for a whole list)."""
    if not _signed_in(user) or not meeting_ids:
        return {}
    return {rsvp.meeting_id: rsvp for rsvp in Rsvp.objects.filter(user=user, meeting_id__in=meeting_ids)}
