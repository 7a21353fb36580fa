"""Personal data: phone numbers, e-mail addresses, street addresses and postcodes, card numbers, national identifiers
(NHS number, US Social Security number, UK National Insurance number) and full names of other people (issue 6 point
8, issue 15 point 5; the rule "keep members' stories in the group"). Each finding names what it found in
`detail["kind"]`, so the writer can be asked to confirm ("this looks like a phone number").

Phone numbers are read with `phonenumbers` (Google's libphonenumber metadata) in the national formats of the
countries PeerPath knows help lines for, at the VALID leniency; a number shaped like a whole phone number that the
metadata does not know (the ranges reserved for drama, 555 numbers) still counts, a little less surely. Help lines
never count: the crisis lines of every country (988, 111, 116 123, 13 11 14, 1-800-273-8255, 1-800-273-TALK and
every number in HELPLINES) are left alone, and freephone, shared-cost and non-geographic numbers (0800, 0345,
1-800) are noted below the deciding confidence. Numbers must look like a whole number (9 digits at least, or a +
and a country code), so times, dates, doses and results are not flagged. Cards pass the Luhn check, NHS numbers the
modulus 11 check, SSNs the Social Security Administration's never-issued ranges.

presidio-analyzer was considered: its default engine needs a spaCy language model downloaded at run time (nothing
may download at run time here), and its recognisers for these kinds are regular expressions with the same checksums.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType

from peerpath.screening.categories import Category
from peerpath.screening.core import Context, Finding
from peerpath.screening.detectors.text import normalise

# The national help lines (moderation/crisis.py DEFAULTS, kept here because screening sits below moderation and may
# not import it; keep the two in step), and the other well-known crisis and support lines, as digits.
HELPLINES: frozenset[str] = frozenset(
    {
        # GB, IE
        "999", "112", "111", "116123", "85258", "116111", "08001111", "0800585858", "08000684141", "03001233393",
        "08088084994", "03005000927", "1800247247", "50808", "0808808080",
        # US, CA
        "911", "988", "741741", "18002738255", "18007842433", "18664887386", "18775658860", "18009506264",
        "18006624357", "18007997233", "18006564673", "18006686868", "18668008282",
        # AU, NZ
        "000", "131114", "1300659467", "1300224636", "1800551800", "1737", "0800543354", "0800111757",
        # Elsewhere
        "14416", "0800567567", "08001110111", "08001110222", "3114", "024", "113", "08000113", "90101", "70201201",
        "0925250111", "1813", "080032123", "142", "143", "0357740992", "1767", "23892222", "28960000", "1553",
        "188", "8009112000", "995", "119", "192",
    }
)  # fmt: skip
# The countries whose national formats are read (those with help lines in moderation/crisis.py; CA is read as US).
REGIONS = ("GB", "US", "IE", "AU", "NZ", "IN", "ZA", "DE", "FR", "ES", "IT", "NL", "SE", "NO", "DK", "FI", "BE", "PT",
           "PL", "AT", "CH", "JP", "SG", "HK", "PH", "BR", "MX", "AR")  # fmt: skip
_ORGANISATION_LINES = {PhoneNumberType.TOLL_FREE, PhoneNumberType.SHARED_COST, PhoneNumberType.UAN}

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_SHARED_MAILBOX = re.compile(
    r"^(?:info|hello|help|helpline|support|enquiries|contact|admin|office|team|nurses?|advice)@", re.IGNORECASE
)
# Something that may be a phone number: digits with spaces, dots, dashes or brackets between them.
_NUMBERISH = re.compile(r"(?<![\w/:.@-])\+?\(?\d[\d\s().-]{6,22}\d(?![\w/:@-]|\.\d)")
_PHONE_SHAPE = re.compile(
    r"^(?:"
    r"\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}"  # international
    r"|\(?0\d{2,4}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,4}"  # UK landline and mobile: 07700 900123, 020 7946 0018
    r"|(?:1[\s.-])?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}"  # US: (555) 010-1234, 555-010-1234
    r")$"
)
_UK_FREEPHONE = re.compile(r"^(?:\+?44\(?0?\)?|0)(?:8(?:00|08|45|43|44)|3\d\d)")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_CARD_ISSUER = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5)|35)")
_NHS_NUMBER = re.compile(r"(?<![\d-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d-])")
_NHS_CONTEXT = re.compile(r"\bnhs\b|\bchi\b|\bhospital number\b|\bpatient number\b", re.IGNORECASE)
_SSN = re.compile(r"(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])")
_SSN_BARE = re.compile(r"\b(?:ssn|social security(?: number| no\.?)?)\b\D{0,20}(\d{9})\b", re.IGNORECASE)
# UK National Insurance number: two letters (not D, F, I, Q, U, V; the second not O; not BG, GB, NK, KN, NT, TN,
# ZZ), six digits, A to D (HMRC's National Insurance Manual NIM39110).
_NINO = re.compile(r"\b(?!BG|GB|NK|KN|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[A-Z]{2}\b")
_US_ZIP_ADDRESS = re.compile(r"\b[A-Z][a-z]+,? (?:[A-Z]{2}) \d{5}(?:-\d{4})?\b")
_STREET_TYPES = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Crescent|Way|Court|Ct|Place|Pl|Gardens|Terrace|Grove|"
    r"Boulevard|Blvd|Mews|Row|Square|Walk|Hill|Park|Highway|Hwy|Parkway|Pkwy|Circle|Cir|Trail|Parade)"
)
_STREET = re.compile(rf"\b\d{{1,5}}[a-z]?,? (?:[A-Z][a-z]+ ){{1,3}}{_STREET_TYPES}\b\.?")
# "I live at 12 oak road": lower case too, when someone says it is where they (or another person) live.
_LIVES_AT = re.compile(
    rf"\b(?:live|lives|living|address is|staying) (?:at|on) (?:no\.? )?\d{{1,5}}[a-z]?,? (?:[a-z]+ ){{1,3}}"
    rf"{_STREET_TYPES}\b",
    re.IGNORECASE,
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

SURE, LIKELY, NOTED = 0.9, 0.75, 0.3
MAX_NUMBERS = 30
# The letters on a phone's keypad: 1-800-273-TALK is 1-800-273-8255.
_KEYPAD = str.maketrans({letter: digit for digit, letters in {"2": "abc", "3": "def", "4": "ghi", "5": "jkl",
                         "6": "mno", "7": "pqrs", "8": "tuv", "9": "wxyz"}.items() for letter in letters})  # fmt: skip


def digits_of(text: str) -> str:
    return "".join(character for character in text.lower().translate(_KEYPAD) if character.isdigit())


def is_helpline(number: str) -> bool:
    """A crisis or support line of any country, written in any format (with or without the country code)."""
    digits = digits_of(number)
    return any(
        digits == line or (digits.endswith(line) and len(line) >= 8 and len(digits) - len(line) <= 3)
        for line in HELPLINES
    )


def luhn(digits: str) -> bool:
    total = 0
    for index, character in enumerate(reversed(digits)):
        value = int(character)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def nhs_number_valid(digits: str) -> bool:
    """The NHS number's modulus 11 check digit (NHS Data Dictionary, "NHS Number")."""
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    check = 11 - sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """Never issued: area 000, 666 or 900-999, group 00, serial 0000 (SSA, "Social Security Number Randomization")."""
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


