"""Forms of the coordinator's pages: a programme, a supporter's profile, training and supervision, enrolling a patient
and assigning them a supporter.

Forms parse and shape input only; every rule (a cap within bounds, a coordinator of the organisation, a supporter
ready to take patients) is the services' to enforce, and their DomainError is shown on the form
(core.forms.add_domain_error).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from peerpath.accounts.models import Organisation, RoleAssignment, User
from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.core.forms import IsoDateInput
from peerpath.directory.models import Condition, Listing
from peerpath.prescriptions.forms import PatientChoiceField
from peerpath.prescriptions.models import Patient, Prescription
from peerpath.programmes.listing import JOIN_METHODS, ListingDetails
from peerpath.programmes.models import Channel, Enrolment, Programme, Supporter, SupportKind
from peerpath.programmes.services import ProgrammeData, SupporterData

LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")


def person_label(user: User) -> str:
    """A member of staff as colleagues know them: their name when they gave one, and their handle."""
    return f"{user.legal_name} ({user.handle})" if user.legal_name else user.handle


def _conditions_field(label: str | Promise, help_text: str | Promise) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Condition.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        label=label,
        help_text=help_text,
    )


class _PeopleChoice:
    """A choice among the coordinators and admins of some organisations, named with the organisation when there
    are several."""

    def __init__(self, organisations: Sequence[Organisation]) -> None:
        assignments = (
            RoleAssignment.objects.filter(organisation__in=organisations, role__in=ORG_MANAGER_ROLES)
            .select_related("user", "organisation")
            .order_by("user__handle", "organisation__name")
        )
        self.people: dict[str, User] = {}
        where: dict[str, list[str]] = {}
        for assignment in assignments:
            key = str(assignment.user_id)
            self.people[key] = assignment.user
            names = where.setdefault(key, [])
            if assignment.organisation.name not in names:
                names.append(assignment.organisation.name)
        several = len(organisations) > 1
        self.choices = [
            (key, f"{person_label(user)}, {', '.join(where[key])}" if several else person_label(user))
            for key, user in self.people.items()
        ]


class ProgrammeChoiceField(forms.ModelMultipleChoiceField):
    show_organisation = False

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.organisation.name})" if self.show_organisation else str(obj.name)


# --- Programmes ---------------------------------------------------------------------------------------------------


class ProgrammeForm(forms.Form):
    """A programme as its coordinator sets it up. The organisation is asked only of a person who runs several."""

    organisation = forms.ChoiceField(
        label=_("Organisation"), choices=(),
        error_messages={"required": _("Choose the organisation that runs the programme.")},
    )  # fmt: skip
    name = forms.CharField(max_length=120, label=_("Name"))
    summary = forms.CharField(
        max_length=1000, required=False, label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the programme offers, in a sentence or two."),
    )  # fmt: skip
    conditions = _conditions_field(_("Conditions"), _("Hold Ctrl (Cmd on a Mac) to choose more than one."))
    support_kinds = forms.MultipleChoiceField(
        choices=SupportKind.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Kinds of support"), help_text=_("Choose at least one."),
    )  # fmt: skip
    channels = forms.MultipleChoiceField(
        choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label=_("How supporters are in touch with patients"), help_text=_("Choose at least one."),
    )  # fmt: skip
    coordinator = forms.ChoiceField(
        label=_("Coordinator"), choices=(), error_messages={"required": _("Choose the programme's coordinator.")}
    )
    follow_up_days = forms.IntegerField(
        label=_("Follow-up cadence, in days"), initial=14,
        help_text=_("A supporter contacts each patient at least this often."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "nhsuk-input nhsuk-input--width-4"}),
    )  # fmt: skip
    caseload_cap = forms.IntegerField(
        label=_("Caseload cap"), initial=15, help_text=_("The most patients one supporter may hold in this programme."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "nhsuk-input nhsuk-input--width-4"}),
    )  # fmt: skip
    enrolment_criteria = forms.CharField(
        max_length=2000, required=False, label=_("Who may enrol"), widget=forms.Textarea(attrs={"rows": 3})
    )
    required_courses = forms.CharField(
        max_length=3000, required=False, label=_("Required courses"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One course per line. A supporter takes new patients only while they hold each, unexpired."),
    )  # fmt: skip

    def __init__(
        self, *args: Any, organisations: Sequence[Organisation] = (), programme: Programme | None = None, **kwargs: Any
    ) -> None:
        """For a new programme, `organisations` are those the person runs; an existing one keeps its own."""
        if programme is not None:
            kwargs.setdefault("initial", self.initial_from(programme))
            organisations = [programme.organisation]
        super().__init__(*args, **kwargs)
        self.organisations = {str(organisation.pk): organisation for organisation in organisations}
        organisation_field: Any = self.fields["organisation"]
        if len(organisations) == 1:
            del self.fields["organisation"]
        else:
            organisation_field.choices = [("", ""), *((key, item.name) for key, item in self.organisations.items())]
        people = _PeopleChoice(organisations)
        self.people = people.people
        coordinator_field: Any = self.fields["coordinator"]
        coordinator_field.choices = [("", ""), *people.choices]

    @staticmethod
    def initial_from(programme: Programme) -> dict[str, Any]:
        return {
            "name": programme.name,
            "summary": programme.summary,
            "conditions": list(programme.conditions.all()),
            "support_kinds": programme.support_kinds,
            "channels": programme.channels,
            "coordinator": str(programme.coordinator_id),
            "follow_up_days": programme.follow_up_days,
            "caseload_cap": programme.caseload_cap,
            "enrolment_criteria": programme.enrolment_criteria,
            "required_courses": "\n".join(programme.required_courses),
        }

    @property
    def chosen_organisation(self) -> Organisation:
        if "organisation" not in self.fields:
            return next(iter(self.organisations.values()))
        return self.organisations[self.cleaned_data["organisation"]]

    def to_data(self) -> ProgrammeData:
        data = self.cleaned_data
        return ProgrammeData(
            name=data["name"],
            coordinator=self.people[data["coordinator"]],
            summary=data["summary"],
            conditions=list(data["conditions"]),
            support_kinds=list(data["support_kinds"]),
            channels=list(data["channels"]),
            follow_up_days=data["follow_up_days"],
            caseload_cap=data["caseload_cap"],
            enrolment_criteria=data["enrolment_criteria"],
            required_courses=data["required_courses"].splitlines(),
        )


# --- Supporters -------------------------------------------------------------------------------------------------


def supporters_to_be(organisations: Sequence[Organisation]) -> QuerySet[RoleAssignment]:
    """People who hold the peer-supporter role in these organisations and have no supporter profile there yet."""
    profile = Supporter.objects.filter(organisation=OuterRef("organisation"), user=OuterRef("user"))
    return (
        RoleAssignment.objects.filter(organisation__in=organisations, role=Role.PEER_SUPPORTER)
        .exclude(Exists(profile))
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__handle")
    )


class SupporterForm(forms.Form):
    """A peer supporter's profile. `person` is asked only when the profile is new: who, in which organisation."""

    person = forms.ChoiceField(
        label=_("Person"), choices=(), help_text=_("People who hold the peer-supporter role and have no profile yet."),
        error_messages={"required": _("Choose the person whose profile this is.")},
    )  # fmt: skip
    programmes = ProgrammeChoiceField(
        queryset=Programme.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Programmes"), help_text=_("The programmes whose patients they may support."),
    )  # fmt: skip
    languages = forms.CharField(
        max_length=200, initial="en", label=_("Languages"),
        help_text=_("Language codes separated by commas, such as en, cy, pl."),
    )  # fmt: skip
    lived_conditions = _conditions_field(
        _("Conditions they live with"),
        _("Only what they chose to share. Hold Ctrl (Cmd on a Mac) to choose more than one."),
    )
    availability = forms.CharField(
        max_length=300, required=False, label=_("When they are available"),
        help_text=_("For example: weekday evenings, Saturday mornings."),
    )  # fmt: skip
    supervisor = forms.ChoiceField(label=_("Supervisor"), choices=(), required=False)

    def __init__(
        self,
        *args: Any,
        organisations: Sequence[Organisation] = (),
        supporter: Supporter | None = None,
        **kwargs: Any,
    ) -> None:
        """For a new profile, `organisations` are those the person runs; an existing one keeps its own."""
        if supporter is not None:
            kwargs.setdefault("initial", self.initial_from(supporter))
            organisations = [supporter.organisation]
        super().__init__(*args, **kwargs)
        several = len(organisations) > 1
        self.candidates: dict[str, RoleAssignment] = {}
        if supporter is None:
            self.candidates = {str(item.pk): item for item in supporters_to_be(organisations)}
            person_field: Any = self.fields["person"]
            person_field.choices = [("", "")] + [
                (key, f"{person_label(item.user)}, {item.organisation.name}" if several else person_label(item.user))
                for key, item in self.candidates.items()
            ]
        else:
            del self.fields["person"]
        programme_field: Any = self.fields["programmes"]
        programme_field.queryset = Programme.objects.filter(organisation__in=organisations).select_related(
            "organisation"
        )
        programme_field.show_organisation = several
        people = _PeopleChoice(organisations)
        self.people = people.people
        supervisor_field: Any = self.fields["supervisor"]
        supervisor_field.choices = [("", _("No supervisor yet")), *people.choices]

    @staticmethod
    def initial_from(supporter: Supporter) -> dict[str, Any]:
        return {
            "programmes": list(supporter.programmes.all()),
            "languages": ", ".join(supporter.languages),
            "lived_conditions": list(supporter.lived_conditions.all()),
            "availability": supporter.availability,
            "supervisor": str(supporter.supervisor_id) if supporter.supervisor_id else "",
        }

    def clean_languages(self) -> list[str]:
        codes = [code.strip().lower() for code in re.split(r"[,\s]+", self.cleaned_data["languages"]) if code.strip()]
        wrong = [code for code in codes if not LANGUAGE.match(code)]
        if wrong:
            raise forms.ValidationError(
                gettext("Not a language code: %(codes)s. Use codes such as en, cy, pl.") % {"codes": ", ".join(wrong)}
            )
        if not codes:
            raise forms.ValidationError(gettext("Give at least one language code, such as en."))
        return codes

    @property
    def chosen_person(self) -> RoleAssignment:
        return self.candidates[self.cleaned_data["person"]]

    def to_data(self) -> SupporterData:
        data = self.cleaned_data
        return SupporterData(
            programmes=list(data["programmes"]),
            languages=data["languages"],
            lived_conditions=list(data["lived_conditions"]),
            availability=data["availability"],
            supervisor=self.people[data["supervisor"]] if data["supervisor"] else None,
        )


