"""The pair's forms (issue 17): answering a proposed buddy, "is this working?", ending a match, reporting or blocking.
They parse what was posted; proposals.proposal_answer and the services of matches.py decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.matching.matches import MAX_NOTE, OWN_END_REASONS
from peerpath.matching.models import Answer, Match, MatchReport, Rating
from peerpath.matching.proposals import MAX_REASON

# The reasons a person may choose when ending a match themselves, in their own voice (the stored labels describe
# the ending to the coordinator).
END_REASON_LABELS = {
    Match.EndReason.FINISHED: _("It has run its course: thank you, I have what I needed"),
    Match.EndReason.NOT_WORKING: _("It is not working for me"),
    Match.EndReason.REMATCH: _("I would like to be matched with someone else"),
}


class RadioSelect(forms.RadioSelect):
    """Radios whose group "id" is the first choice's, so that the error summary's link lands on the choices (as the
    GOV.UK and NHS error summaries do); Django gives the group no id to link to. The class keeps Django's name: the
    field template tells radios by `widget_type`, which is made from it."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return super().id_for_label(id_, "0" if index is None else index)


def _note(label: Any, hint: Any) -> forms.CharField:
    return forms.CharField(
        label=label, help_text=hint, required=False, max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Keep it to %(limit_value)d characters or fewer.")},
    )  # fmt: skip


class AnswerForm(forms.Form):
    """Accept or decline a proposed buddy: the button pressed names the answer; a decline may say why."""

    answer = forms.ChoiceField(
        choices=Answer.choices, error_messages={"required": _("Choose whether to accept or decline.")}
    )
    reason = forms.CharField(
        label=_("If you like, tell the coordinator why (optional)"), required=False, max_length=MAX_REASON,
        help_text=_("Only the coordinator reads this. The other person is never told why."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Keep the reason to %(limit_value)d characters or fewer.")},
    )  # fmt: skip

    @property
    def accepted(self) -> bool:
        return self.cleaned_data["answer"] == Answer.ACCEPT

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("answer") == Answer.ACCEPT:
            cleaned["reason"] = ""  # a reason is only for declining; the coordinator never reads one with a yes
        return cleaned


class CheckInForm(forms.Form):
    """ "Is this working?" for one week the pair was asked about."""

    week = forms.IntegerField(widget=forms.HiddenInput, label=_("Week"))
    rating = forms.ChoiceField(
        label=_("Is this working?"), choices=Rating.choices, widget=RadioSelect,
        error_messages={"required": _("Choose one of the answers.")},
    )  # fmt: skip
    note = _note(_("Anything you would like to add (optional)"),
                 _("Only the programme's coordinator reads this, never your buddy."))  # fmt: skip


class EndForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you ending the match?"), widget=RadioSelect,
        choices=[(reason.value, END_REASON_LABELS[reason]) for reason in OWN_END_REASONS],
        error_messages={"required": _("Choose why you are ending the match.")},
    )  # fmt: skip
    rating = forms.ChoiceField(
        label=_("Was it working for you? (optional)"), required=False, widget=RadioSelect,
        choices=Rating.choices,
    )  # fmt: skip
    note = _note(_("Anything you would like the coordinator to know (optional)"),
                 _("Only the programme's coordinator reads this, never your buddy."))  # fmt: skip


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong?"), choices=MatchReport.Reason.choices, widget=RadioSelect,
        error_messages={"required": _("Choose what is wrong.")},
    )  # fmt: skip
    note = _note(_("What happened (optional)"),
                 _("The organisation's moderators and coordinators read this. We do not tell the other person who "
                   "reported them."))  # fmt: skip
    block = forms.BooleanField(
        label=_("Block them (this ends the match)"), required=False,
        help_text=_("Your conversation closes at once and you will never be suggested to each other again."),
    )  # fmt: skip


class ContactForm(forms.Form):
    """A phone and/or e-mail to give the buddy: checked by matches.match_contact_set (spaces.reach's rules)."""

    phone = forms.CharField(label=_("Your phone number"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}))  # fmt: skip
    email = forms.CharField(label=_("Your e-mail address"), required=False, max_length=254,
                            widget=forms.TextInput(attrs={"autocomplete": "email", "type": "email"}))  # fmt: skip
