"""Group health (issue 5 point 6): who comes, whether the group holds its critical mass, and whom to miss.

The rules are seed 002's: about 20 active members is critical mass and 50 is a bit too many; weekly, because a missed
monthly meeting leaves a two-month gap. Everything here is computed from a fixed number of aggregate queries, so the
page costs the same for 5 members or 500 and for 8 meetings or 400.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import mean
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerpath.core.time import now
from peerpath.directory.models import Listing
from peerpath.spaces.models import (
    NEW_MEMBER_FOR,
    Attendance,
    CheckInRequest,
    Meeting,
    Membership,
    Schedule,
    Space,
    TopicProposal,
)
from peerpath.spaces.selectors import public_spaces

# Seed 002: "20 was sufficient and 50 is a bit too much".
CRITICAL_MASS = 20
TOO_MANY = 50
# "Active": attended at least one of the last four meetings; "regular": at least three of them.
RECENT = 4
REGULAR_AT_LEAST = 3
# The chart shows about half a year of weekly meetings.
HISTORY = 26
# Averages that differ by less than this share of the earlier one are "steady".
TREND_MARGIN = 0.10
SIMILAR_SPACES = 3
SPLIT_TOPICS = 3

# The published account the rules come from, named in words on the page.
_ACCOUNT = "A transplant patient who ran weekly medical peer-support meetings"
SOURCE_CRITICAL_MASS = f"{_ACCOUNT}: about 20 active members is critical mass"
SOURCE_TOO_MANY = f"{_ACCOUNT}: 20 is sufficient and 50 is a bit too many, even with listeners"
SOURCE_GAP = f"{_ACCOUNT}: a missed monthly meeting leaves a two-month gap; weekly, people can miss one"
SOURCE_MISSED = (
    "PeerPath's group-health practice: a gentle “we missed you”, or a peer supporter's check-in where the member agreed"
)


class Trend:
    RISING = "rising"
    FALLING = "falling"
    STEADY = "steady"
    UNKNOWN = "unknown"  # not enough meetings yet to compare


@dataclass(frozen=True)
class HeldMeeting:
    meeting: Meeting
    attended: int


@dataclass(frozen=True)
class Missed:
    """A member who missed their last two meetings, and what the organiser may do about it."""

    membership: Membership
    last: Meeting
    attended_before: bool
    check_in_open: bool

    @property
    def may_ask_check_in(self) -> bool:
        return self.membership.peer_check_in_ok and not self.check_in_open


@dataclass(frozen=True)
class SimilarSpace:
    space: Space
    members: int


@dataclass(frozen=True)
class Band:
    name: str
    people: int


@dataclass(frozen=True)
class Split:
    """A concrete proposal for a group that grew past 50 regular attenders."""

    by: str  # "timezone" or "topic"
    bands: list[Band] = field(default_factory=list)
    unknown: int = 0  # regular attenders who did not say where they live
    topics: list[tuple[str, int]] = field(default_factory=list)  # (title, votes)


@dataclass(frozen=True)
class HealthWarning:
    code: str
    sentence: str
    source: str
    similar: list[SimilarSpace] = field(default_factory=list)
    split: Split | None = None


@dataclass
class GroupHealth:
    space: Space
    moment: datetime
    meetings: list[HeldMeeting]  # the last HISTORY held meetings, oldest first (for the chart)
    member_count: int
    active_members: int
    regular_attenders: list[Membership]
    average_recent: float | None
    average_before: float | None
    trend: str
    new_members: list[Membership]
    lapsed_members: list[Membership]
    missed: list[Missed]
    meets_weekly: bool
    monthly_or_rarer: bool
    warnings: list[HealthWarning]

    @property
    def peak(self) -> int:
        return max((held.attended for held in self.meetings), default=0)


# --- Queries (each a fixed number, whatever the size of the group) --------------------------------------------------


def _held(space: Space, moment: datetime) -> list[HeldMeeting]:
    """Held meetings: not cancelled and already started, newest first, with how many came to each. Counted for
    the chosen meetings only, not grouped over the space's whole history."""
    rows = list(
        Meeting.objects.filter(space=space, status=Meeting.Status.SCHEDULED, starts_at__lte=moment).order_by(
            "-starts_at"
        )[:HISTORY]
    )
    counts = dict(
        Attendance.objects.filter(meeting__in=[row.pk for row in rows])
        .order_by()
        .values_list("meeting_id")
        .annotate(attended=Count("pk"))
        .values_list("meeting_id", "attended")
    )
    return [HeldMeeting(meeting=row, attended=counts.get(row.pk, 0)) for row in rows]


