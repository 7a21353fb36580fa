"""Forms of the meeting pages: schedules, one-off meetings, RSVP, check-in, attendance, notes, move/cancel.

Forms check the shape of what was typed; the rules (an impossible rule, an overlap, a capacity below the seats
taken) are the services', and come back onto the form as DomainErrors.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.core.errors import DomainError
from peerpath.core.forms import IsoDateInput, add_domain_error
from peerpath.spaces import recurrence
from peerpath.spaces.meetings import MAX_CAPACITY, MeetingData, ScheduleData
from peerpath.spaces.models import MeetingNote, Rsvp, Schedule, Space

HOW_OFTEN = [
    ("weekly", gettext_lazy("Weekly")),
    ("fortnightly", gettext_lazy("Every two weeks")),
    ("monthly", gettext_lazy("Monthly (the same weekday, such as the 2nd Tuesday)")),
    ("custom", gettext_lazy("Custom rule (RFC 5545 RRULE)")),
]
MAX_MINUTES = int(recurrence.MAX_DURATION.total_seconds() // 60)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


def _zone_field(initial: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        choices=[(name, name) for name in recurrence.zone_choices()],
        initial=initial,
        help_text=gettext_lazy("Where the meeting is held: it stays at the same local time when the clocks change."),
    )


def local_moment(day: date, clock: time, zone_name: str) -> datetime:
    """A wall-clock time in a zone, made aware (a time skipped by a clock change moves forward, as clocks do)."""
    tz = ZoneInfo(zone_name)
    naive = datetime.combine(day, clock)
    aware = naive.replace(tzinfo=tz)
    # A skipped local time does not round-trip: take the later reading, which is after the jump.
    if aware.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None) != naive:
        aware = naive.replace(tzinfo=tz, fold=1)
    return aware


class _PlaceFields(forms.Form):
    """Online, in person or both, with the link or the place, and an optional capacity."""

    mode = forms.ChoiceField(
        label=gettext_lazy("Where"),
        choices=Schedule.Mode.choices,
        initial=Schedule.Mode.ONLINE,
        widget=forms.RadioSelect,
    )
    join_url = forms.CharField(
        label=gettext_lazy("Join link (online)"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Starts with https://. Members see it from 15 minutes before the start."),
        widget=forms.URLInput(attrs={"autocomplete": "off"}),
    )
    place = forms.CharField(
        label=gettext_lazy("Place (in person)"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("The address or room, as members should find it."),
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("Seats (optional)"),
        required=False,
        min_value=1,
        max_value=MAX_CAPACITY,
        help_text=gettext_lazy("Leave empty when there is no limit. When full, people join a waiting list."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class ScheduleForm(_PlaceFields):
    """A recurring schedule: how often, from when, at what local time, for how long, where."""

    field_order = [
        "title",
        "how_often",
        "rrule",
        "starts_on",
        "start_time",
        "minutes",
        "timezone",
        "mode",
        "join_url",
        "place",
        "capacity",
        "message",
    ]

    title = forms.CharField(label=gettext_lazy("Title"), max_length=120, initial=gettext_lazy("Group meeting"))
    how_often = forms.ChoiceField(
        label=gettext_lazy("How often"), choices=HOW_OFTEN, initial="weekly", widget=forms.RadioSelect
    )
    rrule = forms.CharField(
        label=gettext_lazy("Custom rule"),
        required=False,
        max_length=300,
        help_text=gettext_lazy(
            "Only for a custom rule, for example FREQ=MONTHLY;BYDAY=1TH or FREQ=WEEKLY;BYDAY=MO,TH."
        ),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    starts_on = forms.DateField(
        label=gettext_lazy("First date"),
        widget=IsoDateInput(),
        help_text=gettext_lazy("Weekly, fortnightly and monthly meetings fall on this date's weekday."),
    )
    start_time = forms.TimeField(label=gettext_lazy("Start time"), widget=TimeInput())
    minutes = forms.IntegerField(
        label=gettext_lazy("Length in minutes"), min_value=5, max_value=MAX_MINUTES, initial=90
    )

    def __init__(self, *args: Any, space: Space, schedule: Schedule | None = None, **kwargs: Any) -> None:
        if schedule is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(schedule)
        super().__init__(*args, **kwargs)
        self.fields["timezone"] = _zone_field(schedule.timezone if schedule else space.timezone)
        self.order_fields(self.field_order)
        if schedule is not None:
            self.fields["message"] = forms.CharField(
                label=gettext_lazy("Message to members (optional)"),
                required=False,
                max_length=500,
                help_text=gettext_lazy("Sent with any meeting the change cancels."),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("how_often") == "custom" and not (data.get("rrule") or "").strip():
            self.add_error("rrule", _("Write the custom rule, for example FREQ=WEEKLY;BYDAY=TU."))
        return data

    def add_service_error(self, error: DomainError) -> None:
        """A refused rule belongs to "how often" unless the organiser wrote it themselves."""
        if error.field == "rrule" and self.cleaned_data.get("how_often") != "custom":
            error = DomainError(error.message, field="how_often", status=error.status)
        add_domain_error(self, error)

    def schedule_data(self) -> ScheduleData:
        """The services' input; raises a DomainError for a preset the date cannot anchor."""
        data = self.cleaned_data
        if data["how_often"] == "custom":
            rule = data["rrule"]
        else:
            try:
                rule = recurrence.preset_rule(data["how_often"], data["starts_on"])
            except DomainError as error:
                raise DomainError(error.message, field="how_often") from None
        return ScheduleData(
            title=data["title"],
            rrule=rule,
            starts_on=data["starts_on"],
            start_time=data["start_time"],
            duration=timedelta(minutes=data["minutes"]),
            timezone=data["timezone"],
            mode=data["mode"],
            join_url=data["join_url"],
            place=data["place"],
            capacity=data["capacity"],
        )


