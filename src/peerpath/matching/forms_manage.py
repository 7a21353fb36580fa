"""The coordinator's forms for matching (issue 17): the programme's settings, reviewing proposals, a mentor's limit
on buddies, and dealing with a report from a match. The forms parse; the services (settings.py, proposals.py,
matches.py) decide what is valid, so a refusal reads the same on the page and in the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.matching import vocabulary as v
from peerpath.matching.engine import Weights
from peerpath.matching.matches import MAX_NOTE
from peerpath.matching.models import MatchingSettings
from peerpath.matching.settings import OFFER_DAYS

# What each soft field weighs, in the coordinator's words (engine.fractions says it exactly).
WEIGHS: dict[str, Any] = {
    "condition": _("Both live with, or care for someone with, the same condition."),
    "condition_stage": _("Both are at the same point with a condition they share, such as newly diagnosed."),
    "life_stage": _("How much their places in life overlap: student, working, parent, retired and so on."),
    "age": _("The same age band counts in full, the next band up or down counts half."),
    "goals": _("How much of what the member wants from a buddy the mentor can help with."),
    "availability": _("How many of the member's free times the mentor shares (none when more than 3 hours apart)."),
    "interests": _("How much their interests overlap."),
    "format": _("They share a way to talk besides messages: phone, video, or meeting in person when near enough."),
}


def _number(**attrs: Any) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "numeric", "class": "nhsuk-input nhsuk-input--width-2", **attrs})


class SettingsForm(forms.Form):
    """One 0-10 number per soft field (named as the field, so a refusal from settings_save lands on it), the review
    switch and the days to answer."""

    review_required = forms.BooleanField(
        label=_("Coordinator reviews proposals before they go out"), required=False,
        help_text=_("Unticked, each proposal goes to both people as soon as a run finds it."),
    )  # fmt: skip
    offer_days = forms.IntegerField(
        label=_("Days both have to answer"), min_value=OFFER_DAYS[0], max_value=OFFER_DAYS[1], widget=_number(),
    )  # fmt: skip

    def __init__(self, data: Any = None, *, settings: MatchingSettings, weights: Weights) -> None:
        initial = {"review_required": settings.review_required, "offer_days": settings.offer_days, **weights.values}
        super().__init__(data, initial=initial)
        self.fields["offer_days"].help_text = _(
            "From %(low)d to %(high)d. A proposal that both have not answered in time expires."
        ) % {"low": OFFER_DAYS[0], "high": OFFER_DAYS[1]}
        low, high = v.WEIGHT_RANGE
        for name, label, _default in v.SOFT_FIELDS:
            self.fields[name] = forms.IntegerField(
                label=str(label), min_value=low, max_value=high, help_text=WEIGHS[name], widget=_number()
            )
        # The weights first on the page, in SOFT_FIELDS order.
        self.order_fields([name for name, _label, _default in v.SOFT_FIELDS])

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _label, _default in v.SOFT_FIELDS]

    def weights(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name, _label, _default in v.SOFT_FIELDS}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=(("approve", _("Send to both")), ("reject", _("Do not send"))))
    page = forms.IntegerField(required=False, min_value=1)  # the page of the run to come back to


class ReviewAllForm(forms.Form):
    run = forms.UUIDField()
    page = forms.IntegerField(min_value=1)


class MentorCapForm(forms.Form):
    # No bounds here: mentor_cap_set says what is allowed (1 to the programme's cap) in its own words.
    max_matches = forms.IntegerField(required=False, label=_("Buddies at once"))


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("What you did"), required=False, max_length=MAX_NOTE,
        help_text=_("Kept with the report: who you spoke to, and what you decided."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    end_match = forms.BooleanField(label=_("End the match"), required=False)
