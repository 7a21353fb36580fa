from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.audit.models import AuditEvent
from peerpath.core.forms import IsoDateInput


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action starts with"), required=False, max_length=80)
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("Any")), *AuditEvent.Outcome.choices]
    )
    actor = forms.CharField(label=_("Person (handle)"), required=False, max_length=30)
    since = forms.DateField(label=_("From"), required=False, widget=IsoDateInput())
    until = forms.DateField(label=_("To"), required=False, widget=IsoDateInput())

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date must be on or after the start date."))
        return data
