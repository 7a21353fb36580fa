"""Personal data (issue 15 point 5): phone numbers in national formats, cards, national identifiers and addresses are
found and named; the crisis lines of every country are not."""

from __future__ import annotations

import pytest

from peerpath.screening.core import DECIDING_CONFIDENCE, Context
from peerpath.screening.detectors import personal_data

DETECTOR = personal_data.DETECTOR


def kinds(text: str) -> list[str]:
    """What the deciding findings say they found."""
    findings = DETECTOR.detect(text, Context())
    return [finding.detail["kind"] for finding in findings if finding.confidence >= DECIDING_CONFIDENCE]


@pytest.mark.parametrize(
    "text",
    [
        "Call me on 07911 123456 tonight",  # GB mobile
        "my landline is 0161 496 0018",  # GB landline
        "text me at 415-555-2671 if you're in SF",  # US
        "ring 0412 345 678 if you're in Sydney",  # AU mobile
        "Meine Nummer: 089 12345678",  # DE Munich
        "appelle-moi au 06 12 34 56 78",  # FR mobile
        "I'm on +353 87 123 4567",  # international
        "Here's my number 07700 900461",  # the range kept for drama: shaped like a number, counted
    ],
)
def test_phone_numbers_in_national_formats_are_named(text: str) -> None:
    assert kinds(text) == ["phone number"]


@pytest.mark.parametrize(
    "text",
    [
        "If you're in the US, call or text 988.",
        "Samaritans are on 116 123, any time.",
        "In Australia ring Lifeline on 13 11 14.",
        "The old lifeline number 1-800-273-8255 still works.",
        "Or call 1-800-273-TALK",
        "NHS 111 and press 2 for mental health.",
        "Pieta on 1800 247 247 in Ireland.",
        "Kids Help Phone 1-800-668-6868",
        "Diabetes UK helpline is 0345 123 2399 and the Mind infoline 0300 123 3393.",
        "Freephone 0800 068 41 41 (Papyrus)",
        "The Trevor Project: 1-866-488-7386",
    ],
)
def test_help_lines_of_every_country_stay_allowed(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "My appointment is on 12/03/2025 at 10:30.",
        "HbA1c 48 mmol/mol, sugars 7.8 at 3pm, 40mg in the morning.",
        "Blood pressure 142/91, heart rate 62 lying and 118 standing.",
        "I walked 12,345 steps, 2024-05-01 was a good day.",
        "Order ref 1234 5678 from the pharmacy",
        "Platelets 150 to 400, ferritin 30 to 400, B12 190 to 900",
    ],
)
def test_numbers_that_are_not_contacts_are_left_alone(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("my card is 4111 1111 1111 1111 exp 09/27", "card number"),
        ("use 5500-0000-0000-0004 for the fundraiser", "card number"),
        ("my NHS number is 943 476 5919 if that helps", "NHS number"),
        ("his SSN is 123-45-6789", "social security number"),
        ("Social security number 123456789", "social security number"),
        ("NI number AB 12 34 56 C", "National Insurance number"),
        ("email me on sarah.jones1972@gmail.com", "e-mail address"),
        ("I live at 12 oak road, come by", "street address"),
        ("it's 1600 Pennsylvania Avenue", "street address"),
        ("Springfield, IL 62704", "street address"),
        ("Our postcode is M14 5RT", "postcode"),
    ],
)
def test_cards_identifiers_and_addresses_are_named(text: str, kind: str) -> None:
    assert kinds(text) == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "my card is 4111 1111 1111 1112",  # fails the Luhn check
        "my NHS number is 943 476 5910",  # fails the modulus 11 check
        "his SSN is 666-45-6789",  # never issued
        "ref 000-12-3456",
    ],
)
def test_numbers_that_fail_their_check_are_not_identifiers(text: str) -> None:
    assert not {"card number", "NHS number", "social security number"} & set(kinds(text))


def test_checksums() -> None:
    assert personal_data.luhn("4111111111111111") and not personal_data.luhn("4111111111111112")
    assert personal_data.nhs_number_valid("9434765919") and not personal_data.nhs_number_valid("9434765910")
    assert personal_data.ssn_valid("123", "45", "6789")
    never_issued = [("000", "12", "3456"), ("900", "12", "3456"), ("123", "00", "3456"), ("123", "45", "0000")]
    assert not any(personal_data.ssn_valid(*parts) for parts in never_issued)
