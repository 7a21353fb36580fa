"""Crisis resources a writer sees at once when their post reads as a crisis (issue 6 point 9).

Defaults per country ship with PeerPath; an organisation may add its own lines (CrisisResource rows with the
organisation, each for a country). Which country: the writer's, when PeerPath knows where they live (the time zone
they gave on a membership), else the host organisation's. The writer sees that country's lines first, then the host's
own lines for that country: a line that only works in another country is never shown. The numbers are the services'
published ones.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from peerpath.accounts.models import Organisation
from peerpath.moderation.models import CrisisResource


@dataclass(frozen=True)
class Line:
    name: str
    contact: str
    detail: str = ""
    url: str = ""


DEFAULTS: dict[str, tuple[Line, ...]] = {
    "GB": (
        Line("Emergency services", "999", "If you are in danger now or have hurt yourself.", ""),
        Line("Samaritans", "116 123", "Free, any time, day or night.", "https://www.samaritans.org/"),
        Line("NHS 111", "111", "Urgent mental health help: choose the mental health option.",
             "https://111.nhs.uk/"),
        Line("Shout", "Text SHOUT to 85258", "Free text support, any time.", "https://giveusashout.org/"),
    ),
    "US": (
        Line("Emergency services", "911", "If you are in danger now or have hurt yourself.", ""),
        Line("988 Suicide & Crisis Lifeline", "Call or text 988", "Free, any time.", "https://988lifeline.org/"),
        Line("Crisis Text Line", "Text HOME to 741741", "Free text support, any time.",
             "https://www.crisistextline.org/"),
    ),
    "IE": (
        Line("Emergency services", "112 or 999", "If you are in danger now or have hurt yourself.", ""),
        Line("Samaritans Ireland", "116 123", "Free, any time, day or night.", "https://www.samaritans.org/ireland/"),
    ),
    "CA": (
        Line("Emergency services", "911", "If you are in danger now or have hurt yourself.", ""),
        Line("9-8-8 Suicide Crisis Helpline", "Call or text 988", "Free, any time.", "https://988.ca/"),
    ),
    "AU": (
        Line("Emergency services", "000", "If you are in danger now or have hurt yourself.", ""),
        Line("Lifeline", "13 11 14", "Free, any time.", "https://www.lifeline.org.au/"),
    ),
}  # fmt: skip
# Anywhere else: the international directory of help lines.
FALLBACK: tuple[Line, ...] = (
    Line("Local emergency services", "your local emergency number", "If you are in danger now.", ""),
    Line("Find a Helpline", "findahelpline.com", "Free, confidential help lines in your country.",
         "https://findahelpline.com/"),
)  # fmt: skip


def _tz_file(name: str) -> str:
    """A file of the IANA time zone database: the tzdata package's (a dependency of icalendar), else the system's."""
    try:
        return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):  # pragma: no cover - tzdata is installed with PeerPath
        for folder in zoneinfo.TZPATH:
            path = Path(folder) / name
            if path.is_file():
                return path.read_text(encoding="utf-8")
        return ""


@cache
def zone_countries() -> dict[str, str]:
    """Time zone -> ISO 3166 country code, from the database's zone.tab, with its links (Europe/Belfast, GB,
    US/Eastern) resolved to the zone they stand for. Zones that are no one country's (UTC, Etc/GMT+5) are absent."""
    countries: dict[str, str] = {}
    for line in _tz_file("zone.tab").splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and not line.startswith("#"):
            countries[fields[2].strip()] = fields[0].strip().upper()
    for line in _tz_file("tzdata.zi").splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[0] == "L" and fields[1] in countries:
            countries.setdefault(fields[2], countries[fields[1]])
    return countries


def country_of(user: Any) -> str:
    """Where the person lives, as far as PeerPath knows: the country of the time zone they gave on a membership
    ("where the member lives", spaces.Membership.timezone; the most recently changed first), or "" when unknown.
    PeerPath keeps no other country or locale for a person."""
    if user is None or not getattr(user, "pk", None):
        return ""
    from peerpath.spaces.models import Membership

    zones = (
        Membership.objects.filter(user_id=user.pk, status=Membership.Status.ACTIVE)
        .exclude(timezone="")
        .order_by("-updated_at")
        .values_list("timezone", flat=True)
    )
    countries = zone_countries()
    return next((countries[zone] for zone in zones if zone in countries), "")


def lines_for(organisation: Organisation | None, country: str = "", *, writer: Any = None) -> list[Line]:
    """The lines a writer in crisis sees. The country: `country` when given, else the writer's (`country_of`), else
    the host organisation's. That country's default lines first (the international fallback for a country without
    defaults), then the organisation's own lines for that country, without repeating a number already shown."""
    country = (country or country_of(writer) or (organisation.country if organisation is not None else "")).upper()
    lines = list(DEFAULTS.get(country, FALLBACK))
    if organisation is not None:
        shown = {line.contact.strip().casefold() for line in lines}
        rows = CrisisResource.objects.filter(organisation=organisation, country__iexact=country).order_by("order")
        lines += [
            Line(row.name, row.contact, row.detail, row.url)
            for row in rows
            if row.contact.strip().casefold() not in shown
        ]
    return lines
