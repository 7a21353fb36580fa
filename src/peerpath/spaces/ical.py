"""iCalendar (RFC 5545) feeds of meetings that Google, Apple and Outlook subscribe to (issue 5 point 3).

Pure functions from meetings to `icalendar.Calendar` objects: no database reads beyond the meetings handed in (and
their `space`, which callers select with them). Times are written in the meeting's own time zone with its VTIMEZONE,
so a client far away still shows the meeting at the right moment and a daylight-saving change keeps it at the same
local time. A feed URL is a bearer secret that leaks easily (shared calendars, sync services), so no feed ever holds
a join link or anything about other members: the description sends people to the meeting page instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration, vText

from peerpath.spaces import tokens
from peerpath.spaces.models import JOIN_LINK_OPENS_BEFORE, Meeting, Schedule

PRODID = "-//PeerPath//Spaces//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# How often subscribing clients are asked to refresh (RFC 7986 REFRESH-INTERVAL and Outlook's X-PUBLISHED-TTL).
REFRESH = timedelta(hours=1)
_UTC = ZoneInfo("UTC")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # pragma: no cover - services only store zones recurrence.zone accepts
        return _UTC


def uid(meeting: Meeting) -> str:
    """Stable across every feed and download, so a client updates the event it already has."""
    return f"{meeting.pk}@peerpath"


def meeting_path(meeting: Meeting) -> str:
    return f"/spaces/{meeting.space_id}/meetings/{meeting.pk}/"


def _summary(meeting: Meeting, *, with_space: bool) -> str:
    title = meeting.title
    if with_space and meeting.space.name.lower() not in title.lower():
        title = f"{title} ({meeting.space.name})"
    if meeting.is_cancelled:
        title = _("Cancelled: %(title)s") % {"title": title}
    return title


def _location(meeting: Meeting) -> str:
    if meeting.mode == Schedule.Mode.IN_PERSON:
        return meeting.place
    if meeting.mode == Schedule.Mode.HYBRID:
        return _("%(place)s, or online") % {"place": meeting.place}
    return _("Online")


def _description(meeting: Meeting, url: str) -> str:
    """What the meeting is and where to find the rest: no join link, no names, no members' words."""
    lines = [_("A meeting of %(space)s on PeerPath.") % {"space": meeting.space.name}]
    if meeting.is_cancelled:
        lines.append(_("This meeting is cancelled. The organisers' message is on the meeting page."))
    elif meeting.original_start is not None and meeting.starts_at != meeting.original_start:
        lines.append(_("This meeting was moved. The organisers' message is on the meeting page."))
    if meeting.mode in (Schedule.Mode.ONLINE, Schedule.Mode.HYBRID) and not meeting.is_cancelled:
        minutes = int(JOIN_LINK_OPENS_BEFORE.total_seconds() // 60)
        lines.append(
            _("The join link appears on the meeting page %(minutes)s minutes before the start.") % {"minutes": minutes}
        )
    lines.append(_("Meeting page: %(url)s") % {"url": url})
    return "\n".join(lines)


def meeting_event(meeting: Meeting, *, stamp: datetime, public: bool = False) -> Event:
    """One VEVENT. `public` keeps it to the time and the title (a public space's calendar)."""
    tz = _zone(meeting.timezone)
    url = tokens.site_url(meeting_path(meeting))
    event = Event()
    event.add("uid", uid(meeting))
    event.add("dtstamp", stamp.astimezone(_UTC))
    event.add("dtstart", meeting.starts_at.astimezone(tz))
    event.add("dtend", meeting.ends_at.astimezone(tz))
    event.add("summary", _summary(meeting, with_space=not public))
    event.add("sequence", meeting.sequence)
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if meeting.is_cancelled else "OPAQUE")
    event.add("url", url)
    if meeting.updated_at is not None:
        event.add("last-modified", meeting.updated_at.astimezone(_UTC))
    if not public:
        event.add("location", _location(meeting))
        event.add("description", _description(meeting, url))
    return event


def calendar(name: str, meetings: Iterable[Meeting], *, stamp: datetime, public: bool = False) -> Calendar:
    """A VCALENDAR to publish: one VEVENT per meeting (cancelled ones included, so clients remove them) and the
    VTIMEZONE of every zone the events use, over the years they span."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", vText(name))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    first: date | None = None
    last: date | None = None
    for meeting in meetings:
        cal.add_component(meeting_event(meeting, stamp=stamp, public=public))
        day = meeting.starts_at.date()
        first = day if first is None or day < first else first
        last = day if last is None or day > last else last
    if first is not None and last is not None:
        # The zone's rules from a year before the first meeting to a year after the last: complete for every
        # event, and far shorter than icalendar's 1970-2038 default.
        cal.add_missing_timezones(
            first_date=date(first.year - 1, 1, 1),
            last_date=date(last.year + 2, 1, 1),
        )
    return cal


def to_ical(cal: Calendar) -> bytes:
    """The wire form: lines folded at 75 octets and ended by CRLF (the library does both)."""
    return cal.to_ical()


def calendar_name(space_name: str | None = None) -> str:
    if space_name:
        return space_name
    return _("My PeerPath meetings")
