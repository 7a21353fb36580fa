"""Personal data: phone numbers, e-mail addresses, street addresses and postcodes, and full names of other people
(issue 6 point 8; the rule "keep members' stories in the group").

Conservative by design: numbers must look like a whole phone number (10 to 13 digits), so times, dates, doses and
blood results are not flagged; public helplines (0800/0808 freephone, 03 and 084 numbers, 111, 116 123) and
organisations' shared mailboxes are noted below the deciding confidence; a name counts only when introduced as
someone's ("my neighbour John Smith") and is never the writer's own handle.
"""

from __future__ import annotations

import re

from peerpath.screening.categories import Category
from peerpath.screening.core import Context, Finding
from peerpath.screening.detectors.text import normalise

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_SHARED_MAILBOX = re.compile(
    r"^(?:info|hello|help|helpline|support|enquiries|contact|admin|office|team|nurses?|advice)@", re.IGNORECASE
)
_PHONE = re.compile(
    r"(?<![\w/:.-])(?:"
    r"\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}"  # international
    r"|\(?0\d{2,4}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,4}"  # UK landline and mobile: 07700 900123, 020 7946 0018
    r"|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}"  # US: (555) 010-1234, 555-010-1234
    r")(?![\w/:-])"
)
_HELPLINE = re.compile(r"^(?:\+44\s?\(?0?\)?\s?|\(?0)(?:8(?:00|08|45|43|44)|3\d\d)")
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[A-Z]{2}\b")
_US_ZIP_ADDRESS = re.compile(r"\b[A-Z][a-z]+,? (?:[A-Z]{2}) \d{5}(?:-\d{4})?\b")
_STREET = re.compile(
    r"\b\d{1,4}[a-z]?,? (?:[A-Z][a-z]+ ){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Crescent|Way|"
    r"Court|Ct|Place|Pl|Gardens|Terrace|Grove|Boulevard|Blvd|Mews|Row|Square|Walk|Hill|Park)\b\.?"
)
_RELATION = (
    r"(?:neighbou?r|friend|sister|brother|mum|mom|mother|dad|father|husband|wife|partner|boss|manager|colleague|"
    r"son|daughter|cousin|aunt|uncle|carer|ex|landlord|flatmate|housemate|niece|nephew|nan|gran|grandad|"
    r"step-?(?:mum|dad|son|daughter)|boyfriend|girlfriend|teacher|classmate)"
)
_NAME = r"([A-Z][a-z]+(?:-[A-Z][a-z]+)? (?:Mc|Mac|O')?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)"
_FULL_NAME = re.compile(
    rf"\b(?:[Mm]y|[Oo]ur|[Hh]is|[Hh]er|[Tt]heir|[Tt]he) {_RELATION},? (?:is |called |named )?{_NAME}\b"
    rf"|\b(?:called|named|is called|name is) {_NAME}\b"
    rf"|\b{_NAME},? (?:who lives|lives) (?:at|on|next door|down the road|in)\b"
)
# Capitalised words that follow "my friend" but are not a name.
_NOT_NAMES = frozenset(
    {"The", "This", "That", "And", "But", "Then", "When", "Who", "She", "He", "They", "It", "Is", "Was", "Has", "Had",
     "Said", "Told", "Type", "Long", "Covid", "Diabetes", "Christmas", "Easter", "Monday", "Tuesday", "Wednesday",
     "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July",
     "August", "September", "October", "November", "December", "NHS", "Dr", "Doctor", "Nurse"}
)  # fmt: skip


def _digits(text: str) -> int:
    return sum(character.isdigit() for character in text)


class PersonalDataDetector:
    name: str = "personal_data"
    category: str = Category.PERSONAL_DATA

    def detect(self, text: str, context: Context) -> list[Finding]:
        text = normalise(text)
        findings: list[Finding] = []

        def add(confidence: float, evidence: str) -> None:
            findings.append(Finding(self.category, confidence, evidence[:200], self.name))

        for match in _EMAIL.finditer(text):
            add(0.3 if _SHARED_MAILBOX.match(match.group()) else 0.9, match.group())
        for match in _PHONE.finditer(text):
            number = match.group().strip()
            if not 10 <= _digits(number) <= 13:
                continue
            add(0.3 if _HELPLINE.match(number.replace(" ", "")) else 0.85, number)
        for pattern in (_POSTCODE, _STREET, _US_ZIP_ADDRESS):
            for match in pattern.finditer(text):
                add(0.8, match.group())
        own = context.author_handle.lower()
        for match in _FULL_NAME.finditer(text):
            name = next(group for group in match.groups() if group)
            first, _space, last = name.partition(" ")
            if first in _NOT_NAMES or last in _NOT_NAMES or (own and own in name.lower().replace(" ", "")):
                continue
            add(0.7, match.group())
        return findings


DETECTOR = PersonalDataDetector()
