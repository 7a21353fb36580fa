"""Spaces for tests, made through the services so they carry the real audit trail.

`weekly_space(world)` is a vetted listing of Riverside Health hosted as a space: the coordinator persona is its
organiser, it meets every Tuesday at 19:00 London time online, and the member persona has joined.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from peerpath.accounts.models import User
from peerpath.core.time import now
from peerpath.directory.tests.helpers import vetted
from peerpath.spaces import meetings, services
from peerpath.spaces.meetings import ScheduleData
from peerpath.spaces.models import Meeting, Membership, Schedule, Space
from peerpath.testing.personas import World, make_user

JOIN_URL = "https://meet.example.org/riverside-fibro"


def space(
    world: World, name: str = "Fibromyalgia Tuesday Circle", *, join_policy: str = Space.JoinPolicy.OPEN,
    clinicians: str = "by_invitation", **listing_fields: Any,
) -> Space:  # fmt: skip
    listing_fields.setdefault("conditions", ("fibromyalgia",))
    listing = vetted(world, name, clinician_participation=clinicians, **listing_fields)
    return services.space_create(
        actor=world.people["coordinator"],
        organisation=world.home,
        listing=listing,
        data=services.SpaceData(name=name, about="We meet weekly.", join_policy=join_policy),
    )


def schedule(
    organiser: User, a_space: Space, *, rrule: str = "FREQ=WEEKLY;BYDAY=TU", starts_on: date | None = None,
    start_time: time = time(19, 0), capacity: int | None = None, **fields: Any,
) -> Schedule:  # fmt: skip
    starts_on = starts_on or now().date()
    data = ScheduleData(
        title=fields.pop("title", "Tuesday meeting"), rrule=rrule, starts_on=starts_on, start_time=start_time,
        duration=fields.pop("duration", timedelta(minutes=90)), timezone=fields.pop("timezone", "Europe/London"),
        mode=fields.pop("mode", Schedule.Mode.ONLINE), join_url=fields.pop("join_url", JOIN_URL),
        place=fields.pop("place", ""), capacity=capacity,
    )  # fmt: skip
    return meetings.schedule_create(actor=organiser, space=a_space, data=data)


def join(user: User, a_space: Space, *, role: str | None = None, organiser: User | None = None) -> Membership:
    membership = services.membership_join(user=user, space=a_space, reason="I would like to meet others.")
    if membership.status == Membership.Status.REQUESTED and organiser is not None:
        membership = services.membership_decide(actor=organiser, membership=membership, approve=True)
    if role is not None and organiser is not None:
        membership = services.membership_set_role(actor=organiser, membership=membership, role=role)
    return membership


def members(a_space: Space, count: int, *, prefix: str = "peer") -> list[User]:
    people = []
    for index in range(count):
        user = make_user(f"{prefix}-{index}")
        services.membership_join(user=user, space=a_space, reason="Hello")
        people.append(user)
    return people


def next_meeting(a_space: Space) -> Meeting:
    meeting = Meeting.objects.filter(space=a_space, starts_at__gt=now()).order_by("starts_at").first()
    assert meeting is not None
    return meeting


def weekly_space(world: World, **kwargs: Any) -> tuple[Space, Schedule]:
    a_space = space(world, **kwargs)
    a_schedule = schedule(world.people["coordinator"], a_space)
    join(world.people["member"], a_space, organiser=world.people["coordinator"])
    return a_space, a_schedule
