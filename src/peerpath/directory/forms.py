"""Forms of the directory: a listing's details, the vetting checklist, delisting, and the public suggestion forms."""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.core.forms import IsoDateInput
from peerpath.core.time import now
from peerpath.directory.models import Condition, Criterion, EditSuggestion, HostOrganisation, Listing, VettingCheck
from peerpath.directory.services import ListingData

BYDAY = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


class HoneypotMixin(forms.Form):
    """A field people never see or fill; automated submitters usually do (SECURITY.md anti-automation)."""

    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def is_bot(self) -> bool:
        return bool(self.is_bound and self.data.get("website"))


def _conditions_field(**kwargs: Any) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Condition.objects.order_by("name"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        label=_("Conditions"),
        help_text=_("Hold Ctrl (Cmd on a Mac) to choose more than one."),
        **kwargs,
    )


class ListingForm(forms.Form):
    """Every detail of a listing, as a coordinator enters or edits it."""

    name = forms.CharField(max_length=200, label=_("Name"))
    summary = forms.CharField(max_length=300, required=False, label=_("One-line summary"))
    description = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5}))
    kind = forms.ChoiceField(choices=Listing.Kind.choices, label=_("Kind of support"))
    format = forms.ChoiceField(choices=Listing.Format.choices)
    cadence = forms.ChoiceField(choices=Listing.Cadence.choices, label=_("How often"))
    typical_attendance = forms.IntegerField(min_value=1, max_value=10000, required=False)
    conditions = _conditions_field(required=False)
    audience = forms.ChoiceField(choices=Listing.Audience.choices, label=_("Who it is for"))
    age_min = forms.IntegerField(min_value=0, max_value=120, required=False, label=_("Youngest age"))
    age_max = forms.IntegerField(min_value=0, max_value=120, required=False, label=_("Oldest age"))
    life_stages = forms.MultipleChoiceField(
        choices=Listing.LifeStage.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.CharField(
        max_length=100, initial="en", help_text=_("Language codes separated by commas, such as en, cy, pa.")
    )
    is_free = forms.BooleanField(required=False, initial=True, label=_("Free to take part"))
    fee_text = forms.CharField(max_length=200, required=False, label=_("Fee, when there is one"))
    accessibility_notes = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    host = forms.ModelChoiceField(
        queryset=HostOrganisation.objects.order_by("name"),
        required=False,
        label=_("Host organisation"),
        help_text=_("Or name a new one below."),
    )
    host_name = forms.CharField(max_length=200, required=False, label=_("New host organisation's name"))
    host_kind = forms.ChoiceField(
        choices=HostOrganisation.Kind.choices, required=False, label=_("New host organisation's kind")
    )
    url = forms.URLField(max_length=500, required=False, label=_("Web address"), assume_scheme="https")
    contact_email = forms.EmailField(required=False)
    contact_phone = forms.CharField(max_length=40, required=False)
    address = forms.CharField(max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False, label=_("Town or city"))
    region = forms.CharField(max_length=100, required=False)
    postal_code = forms.CharField(max_length=20, required=False, label=_("Postcode or ZIP code"))
    country = forms.CharField(max_length=2, required=False, initial="GB", help_text=_("Two letters: GB, US, IE…"))
    latitude = forms.FloatField(min_value=-90, max_value=90, required=False)
    longitude = forms.FloatField(min_value=-180, max_value=180, required=False)
    schedule_frequency = forms.ChoiceField(choices=Listing.Frequency.choices, required=False, label=_("Repeats"))
    schedule_interval = forms.IntegerField(min_value=1, max_value=52, initial=1, label=_("Every how many"))
    schedule_byday = forms.CharField(
        max_length=40, required=False, label=_("On"), help_text=_("Days as MO, TU…; 1TH is the first Thursday.")
    )
    schedule_opens_at = forms.TimeField(required=False, label=_("Starts at"), widget=forms.TimeInput(format="%H:%M"))
    schedule_closes_at = forms.TimeField(required=False, label=_("Ends at"), widget=forms.TimeInput(format="%H:%M"))
    schedule_timezone = forms.CharField(max_length=64, initial="Europe/London", label=_("Time zone"))
    schedule_notes = forms.CharField(max_length=300, required=False)
    moderation = forms.ChoiceField(choices=Listing.Moderation.choices)
    clinician_participation = forms.ChoiceField(
        choices=Listing.ClinicianParticipation.choices, label=_("Do clinicians take part?")
    )
    rule_no_medical_advice = forms.BooleanField(required=False, label=_("Rule: no medical advice"))
    rule_no_promotion = forms.BooleanField(required=False, label=_("Rule: no product promotion or sales"))
    rules_text = forms.CharField(max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    join_method = forms.ChoiceField(choices=Listing.JoinMethod.choices, label=_("How to join"))

    FIELDSETS = (
        (_("What it is"), ("name", "summary", "description", "kind", "format", "cadence", "typical_attendance",
                          "conditions")),
        (_("Who it is for"), ("audience", "age_min", "age_max", "life_stages", "languages", "is_free", "fee_text",
                              "accessibility_notes")),
        (_("Who runs it"), ("host", "host_name", "host_kind", "url", "contact_email", "contact_phone")),
        (_("Where"), ("address", "city", "region", "postal_code", "country", "latitude", "longitude")),
        (_("When"), ("schedule_frequency", "schedule_interval", "schedule_byday", "schedule_opens_at",
                     "schedule_closes_at", "schedule_timezone", "schedule_notes")),
        (_("How it is run"), ("moderation", "clinician_participation", "rule_no_medical_advice", "rule_no_promotion",
                              "rules_text", "join_method")),
    )  # fmt: skip

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(title), [self[name] for name in names]) for title, names in self.FIELDSETS]

    @classmethod
    def initial_from(cls, listing: Listing) -> dict[str, Any]:
        data = ListingData.from_listing(listing)
        initial = data.field_values()
        initial["languages"] = ", ".join(data.languages)
        initial["conditions"] = data.conditions
        initial["host"] = data.host
        return initial

    def clean_languages(self) -> list[str]:
        codes = [code.strip().lower() for code in self.cleaned_data["languages"].split(",") if code.strip()]
        bad = [code for code in codes if not LANGUAGE.match(code)]
        if bad:
            raise forms.ValidationError(_("Not a language code: %(codes)s.") % {"codes": ", ".join(bad)})
        return list(dict.fromkeys(codes)) or ["en"]

    def clean_schedule_byday(self) -> str:
        days = [day.strip().upper() for day in self.cleaned_data["schedule_byday"].split(",") if day.strip()]
        bad = [day for day in days if not BYDAY.match(day)]
        if bad:
            raise forms.ValidationError(_("Use MO, TU, WE, TH, FR, SA or SU, optionally after 1 to 5 or -1."))
        return ",".join(days)

    def clean_schedule_timezone(self) -> str:
        zone = self.cleaned_data["schedule_timezone"].strip()
        if zone not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Not a time zone: use a name such as Europe/London or America/New_York."))
        return zone

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            raise forms.ValidationError(_("Two letters, such as GB or US."))
        return country

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("host_name") and not cleaned.get("host_kind"):
            self.add_error("host_kind", _("Say what kind of organisation the new host is."))
        return cleaned

    def to_listing_data(self, host: HostOrganisation | None) -> ListingData:
        values = {name: self.cleaned_data[name] for name in ListingData.__dataclass_fields__ if name != "host"}
        values["conditions"] = list(values["conditions"])
        values["schedule_interval"] = values["schedule_interval"] or 1
        return ListingData(**values, host=host)


