"""Forms of the programmes pages: logging a contact, made to be quick on a phone (issue 16 point 4), the patient's
choice to share their contacts with their clinic's health record (point 7) and how their supporter can reach them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from peerpath.core.errors import DomainError
from peerpath.core.forms import IsoDateInput
from peerpath.programmes.models import (
    WELLBEING_QUESTIONS,
    WELLBEING_SCALE,
    Channel,
    CoreFunction,
    Enrolment,
    Interaction,
    Supporter,
)
from peerpath.spaces import reach


class InteractionForm(forms.Form):
    when = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    channel = forms.ChoiceField(label=_("How were you in touch?"), choices=Channel.choices, widget=forms.RadioSelect,
                                initial=Channel.PHONE)  # fmt: skip
    reached = forms.BooleanField(
        label=_("I reached them"), required=False, initial=True,
        help_text=_("Untick when you tried but did not get through (no answer, no reply)."),
    )  # fmt: skip
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


class SharingForm(forms.Form):
    share = forms.BooleanField(required=False, label=_("Share my contacts with my clinic's health record"))

    def __init__(self, data: Any = None, *, enrolment: Enrolment) -> None:
        # One form per programme on the page: the prefix keeps their fields' ids apart.
        super().__init__(data, prefix=str(enrolment.pk), initial={"share": enrolment.share_with_ehr})
        self.fields["share"].help_text = gettext(
            "%(organisation)s can then add the contacts of this programme to your health record: when and how you "
            "were in touch, for how long, what the contact was for, what you talked about and the resources you "
            "were given. Earlier contacts are included. You can stop at any time: from that moment your health "
            "record can no longer read them here, though your clinic keeps what it has already added."
        ) % {"organisation": enrolment.programme.organisation.name}


class ConcernCloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What was done"), choices=Interaction.ConcernOutcome.choices,
                                widget=forms.RadioSelect)  # fmt: skip
    note = forms.CharField(label=_("Note for the record"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


_QUESTIONS = {field_name: question for field_name, question, _label in WELLBEING_QUESTIONS}


def _answer(question: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=question, coerce=int, widget=forms.RadioSelect,
        choices=[(value, format_lazy("{}: {}", value, word)) for value, word in WELLBEING_SCALE],
    )  # fmt: skip


class SupporterChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.organisation.name)


class WellbeingCheckInForm(forms.Form):
    """The fortnightly check-in: four answers from 0 (not at all) to 4 (very much) and a note. A person who supports
    patients for several organisations chooses which one the check-in is for."""

    supporter = SupporterChoice(queryset=Supporter.objects.none(), label=_("Which organisation is this check-in for?"),
                                widget=forms.RadioSelect, empty_label=None)  # fmt: skip
    strain = _answer(_QUESTIONS["strain"])
    emotional_load = _answer(_QUESTIONS["emotional_load"])
    support_needed = _answer(_QUESTIONS["support_needed"])
    own_health = _answer(_QUESTIONS["own_health"])
    note = forms.CharField(
        label=_("Anything you would like your supervisor to know (optional)"), required=False, max_length=1000,
        help_text=_("Read by your supervisor and your organisation's coordinators only."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, data: Any = None, *, supporters: QuerySet[Supporter], initial_supporter: Any = None) -> None:
        super().__init__(data, initial={"supporter": initial_supporter})
        field = self.fields["supporter"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = supporters.select_related("organisation").order_by("organisation__name")
        if len(field.queryset) == 1:
            field.widget = forms.HiddenInput()
            self.initial["supporter"] = field.queryset[0].pk


def _checked(check: Any, value: str) -> str:
    """A domain check on a form value, its refusal shown as the field's error."""
    try:
        return str(check(value))
    except DomainError as error:
        raise forms.ValidationError(error.message) from None


class ReachForm(forms.Form):
    """How the patient's peer supporter can reach them besides a private message in PeerPath: a phone and an e-mail,
    each optional. "Stop sharing" (a button named `stop`) removes both."""

    phone = forms.CharField(
        label=_("Phone number (optional)"), required=False, max_length=reach.PHONE_MAX_LENGTH,
        help_text=_("A mobile or landline, like 07700 900123. Only your peer supporter and the programme's "
                    "coordinators see it."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )  # fmt: skip
    email = forms.CharField(
        label=_("E-mail address (optional)"), required=False, max_length=reach.EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )  # fmt: skip

    def __init__(self, data: Any = None, *, enrolment: Enrolment) -> None:
        # One form per programme on the page: the prefix keeps their fields' ids apart.
        initial = {"phone": enrolment.contact_phone, "email": enrolment.contact_email}
        super().__init__(data, prefix=f"reach-{enrolment.pk}", initial=initial)

    def clean_phone(self) -> str:
        return _checked(reach.clean_phone, self.cleaned_data["phone"])

    def clean_email(self) -> str:
        return _checked(reach.clean_email, self.cleaned_data["email"])
