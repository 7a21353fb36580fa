"""Forms of clinician sessions (issue 5 point 7): proposing a topic, voting, inviting a clinician, the guest's answer.

Forms parse and shape input only; the rules (listeners do not vote, only clinicians are invited, "never" spaces invite
nobody) are the services' to enforce, and their DomainError is shown on the form (core.forms.add_domain_error).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from peerpath.core.errors import DomainError
from peerpath.core.forms import IsoDateInput
from peerpath.spaces import recurrence
from peerpath.spaces.models import Schedule, TopicProposal
from peerpath.spaces.services import SessionData

# How many of the most-voted topics the session form ticks to begin with.
TOP_TOPICS = 3
LENGTH_CHOICES = [(30, _("30 minutes")), (45, _("45 minutes")), (60, _("1 hour")), (90, _("1½ hours")),
                  (120, _("2 hours"))]  # fmt: skip


class TopicForm(forms.Form):
    title = forms.CharField(
        max_length=160, label=_("Topic"), help_text=_("A question or subject for a clinician, in a few words.")
    )
    detail = forms.CharField(
        max_length=1000,
        required=False,
        label=_("More detail (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Do not include anything that identifies you or anyone else."),
    )


class VoteForm(forms.Form):
    vote = forms.TypedChoiceField(
        choices=[("1", _("Vote")), ("0", _("Remove vote"))], coerce=lambda value: value == "1"
    )


class GuestAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])

    @property
    def accept(self) -> bool:
        return bool(self.cleaned_data["answer"] == "accept")


class SessionForm(forms.Form):
    """The organiser's invitation: topics, the clinician, and when and where, in the space's own time zone."""

    topics = forms.MultipleChoiceField(
        label=_("Topics for the session"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The most-voted topics are ticked."),
        error_messages={"required": _("Choose at least one topic for the session.")},
    )
    clinician = forms.EmailField(
        label=_("The clinician's e-mail address"),
        help_text=_("They must have a PeerPath account with the clinician role."),
    )
    day = forms.DateField(label=_("Date"), widget=IsoDateInput())
    start = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    length = forms.TypedChoiceField(label=_("Length"), choices=LENGTH_CHOICES, coerce=int, initial=60)
    mode = forms.ChoiceField(
        label=_("Where"), choices=Schedule.Mode.choices, widget=forms.RadioSelect, initial=Schedule.Mode.ONLINE
    )
    join_url = forms.URLField(
        label=_("Join link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("For online sessions. Members see it shortly before the start."),
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=300, help_text=_("For sessions in person."))

    def __init__(self, *args: Any, proposals: Sequence[TopicProposal], timezone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.proposals = {str(proposal.pk): proposal for proposal in proposals}
        self.timezone = timezone
        field = self.fields["topics"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(key, _topic_label(proposal)) for key, proposal in self.proposals.items()]
        field.initial = list(self.proposals)[:TOP_TOPICS]
        self.fields["start"].help_text = gettext("In the space's time zone, %(zone)s.") % {"zone": timezone}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day, start = cleaned.get("day"), cleaned.get("start")
        if isinstance(day, date) and isinstance(start, time):
            try:
                cleaned["starts_at"] = local_start(day, start, self.timezone)
            except DomainError as error:
                self.add_error("start", error.message)
        return cleaned

    @property
    def chosen_proposals(self) -> list[TopicProposal]:
        return [self.proposals[key] for key in self.cleaned_data["topics"]]

    def to_data(self) -> SessionData:
        return SessionData(
            starts_at=self.cleaned_data["starts_at"],
            duration=timedelta(minutes=self.cleaned_data["length"]),
            mode=self.cleaned_data["mode"],
            join_url=self.cleaned_data["join_url"],
            place=self.cleaned_data["place"],
        )


def _topic_label(proposal: TopicProposal) -> str:
    votes = getattr(proposal, "vote_count", 0)
    return gettext("%(title)s (%(votes)s votes)") % {"title": proposal.title, "votes": votes}


def local_start(day: date, start: time, timezone: str) -> datetime:
    """The moment a local date and time name in a time zone; a time the clocks skip (a daylight-saving gap) is
    refused rather than silently moved."""
    tz = recurrence.zone(timezone)
    moment = datetime.combine(day, start, tzinfo=tz)
    back = moment.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise DomainError(
            gettext("The clocks change that night: %(time)s does not exist on that day. Choose another time.")
            % {"time": start.strftime("%H:%M")},
            field="start",
        )
    return moment
