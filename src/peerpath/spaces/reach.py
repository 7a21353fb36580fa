"""How a person chose to be reached by a peer supporter besides a private message in PeerPath: a phone number and
an e-mail address, each optional. Checked the same way wherever they are shared (a space's check-in agreement here,
a programme's enrolment in programmes), and turned into the links a supporter's phone can use."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from peerpath.core.errors import DomainError

# What a person types for a phone number: digits, spaces, brackets and dashes, a "+" only in front. Between 7 digits
# (a local number) and 15 (the longest number E.164 allows, country code included).
PHONE_CHARACTERS = re.compile(r"\+?[0-9 ()\-]+")
PHONE_DIGITS = (7, 15)
PHONE_MAX_LENGTH = 40  # the column's length
EMAIL_MAX_LENGTH = 254


def clean_phone(value: str, *, field: str = "phone") -> str:
    """The number as typed, with its spaces tidied; blank when none is given; refused (on `field`) when it cannot
    be a phone number."""
    text = " ".join((value or "").split())
    if not text:
        return ""
    digits = sum(character.isdigit() for character in text)
    low, high = PHONE_DIGITS
    if len(text) > PHONE_MAX_LENGTH or not PHONE_CHARACTERS.fullmatch(text) or not low <= digits <= high:
        raise DomainError(
            _("Enter a phone number with %(low)d to %(high)d digits, like 07700 900123 or +44 7700 900123. "
              "Use only digits, spaces, brackets, dashes and a + in front.") % {"low": low, "high": high},
            field=field,
        )  # fmt: skip
    return text


def clean_email(value: str, *, field: str = "email") -> str:
    """The address without surrounding spaces; blank when none is given; refused (on `field`) when it is not an
    e-mail address."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        if len(text) > EMAIL_MAX_LENGTH:
            raise ValidationError("too long")
        validate_email(text)
    except ValidationError:
        raise DomainError(_("Enter an e-mail address like name@example.org."), field=field) from None
    return text


def tel_href(phone: str, country: str = "") -> str:
    """A tel: link for the number: international (E.164) when the organisation's country makes it a valid number,
    otherwise the digits as typed (a phone dials those in its own country)."""
    digits = re.sub(r"[^\d+]", "", phone)
    if not digits.startswith("+") and country:
        try:
            parsed = phonenumbers.parse(digits, country.upper())
        except phonenumbers.NumberParseException:
            return f"tel:{digits}"
        if phonenumbers.is_valid_number(parsed):
            return f"tel:{phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)}"
    return f"tel:{digits}"


@dataclass(frozen=True)
class Reach:
    """The ways to reach a person that they agreed to, as a page shows them: blank phone or e-mail means not
    shared."""

    phone: str = ""
    email: str = ""
    country: str = ""

    @property
    def shared(self) -> bool:
        return bool(self.phone or self.email)

    @property
    def tel(self) -> str:
        return tel_href(self.phone, self.country) if self.phone else ""

    @property
    def mailto(self) -> str:
        return f"mailto:{self.email}" if self.email else ""