def initial_of(schedule: Schedule) -> dict[str, Any]:
    how_often = "custom"
    for preset in ("weekly", "fortnightly", "monthly"):
        if recurrence.preset_rule(preset, schedule.starts_on) == schedule.rrule:
            how_often = preset
            break
    return {
        "title": schedule.title,
        "how_often": how_often,
        "rrule": schedule.rrule if how_often == "custom" else "",
        "starts_on": schedule.starts_on,
        "start_time": schedule.start_time,
        "minutes": int(schedule.duration.total_seconds() // 60),
        "mode": schedule.mode,
        "join_url": schedule.join_url,
        "place": schedule.place,
        "capacity": schedule.capacity,
    }


class MessageForm(forms.Form):
    """Ending a schedule or cancelling a meeting: what members are told."""

    message = forms.CharField(
        label=gettext_lazy("Message to members"),
        max_length=500,
        help_text=gettext_lazy("E-mailed to every member, and shown on the meeting page."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MeetingForm(_PlaceFields):
    """A one-off meeting."""

    field_order = ["title", "day", "start_time", "minutes", "timezone", "mode", "join_url", "place", "capacity"]

    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    day = forms.DateField(label=gettext_lazy("Date"), widget=IsoDateInput())
    start_time = forms.TimeField(label=gettext_lazy("Start time"), widget=TimeInput())
    minutes = forms.IntegerField(
        label=gettext_lazy("Length in minutes"), min_value=5, max_value=MAX_MINUTES, initial=90
    )

    def __init__(self, *args: Any, space: Space, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"] = _zone_field(space.timezone)
        self.order_fields(self.field_order)

    def meeting_data(self) -> MeetingData:
        data = self.cleaned_data
        return MeetingData(
            title=data["title"],
            starts_at=local_moment(data["day"], data["start_time"], data["timezone"]),
            duration=timedelta(minutes=data["minutes"]),
            mode=data["mode"],
            join_url=data["join_url"],
            place=data["place"],
            capacity=data["capacity"],
            timezone=data["timezone"],
        )


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(
        label=gettext_lazy("Are you coming?"), choices=Rsvp.Answer.choices, widget=forms.RadioSelect
    )


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Check-in code"),
        max_length=20,
        help_text=gettext_lazy("The 6 letters and numbers the organiser reads out or shows on screen."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class NoteForm(forms.Form):
    """Topics covered, resources shared, questions left open (issue 5 point 5)."""

    topics = forms.CharField(
        label=gettext_lazy("Topics covered"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    resources = forms.CharField(
        label=gettext_lazy("Resources shared"),
        required=False,
        max_length=4000,
        help_text=gettext_lazy("Links, leaflets, books: one a line."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    open_questions = forms.CharField(
        label=gettext_lazy("Questions left open"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, note: MeetingNote | None = None, **kwargs: Any) -> None:
        if note is not None:
            kwargs.setdefault(
                "initial", {"topics": note.topics, "resources": note.resources, "open_questions": note.open_questions}
            )
        super().__init__(*args, **kwargs)


class MoveForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("New date"), widget=IsoDateInput())
    start_time = forms.TimeField(label=gettext_lazy("New start time"), widget=TimeInput())
    message = forms.CharField(
        label=gettext_lazy("Message to members"),
        max_length=500,
        help_text=gettext_lazy("E-mailed to every member, and shown on the meeting page."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(
        label=gettext_lazy("Seats"),
        required=False,
        min_value=1,
        max_value=MAX_CAPACITY,
        help_text=gettext_lazy("Leave empty for no limit. It cannot go below the seats already taken."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
