"""Forms of the moderation pages: a queue item's actions, reports, appeals, fact notes, a space's rules and
screening choices, an organisation's crisis lines. They parse input; the rules live in actions.py and services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.moderation.actions import MUTE_PERIODS, crisis_refusal_why
from peerpath.moderation.models import LABEL_CHOICES, Category, CrisisOutcome, Decision, Report
from peerpath.moderation.rules import TEMPLATES

ACTIONS = [
    ("approve", _("Approve")),
    ("hide", _("Hide")),
    ("ask_edit", _("Ask the author to edit")),
    ("warn", _("Warn the author")),
    ("mute", _("Mute the author")),
    ("remove", _("Remove the author from the space")),
    ("escalate", _("Escalate to a clinician")),
    ("restore", _("Restore the post")),
    ("uphold", _("Uphold the hide")),
    ("recategorise", _("Correct the category")),
]
# Actions whose reason the author reads, so it is required.
NEEDS_REASON = frozenset({"hide", "ask_edit", "warn", "mute", "remove"})
MUTE_CHOICES = [("1d", _("1 day")), ("7d", _("1 week")), ("30d", _("30 days"))]
assert {key for key, _label in MUTE_CHOICES} == set(MUTE_PERIODS)


class ItemActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=ACTIONS,
        error_messages={"required": _("Choose an action."), "invalid_choice": _("Choose an action.")},
    )
    reason = forms.CharField(required=False, max_length=500, label=_("Reason the author will see"))
    period = forms.ChoiceField(
        required=False, choices=[("", "—"), *MUTE_CHOICES], label=_("For how long"),
        error_messages={"invalid_choice": _("Choose how long: 1 day, 1 week or 30 days.")},
    )  # fmt: skip

    category = forms.ChoiceField(
        required=False, choices=[("", "—"), *LABEL_CHOICES], label=_("What the post really is"),
        error_messages={"invalid_choice": _("Choose the right category, or none.")},
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == "recategorise" and not data.get("category"):
            self.add_error("category", _("Choose the right category, or none."))
        if action in NEEDS_REASON and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason: the author will see it."))
        if action == "mute" and not data.get("period"):
            self.add_error("period", _("Choose how long: 1 day, 1 week or 30 days."))
        return data


class CrisisOutcomeForm(forms.Form):
    """What happened on a crisis item: the outcome, a note, and for "reached out" the message to the writer."""

    outcome = forms.ChoiceField(
        choices=CrisisOutcome.Kind.choices, widget=forms.RadioSelect, label=_("What happened"),
        error_messages={"required": _("Choose what happened."), "invalid_choice": _("Choose what happened.")},
    )  # fmt: skip
    note = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Note for the other moderators"),
        error_messages={"required": _("Add a short note of what happened."),
                        "max_length": _("Keep the note under 1000 characters.")},
    )  # fmt: skip
    message = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 6}),
        label=_("Message to the writer (sent privately in PeerPath)"),
        error_messages={"max_length": _("Keep the message under 2000 characters.")},
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == CrisisOutcome.Kind.REACHED_OUT and not (data.get("message") or "").strip():
            self.add_error("message", _("Write the message to send."))
        return data


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        choices=Report.Reason.choices, widget=forms.RadioSelect, label=_("Why are you reporting it?"),
        error_messages={"required": _("Choose why you are reporting it."),
                        "invalid_choice": _("Choose why you are reporting it.")},
    )  # fmt: skip
    note = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}), label=_("Anything to add (optional)"),
        error_messages={"max_length": _("Keep the note under 500 characters.")},
    )  # fmt: skip


class AppealForm(forms.Form):
    text = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 5}), label=_("Why should the post be restored?"),
        help_text=_("You can appeal once. A different moderator from the one who hid it decides."),
        error_messages={"required": _("Say why the post should be restored."),
                        "max_length": _("Keep it under 1000 characters.")},
    )  # fmt: skip


class FactNoteForm(forms.Form):
    what_is_wrong = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), label=_("What is wrong in the post"),
        error_messages={"required": _("Say what is wrong in the post."),
                        "max_length": _("Keep “what is wrong” under 500 characters.")},
    )  # fmt: skip
    what_is_known = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 5}), label=_("What is known"),
        error_messages={"required": _("Say what is known instead."),
                        "max_length": _("Keep “what is known” under 2000 characters.")},
    )  # fmt: skip
    source_url = forms.CharField(
        max_length=500, label=_("Source (an https:// address)"),
        widget=forms.URLInput(attrs={"autocomplete": "url", "spellcheck": "false"}),
        error_messages={"required": _("Give the source as an https:// address.")},
    )  # fmt: skip
    source_title = forms.CharField(required=False, max_length=200, label=_("Source's title (optional)"))


def _decision_field(category: str, label: str) -> forms.ChoiceField:
    choices = list(Decision.choices)
    help_text = ""
    if category == Category.CRISIS:
        choices = [choice for choice in choices if choice[0] != Decision.REFUSE]
        help_text = crisis_refusal_why()
    return forms.ChoiceField(
        choices=choices, widget=forms.RadioSelect, label=label, help_text=help_text,
        error_messages={"required": _("Choose what happens."),
                        "invalid_choice": crisis_refusal_why() if category == Category.CRISIS
                        else _("Choose what happens.")},
    )  # fmt: skip


class PolicyForm(forms.Form):
    rule_templates = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label=_("Rules to publish"),
        choices=[(template.key, f"{template.title}: {template.text}") for template in TEMPLATES],
        error_messages={"invalid_choice": _("Choose rules from the list.")},
    )  # fmt: skip
    own_rules = forms.CharField(
        required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 5}), label=_("Your own rules"),
        help_text=_("One rule a line. Shown on joining and beside the composer."),
        error_messages={"max_length": _("Keep your own rules under 3000 characters.")},
    )  # fmt: skip
    hold_first_posts = forms.BooleanField(
        required=False, label=_("Hold a new member's first post for a moderator to look at before it appears")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category, label in Category.choices:
            self.fields[f"decision_{category}"] = _decision_field(category, str(label))

    def decisions(self) -> dict[str, str]:
        return {category: self.cleaned_data[f"decision_{category}"] for category in Category.values}


class CrisisLineForm(forms.Form):
    name = forms.CharField(required=False, max_length=120, label=_("Name"))
    contact = forms.CharField(required=False, max_length=120, label=_("Number or contact"))
    detail = forms.CharField(required=False, max_length=300, label=_("When to use it"))
    url = forms.URLField(
        required=False, max_length=300, label=_("Web address (optional)"), assume_scheme="https",
        error_messages={"invalid": _("Give a web address such as https://example.org.")},
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name, contact = (data.get("name") or "").strip(), (data.get("contact") or "").strip()
        if (name or contact or data.get("detail") or data.get("url")) and not (name and contact):
            raise forms.ValidationError(_("Give each line both a name and a number or contact."))
        return data


CrisisLineFormSet = forms.formset_factory(CrisisLineForm, extra=2, max_num=10, validate_max=True, absolute_max=10)
