"""Password rules Django lacks (SECURITY.md Passwords: ASVS 6.2.1, 6.2.4)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MaximumLengthValidator:
    """Long passphrases are welcome (64+ accepted); an absurd length is refused before it reaches the hasher."""

    def __init__(self, max_length: int = 256) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long: at most %(max)d characters.") % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Your password can be up to %(max)d characters long.") % {"max": self.max_length}


class RepetitivePasswordValidator:
    """Refuses passwords made of one repeated character or a short repeated run ("aaaaaaaaaaaa", "abcabcabcabc")."""

    _RUNS = ("abcdefghijklmnopqrstuvwxyz", "0123456789012345678901234567890", "qwertyuiopasdfghjklzxcvbnm")

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        for size in (1, 2, 3, 4):
            if len(lowered) % size == 0 and lowered == lowered[:size] * (len(lowered) // size):
                raise ValidationError(
                    _("This password is too easy to guess: it repeats itself."), code="password_repetitive"
                )
        if any(lowered in run for run in self._RUNS):
            raise ValidationError(
                _("This password is too easy to guess: it follows the keyboard or alphabet."),
                code="password_sequence",
            )

    def get_help_text(self) -> str:
        return _("Your password cannot repeat itself or follow the keyboard.")
