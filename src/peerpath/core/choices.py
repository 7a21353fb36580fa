"""Checking what a service is given against a list of choices (a TextChoices class), for every app's services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from peerpath.core.errors import DomainError


def chosen(values: Iterable[str], allowed: type[Any], field_name: str, *, required: bool = False) -> list[str]:
    """The values in the order given, each once; refused (on `field_name`) when one is not a choice of `allowed`, or
    when none is given and one is `required`."""
    picked = list(dict.fromkeys(str(value) for value in values))
    unknown = [value for value in picked if value not in allowed.values]
    if unknown:
        raise DomainError(_("Unknown choice: %(value)s.") % {"value": ", ".join(unknown)}, field=field_name)
    if required and not picked:
        raise DomainError(_("Choose at least one."), field=field_name)
    return picked
