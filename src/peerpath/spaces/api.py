"""The spaces API for members: my spaces, a space's upcoming meetings, RSVP and check-in (issue 5 point 3-4).

Thin, like the pages: a gate or a selector, a service, a schema. Another person's space or meeting is a 404 exactly
like a missing one; a rule the person breaks (a full meeting, a wrong code) is an RFC 9457 problem with a 4xx.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from allauth.core import ratelimit
from django.http import HttpRequest
from ninja import Field, Router, Schema

from peerpath.api.problems import ApiProblem
from peerpath.api.schemas import problem_responses
from peerpath.core.time import now
from peerpath.spaces import meetings, selectors
from peerpath.spaces.access import access_meeting_as_member, access_space_as_member
from peerpath.spaces.models import JOIN_LINK_OPENS_BEFORE, Meeting, Rsvp

router = Router(tags=["spaces"])
MAX_MEETINGS = 50
# The same limiter as the check-in form on the meeting page (settings.ACCOUNT_RATE_LIMITS).
CHECK_IN_RATE_ACTION = "check_in_code"


# --- Schemas ---------------------------------------------------------------------------------------------------


class SpaceOut(Schema):
    id: UUID
    name: str
    about: str
    role: str = Field(description="organiser, moderator, member or listener")
    status: str = Field(description="active, requested or invited")
    timezone: str
    next_meeting_starts_at: datetime | None = Field(description="The next scheduled meeting, if any.")


class MyRsvpOut(Schema):
    answer: str | None = Field(description="going, maybe or not_going; null before answering")
    state: str = Field(description="confirmed (has a seat), waiting, or empty")


class MeetingOut(Schema):
    id: UUID
    space_id: UUID
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    timezone: str = Field(description="The IANA time zone the meeting is held in.")
    mode: str = Field(description="online, in_person or hybrid")
    place: str
    status: str = Field(description="scheduled or cancelled")
    change_message: str
    capacity: int | None
    going: int = Field(description="Seats taken.")
    waiting: int = Field(description="People on the waiting list.")
    join_url: str | None = Field(
        description="Only from 15 minutes before the start until the end of an online meeting that is not cancelled."
    )
    my_rsvp: MyRsvpOut


class RsvpIn(Schema):
    answer: Literal["going", "maybe", "not_going"]


class RsvpOut(Schema):
    meeting_id: UUID
    answer: str
    state: str = Field(description="confirmed (has a seat), waiting (on the waiting list), or empty")
    waiting_position: int | None = Field(description="1 for the first in line; null without a wait.")


class CheckInIn(Schema):
    code: str = Field(min_length=1, max_length=40, description="The short code shown in the meeting.")


class CheckInOut(Schema):
    meeting_id: UUID
    attended: bool
    method: str = Field(description="check_in, or marked (an organiser had already marked you)")
    recorded_at: datetime


# --- Shaping ---------------------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _join_url(meeting: Meeting, moment: datetime) -> str | None:
    """Members see the link shortly before the start, as on the meeting page (JOIN_LINK_OPENS_BEFORE)."""
    if meeting.is_cancelled or not meeting.join_url:
        return None
    if meeting.starts_at - JOIN_LINK_OPENS_BEFORE <= moment < meeting.ends_at:
        return meeting.join_url
    return None


def _meeting(meeting: Any, rsvp: Rsvp | None, moment: datetime) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "space_id": meeting.space_id,
        "title": meeting.title,
        "kind": meeting.kind,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "timezone": meeting.timezone,
        "mode": meeting.mode,
        "place": meeting.place,
        "status": meeting.status,
        "change_message": meeting.change_message,
        "capacity": meeting.capacity,
        "going": meeting.going,
        "waiting": meeting.waiting,
        "join_url": _join_url(meeting, moment),
        "my_rsvp": {"answer": rsvp.answer if rsvp else None, "state": rsvp.state if rsvp else ""},
    }


# --- Operations ------------------------------------------------------------------------------------------------


@router.get(
    "/spaces", response=list[SpaceOut], openapi_extra=problem_responses(401, 403), summary="My spaces",
)  # fmt: skip
def my_spaces(request: HttpRequest) -> list[dict[str, Any]]:
    """The spaces you belong to, or asked to join, or are invited to, by name, with each one's next meeting."""
    rows = selectors.with_next_meeting(selectors.my_memberships(_user(request)), space_field="space")
    return [
        {
            "id": membership.space.pk,
            "name": membership.space.name,
            "about": membership.space.about,
            "role": membership.role,
            "status": membership.status,
            "timezone": membership.space.timezone,
            # Pending members do not see the members-only meeting list yet, only the fact of a next meeting.
            "next_meeting_starts_at": membership.next_start,
        }
        for membership in rows
    ]


@router.get(
    "/spaces/{space_id}/meetings", response=list[MeetingOut], openapi_extra=problem_responses(401, 403, 404),
    summary="A space's upcoming meetings",
)  # fmt: skip
def space_meetings(request: HttpRequest, space_id: UUID) -> list[dict[str, Any]]:
    """Meetings not yet over, soonest first (cancelled ones too, with their message), with your own answer. For the
    space's members only."""
    user = _user(request)
    viewer = access_space_as_member(user, space_id)
    moment = now()
    rows = list(selectors.upcoming_meetings(viewer.space, limit=MAX_MEETINGS, moment=moment))
    answers = selectors.my_rsvps(user, [meeting.pk for meeting in rows])
    return [_meeting(meeting, answers.get(meeting.pk), moment) for meeting in rows]


@router.put(
    "/meetings/{meeting_id}/rsvp", response=RsvpOut, openapi_extra=problem_responses(401, 403, 404, 409, 422),
    summary="Answer going, maybe or not going",
)  # fmt: skip
def rsvp_set(request: HttpRequest, meeting_id: UUID, payload: RsvpIn) -> dict[str, Any]:
    """Answering going takes a seat while there is one, else a place on the waiting list (promoted automatically,
    first come first served, when a seat frees). Answering the same again changes nothing."""
    user = _user(request)
    found = access_meeting_as_member(user, meeting_id)
    rsvp = meetings.rsvp_set(user=user, meeting=found.meeting, answer=payload.answer)
    return {
        "meeting_id": found.meeting.pk,
        "answer": rsvp.answer,
        "state": rsvp.state,
        "waiting_position": selectors.waiting_position(rsvp),
    }


@router.post(
    "/meetings/{meeting_id}/check-in", response=CheckInOut,
    openapi_extra=problem_responses(400, 401, 403, 404, 409, 422, 429), summary="Check in with the meeting's code",
)  # fmt: skip
def check_in(request: HttpRequest, meeting_id: UUID, payload: CheckInIn) -> dict[str, Any]:
    """Say you are at the meeting with the code shown in it, from 15 minutes before the start until 30 minutes
    after the end. It counts towards a peer-support prescription you have."""
    user = _user(request)
    found = access_meeting_as_member(user, meeting_id)
    if not ratelimit.consume(request, action=CHECK_IN_RATE_ACTION, user=user):
        raise ApiProblem(status=429, code="too_many_attempts", detail="Too many attempts: wait a few minutes.")
    attendance = meetings.attendance_check_in(user=user, meeting=found.meeting, code=payload.code)
    return {
        "meeting_id": found.meeting.pk,
        "attended": True,
        "method": attendance.method,
        "recorded_at": attendance.created_at,
    }
