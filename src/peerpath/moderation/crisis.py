"""Crisis resources a writer sees at once when their post reads as a crisis (issue 6 point 9).

Defaults per country ship with PeerPath; an organisation may set its own lines (CrisisResource rows with the
organisation), which then replace the defaults for its spaces. The numbers are the services' published ones.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def lines_for(organisation: Organisation | None, country: str = "") -> list[Line]:
    """The organisation's own lines when it set any, else the defaults for the country (the organisation's when
    not given), else the international fallback."""
    if organisation is not None:
        own = [
            Line(row.name, row.contact, row.detail, row.url)
            for row in CrisisResource.objects.filter(organisation=organisation).order_by("order")
        ]
        if own:
            return own
        country = country or organisation.country
    return list(DEFAULTS.get(country.upper(), FALLBACK))
