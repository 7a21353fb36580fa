from __future__ import annotations

from django import forms

from peerpath.core.errors import DomainError


class IsoDateInput(forms.DateInput):
    """A browser date picker. It takes ISO dates only: in the locale's format the browser would show it empty."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a refused change on the form, against its field when the error names one the form has."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
