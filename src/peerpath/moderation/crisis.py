"""Crisis resources a writer sees when their post reads as a crisis (issue 6 point 9, issue 15 point 8).

Defaults per country ship with PeerPath; an organisation may add its own lines (CrisisResource rows with the
organisation, each for a country). Which country: the one the person gave, when PeerPath has one, else the country
of the time zone they gave on a membership, else the host organisation's. The writer sees the host's own lines for
that country first (the organisation knows its service best), then that country's defaults: a line that only works
in another country is never shown. The numbers are the services' own published ones; a country whose services we
could not check against their own pages gets its emergency number, if known, and the international directory
(findahelpline.com) instead of a guess.

Every line carries what a phone needs to act on it: `tel:` links for the numbers, `sms:` links (with the keyword as
the message body) for text lines, so that a person in crisis taps once instead of copying digits.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import phonenumbers

from peerpath.accounts.models import Organisation
from peerpath.moderation.models import CrisisResource


@dataclass(frozen=True)
class Link:
    """One way to reach a line: `href` is a tel: or sms: URI, `label` says what tapping it does."""

    kind: str  # "call" or "text"
    href: str
    number: str  # as written, for the label


@dataclass(frozen=True)
class Line:
    name: str
    contact: str
    detail: str = ""
    url: str = ""
    country: str = ""  # ISO 3166-1 alpha-2: how a national number is made international (E.164)

    @property
    def links(self) -> tuple[Link, ...]:
        return dial_links(self.contact, self.country)


_TEXT_KEYWORD = re.compile(r"(?i)\btext\s+([A-Za-z]+)\s+to\s+(\+?[\d][\d\s-]*\d)")
_NUMBER = re.compile(r"\+?\d[\d\s().-]*\d|\b\d{2,}\b")
# Numbers this short are service codes (999, 116 123, 1737): dialled as they are, never given a country code.
_SHORT = 6
_GEOGRAPHIC = frozenset(
    {phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
     phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)  # fmt: skip


def _dialable(number: str, country: str) -> str:
    """E.164 for a full geographic or mobile number (03-5774-0992 in JP -> +81357740992); the digits alone for a
    short code (116 123 -> 116123) or a freephone number, which work inside their own country, where they are shown."""
    digits = re.sub(r"[^\d+]", "", number)
    if digits.startswith("+"):
        return digits
    if len(digits) > _SHORT and country:
        try:
            parsed = phonenumbers.parse(digits, country.upper())
        except phonenumbers.NumberParseException:
            return digits
        # Freephone and shared-cost numbers (0800, 1800, 1300) often cannot be reached with a country code: they
        # keep their national digits (every line is shown only in its own country).
        if phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in _GEOGRAPHIC:
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return digits


def dial_links(contact: str, country: str = "") -> tuple[Link, ...]:
    """What a phone can do with a line's contact as written: "Text SHOUT to 85258" -> sms:85258?body=SHOUT;
    "Call or text 988" -> tel:988 and sms:988; "112 or 999" -> two tel: links; "findahelpline.com" -> nothing."""
    keyword = _TEXT_KEYWORD.search(contact)
    if keyword:
        word, number = keyword.group(1), keyword.group(2)
        to = _dialable(number, country)
        sms = Link("text", f"sms:{to}?body={word.upper()}", number.strip())
        rest = contact[: keyword.start()] + contact[keyword.end() :]
        return (sms, *(link for link in dial_links(rest, country) if link.kind == "call"))
    links: list[Link] = []
    texts = bool(re.search(r"(?i)\btext\b", contact))
    for match in _NUMBER.finditer(contact):
        number = match.group(0).strip()
        to = _dialable(number, country)
        if len(re.sub(r"\D", "", to)) < 2:
            continue
        links.append(Link("call", f"tel:{to}", number))
        if texts:
            links.append(Link("text", f"sms:{to}", number))
    return tuple(links)


def _lines(country: str, *lines: tuple[str, str, str, str]) -> tuple[Line, ...]:
    return tuple(Line(name, contact, detail, url, country) for name, contact, detail, url in lines)


_NOW = "If you are in danger now or have hurt yourself."
_ANY_TIME = "Free, any time, day or night."
_DIRECTORY = ("Find a Helpline", "findahelpline.com", "Free, confidential help lines in your country.",
              "https://findahelpline.com/")  # fmt: skip


def _emergency(number: str) -> tuple[str, str, str, str]:
    return ("Emergency services", number, _NOW, "")


DEFAULTS: dict[str, tuple[Line, ...]] = {
    "GB": _lines("GB",
        _emergency("999"),
        ("Samaritans", "116 123", _ANY_TIME, "https://www.samaritans.org/"),
        ("NHS 111", "111", "Urgent mental health help: choose the mental health option.", "https://111.nhs.uk/"),
        ("Shout", "Text SHOUT to 85258", "Free text support, any time.", "https://giveusashout.org/"),
    ),
    "IE": _lines("IE",
        _emergency("112 or 999"),
        ("Samaritans Ireland", "116 123", _ANY_TIME, "https://www.samaritans.org/ireland/"),
        ("Pieta", "1800 247 247", "Free suicide and self-harm crisis line, any time.", "https://www.pieta.ie/"),
        ("50808", "Text HELLO to 50808", "Free text support, any time.", "https://text50808.ie/"),
    ),
    "US": _lines("US",
        _emergency("911"),
        ("988 Suicide & Crisis Lifeline", "Call or text 988", "Free, any time.", "https://988lifeline.org/"),
        ("Crisis Text Line", "Text HOME to 741741", "Free text support, any time.", "https://www.crisistextline.org/"),
    ),
    "CA": _lines("CA",
        _emergency("911"),
        ("9-8-8 Suicide Crisis Helpline", "Call or text 988", "Free, any time.", "https://988.ca/"),
        ("Kids Help Phone", "1-800-668-6868", "Free, any time, for young people.", "https://kidshelpphone.ca/"),
    ),
    "AU": _lines("AU",
        _emergency("000"),
        ("Lifeline", "13 11 14", "Free, any time.", "https://www.lifeline.org.au/"),
        ("Suicide Call Back Service", "1300 659 467", "Any time.", "https://www.suicidecallbackservice.org.au/"),
        ("Beyond Blue", "1300 22 4636", "Any time.", "https://www.beyondblue.org.au/"),
    ),
    "NZ": _lines("NZ",
        _emergency("111"),
        ("Need to talk?", "Call or text 1737", "Free, any time, to a trained counsellor.", "https://1737.org.nz/"),
        ("Lifeline Aotearoa", "0800 543 354", _ANY_TIME, "https://www.lifeline.org.nz/"),
    ),
    "IN": _lines("IN",
        _emergency("112"),
        ("Tele-MANAS", "14416", "Free mental health support, any time.", "https://telemanas.mohfw.gov.in/"),
    ),
    "ZA": _lines("ZA",
        _emergency("112"),
        ("SADAG Suicide Crisis Helpline", "0800 567 567", "Free, any time.", "https://www.sadag.org/"),
    ),
    "DE": _lines("DE",
        _emergency("112"),
        ("TelefonSeelsorge", "0800 111 0 111 or 0800 111 0 222", _ANY_TIME, "https://www.telefonseelsorge.de/"),
    ),
    "FR": _lines("FR",
        _emergency("112"),
        ("3114 Souffrance Prévention Suicide", "3114", "Free, any time.", "https://3114.fr/"),
    ),
    "ES": _lines("ES",
        _emergency("112"),
        ("Línea 024", "024", "Free suicide prevention line, any time.", ""),
    ),
    "IT": _lines("IT", _emergency("112"), _DIRECTORY),
    "NL": _lines("NL",
        _emergency("112"),
        ("113 Zelfmoordpreventie", "113 or 0800 0113", "Free on 0800 0113, any time.", "https://www.113.nl/"),
    ),
    "SE": _lines("SE",
        _emergency("112"),
        ("Mind Självmordslinjen", "90101", "Suicide prevention line.", "https://mind.se/"),
    ),
    "NO": _lines("NO",
        _emergency("113"),
        ("Mental Helse Hjelpetelefonen", "116 123", _ANY_TIME, "https://mentalhelse.no/"),
    ),
    "DK": _lines("DK",
        _emergency("112"),
        ("Livslinien", "70 201 201", "Suicide prevention line.", "https://www.livslinien.dk/"),
    ),
    "FI": _lines("FI",
        _emergency("112"),
        ("MIELI Crisis Helpline", "09 2525 0111", "Any time.", "https://mieli.fi/"),
    ),
    "BE": _lines("BE",
        _emergency("112"),
        ("Zelfmoordlijn", "1813", "Free, any time (Dutch).", "https://www.zelfmoord1813.be/"),
        ("Centre de Prévention du Suicide", "0800 32 123", "Free, any time (French).",
         "https://www.preventionsuicide.be/"),
    ),
    "PT": _lines("PT", _emergency("112"), _DIRECTORY),
    "PL": _lines("PL",
        _emergency("112"),
        ("Telefon zaufania", "116 123", "Emotional support line.", ""),
    ),
    "AT": _lines("AT",
        _emergency("112"),
        ("Telefonseelsorge", "142", _ANY_TIME, "https://www.telefonseelsorge.at/"),
    ),
    "CH": _lines("CH",
        _emergency("112"),
        ("Die Dargebotene Hand / La Main Tendue", "143", _ANY_TIME, "https://www.143.ch/"),
    ),
    "JP": _lines("JP",
        _emergency("119"),
        ("TELL Lifeline", "03-5774-0992", "Support in English.", "https://telljp.com/lifeline/"),
    ),
    "SG": _lines("SG",
        _emergency("995"),
        ("Samaritans of Singapore", "1767", "Free, any time.", "https://www.sos.org.sg/"),
    ),
    "HK": _lines("HK",
        _emergency("999"),
        ("The Samaritan Befrienders Hong Kong", "2389 2222", "Any time.", "https://sbhk.org.hk/"),
        ("The Samaritans Hong Kong", "2896 0000", "Any time, in many languages.", "https://samaritans.org.hk/"),
    ),
    "PH": _lines("PH",
        _emergency("911"),
        ("NCMH Crisis Hotline", "1553", "Free, any time.", ""),
    ),
    "BR": _lines("BR",
        _emergency("192"),
        ("CVV, Centro de Valorização da Vida", "188", "Free, any time.", "https://cvv.org.br/"),
    ),
    "MX": _lines("MX",
        _emergency("911"),
        ("Línea de la Vida", "800 911 2000", "Free, any time.", ""),
    ),
    "AR": _lines("AR", _emergency("911"), _DIRECTORY),
}  # fmt: skip
# Anywhere else: the international directory of help lines.
FALLBACK: tuple[Line, ...] = (
    Line("Local emergency services", "your local emergency number", "If you are in danger now.", ""),
    Line(*_DIRECTORY),
)


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
    """Where the person lives, as far as PeerPath knows: a country they gave (a `country` on the person, when
    accounts keeps one; it does not today), else the country of the time zone they gave on a membership ("where the
    member lives", spaces.Membership.timezone; the most recently changed first), or "" when unknown."""
    if user is None or not getattr(user, "pk", None):
        return ""
    given = str(getattr(user, "country", "") or "").strip().upper()
    if len(given) == 2 and given.isalpha():
        return given
    from peerpath.spaces.models import Membership

    zones = (
        Membership.objects.filter(user_id=user.pk, status=Membership.Status.ACTIVE)
        .exclude(timezone="")
        .order_by("-updated_at")
        .values_list("timezone", flat=True)
    )
    countries = zone_countries()
    return next((countries[zone] for zone in zones if zone in countries), "")


def _key(contact: str) -> str:
    return re.sub(r"\s+", " ", contact.strip().casefold())


def lines_for(organisation: Organisation | None, country: str = "", *, writer: Any = None) -> list[Line]:
    """The lines a writer in crisis sees. The country: `country` when given, else the writer's (`country_of`), else
    the host organisation's. The organisation's own lines for that country first (issue 15 point 8), then that
    country's defaults (the international directory for a country without defaults), without repeating a number."""
    country = (country or country_of(writer) or (organisation.country if organisation is not None else "")).upper()
    lines: list[Line] = []
    if organisation is not None:
        rows = CrisisResource.objects.filter(organisation=organisation, country__iexact=country).order_by("order")
        lines = [Line(row.name, row.contact, row.detail, row.url, country) for row in rows]
    shown = {_key(line.contact) for line in lines}
    lines += [line for line in DEFAULTS.get(country, FALLBACK) if _key(line.contact) not in shown]
    return lines
