"""Meeting schedules as RFC 5545 recurrence rules, read in the schedule's own time zone (issue 5 point 3).

Occurrences are computed on the local wall clock and only then converted to UTC, so a weekly 19:00 meeting stays at
19:00 local time across a daylight-saving change. Pure functions: no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr
from django.utils.translation import gettext as _

from peerpath.core.errors import DomainError

# Presets offered on the form; "custom" takes a rule as written.
PRESETS = {
    "weekly": "FREQ=WEEKLY",
    "fortnightly": "FREQ=WEEKLY;INTERVAL=2",
    "monthly": "FREQ=MONTHLY",
}
# A peer group meets at most daily: sub-daily rules are refused rather than flooding the calendar.
_ALLOWED_FREQ = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_ALLOWED_PARTS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "COUNT", "UNTIL", "WKST"}
MAX_INTERVAL = 12
MAX_DURATION = timedelta(hours=8)
# How far ahead a rule must produce a first occurrence to count as possible.
_FIRST_WITHIN = timedelta(days=366 * 5)
_DAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


def zone(name: str) -> ZoneInfo:
    """The IANA time zone, or a clear refusal."""
    if name not in _zone_names():
        raise DomainError(_("Choose a time zone from the list (for example Europe/London)."), field="timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - available_timezones() said it exists
        raise DomainError(_("Unknown time zone."), field="timezone") from None


_ZONES: frozenset[str] | None = None


def _zone_names() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def zone_choices() -> list[str]:
    return sorted(name for name in _zone_names() if "/" in name and not name.startswith(("Etc/", "SystemV/")))


def _parts(text: str) -> dict[str, str]:
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts: dict[str, str] = {}
    for item in filter(None, (piece.strip() for piece in text.split(";"))):
        name, sep, value = item.partition("=")
        name = name.strip().upper()
        if not sep or not value.strip():
            raise DomainError(_("Write the rule as NAME=VALUE pairs separated by ';'."), field="rrule")
        if name not in _ALLOWED_PARTS:
            raise DomainError(_("The rule part %(name)s is not supported here.") % {"name": name}, field="rrule")
        if name in parts:
            raise DomainError(_("The rule gives %(name)s twice.") % {"name": name}, field="rrule")
        parts[name] = value.strip().upper()
    return parts


def _until_local(value: str, tz: ZoneInfo) -> str:
    """UNTIL as floating local time, the form dateutil accepts beside a floating DTSTART."""
    match = re.fullmatch(r"(\d{8})(?:T(\d{6})(Z)?)?", value)
    if match is None:
        raise DomainError(_("UNTIL must be a date such as 20271231."), field="rrule")
    day, clock, utc = match.groups()
    try:
        moment = datetime.strptime(day + (clock or "235959"), "%Y%m%d%H%M%S")
    except ValueError:
        raise DomainError(_("UNTIL is not a real date."), field="rrule") from None
    if utc:
        moment = moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None)
    return moment.strftime("%Y%m%dT%H%M%S")


@dataclass(frozen=True)
class Rule:
    """A checked rule: its canonical text and the local start it counts from."""

    text: str
    starts_on: date
    start_time: time
    duration: timedelta
    timezone: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _rrule(self) -> rrule:
        parts = _parts(self.text)
        if "UNTIL" in parts:
            parts["UNTIL"] = _until_local(parts["UNTIL"], self.tz)
        text = ";".join(f"{name}={value}" for name, value in parts.items())
        start = datetime.combine(self.starts_on, self.start_time)
        result = rrulestr(text, dtstart=start)
        assert isinstance(result, rrule)  # rrulestr of one RRULE is one rrule
        return result

    def local_starts(self, after: datetime, before: datetime) -> list[datetime]:
        """Naive local starts in [after, before) (both naive local)."""
        return list(self._rrule().between(after, before, inc=True))

    def occurrences(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """(starts_at, ends_at) in UTC of the occurrences starting in [start, end) (aware datetimes)."""
        tz = self.tz
        local_from = start.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
        local_to = end.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
        result = []
        for local in self.local_starts(local_from, local_to):
            begins = local.replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))
            if start <= begins < end:
                result.append((begins, (local + self.duration).replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))))
        return result

    def first(self) -> datetime | None:
        start = datetime.combine(self.starts_on, self.start_time)
        return self._rrule().after(start - timedelta(seconds=1), inc=True)

    @property
    def frequency(self) -> str:
        return _parts(self.text)["FREQ"]

    @property
    def interval(self) -> int:
        return int(_parts(self.text).get("INTERVAL", "1"))

    def is_monthly_or_rarer(self) -> bool:
        """A gap risk (seed 002): a missed monthly meeting leaves a two-month gap."""
        freq, interval = self.frequency, self.interval
        if freq in {"MONTHLY", "YEARLY"}:
            return True
        return (freq == "WEEKLY" and interval >= 4) or (freq == "DAILY" and interval >= 28)


def build_rule(*, text: str, starts_on: date, start_time: time, duration: timedelta, timezone: str) -> Rule:
    """Check a rule and its start; every impossible or unsupported schedule is refused with a clear message."""
    zone(timezone)
    if duration <= timedelta(0):
        raise DomainError(_("A meeting must last some time."), field="duration")
    if duration > MAX_DURATION:
        raise DomainError(_("A meeting can last at most 8 hours."), field="duration")
    parts = _parts(text)
    freq = parts.get("FREQ")
    if freq is None:
        raise DomainError(_("The rule needs a FREQ (for example FREQ=WEEKLY)."), field="rrule")
    if freq not in _ALLOWED_FREQ:
        raise DomainError(_("Meetings can repeat daily, weekly, monthly or yearly, not more often."), field="rrule")
    try:
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        raise DomainError(_("INTERVAL must be a whole number."), field="rrule") from None
    if not 1 <= interval <= MAX_INTERVAL:
        raise DomainError(_("INTERVAL must be between 1 and 12."), field="rrule")
    if "COUNT" in parts and "UNTIL" in parts:
        raise DomainError(_("Give COUNT or UNTIL, not both."), field="rrule")
    if "COUNT" in parts and (not parts["COUNT"].isdigit() or not 1 <= int(parts["COUNT"]) <= 1000):
        raise DomainError(_("COUNT must be between 1 and 1000."), field="rrule")
    canonical = ";".join(f"{name}={value}" for name, value in parts.items())
    rule = Rule(text=canonical, starts_on=starts_on, start_time=start_time, duration=duration, timezone=timezone)
    if "UNTIL" in parts:
        until = datetime.strptime(_until_local(parts["UNTIL"], rule.tz), "%Y%m%dT%H%M%S")
        if until < datetime.combine(starts_on, start_time):
            raise DomainError(_("The rule ends (UNTIL) before its first meeting."), field="rrule")
    try:
        first = rule.first()
    except (ValueError, TypeError) as error:
        raise DomainError(_("The rule cannot be read: %(error)s") % {"error": error}, field="rrule") from None
    if first is None or first - datetime.combine(starts_on, start_time) > _FIRST_WITHIN:
        raise DomainError(_("This rule never produces a meeting (for example the 31st of February)."), field="rrule")
    return rule


def preset_rule(preset: str, starts_on: date) -> str:
    """The rule text for a preset, anchored on the start date's weekday ("every Tuesday", "the 2nd Tuesday")."""
    day = list(_DAYS)[starts_on.weekday()]
    if preset == "weekly":
        return f"FREQ=WEEKLY;BYDAY={day}"
    if preset == "fortnightly":
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}"
    if preset == "monthly":
        nth = (starts_on.day - 1) // 7 + 1
        return f"FREQ=MONTHLY;BYDAY={'-1' if nth == 5 else nth}{day}"
    raise DomainError(_("Choose how often the group meets."), field="preset")


_ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def describe(rule: Rule) -> str:
    """ "Every Tuesday at 19:00 (Europe/London)", "Every other Tuesday", "The first Thursday of every month"."""
    parts = _parts(rule.text)
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    days = []
    for item in filter(None, parts.get("BYDAY", "").split(",")):
        match = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)", item)
        if match:
            nth, day = match.groups()
            name = _DAY_NAMES[_DAYS[day]]
            days.append(f"{_ORDINAL.get(int(nth), nth)} {name}" if nth else name)
    on = " and ".join(days)
    if freq == "WEEKLY":
        every = {1: "Every", 2: "Every other"}.get(interval, f"Every {interval} weeks on")
        text = f"{every} {on or _DAY_NAMES[rule.starts_on.weekday()]}"
    elif freq == "MONTHLY":
        month = "every month" if interval == 1 else f"every {interval} months"
        if on:
            text = f"The {on} of {month}"
        elif "BYMONTHDAY" in parts:
            text = f"Day {parts['BYMONTHDAY']} of {month}"
        else:
            text = f"Day {rule.starts_on.day} of {month}"
    elif freq == "DAILY":
        text = "Every day" if interval == 1 else f"Every {interval} days"
    else:
        text = "Every year" if interval == 1 else f"Every {interval} years"
    return f"{text} at {rule.start_time:%H:%M} ({rule.timezone})"


# Frequencies dateutil knows, for the few callers that build rules programmatically.
FREQUENCIES = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}
