from __future__ import annotations

from django import forms

from peerpath.core.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a refused change on the form, against its field when the error names one the form has."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
