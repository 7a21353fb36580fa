"""Forms of the clinician's side: a patient's record, a prescription, cancelling, recording participation, filters.

Forms parse and shape input only; every rule (a vetted listing, a sane dose, one open prescription per group) is the
services' to enforce, and their DomainError is shown on the form (core.forms.add_domain_error).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.accounts.models import Organisation
from peerpath.core.forms import IsoDateInput
from peerpath.core.time import now
from peerpath.directory.models import Condition, Listing
from peerpath.directory.selectors import public_listings
from peerpath.prescriptions.dose import Activity, Dose, DurationUnit, Per
from peerpath.prescriptions.models import Patient, PatientIdentifier, Prescription, Reason
from peerpath.prescriptions.services import IdentifierData, PatientData, PrescriptionData

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS number's modulus 11 check digit (NHS Data Dictionary)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def local_mrn_system(organisation: Organisation) -> str:
    """The identifier system of an organisation's own record numbers, when the clinician does not give one."""
    return f"urn:peerpath:organisation:{organisation.pk}:mrn"


class OrganisationChoiceMixin(forms.Form):
    """For a person on the staff of several organisations: which one the record belongs to."""

    organisation = forms.ChoiceField(label=_("Organisation"), choices=())

    def set_organisations(self, organisations: list[Organisation]) -> None:
        self.organisations = {str(item.pk): item for item in organisations}
        field = self.fields["organisation"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(key, item.name) for key, item in self.organisations.items()]
        if len(organisations) == 1:
            field.initial = str(organisations[0].pk)
            field.widget = forms.HiddenInput()
            field.required = False

    def clean_organisation(self) -> str:
        chosen: str = self.cleaned_data.get("organisation") or ""
        if not chosen and len(self.organisations) == 1:
            return next(iter(self.organisations))
        return chosen

    @property
    def chosen_organisation(self) -> Organisation:
        return self.organisations[self.cleaned_data["organisation"]]


class PatientForm(OrganisationChoiceMixin):
    given_name = forms.CharField(max_length=100, label=_("Given name"))
    family_name = forms.CharField(max_length=100, label=_("Family name"))
    birth_date = forms.DateField(required=False, label=_("Date of birth"), widget=IsoDateInput())
    gender = forms.ChoiceField(choices=[("", "—"), *Patient.Gender.choices], required=False)
    email = forms.EmailField(
        required=False, label=_("E-mail address"), help_text=_("The invitation is e-mailed here when there is one.")
    )
    phone = forms.CharField(max_length=40, required=False, label=_("Phone"))
    preferred_language = forms.CharField(max_length=35, initial="en", label=_("Preferred language"))
    nhs_number = forms.CharField(max_length=14, required=False, label=_("NHS number"), help_text=_("10 digits."))
    mrn = forms.CharField(max_length=100, required=False, label=_("Medical record number (MRN)"))
    mrn_system = forms.CharField(
        max_length=255,
        required=False,
        label=_("MRN system"),
        help_text=_("The URI of the record system that issued the MRN. Leave empty for your organisation's own."),
    )

    def __init__(self, *args: Any, organisations: list[Organisation], patient: Patient | None = None, **kwargs: Any):
        if patient is not None:
            kwargs.setdefault("initial", self.initial_from(patient))
        super().__init__(*args, **kwargs)
        self.set_organisations(organisations)
        if patient is not None:
            # A record stays with its organisation; identifiers are added, never silently rewritten.
            del self.fields["organisation"]
            self.organisations = {str(patient.organisation_id): patient.organisation}
            self.patient_organisation = patient.organisation
            self.fields["nhs_number"].help_text = _("10 digits. A new number is added to those already recorded.")

    @staticmethod
    def initial_from(patient: Patient) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(patient, name)
            for name in ("given_name", "family_name", "birth_date", "gender", "email", "phone", "preferred_language")
        }
        for identifier in patient.identifiers.all():
            if identifier.kind == PatientIdentifier.Kind.NHS_NUMBER and "nhs_number" not in initial:
                initial["nhs_number"] = identifier.value
            elif identifier.kind == PatientIdentifier.Kind.MRN and "mrn" not in initial:
                initial["mrn"], initial["mrn_system"] = identifier.value, identifier.system
        return initial

    @property
    def chosen_organisation(self) -> Organisation:
        if "organisation" not in self.fields:
            return self.patient_organisation
        return super().chosen_organisation

    def clean_nhs_number(self) -> str:
        digits = "".join(self.cleaned_data["nhs_number"].split()).replace("-", "")
        if digits and not nhs_number_is_valid(digits):
            raise forms.ValidationError(_("That is not a valid NHS number: check the 10 digits."))
        return digits

    def clean_mrn_system(self) -> str:
        system = self.cleaned_data["mrn_system"].strip()
        if system and ":" not in system:
            raise forms.ValidationError(_("Give the system as a URI, such as urn:oid:1.2.3 or https://…"))
        return system

    def to_data(self) -> PatientData:
        data = self.cleaned_data
        identifiers = []
        kinds = PatientIdentifier.Kind
        if data["nhs_number"]:
            identifiers.append(
                IdentifierData(
                    system=NHS_NUMBER_SYSTEM, value=data["nhs_number"], kind=PatientIdentifier.Kind.NHS_NUMBER
                )
            )
        if data["mrn"].strip():
            system = data["mrn_system"] or local_mrn_system(self.chosen_organisation)
            identifiers.append(IdentifierData(system=system, value=data["mrn"].strip(), kind=kinds.MRN))
        return PatientData(
            given_name=data["given_name"],
            family_name=data["family_name"],
            birth_date=data["birth_date"],
            gender=data["gender"],
            email=data["email"],
            phone=data["phone"],
            preferred_language=data["preferred_language"],
            identifiers=identifiers,
        )


