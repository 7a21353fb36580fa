"""The matching profile form (issue 17): short, phone-friendly, every field saying who sees it, and the consent to be
matched as its own checkbox. The form parses; services.profile_save decides what is valid."""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from peerpath.directory.models import Condition
from peerpath.matching import vocabulary as v
from peerpath.matching.models import ABOUT_MAX, GOALS_TEXT_MAX, MatchProfile
from peerpath.matching.services import MAX_KM, ProfileData

# Who sees a field, said next to it.
SEEN_BY_BUDDY = _("Your buddy sees this after you both accept.")
SEEN_BY_STAFF = _("Only the coordinator and the matcher see this.")
SEEN_BY_NOBODY = _("Nobody sees this: it is used only to honour your preference.")
SEEN_BY_NOBODY_THEIRS = _("Nobody sees this: it is used only to honour a buddy's preference.")

# The languages offered as checkboxes (BCP 47); any other can be typed as a code.
COMMON_LANGUAGES = (
    ("en", _("English")),
    ("cy", _("Welsh")),
    ("bfi", _("British Sign Language")),
    ("pl", _("Polish")),
    ("ur", _("Urdu")),
    ("pa", _("Punjabi")),
    ("bn", _("Bengali")),
    ("gu", _("Gujarati")),
    ("ar", _("Arabic")),
    ("so", _("Somali")),
    ("ro", _("Romanian")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("pt", _("Portuguese")),
    ("zh", _("Chinese")),
)
_COMMON_CODES = {code for code, _label in COMMON_LANGUAGES}
CONDITION_SLOTS = 2


@cache
def timezone_choices() -> list[tuple[str, Any]]:
    return [("", _("Choose a time zone"))] + [(name, name) for name in sorted(available_timezones())]


def _with_blank(choices: Any, blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *choices]


def _checkboxes(label: Any, choices: Any, seen_by: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, choices=choices, required=False, help_text=seen_by,
                                     widget=forms.CheckboxSelectMultiple)  # fmt: skip


class ProfileForm(forms.Form):
    age_band = forms.ChoiceField(label=_("Your age"), required=False, help_text=SEEN_BY_BUDDY,
                                 choices=_with_blank(v.AgeBand.choices, _("I would rather not say")))  # fmt: skip
    life_stages = _checkboxes(_("Where you are in life"), v.LifeStage.choices, SEEN_BY_BUDDY)
    goals = _checkboxes(_("What you want from a buddy"), v.Goal.choices, SEEN_BY_BUDDY)
    goals_text = forms.CharField(
        label=_("Anything else you hope for, in your own words"), required=False, max_length=GOALS_TEXT_MAX,
        help_text=SEEN_BY_STAFF, widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    languages = _checkboxes(_("Languages you can talk in"), COMMON_LANGUAGES, SEEN_BY_BUDDY)
    other_languages = forms.CharField(
        label=_("Other languages, as codes separated by commas"), required=False, max_length=200,
        help_text=_("For example: tr, pt-BR. Your buddy sees this after you both accept."),
    )  # fmt: skip
    formats = _checkboxes(_("How you would like to talk"), v.Format.choices, SEEN_BY_BUDDY)
    place = forms.CharField(
        label=_("Your town or city, only if you would meet in person"), required=False, max_length=120,
        help_text=SEEN_BY_STAFF, widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )  # fmt: skip
    max_km = forms.IntegerField(
        label=_("How far you would travel to meet, in km, only if you would meet in person"), required=False,
        min_value=MAX_KM[0], max_value=MAX_KM[1], help_text=SEEN_BY_STAFF,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "nhsuk-input nhsuk-input--width-4"}),
    )  # fmt: skip
    availability = _checkboxes(_("When you are usually free"), v.Slot.choices, SEEN_BY_BUDDY)
    timezone = forms.ChoiceField(
        label=_("Your time zone"), required=False, help_text=SEEN_BY_BUDDY, choices=timezone_choices
    )
    interests = _checkboxes(_("Your interests"), v.Interest.choices, SEEN_BY_BUDDY)
    gender = forms.ChoiceField(label=_("Your gender"), required=False, help_text=SEEN_BY_NOBODY_THEIRS,
                               choices=_with_blank(v.Gender.choices, _("I would rather not say")),
                               widget=forms.RadioSelect)  # fmt: skip
    wants_gender = _checkboxes(_("The gender of your buddy, if it matters to you"), v.Gender.choices,
                               SEEN_BY_NOBODY)  # fmt: skip
    avoid = _checkboxes(_("What you do not want"), v.Avoid.choices, SEEN_BY_NOBODY)
    about = forms.CharField(
        label=_("A few words about you, for your introduction"), required=False, max_length=ABOUT_MAX,
        help_text=SEEN_BY_BUDDY, widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    consent = forms.BooleanField(label=_("I agree to be matched"), required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        conditions: QuerySet[Condition],
        profile: MatchProfile | None = None,
        mentor: bool = False,
    ) -> None:
        super().__init__(data, initial=self._initial(profile))
        if mentor:  # the same words, from the other side: what a mentor can help with
            self.fields["goals"].label = _("What you can help a buddy with")
            self.fields["goals_text"].label = _("Anything else you can offer, in your own words")
        condition_choices = _with_blank([(str(c.pk), c.name) for c in conditions], _("None"))
        self.condition_queryset = conditions
        for slot in range(1, CONDITION_SLOTS + 1):
            self.fields[f"condition_{slot}"] = forms.ChoiceField(
                label=_("A condition you live with or care for someone with"), required=False,
                choices=condition_choices, help_text=SEEN_BY_BUDDY,
            )  # fmt: skip
            self.fields[f"stages_{slot}"] = _checkboxes(_("Where you are with it"), v.ConditionStage.choices,
                                                        SEEN_BY_BUDDY)  # fmt: skip
        if profile is not None and profile.consented:
            del self.fields["consent"]

    @staticmethod
    def _initial(profile: MatchProfile | None) -> dict[str, Any]:
        if profile is None:
            return {"languages": ["en"], "timezone": "Europe/London"}
        initial: dict[str, Any] = {name: getattr(profile, name) for name in (
            "age_band", "life_stages", "goals", "goals_text", "formats", "place", "max_km", "availability",
            "timezone", "interests", "gender", "wants_gender", "avoid", "about")}  # fmt: skip
        initial["languages"] = [code for code in profile.languages if code in _COMMON_CODES]
        initial["other_languages"] = ", ".join(code for code in profile.languages if code not in _COMMON_CODES)
        for slot, entry in enumerate(list(profile.conditions.all())[:CONDITION_SLOTS], start=1):
            initial[f"condition_{slot}"] = str(entry.condition_id)
            initial[f"stages_{slot}"] = entry.stages
        return initial

    def condition_slots(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"condition_{slot}"], self[f"stages_{slot}"]) for slot in range(1, CONDITION_SLOTS + 1)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for slot in range(1, CONDITION_SLOTS + 1):
            if cleaned.get(f"stages_{slot}") and not cleaned.get(f"condition_{slot}"):
                self.add_error(f"condition_{slot}", _("Choose the condition these answers are about."))
        return cleaned

    def profile_data(self) -> ProfileData:
        data = self.cleaned_data
        by_pk = {str(condition.pk): condition for condition in self.condition_queryset}
        conditions = [
            (by_pk[data[f"condition_{slot}"]], data[f"stages_{slot}"])
            for slot in range(1, CONDITION_SLOTS + 1)
            if data.get(f"condition_{slot}")
        ]
        others = [code.strip() for code in data["other_languages"].split(",") if code.strip()]
        return ProfileData(
            languages=[*data["languages"], *others], formats=data["formats"], conditions=conditions,
            age_band=data["age_band"], life_stages=data["life_stages"], goals=data["goals"],
            goals_text=data["goals_text"], place=data["place"], max_km=data["max_km"],
            availability=data["availability"], timezone=data["timezone"], interests=data["interests"],
            gender=data["gender"], wants_gender=data["wants_gender"], avoid=data["avoid"], about=data["about"],
        )  # fmt: skip


class ApprovalForm(forms.Form):
    approved = forms.BooleanField(required=False)
