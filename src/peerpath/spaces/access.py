"""Gates for spaces and meetings: the object, or the same 404 for "missing" and "not yours" (ARCHITECTURE.md §3).

Who sees what (issue 5):
- a space's public page (about, rules, when it meets) is public while its listing is vetted: anyone may find it;
- members-only content (who the members are, intro cards, join links, notes, check-in) needs an active membership,
  or being the invited clinician guest of that meeting;
- running the space (requests, attendance, notes, schedules) needs the organiser role; group health is for
  organisers, moderators and the host organisation's coordinators and admins.
Reads of attendance and group health by leaders and staff are audited; every refusal is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from peerpath.accounts.roles import ORG_MANAGER_ROLES
from peerpath.accounts.selectors import roles_in
from peerpath.audit.services import record, record_access, record_denied
from peerpath.core.access import uuid_or_404
from peerpath.spaces.models import CheckInRequest, Meeting, Membership, Space, TopicProposal
from peerpath.spaces.selectors import CheckInRow, check_in_requests_for, membership_of, visible_spaces


@dataclass
class SpaceViewer:
    """A space as one person sees it: what they may do there, decided once, here."""

    space: Space
    membership: Membership | None
    manages_host: bool  # a coordinator or admin of the host organisation

    @property
    def is_member(self) -> bool:
        return self.membership is not None and self.membership.is_active

    @property
    def is_organiser(self) -> bool:
        return self.is_member and self.membership is not None and self.membership.role == Membership.Role.ORGANISER

    @property
    def is_leader(self) -> bool:
        return self.is_member and self.membership is not None and self.membership.is_leader

    @property
    def has_voice(self) -> bool:
        """May post, vote and propose topics: members, not listeners."""
        return self.is_member and self.membership is not None and self.membership.has_voice

    @property
    def runs_space(self) -> bool:
        """May manage members, schedules, attendance and notes."""
        return self.is_organiser or self.manages_host

    @property
    def sees_health(self) -> bool:
        return self.is_leader or self.manages_host


def _viewer(user: Any, space: Space) -> SpaceViewer:
    membership = membership_of(user, space) if getattr(user, "is_authenticated", False) else None
    manages = bool(ORG_MANAGER_ROLES & roles_in(user, space.organisation_id))
    return SpaceViewer(space=space, membership=membership, manages_host=manages)


def _deny(user: Any, object_type: str, object_id: Any) -> Http404:
    record_denied(actor=user, object_type=object_type, object_id=str(object_id))
    return Http404()


def access_space(user: Any, space_id: Any) -> SpaceViewer:
    """A space the person may see at all: public (vetted listing), or theirs as a member, or its host's manager or
    moderator (whatever the listing's status)."""
    space = visible_spaces(user).select_related("listing", "organisation").filter(pk=uuid_or_404(space_id)).first()
    if space is None:
        raise _deny(user, "spaces.space", space_id)
    return _viewer(user, space)


def access_space_as_member(user: Any, space_id: Any) -> SpaceViewer:
    """Members-only pages (members, intro cards, notes, join links): active members and the host's managers."""
    viewer = access_space(user, space_id)
    if not (viewer.is_member or viewer.manages_host):
        raise _deny(user, "spaces.space", space_id)
    return viewer


def access_space_to_run(user: Any, space_id: Any, *, purpose: str = "manage") -> SpaceViewer:
    """Organiser pages: members' requests, schedules, attendance, notes."""
    viewer = access_space(user, space_id)
    if not viewer.runs_space:
        raise _deny(user, "spaces.space", space_id)
    record_access(actor=user, target=viewer.space, organisation=viewer.space.organisation, purpose=purpose)
    return viewer


def access_space_health(user: Any, space_id: Any) -> SpaceViewer:
    """Group health: organisers and moderators of the space, coordinators and admins of its host."""
    viewer = access_space(user, space_id)
    if not viewer.sees_health:
        raise _deny(user, "spaces.space", space_id)
    record_access(actor=user, target=viewer.space, organisation=viewer.space.organisation, purpose="group_health")
    return viewer


@dataclass
class MeetingViewer:
    viewer: SpaceViewer
    meeting: Meeting
    is_guest: bool = False  # the clinician invited to this session, while the invitation stands

    @property
    def sees_members_content(self) -> bool:
        """Join link, who is coming, intro cards, notes: members, the host's managers, the guest."""
        return self.viewer.is_member or self.viewer.manages_host or self.is_guest


def access_meeting(user: Any, space_id: Any, meeting_id: Any) -> MeetingViewer:
    """A meeting of a space the person may see; its members-only parts are decided by `sees_members_content`."""
    space_uuid, meeting_uuid = uuid_or_404(space_id), uuid_or_404(meeting_id)
    meeting = (
        Meeting.objects.select_related("space__listing", "space__organisation", "guest", "schedule")
        .filter(pk=meeting_uuid, space_id=space_uuid)
        .first()
    )
    if meeting is None:
        raise _deny(user, "spaces.meeting", meeting_id)
    is_guest = meeting.guest_id is not None and meeting.guest_id == getattr(user, "pk", None)
    if is_guest and meeting.guest_status != Meeting.GuestStatus.DECLINED:
        viewer = _viewer(user, meeting.space)
    else:
        try:
            viewer = access_space(user, space_uuid)
        except Http404:
            raise _deny(user, "spaces.meeting", meeting_id) from None
    live_guest = is_guest and meeting.guest_status != Meeting.GuestStatus.DECLINED
    return MeetingViewer(viewer=viewer, meeting=meeting, is_guest=live_guest)


def access_meeting_to_run(user: Any, space_id: Any, meeting_id: Any, *, purpose: str = "manage") -> MeetingViewer:
    """Attendance, notes, moving and cancelling one meeting: the space's organisers and the host's managers."""
    found = access_meeting(user, space_id, meeting_id)
    if not found.viewer.runs_space:
        raise _deny(user, "spaces.meeting", meeting_id)
    record_access(actor=user, target=found.meeting, organisation=found.meeting.space.organisation, purpose=purpose)
    return found


def access_membership_to_manage(user: Any, space_id: Any, membership_id: Any) -> tuple[SpaceViewer, Membership]:
    """One membership of a space the person runs (approve, remove, change role, send "we missed you")."""
    viewer = access_space_to_run(user, space_id, purpose="manage_members")
    membership = (
        Membership.objects.select_related("user", "space")
        .filter(pk=uuid_or_404(membership_id), space=viewer.space)
        .first()
    )
    if membership is None:
        raise _deny(user, "spaces.membership", membership_id)
    return viewer, membership


def access_topic(user: Any, space_id: Any, topic_id: Any) -> tuple[SpaceViewer, TopicProposal]:
    """One topic proposal of a space the person sees as a member (to vote on it); the same 404 otherwise."""
    viewer = access_space_as_member(user, space_id)
    topic = TopicProposal.objects.filter(pk=uuid_or_404(topic_id), space=viewer.space).first()
    if topic is None:
        raise _deny(user, "spaces.topicproposal", topic_id)
    topic.space = viewer.space
    return viewer, topic


def access_guest_session(user: Any, meeting_id: Any) -> Meeting:
    """A clinician session the person is the invited guest of (to accept or decline); anyone else gets 404."""
    meeting_uuid = uuid_or_404(meeting_id)
    meeting = None
    if getattr(user, "is_authenticated", False):
        meeting = (
            Meeting.objects.select_related("space")
            .filter(pk=meeting_uuid, guest=user, kind=Meeting.Kind.CLINICIAN_SESSION)
            .first()
        )
    if meeting is None:
        raise _deny(user, "spaces.meeting", meeting_id)
    return meeting


def access_check_in_request(user: Any, request_id: Any) -> CheckInRequest:
    """An open check-in request the person may handle: the same rows as their check-in list, or 404."""
    request = check_in_requests_for(user).filter(pk=uuid_or_404(request_id)).first()
    if request is None:
        raise _deny(user, "spaces.checkinrequest", request_id)
    return request


def access_check_in_to_reach(user: Any, request_id: Any, *, purpose: str) -> CheckInRequest:
    """An open check-in request, to reach its member (a private message): only a peer supporter, coordinator or
    admin of the host, only while the request is open and the member still agrees; 404 otherwise. The ways the
    member shared are read, so the read is audited."""
    request = access_check_in_request(user, request_id)
    membership = request.membership
    record_access(actor=user, target=membership, organisation=membership.space.organisation, purpose=purpose)
    return request


def read_check_in_rows(user: Any, requests: Iterable[CheckInRequest]) -> list[CheckInRow]:
    """Check-in requests (already filtered by `check_in_requests_for`) shown with the phone and e-mail their
    members shared: the read is audited, one event per host organisation naming the memberships, never the numbers
    or addresses."""
    rows = [CheckInRow.of(request) for request in requests]
    by_organisation: dict[Any, list[CheckInRow]] = {}
    for row in rows:
        by_organisation.setdefault(row.request.membership.space.organisation_id, []).append(row)
    for group in by_organisation.values():
        shown = [str(row.request.membership_id) for row in group if row.reach.shared]
        organisation = group[0].request.membership.space.organisation
        record(action="spaces.check_in_requests_viewed", actor=user, organisation=organisation,
               details={"requests": len(group), "reach_shown": shown})  # fmt: skip
    return rows


def access_meeting_as_member(user: Any, meeting_id: Any) -> MeetingViewer:
    """For the API, whose meeting URLs carry no space id (RSVP, check-in): a meeting of a space where the person is
    an active member; the same 404 for missing, another space's, or a meeting they may only look at."""
    meeting_uuid = uuid_or_404(meeting_id)
    space_id = None
    if getattr(user, "is_authenticated", False):
        space_id = (
            Meeting.objects.filter(
                pk=meeting_uuid,
                space__memberships__user=user,
                space__memberships__status=Membership.Status.ACTIVE,
            )
            .values_list("space_id", flat=True)
            .first()
        )
    if space_id is None:
        raise _deny(user, "spaces.meeting", meeting_id)
    found = access_meeting(user, space_id, meeting_uuid)
    if not found.viewer.is_member:  # pragma: no cover - the query above already asked for an active membership
        raise _deny(user, "spaces.meeting", meeting_id)
    return found