class PatientSearchForm(forms.Form):
    """Posted, not in the query string: a name or an NHS number in a URL ends up in logs and browser history."""

    q = forms.CharField(max_length=100, required=False, label=_("Name, NHS number or MRN"))


class ListingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class PatientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        # Name and date of birth: two people share a name more often than a clinician expects (wrong-patient hazard).
        born = f" (born {obj.birth_date:%-d %b %Y})" if obj.birth_date else ""
        return f"{obj.family_name}, {obj.given_name}{born}"


class PrescriptionForm(forms.Form):
    """What a clinician writes: the group (or a kind of support for a condition), the dose, the reasons."""

    patient = PatientChoiceField(queryset=Patient.objects.none(), label=_("Patient"))
    listing = ListingChoiceField(
        queryset=Listing.objects.none(),
        required=False,
        label=_("Group"),
        empty_label=_("No group yet: choose a kind of support below"),
        help_text=_("Vetted groups only."),
        error_messages={
            "invalid_choice": _(
                "That group is not vetted (or its vetting has lapsed, or it was delisted): choose a vetted one."
            )
        },
    )
    support_kind = forms.ChoiceField(
        choices=[("", "—"), *Listing.Kind.choices],
        required=False,
        label=_("Kind of support"),
        help_text=_("When no group is chosen yet: for example a buddy programme."),
    )
    condition = forms.ModelChoiceField(
        queryset=Condition.objects.order_by("name"), required=False, label=_("For the condition")
    )
    activity = forms.ChoiceField(choices=Activity.choices, label=_("What to do"))
    count = forms.IntegerField(min_value=0, max_value=999, label=_("How many"), initial=1)
    per = forms.ChoiceField(choices=Per.choices, label=_("How often"), initial=Per.MONTH)
    duration = forms.IntegerField(min_value=0, max_value=999, label=_("For how long"), initial=3)
    duration_unit = forms.ChoiceField(choices=DurationUnit.choices, label=_("Weeks or months"), initial="months")
    start_date = forms.DateField(label=_("From"), widget=IsoDateInput())
    reasons = forms.MultipleChoiceField(
        choices=Reason.choices, required=False, widget=forms.CheckboxSelectMultiple, label=_("Why peer support now")
    )
    reason_text = forms.CharField(
        max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Reason, in your words")
    )
    note_to_patient = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Note to the patient"),
        help_text=_("The patient reads this with the invitation."),
    )

    FIELDSETS = (
        ("who", _("Who"), ("patient",)),
        ("what", _("What"), ("listing", "support_kind", "condition")),
        ("dose", _("The dose"), ("activity", "count", "per", "duration", "duration_unit", "start_date")),
        ("why", _("Why"), ("reasons", "reason_text", "note_to_patient")),
    )

    def __init__(
        self,
        *args: Any,
        patients: QuerySet[Patient] | None = None,
        prescription: Prescription | None = None,
        **kwargs: Any,
    ) -> None:
        if prescription is not None:
            kwargs.setdefault("initial", self.initial_from(prescription))
        super().__init__(*args, **kwargs)
        self.fields["start_date"].initial = now().date()
        listing_field = self.fields["listing"]
        assert isinstance(listing_field, forms.ModelChoiceField)
        listing_field.queryset = public_listings().order_by("name")
        if patients is None:
            del self.fields["patient"]  # the patient comes from the page
        else:
            patient_field = self.fields["patient"]
            assert isinstance(patient_field, forms.ModelChoiceField)
            patient_field.queryset = patients

    @staticmethod
    def initial_from(prescription: Prescription) -> dict[str, Any]:
        return {
            "listing": prescription.listing_id,
            "support_kind": "" if prescription.listing_id else prescription.support_kind,
            "condition": prescription.condition_id,
            "activity": prescription.activity,
            "count": prescription.dose_count,
            "per": prescription.per,
            "duration": prescription.duration,
            "duration_unit": prescription.duration_unit,
            "start_date": prescription.start_date,
            "reasons": prescription.reasons,
            "reason_text": prescription.reason_text,
            "note_to_patient": prescription.note_to_patient,
        }

    def fieldsets(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (key, str(title), [self[name] for name in names if name in self.fields])
            for key, title, names in self.FIELDSETS
            if any(name in self.fields for name in names)
        ]

    def to_data(self) -> PrescriptionData:
        data = self.cleaned_data
        return PrescriptionData(
            dose=Dose(
                activity=data["activity"],
                count=data["count"],
                per=data["per"],
                duration=data["duration"],
                duration_unit=data["duration_unit"],
                start=data["start_date"],
            ),
            listing=data["listing"],
            support_kind="" if data["listing"] else data["support_kind"],
            condition=data["condition"],
            reasons=list(data["reasons"]),
            reason_text=data["reason_text"],
            note_to_patient=data["note_to_patient"],
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Why it is cancelled"),
        help_text=_("Kept with the prescription's record."),
    )