class TrainingForm(forms.Form):
    course = forms.CharField(max_length=120, label=_("Course"))
    completed_on = forms.DateField(label=_("Completed on"), widget=IsoDateInput())
    expires_on = forms.DateField(
        required=False, label=_("Expires on"), widget=IsoDateInput(), help_text=_("Leave empty if it does not expire.")
    )

    def __init__(self, *args: Any, required_courses: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if required_courses:
            self.fields["course"].help_text = gettext("Their programmes ask for: %(courses)s.") % {
                "courses": ", ".join(required_courses)
            }


class SupervisionForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=IsoDateInput())
    note = forms.CharField(
        max_length=2000, required=False, label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For supervisors and coordinators only; the supporter's patients never see it."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate()


class PauseForm(forms.Form):
    reason = forms.CharField(
        max_length=300, required=False, label=_("Reason for the break"),
        help_text=_("For coordinators. They get no new patients until they resume."),
    )  # fmt: skip


# --- Enrolments -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupporterOption:
    """A supporter of a programme as a coordinator chooses them: their caseload, and why they cannot take a new
    patient (`services.readiness`; empty: they can)."""

    supporter: Supporter
    caseload: int
    cap: int
    reasons: list[str]

    @property
    def label(self) -> str:
        load = gettext("%(count)s of %(cap)s patients") % {"count": self.caseload, "cap": self.cap}
        if not self.reasons:
            return gettext("%(who)s (%(load)s): can take new patients") % {
                "who": self.supporter.user.handle,
                "load": load,
            }
        return gettext("%(who)s (%(load)s): cannot take new patients. %(why)s") % {
            "who": self.supporter.user.handle,
            "load": load,
            "why": " ".join(self.reasons),
        }


def _supporter_field(field: Any, options: Sequence[SupporterOption], empty: str | None) -> dict[str, Supporter]:
    found = {str(option.supporter.pk): option.supporter for option in options}
    choices = [(str(option.supporter.pk), option.label) for option in options]
    field.choices = [("", empty), *choices] if empty is not None else choices
    return found


class EnrolSearchForm(forms.Form):
    """Posted, not in the query string: a name in a URL ends up in logs and browser history."""

    q = forms.CharField(
        max_length=100, label=_("Patient's name or NHS number"),
        error_messages={"required": _("Type part of the patient's name, or their NHS number.")},
    )  # fmt: skip


class PrescriptionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        patient = obj.patient
        return f"{patient.family_name}, {patient.given_name}: {obj.what} ({obj.dose_sentence})"


class EnrolForm(forms.Form):
    """Which of the patients found to enrol, where the enrolment comes from, and optionally their supporter."""

    q = forms.CharField(max_length=100, widget=forms.HiddenInput, label=_("Search"))
    patient = PatientChoiceField(
        queryset=Patient.objects.none(), widget=forms.RadioSelect, empty_label=None, label=_("Patient"),
        error_messages={"required": _("Choose the patient to enrol.")},
    )  # fmt: skip
    source = forms.ChoiceField(
        choices=Enrolment.Source.choices, widget=forms.RadioSelect, initial=Enrolment.Source.DIRECT,
        label=_("Where the enrolment comes from"),
    )  # fmt: skip
    prescription = PrescriptionChoiceField(
        queryset=Prescription.objects.none(), required=False, label=_("Prescription"), empty_label=_("None"),
        help_text=_("For an enrolment from a prescription: the patient's running prescriptions whose dose is contact "
                    "with a peer supporter."),
    )  # fmt: skip
    supporter = forms.ChoiceField(
        choices=(), required=False, widget=forms.RadioSelect, label=_("Supporter"),
        help_text=_("Optional. Each supporter shows their caseload and, when they cannot take a new patient, why."),
    )  # fmt: skip

    def __init__(
        self,
        *args: Any,
        patients: QuerySet[Patient],
        prescriptions: QuerySet[Prescription],
        supporters: Sequence[SupporterOption],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        patient_field: Any = self.fields["patient"]
        patient_field.queryset = patients
        prescription_field: Any = self.fields["prescription"]
        prescription_field.queryset = prescriptions
        self.supporters = _supporter_field(
            self.fields["supporter"], supporters, gettext("No supporter yet: the patient waits for one")
        )

    def clean_supporter(self) -> Supporter | None:
        chosen: str = self.cleaned_data["supporter"]
        return self.supporters[chosen] if chosen else None


class AssignForm(forms.Form):
    supporter = forms.ChoiceField(
        choices=(), label=_("Supporter"), error_messages={"required": _("Choose a supporter.")}
    )

    def __init__(self, *args: Any, supporters: Sequence[SupporterOption], label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["supporter"]
        field.label = label
        self.supporters = _supporter_field(field, supporters, gettext("Choose a supporter"))

    def clean_supporter(self) -> Supporter:
        return self.supporters[self.cleaned_data["supporter"]]


class EndForm(forms.Form):
    reason = forms.CharField(
        max_length=300, required=False, label=_("Why it ends"),
        help_text=_("For example: the programme's course is complete, they moved away, they asked to stop."),
    )  # fmt: skip


# --- The programme's directory listing ------------------------------------------------------------------------------

# Channels where supporter and patient are in the same place: a programme using them meets people in person.
_IN_PERSON_CHANNELS = frozenset({Channel.HOME_VISIT, Channel.GROUP_MEETING, Channel.WALK, Channel.SHOPPING,
                                 Channel.OTHER_ACTIVITY})  # fmt: skip


class ProgrammeListingForm(forms.Form):
    """What the public directory says about a programme, beyond its name and conditions."""

    summary = forms.CharField(
        max_length=300, required=False, label=_("Public summary"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A sentence or two for people searching the directory, up to 300 characters. Name no patients "
                    "or supporters."),
    )  # fmt: skip
    join_method = forms.ChoiceField(
        choices=[(method.value, method.label) for method in JOIN_METHODS], widget=forms.RadioSelect,
        label=_("How people join"), error_messages={"required": _("Say whether people ask to join or are referred.")},
    )  # fmt: skip
    contact_email = forms.EmailField(
        required=False, label=_("E-mail address for enquiries"),
        help_text=_("Shown to the public. Give an e-mail address, a phone number or both."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    contact_phone = forms.CharField(
        max_length=40, required=False, label=_("Phone number for enquiries"), help_text=_("Shown to the public."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )  # fmt: skip
    format = forms.ChoiceField(
        choices=Listing.Format.choices, widget=forms.RadioSelect, label=_("Where supporters meet people"),
        error_messages={"required": _("Choose online, in person or both.")},
    )  # fmt: skip
    languages = forms.CharField(
        max_length=100, label=_("Languages"), help_text=_("Language codes separated by commas, such as en, cy, pa."),
        error_messages={"required": _("Give at least one language, such as en.")},
    )  # fmt: skip
    city = forms.CharField(
        max_length=100, required=False, label=_("Area, town or city"),
        help_text=_("Needed when supporters meet people in person."),
    )  # fmt: skip

    @classmethod
    def initial_for(cls, programme: Programme) -> dict[str, Any]:
        """The listing's details when it has one; otherwise a first draft from the programme."""
        listing = programme.listing
        if listing is not None:
            return {"summary": listing.summary, "join_method": listing.join_method, "format": listing.format,
                    "languages": ", ".join(listing.languages), "contact_email": listing.contact_email,
                    "contact_phone": listing.contact_phone, "city": listing.city}  # fmt: skip
        in_person = bool(_IN_PERSON_CHANNELS.intersection(programme.channels))
        remote = bool(set(programme.channels) - _IN_PERSON_CHANNELS)
        guesses = {(True, True): Listing.Format.HYBRID, (True, False): Listing.Format.IN_PERSON}
        guess = guesses.get((in_person, remote), Listing.Format.ONLINE)
        return {"summary": " ".join(programme.summary.split())[:300], "format": guess, "languages": "en",
                "join_method": Listing.JoinMethod.REFERRAL}  # fmt: skip

    def to_details(self) -> ListingDetails:
        data = self.cleaned_data
        return ListingDetails(
            summary=data["summary"], join_method=data["join_method"], format=data["format"],
            languages=[code for code in data["languages"].replace(" ", ",").split(",") if code],
            contact_email=data["contact_email"], contact_phone=data["contact_phone"], city=data["city"],
        )  # fmt: skip
