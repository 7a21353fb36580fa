"""Forms of the programmes pages: logging a contact, made to be quick on a phone (issue 16 point 4)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.core.forms import IsoDateInput
from peerpath.programmes.models import Channel, CoreFunction, Interaction


class InteractionForm(forms.Form):
    when = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    channel = forms.ChoiceField(label=_("How were you in touch?"), choices=Channel.choices, widget=forms.RadioSelect,
                                initial=Channel.PHONE)  # fmt: skip
    duration_minutes = forms.IntegerField(
        label=_("How long, in minutes"), min_value=1, max_value=720, initial=15,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "nhsuk-input nhsuk-input--width-4"}),
    )  # fmt: skip
    functions = forms.MultipleChoiceField(
        label=_("What did the contact do?"), help_text=_("Choose all that apply."), choices=CoreFunction.choices,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    discussed = forms.CharField(label=_("What you talked about"), required=False, max_length=1000,
                                widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    resources = forms.CharField(label=_("Resources you pointed them to"), required=False, max_length=500)
    concern = forms.ChoiceField(label=_("Any concern?"), choices=Interaction.Concern.choices, widget=forms.RadioSelect,
                                initial=Interaction.Concern.NONE)  # fmt: skip
    concern_note = forms.CharField(
        label=_("The concern, for your coordinator"), required=False, max_length=1000,
        help_text=_("Only coordinators and supervisors read this; the patient does not."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    next_follow_up = forms.DateField(label=_("Next follow-up"), required=False, widget=IsoDateInput())
