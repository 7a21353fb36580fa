"""Adherence: participation counted against each period of the dose (met / missed / current / upcoming).

The patient sees every participation of theirs. The clinic sees only what happened while the patient consented to
share it: nothing when the prescription is "signpost only", and "consent withdrawn", never the data, after a
withdrawal (issue 4 point 4; SECURITY.md Consent).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q, QuerySet

from peerpath.prescriptions.dose import Period
from peerpath.prescriptions.models import Consent, Participation, Prescription


class PeriodState:
    MET = "met"
    MISSED = "missed"
    CURRENT = "current"
    UPCOMING = "upcoming"


STATE_LABELS = {
    PeriodState.MET: "Met",
    PeriodState.MISSED: "Missed",
    PeriodState.CURRENT: "Current",
    PeriodState.UPCOMING: "Upcoming",
}


@dataclass(frozen=True)
class PeriodAdherence:
    period: Period
    count: int
    state: str

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class Adherence:
    periods: list[PeriodAdherence] = field(default_factory=list)

    @property
    def met(self) -> int:
        return sum(1 for item in self.periods if item.state == PeriodState.MET)

    @property
    def missed(self) -> int:
        return sum(1 for item in self.periods if item.state == PeriodState.MISSED)

    @property
    def finished(self) -> int:
        """Periods that are over, or already met."""
        return sum(1 for item in self.periods if item.state in (PeriodState.MET, PeriodState.MISSED))

    @property
    def total_count(self) -> int:
        return sum(item.count for item in self.periods)

    @property
    def summary(self) -> str:
        """One line for a list or the EHR: "2 of 3 periods met so far"."""
        if not self.finished:
            return "No period finished yet"
        return f"{self.met} of {self.finished} period{'s' if self.finished != 1 else ''} met so far"


def counts_towards(prescription: Prescription, participation: Participation) -> bool:
    """A participation counts when its activity matches the dose and it happened in the prescribed group (or in
    no particular group, as self-reports against this prescription do)."""
    if not prescription.dose.counts(participation.activity):
        return False
    return (
        prescription.listing_id is None
        or participation.listing_id is None
        or participation.listing_id == prescription.listing_id
    )


def _state(period: Period, count: int, today: date) -> str:
    if count >= period.required:
        return PeriodState.MET
    if period.end <= today:
        return PeriodState.MISSED
    if period.start <= today:
        return PeriodState.CURRENT
    return PeriodState.UPCOMING


def compute(prescription: Prescription, participations: Iterable[Participation], today: date) -> Adherence:
    """Adherence of one prescription from the participations given (already filtered to what may be seen)."""
    periods = prescription.dose.periods()
    counts = [0] * len(periods)
    for participation in participations:
        if not counts_towards(prescription, participation):
            continue
        day = participation.occurred_at.date()
        for index, period in enumerate(periods):
            if period.start <= day < period.end:
                counts[index] += 1
                break
    return Adherence([PeriodAdherence(p, counts[i], _state(p, counts[i], today)) for i, p in enumerate(periods)])


def _window(prescription: Prescription) -> Q:
    dose = prescription.dose
    return Q(
        patient_id=prescription.patient_id,
        occurred_at__date__gte=dose.start,
        occurred_at__date__lt=dose.end,
    )


def participations_for(prescription: Prescription) -> QuerySet[Participation]:
    """Everything the patient did inside the prescription's dates (for the patient's own view)."""
    return Participation.objects.filter(_window(prescription)).order_by("occurred_at")


def _consent_intervals(consents: Sequence[Consent]) -> list[tuple[datetime, datetime | None]]:
    return [(consent.granted_at, consent.withdrawn_at) for consent in consents if consent.share_participation]


def shared_participations(prescription: Prescription, consents: Sequence[Consent] | None = None) -> list[Participation]:
    """Only what happened while sharing was consented: the clinic's view, the EHR summary, the FHIR Task output."""
    rows = list(consents if consents is not None else prescription.consents.all())
    intervals = _consent_intervals(rows)
    if not intervals or all(end is not None for _, end in intervals):
        # Signpost only, or consent withdrawn: nothing flows back, not even what was shared before.
        return []
    return [
        participation
        for participation in participations_for(prescription)
        if any(start <= participation.occurred_at and (end is None or participation.occurred_at < end)
               for start, end in intervals)
    ]  # fmt: skip


class Sharing:
    """What the clinic may see of a prescription's participation."""

    NOT_YET = "not_yet"  # sent or draft: the patient has not answered
    SIGNPOST_ONLY = "signpost_only"  # accepted without consent to share
    WITHDRAWN = "consent_withdrawn"
    SHARED = "shared"


SHARING_LABELS = {
    Sharing.NOT_YET: "Waiting for the patient",
    Sharing.SIGNPOST_ONLY: "Signpost only: participation is not shared",
    Sharing.WITHDRAWN: "Consent withdrawn",
    Sharing.SHARED: "Participation shared",
}


def sharing_of(prescription: Prescription, consents: Sequence[Consent] | None = None) -> str:
    rows = list(consents if consents is not None else prescription.consents.all())
    if any(consent.withdrawn_at is None and consent.share_participation for consent in rows):
        return Sharing.SHARED
    if rows:
        return Sharing.WITHDRAWN
    if prescription.status in (Prescription.Status.DRAFT, Prescription.Status.SENT):
        return Sharing.NOT_YET
    return Sharing.SIGNPOST_ONLY


@dataclass
class ClinicianView:
    sharing: str
    adherence: Adherence | None  # None unless sharing is SHARED

    @property
    def sharing_label(self) -> str:
        return SHARING_LABELS[self.sharing]


def clinician_view(prescription: Prescription, today: date) -> ClinicianView:
    """The clinic's view of adherence: the data only while consent to share stands."""
    consents = list(prescription.consents.all())
    sharing = sharing_of(prescription, consents)
    if sharing != Sharing.SHARED:
        return ClinicianView(sharing=sharing, adherence=None)
    return ClinicianView(
        sharing=sharing, adherence=compute(prescription, shared_participations(prescription, consents), today)
    )


def patient_view(prescription: Prescription, today: date) -> Adherence:
    return compute(prescription, participations_for(prescription), today)


def current_period(prescription: Prescription, today: date) -> Period | None:
    for period in prescription.dose.periods():
        if period.start <= today < period.end:
            return period
    return None


def missed_last_period(prescription: Prescription, today: date) -> bool:
    """ "Lapsing": the last finished period was missed (shared data only, so it never leaks past consent)."""
    view = clinician_view(prescription, today)
    if view.adherence is None:
        return False
    finished = [item for item in view.adherence.periods if item.period.end <= today]
    return bool(finished) and finished[-1].state == PeriodState.MISSED


def has_lapsed(prescription: Prescription, today: date) -> bool:
    """Two consecutive missed periods, the last two finished (issue 4 point 3). Only a tracked prescription lapses:
    a signpost-only one or one whose consent was withdrawn tells the clinic nothing, not even a lapse."""
    view = clinician_view(prescription, today)
    if view.adherence is None:
        return False
    finished = [item for item in view.adherence.periods if item.period.end <= today]
    return len(finished) >= 2 and all(item.state == PeriodState.MISSED for item in finished[-2:])