class ParticipationForm(forms.Form):
    """A coordinator records participation on the patient's behalf (a phone call, a paper register)."""

    activity = forms.ChoiceField(
        choices=[(value, label) for value, label in Activity.choices if value != Activity.ANY], label=_("What they did")
    )
    on = forms.DateField(label=_("On"), widget=IsoDateInput())
    note = forms.CharField(max_length=500, required=False, label=_("Note"), help_text=_("Where it was recorded."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()

    def when(self) -> datetime:
        """Today means now; an earlier day means midday of that day (the register has no time)."""
        day: date = self.cleaned_data["on"]
        if day == timezone.localdate():
            return now()
        return datetime.combine(day, time(12, 0), tzinfo=timezone.get_current_timezone())


class DashboardFilterForm(forms.Form):
    """Filters of the dashboard and its CSV: ids and enum values only, never a name (SECURITY.md data protection)."""

    status = forms.ChoiceField(choices=[("", _("Any status")), *Prescription.Status.choices], required=False)
    mine = forms.BooleanField(required=False, label=_("Only prescriptions I wrote"))
    listing = forms.ModelChoiceField(queryset=Listing.objects.none(), required=False, label=_("Group"))
    kind = forms.ChoiceField(choices=[("", _("Any kind")), *Listing.Kind.choices], required=False, label=_("Kind"))
    since = forms.DateField(required=False, label=_("Written from"), widget=IsoDateInput())
    until = forms.DateField(required=False, label=_("Written until"), widget=IsoDateInput())

    def __init__(self, *args: Any, listings: QuerySet[Listing], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        listing_field = self.fields["listing"]
        assert isinstance(listing_field, forms.ModelChoiceField)
        listing_field.queryset = listings

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise forms.ValidationError(_("The end of the date range is before its start."))
        return data

    def apply(self, prescriptions: QuerySet[Prescription], user: Any) -> QuerySet[Prescription]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("status"):
            prescriptions = prescriptions.filter(status=data["status"])
        if data.get("mine"):
            prescriptions = prescriptions.filter(clinician=user)
        if data.get("listing"):
            prescriptions = prescriptions.filter(listing=data["listing"])
        if data.get("kind"):
            prescriptions = prescriptions.filter(support_kind=data["kind"])
        if data.get("since"):
            prescriptions = prescriptions.filter(created_at__date__gte=data["since"])
        if data.get("until"):
            prescriptions = prescriptions.filter(created_at__date__lte=data["until"])
        return prescriptions
