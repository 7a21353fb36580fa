"""The dose of a peer-support prescription: what to do, how often, for how long (seed 000).

    Dose(activity="online_conversation", count=1, per="month", duration=3, duration_unit="months", start=...)
    .sentence() -> "Participate in 1 online conversation monthly for 3 months"

Pure functions only: the sentence, the limits and the periods adherence is measured over. The same sentence is shown
in the UI, printed, and sent to the EHR in FHIR, so it is built in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils.translation import gettext_lazy as _

from peerpath.core.errors import DomainError

MAX_MONTHS = 24  # issue 4, "Bad input": longer than 24 months is refused
MAX_WEEKS = 104


class Activity(models.TextChoices):
    MEETING = "meeting", _("Attend a meeting")
    ONLINE_CONVERSATION = "online_conversation", _("Take part in an online conversation")
    PEER_CONTACT = "peer_contact", _("Contact with a peer supporter")
    ANY = "any", _("Any of these")


class Per(models.TextChoices):
    WEEK = "week", _("per week")
    MONTH = "month", _("per month")


class DurationUnit(models.TextChoices):
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")


# The most a dose may ask for in one period: "more than daily" is refused (issue 4, "Bad input").
MAX_PER_PERIOD = {Per.WEEK: 7, Per.MONTH: 31}

# (verb phrase, singular noun, plural noun): "Participate in 1 online conversation", seed 000's wording.
_PHRASES: dict[str, tuple[str, str, str]] = {
    Activity.MEETING: ("Attend", "meeting", "meetings"),
    Activity.ONLINE_CONVERSATION: ("Participate in", "online conversation", "online conversations"),
    Activity.PEER_CONTACT: ("Have", "contact with a peer supporter", "contacts with a peer supporter"),
    Activity.ANY: ("Take part in", "peer-support activity", "peer-support activities"),
}
_ADVERB: dict[str, str] = {Per.WEEK: "weekly", Per.MONTH: "monthly"}


@dataclass(frozen=True)
class Period:
    """One period of a dose: [start, end), with the number of activities it asks for."""

    index: int
    start: date
    end: date  # exclusive
    required: int

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


@dataclass(frozen=True)
class Dose:
    activity: str
    count: int
    per: str
    duration: int
    duration_unit: str
    start: date

    def validate(self) -> None:
        """Refuse a dose no clinician could mean, with the field at fault (issue 4, "Bad input")."""
        if self.activity not in Activity.values:
            raise DomainError("Choose what the patient should do.", field="activity")
        if self.per not in Per.values:
            raise DomainError("Choose per week or per month.", field="per")
        if self.duration_unit not in DurationUnit.values:
            raise DomainError("Choose weeks or months.", field="duration_unit")
        if self.count < 1:
            raise DomainError("The dose must ask for at least 1 activity.", field="count")
        if self.count > MAX_PER_PERIOD[Per(self.per)]:
            raise DomainError(
                f"At most {MAX_PER_PERIOD[Per(self.per)]} a {self.per}: a dose cannot ask for more than one a day.",
                field="count",
            )
        if self.duration < 1:
            raise DomainError("The dose ends before it starts: give a duration of at least 1.", field="duration")
        if self.duration_months > MAX_MONTHS:
            raise DomainError(f"A prescription lasts at most {MAX_MONTHS} months.", field="duration")
        if self.per == Per.MONTH and self.duration_unit == DurationUnit.WEEKS and self.duration < 4:
            raise DomainError("A monthly dose needs to last at least a month.", field="duration")

    @property
    def duration_months(self) -> float:
        return self.duration if self.duration_unit == DurationUnit.MONTHS else self.duration * 7 / 30.4375

    @property
    def end(self) -> date:
        """The day after the last day of the dose."""
        if self.duration_unit == DurationUnit.MONTHS:
            return self.start + relativedelta(months=self.duration)
        return self.start + timedelta(weeks=self.duration)

    def periods(self) -> list[Period]:
        """The periods adherence is counted over, from the start; the last one stops at the end of the dose."""
        result: list[Period] = []
        index = 0
        end = self.end
        while True:
            start = self._period_start(index)
            if start >= end:
                return result
            stop = min(self._period_start(index + 1), end)
            result.append(Period(index=index, start=start, end=stop, required=self.count))
            index += 1

    def _period_start(self, index: int) -> date:
        if self.per == Per.WEEK:
            return self.start + timedelta(weeks=index)
        return self.start + relativedelta(months=index)

    def sentence(self) -> str:
        """Seed 000's style, exactly: "Participate in 1 online conversation monthly for 3 months"."""
        verb, one, many = _PHRASES[self.activity]
        noun = one if self.count == 1 else many
        unit = self.duration_unit.rstrip("s") if self.duration == 1 else self.duration_unit
        return f"{verb} {self.count} {noun} {_ADVERB[self.per]} for {self.duration} {unit}"

    def counts(self, activity: str) -> bool:
        """Whether a participation of this activity counts towards the dose."""
        return self.activity == Activity.ANY or activity == self.activity