def _members(space: Space) -> list[Membership]:
    """The active members, each marked with whether a check-in request for them is open."""
    # Only the columns the rules and the page use: a group of hundreds is read in one light query.
    memberships = list(
        Membership.objects.filter(space=space, status=Membership.Status.ACTIVE)
        .select_related("user")
        .only("user_id", "role", "status", "joined_at", "peer_check_in_ok", "timezone", "user__handle")
        .order_by("user__handle")
    )
    waiting = set(
        CheckInRequest.objects.filter(
            membership__space=space, membership__status=Membership.Status.ACTIVE, status=CheckInRequest.Status.OPEN
        ).values_list("membership_id", flat=True)
    )
    for membership in memberships:
        membership.check_in_open = membership.pk in waiting  # type: ignore[attr-defined]
    return memberships


def _attendance(meetings: list[Meeting]) -> dict[object, set[object]]:
    """user id -> the ids of those meetings they attended."""
    attended: dict[object, set[object]] = {}
    rows = Attendance.objects.filter(meeting__in=[meeting.pk for meeting in meetings]).values_list(
        "user_id", "meeting_id"
    )
    for user_id, meeting_id in rows:
        attended.setdefault(user_id, set()).add(meeting_id)
    return attended


def _cadence(space: Space) -> tuple[bool, bool]:
    """(meets weekly, meets monthly or rarer) over the live schedules. Weekly: some schedule meets at least every
    week (the groups seed 002's critical mass is about). Monthly or rarer: every live schedule does (a weekly group
    with a monthly extra has no gap)."""
    from peerpath.spaces.meetings import rule_of

    rules = [rule_of(schedule) for schedule in Schedule.objects.filter(space=space, ended_at=None)]
    weekly = any(
        (rule.frequency == "WEEKLY" and rule.interval == 1) or (rule.frequency == "DAILY" and rule.interval <= 7)
        for rule in rules
    )
    return weekly, bool(rules) and all(rule.is_monthly_or_rarer() for rule in rules)


def similar_spaces(space: Space, *, limit: int = SIMILAR_SPACES) -> list[SimilarSpace]:
    """Other public spaces sharing a condition of this one's listing, fewest members first (candidates to merge)."""
    sharing = Listing.objects.filter(conditions__in=space.listing.conditions.values("pk")).values("pk")
    rows = (
        public_spaces()
        .filter(listing__in=sharing)
        .exclude(pk=space.pk)
        .annotate(members=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)))
        .order_by("members", "name")[:limit]
    )
    return [SimilarSpace(space=row, members=row.members) for row in rows]


# --- Rules ------------------------------------------------------------------------------------------------------


def _average(held: list[HeldMeeting]) -> float | None:
    return round(mean(item.attended for item in held), 1) if held else None


def _trend(recent: float | None, before: float | None) -> str:
    if recent is None or before is None:
        return Trend.UNKNOWN
    if before == 0:
        return Trend.RISING if recent > 0 else Trend.STEADY
    change = (recent - before) / before
    if change >= TREND_MARGIN:
        return Trend.RISING
    if change <= -TREND_MARGIN:
        return Trend.FALLING
    return Trend.STEADY


