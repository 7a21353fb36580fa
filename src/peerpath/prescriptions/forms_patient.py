"""Forms of the patient's pages: the invitation code, the answer with consent, sharing, and self-reporting."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.core.forms import IsoDateInput
from peerpath.core.time import now
from peerpath.prescriptions.dose import Activity
from peerpath.prescriptions.models import Prescription

# Activities a participation can be (a dose of "any" counts all three).
PARTICIPATION_CHOICES = [(value, label) for value, label in Activity.choices if value != Activity.ANY]


class InvitationCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Invitation code"),
        max_length=40,
        help_text=_("The 8 letters and numbers printed on your prescription, for example KM7P-Q2XD."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class AnswerForm(forms.Form):
    """Accepting, with what the patient agrees to share (issue 4 point 4)."""

    share_participation = forms.BooleanField(
        required=False,
        help_text=_(
            "Your clinic can then see whether you took part, period by period. Without it your prescription is "
            "“signpost only”: you can still join the group, but nothing about your participation goes back to "
            "your clinic. You can stop sharing at any time."
        ),
    )
    share_ehr_summary = forms.BooleanField(
        required=False,
        label=_("Also share a short summary with my health record"),
        help_text=_(
            "Optional, and only together with the first choice: a line such as “2 of 3 periods met” can be added "
            "to your health record."
        ),
    )

    def __init__(self, *args: Any, organisation_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["share_participation"].label = _("Share my participation with %(organisation)s") % {
            "organisation": organisation_name
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("share_ehr_summary") and not cleaned.get("share_participation"):
            self.add_error(
                "share_ehr_summary",
                _("A summary for your health record is made from your participation: share that too, or neither."),
            )
        return cleaned


class StartSharingForm(forms.Form):
    share_ehr_summary = forms.BooleanField(
        required=False,
        label=_("Also share a short summary with my health record"),
        help_text=_("Optional: a line such as “2 of 3 periods met” can be added to your health record."),
    )


class SelfReportForm(forms.Form):
    """The patient says they took part: what, when (not in the future, not before the start), and a note."""

    activity = forms.ChoiceField(label=_("What did you do?"), choices=PARTICIPATION_CHOICES, widget=forms.RadioSelect)
    day = forms.DateField(label=_("When?"), widget=IsoDateInput())
    note = forms.CharField(
        label=_("A note (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, prescription: Prescription, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prescription = prescription
        self.today = today
        dose = prescription.dose
        choices = [(value, label) for value, label in PARTICIPATION_CHOICES if dose.counts(value)]
        field = self.fields["activity"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        if len(choices) == 1:
            field.initial = choices[0][0]
        self.fields["day"].initial = today

    def clean_day(self) -> date:
        day: date = self.cleaned_data["day"]
        if day > self.today:
            raise forms.ValidationError(_("The date is in the future: report what you have already done."))
        if day < self.prescription.start_date:
            raise forms.ValidationError(
                _("Your prescription started on %(start)s: choose that day or a later one.")
                % {"start": self.prescription.start_date.strftime("%-d %B %Y")}
            )
        return day

    def when(self) -> datetime:
        """The moment recorded: midday (UTC) on the chosen day, or now when that is still to come today."""
        moment = datetime.combine(self.cleaned_data["day"], time(12), tzinfo=UTC)
        return min(moment, now())
