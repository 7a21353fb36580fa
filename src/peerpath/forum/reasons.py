"""Why a post waits, and what personal data screening found, in plain words for the writer (issue 15 points 5 and
9): "a harmless first post is held with no reason given" was the complaint. Pure functions over screening findings
(the `Finding.as_json()` shape kept on moderation.Screening rows): the words found are never repeated back, only what
kind of thing they are."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from peerpath.screening.categories import Category
from peerpath.screening.core import DECIDING_CONFIDENCE

_URL = re.compile(r"(?i)\b(?:https?://|www\.)|\b[a-z0-9-]+\.(?:com|co\.uk|net|org|shop|store|io|ly)\b")
_EMAIL = re.compile(r"@[\w-]+\.")
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[A-Z]{2}\b|\b\d{5}(?:-\d{4})?\b")
_NUMBER_ONLY = re.compile(r"[\d\s()+./-]+")
_STREET = re.compile(r"(?i)\b(?:street|st|road|rd|avenue|ave|lane|close|drive|crescent|way|court|place|gardens)\b")


# The kinds the personal-data detector names in `detail["kind"]` (screening/detectors/personal_data.py), in words.
_KINDS = {
    "phone number": _lazy("a phone number"),
    "e-mail address": _lazy("an e-mail address"),
    "card number": _lazy("a card number"),
    "social security number": _lazy("a social security number"),
    "NHS number": _lazy("an NHS number"),
    "National Insurance number": _lazy("a National Insurance number"),
    "postcode": _lazy("a postcode"),
    "street address": _lazy("a street address"),
    "name": _lazy("someone's full name"),
}


def _deciding(findings: Iterable[Any]) -> list[Mapping[str, Any]]:
    rows = []
    for finding in findings:
        row = finding.as_json() if hasattr(finding, "as_json") else finding
        if isinstance(row, Mapping) and float(row.get("confidence") or 0) >= DECIDING_CONFIDENCE:
            rows.append(row)
    return rows


def personal_data_kinds(findings: Iterable[Any]) -> list[str]:
    """What kinds of personal data were found ("a phone number", "an e-mail address"), each once, in the order
    found; never the data itself."""
    kinds: list[str] = []
    for row in _deciding(findings):
        if row.get("category") != Category.PERSONAL_DATA:
            continue
        evidence, detector = str(row.get("evidence") or ""), str(row.get("detector") or "").lower()
        digits = sum(character.isdigit() for character in evidence)
        named = str((row.get("detail") or {}).get("kind") or "") if isinstance(row.get("detail"), Mapping) else ""
        if named in _KINDS:
            kind = str(_KINDS[named])
        elif "email" in detector or "e-mail" in detector or _EMAIL.search(evidence):
            kind = _("an e-mail address")
        elif any(word in detector for word in ("card", "credit")):
            kind = _("a card number")
        elif any(word in detector for word in ("nhs", "ssn", "national", "identifier", "_id")):
            kind = _("an identity number (such as an NHS or social security number)")
        elif "phone" in detector or (digits >= 7 and _NUMBER_ONLY.fullmatch(evidence.strip())):
            kind = _("a phone number")
        elif "name" in detector or (digits == 0 and not _STREET.search(evidence) and not _POSTCODE.search(evidence)):
            kind = _("someone's full name")
        elif "address" in detector or "postcode" in detector or _STREET.search(evidence) or _POSTCODE.search(evidence):
            kind = _("a home address or postcode")
        elif digits >= 7:
            kind = _("a phone number")
        else:
            kind = _("personal details")
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def joined(items: list[str]) -> str:
    """ "a phone number and an e-mail address"."""
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def held_reasons(findings: Iterable[Any], *, first_post: bool) -> list[str]:
    """Why a held post waits for a moderator, kindly: one sentence per reason, the first post first."""
    reasons: list[str] = []
    rows = _deciding(findings)
    categories = list(dict.fromkeys(str(row.get("category")) for row in rows))
    if first_post:
        reasons.append(
            _(
                "It is your first post in this group, and the group's moderators read every new member's first post "
                "before it appears."
            )
            + ("" if categories else " " + _("It is not because of anything you wrote."))
        )
    for category in categories:
        if category == Category.PROMOTION:
            evidence = " ".join(str(row.get("evidence") or "") for row in rows if row.get("category") == category)
            if _URL.search(evidence):
                reasons.append(
                    _(
                        "It has a link to a website the group does not know yet. Moderators check links so that "
                        "members are not sold to; a link to your own experience or a trusted health site is fine."
                    )
                )
            else:
                reasons.append(
                    _(
                        "Some of its words read like promotion or selling (prices, discount codes or “message me”). "
                        "A moderator will check; if you did not mean it that way, there is nothing more to do."
                    )
                )
        elif category == Category.PERSONAL_DATA:
            kinds = personal_data_kinds(rows) or [_("personal details")]
            reasons.append(
                _("It seems to contain %(what)s. A moderator checks first, to keep you and others safe.")
                % {"what": joined(kinds)}
            )
        elif category == Category.MEDICAL_INSTRUCTIONS:
            reasons.append(
                _(
                    "It reads as advice to start, stop or change a treatment or dose. A moderator checks first, "
                    "because what helped one person can harm another."
                )
            )
        elif category == Category.MISINFORMATION:
            reasons.append(
                _(
                    "It repeats a health claim that is known to be wrong. A moderator will look, and may add a note "
                    "with what is known."
                )
            )
        elif category == Category.CRISIS:
            reasons.append(
                _("It talks about thoughts of harming yourself, so a moderator reads it first. You are not in trouble.")
            )
    return reasons