# UTC-offset bands for a split by time zone: people in one band can share an evening.
_BANDS = (
    (-12.0, -2.5, "Americas"),
    (-2.5, 3.5, "Europe and Africa"),
    (3.5, 14.5, "Asia and Oceania"),
)


def band_of(timezone: str, moment: datetime) -> str | None:
    """The band of a member's time zone at this moment; None when they did not say (or it is not a zone)."""
    if not timezone:
        return None
    try:
        offset = moment.astimezone(ZoneInfo(timezone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return None
    hours = (offset or timedelta(0)).total_seconds() / 3600
    for low, high, name in _BANDS:
        if low <= hours < high:
            return name
    return None


def _split(space: Space, regulars: list[Membership], moment: datetime) -> Split:
    """By time zone when the regular attenders live in more than one band; otherwise by the most-voted topics."""
    bands = Counter(band_of(membership.timezone, moment) for membership in regulars)
    unknown = bands.pop(None, 0)
    if len(bands) > 1:
        ordered = [Band(name=str(name), people=people) for name, people in bands.most_common()]
        return Split(by="timezone", bands=ordered, unknown=unknown)
    topics = (
        TopicProposal.objects.filter(space=space, status=TopicProposal.Status.OPEN)
        .annotate(vote_count=Count("votes"))
        .order_by("-vote_count", "created_at")[:SPLIT_TOPICS]
    )
    return Split(by="topic", topics=[(topic.title, topic.vote_count) for topic in topics])


def _split_sentence(count: int, split: Split) -> str:
    head = _("%(count)s people came to at least 3 of the last 4 meetings: consider splitting the group.") % {
        "count": count
    }
    if split.by == "timezone":
        bands = ", ".join(f"{band.name}: {band.people}" for band in split.bands)
        sentence = _("%(head)s By time zone: %(bands)s.") % {"head": head, "bands": bands}
        if split.unknown:
            sentence += " " + ngettext(
                "%(n)s regular attender has not said where they live.",
                "%(n)s regular attenders have not said where they live.",
                split.unknown,
            ) % {"n": split.unknown}
        return sentence
    if split.topics:
        topics = ", ".join(
            ngettext("“%(title)s” (%(votes)s vote)", "“%(title)s” (%(votes)s votes)", votes)
            % {"title": title, "votes": votes}
            for title, votes in split.topics
        )
        return _("%(head)s By sub-topic, around the most-voted open topics: %(topics)s.") % {
            "head": head,
            "topics": topics,
        }
    return _(
        "%(head)s Members live in one time zone band and have proposed no topics yet: ask them which sub-topics "
        "they would meet about."
    ) % {"head": head}


def _warnings(
    space: Space,
    *,
    held: list[HeldMeeting],
    active: int,
    regulars: list[Membership],
    meets_weekly: bool,
    monthly_or_rarer: bool,
    missed: list[Missed],
    moment: datetime,
) -> list[HealthWarning]:
    warnings = []
    if meets_weekly and held and active < CRITICAL_MASS:
        similar = similar_spaces(space)
        sentence = ngettext(
            "Below critical mass: %(active)s active member. Invite people, or merge with a similar space.",
            "Below critical mass: %(active)s active members. Invite people, or merge with a similar space.",
            active,
        ) % {"active": active}
        if not similar:
            sentence = ngettext(
                "Below critical mass: %(active)s active member. Invite people; no similar space to merge with yet.",
                "Below critical mass: %(active)s active members. Invite people; no similar space to merge with yet.",
                active,
            ) % {"active": active}
        warnings.append(
            HealthWarning(code="critical_mass", sentence=sentence, source=SOURCE_CRITICAL_MASS, similar=similar)
        )
    if len(regulars) > TOO_MANY:
        split = _split(space, regulars, moment)
        warnings.append(
            HealthWarning(
                code="too_many", sentence=_split_sentence(len(regulars), split), source=SOURCE_TOO_MANY, split=split
            )
        )
    if monthly_or_rarer:
        warnings.append(
            HealthWarning(
                code="gap_risk",
                sentence=_("Gap risk: a missed monthly meeting leaves a two-month gap; consider meeting weekly."),
                source=SOURCE_GAP,
            )
        )
    if missed:
        warnings.append(
            HealthWarning(
                code="missed",
                sentence=ngettext(
                    "%(n)s member missed their last two meetings: send a “we missed you”, or ask a peer supporter "
                    "to check in where they agreed.",
                    "%(n)s members missed their last two meetings: send a “we missed you”, or ask a peer supporter "
                    "to check in where they agreed.",
                    len(missed),
                )
                % {"n": len(missed)},
                source=SOURCE_MISSED,
            )
        )
    return warnings


def _had_two_chances(membership: Membership, held: list[HeldMeeting]) -> bool:
    """Was a member before the second-last held meeting ended (so the last two were both theirs to miss)?"""
    return len(held) >= 2 and (membership.joined_at is None or membership.joined_at < held[1].meeting.ends_at)


def group_health(space: Space, *, moment: datetime | None = None) -> GroupHealth:
    """The figures and warnings of one space at a moment (default now)."""
    moment = moment or now()
    held = _held(space, moment)
    recent, before = held[:RECENT], held[RECENT : RECENT * 2]
    memberships = _members(space)
    attended = _attendance([item.meeting for item in recent])
    recent_ids = [item.meeting.pk for item in recent]
    last_two = set(recent_ids[:2])

    active = [m for m in memberships if attended.get(m.user_id)]
    regulars = [m for m in memberships if len(attended.get(m.user_id, ())) >= REGULAR_AT_LEAST]
    new = [m for m in memberships if m.joined_at is not None and m.joined_at >= moment - NEW_MEMBER_FOR]
    missing = [m for m in memberships if _had_two_chances(m, held) and not attended.get(m.user_id, set()) & last_two]
    came_before = set(
        Attendance.objects.filter(
            meeting__space=space, meeting__starts_at__lte=moment, user_id__in=[m.user_id for m in missing]
        )
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )
    missed = [
        Missed(
            membership=m,
            last=held[0].meeting,
            attended_before=m.user_id in came_before,
            check_in_open=bool(getattr(m, "check_in_open", False)),
        )
        for m in missing
    ]
    lapsed = [item.membership for item in missed if item.attended_before]
    meets_weekly, monthly_or_rarer = _cadence(space)
    average_recent, average_before = _average(recent), _average(before)
    return GroupHealth(
        space=space,
        moment=moment,
        meetings=list(reversed(held)),
        member_count=len(memberships),
        active_members=len(active),
        regular_attenders=regulars,
        average_recent=average_recent,
        average_before=average_before,
        trend=_trend(average_recent, average_before),
        new_members=new,
        lapsed_members=lapsed,
        missed=missed,
        meets_weekly=meets_weekly,
        monthly_or_rarer=monthly_or_rarer,
        warnings=_warnings(
            space,
            held=held,
            active=len(active),
            regulars=regulars,
            meets_weekly=meets_weekly,
            monthly_or_rarer=monthly_or_rarer,
            missed=missed,
            moment=moment,
        ),
    )


def missed_last_two(space: Space, membership: Membership, *, moment: datetime | None = None) -> Meeting | None:
    """The last held meeting when the member missed the last two held since they joined (having had at least
    two chances); else None."""
    moment = moment or now()
    held = Meeting.objects.filter(space=space, status=Meeting.Status.SCHEDULED, starts_at__lte=moment)
    if membership.joined_at is not None:
        held = held.filter(ends_at__gt=membership.joined_at)
    last_two = list(held.order_by("-starts_at")[:2])
    if len(last_two) < 2:
        return None
    if Attendance.objects.filter(meeting__in=last_two, user_id=membership.user_id).exists():
        return None
    return last_two[0]