class VettingForm(forms.Form):
    """The checklist: each criterion met, not met or not applicable, with a note."""

    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=IsoDateInput())
    notes = forms.CharField(max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewed_on"].initial = now().date()
        for criterion in Criterion:
            self.fields[criterion.value] = forms.ChoiceField(
                choices=VettingCheck.Result.choices, widget=forms.RadioSelect, label=criterion.label
            )
            self.fields[f"{criterion.value}_note"] = forms.CharField(
                max_length=500, required=False, label=_("Note"), help_text=_("Needed when it does not apply.")
            )

    def criteria(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[c.value], self[f"{c.value}_note"]) for c in Criterion]

    def checks(self) -> dict[str, tuple[str, str]]:
        return {c.value: (self.cleaned_data[c.value], self.cleaned_data[f"{c.value}_note"]) for c in Criterion}


class DelistForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Why is it delisted?"),
        help_text=_("Reviewers see this; it is kept with the listing."),
    )  # fmt: skip


class StartReviewForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Review for"))

    def __init__(self, *args: Any, organisations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {str(organisation.pk): organisation for organisation in organisations}
        field: Any = self.fields["organisation"]
        field.choices = [(pk, org.name) for pk, org in self.organisations.items()]


class SuggestionResolveForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(EditSuggestion.Status.APPLIED, _("Applied")), (EditSuggestion.Status.DISMISSED, _("Dismissed"))]
    )
    note = forms.CharField(max_length=500, required=False)


class SuggestListingForm(HoneypotMixin):
    """ "Suggest a group": shorter than the coordinator's form; a reviewer checks and completes it."""

    name = forms.CharField(max_length=200, label=_("Name of the group"))
    summary = forms.CharField(
        max_length=300, required=False, label=_("What is it?"), widget=forms.Textarea(attrs={"rows": 3})
    )
    conditions = _conditions_field(required=False)
    kind = forms.ChoiceField(choices=Listing.Kind.choices, label=_("Kind of support"))
    format = forms.ChoiceField(choices=Listing.Format.choices)
    cadence = forms.ChoiceField(choices=Listing.Cadence.choices, label=_("How often"))
    url = forms.URLField(max_length=500, required=False, label=_("Web address"), assume_scheme="https")
    host_name = forms.CharField(max_length=200, required=False, label=_("Who runs it?"))
    host_kind = forms.ChoiceField(
        choices=HostOrganisation.Kind.choices, initial=HostOrganisation.Kind.PEER_LED, label=_("What kind of host?")
    )
    city = forms.CharField(max_length=100, required=False, label=_("Town or city"), help_text=_("Empty if online."))
    join_method = forms.ChoiceField(choices=Listing.JoinMethod.choices, label=_("How to join"))
    submitter_contact = forms.EmailField(
        required=False,
        label=_("Your e-mail address (optional)"),
        help_text=_("Only the reviewers see it, in case they have a question. It is never published."),
    )

    def to_listing_data(self, host: HostOrganisation | None) -> ListingData:
        data = self.cleaned_data
        return ListingData(
            name=data["name"], summary=data["summary"], conditions=list(data["conditions"]), kind=data["kind"],
            format=data["format"], cadence=data["cadence"], url=data["url"], city=data["city"],
            join_method=data["join_method"], host=host,
        )  # fmt: skip


class SuggestEditForm(HoneypotMixin):
    message = forms.CharField(
        max_length=3000,
        min_length=10,
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("What should change?"),
        help_text=_("For example: it now meets on Thursdays; the web address has changed."),
    )
    submitter_contact = forms.EmailField(
        required=False,
        label=_("Your e-mail address (optional)"),
        help_text=_("Only the reviewers see it, in case they have a question. It is never published."),
    )