@lru_cache(maxsize=512)
def _phone(candidate: str) -> tuple[float, str] | None:
    """The confidence that a run of digits is someone's phone number, and the number as written; None if it is not
    one (too short, a help line)."""
    number = candidate.strip(" .-")
    digits = digits_of(number)
    if len(digits) < 9 and not (number.startswith("+") and len(digits) >= 8):
        return None
    if len(digits) > 15 or is_helpline(number):
        return None
    for region in REGIONS:
        for match in PhoneNumberMatcher(number, region, leniency=Leniency.VALID):
            if phonenumbers.number_type(match.number) in _ORGANISATION_LINES:
                return NOTED, match.raw_string
            return SURE, match.raw_string
        if number.startswith("+"):
            break  # an international number reads the same from every region
    if _PHONE_SHAPE.match(number) and 10 <= len(digits) <= 13:
        return (NOTED if _UK_FREEPHONE.match(digits) else LIKELY), number
    return None


class PersonalDataDetector:
    name: str = "personal_data"
    category: str = Category.PERSONAL_DATA

    def detect(self, text: str, context: Context) -> list[Finding]:
        text = normalise(text)
        findings: list[Finding] = []
        taken: list[tuple[int, int]] = []

        def add(confidence: float, evidence: str, kind: str, span: tuple[int, int] | None = None) -> None:
            findings.append(Finding(self.category, confidence, evidence[:200], self.name, {"kind": kind}))
            if span is not None:
                taken.append(span)

        def free(start: int, end: int) -> bool:
            return not any(start < other_end and other_start < end for other_start, other_end in taken)

        for match in _EMAIL.finditer(text):
            add(NOTED if _SHARED_MAILBOX.match(match.group()) else SURE, match.group(), "e-mail address")
        for match in _CARD.finditer(text):
            digits = digits_of(match.group())
            if 13 <= len(digits) <= 19 and _CARD_ISSUER.match(digits) and luhn(digits):
                add(SURE, match.group(), "card number", match.span())
        for match in _SSN.finditer(text):
            if free(*match.span()) and ssn_valid(match.group(1), match.group(3), match.group(4)):
                add(SURE if match.group(2) == "-" else LIKELY, match.group(), "social security number", match.span())
        for match in _SSN_BARE.finditer(text):
            digits = match.group(1)
            if free(*match.span(1)) and ssn_valid(digits[:3], digits[3:5], digits[5:]):
                add(SURE, digits, "social security number", match.span(1))
        for match in _NHS_NUMBER.finditer(text):
            near = text[max(match.start() - 60, 0) : match.start()]
            if free(*match.span()) and _NHS_CONTEXT.search(near) and nhs_number_valid(digits_of(match.group())):
                add(SURE, match.group(), "NHS number", match.span())
        for match in _NINO.finditer(text):
            add(SURE, match.group(), "National Insurance number", match.span())
        for tried, match in enumerate(_NUMBERISH.finditer(text)):
            if tried >= MAX_NUMBERS:
                break  # a post with this many numbers is held for a look already
            if not free(*match.span()):
                continue
            phone = _phone(match.group())
            if phone is not None:
                add(phone[0], phone[1], "phone number", match.span())
        for pattern, kind in ((_POSTCODE, "postcode"), (_STREET, "street address"), (_LIVES_AT, "street address"),
                              (_US_ZIP_ADDRESS, "street address")):  # fmt: skip
            for match in pattern.finditer(text):
                if free(*match.span()):
                    add(0.8, match.group(), kind, match.span())
        own = context.author_handle.lower()
        for match in _FULL_NAME.finditer(text):
            name = next(group for group in match.groups() if group)
            first, _space, last = name.partition(" ")
            if first in _NOT_NAMES or last in _NOT_NAMES or (own and own in name.lower().replace(" ", "")):
                continue
            add(0.7, match.group(), "name")
        return findings


DETECTOR = PersonalDataDetector()
