"""Adherence: participation counted against each period of the dose (met / missed / current / upcoming).

The patient sees every participation of theirs. The clinic sees only what happened while the patient consented to
share it: nothing when the prescription is "signpost only", and "consent withdrawn", never the data, after a
withdrawal (issue 4 point 4; SECURITY.md Consent).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

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


def _standing_consent(consents: Sequence[Consent]) -> Consent | None:
    return next((item for item in consents if item.withdrawn_at is None and item.share_participation), None)


def _in_window(prescription: Prescription, participations: Iterable[Participation]) -> list[Participation]:
    """`participations_for` over rows already loaded (a list page loads its patients' participations at once)."""
    dose = prescription.dose
    return sorted(
        (item for item in participations
         if item.patient_id == prescription.patient_id and dose.start <= item.occurred_at.date() < dose.end),
        key=lambda item: item.occurred_at,
    )  # fmt: skip


def shared_participations(
    prescription: Prescription,
    consents: Sequence[Consent] | None = None,
    participations: Iterable[Participation] | None = None,
) -> list[Participation]:
    """Only what happened under the consent that stands now: the clinic's view, the EHR summary, the FHIR Task output.

    `participations`, when given, are the patient's rows already loaded, so that a list makes no query per row."""
    standing = _standing_consent(list(consents if consents is not None else prescription.consents.all()))
    if standing is None:
        # Signpost only, or consent withdrawn: nothing flows back, not even what was shared before.
        return []
    # Sharing covers what is recorded while the standing consent stands: a patient who stops sharing and starts
    # again later shares from then on, never what was recorded before (the "Stop sharing" page promises this).
    # Recorded, not occurred: "I went this morning", reported just after saying yes, is shared as meant.
    pool = participations_for(prescription) if participations is None else _in_window(prescription, participations)
    return [participation for participation in pool if participation.created_at >= standing.granted_at]


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


def clinician_view(
    prescription: Prescription, today: date, *, participations: Iterable[Participation] | None = None
) -> ClinicianView:
    """The clinic's view of adherence: the data only while consent to share stands."""
    consents = list(prescription.consents.all())
    sharing = sharing_of(prescription, consents)
    if sharing != Sharing.SHARED:
        return ClinicianView(sharing=sharing, adherence=None)
    shared = shared_participations(prescription, consents, participations)
    return ClinicianView(sharing=sharing, adherence=compute(prescription, shared, today))


def patient_view(prescription: Prescription, today: date) -> Adherence:
    return compute(prescription, participations_for(prescription), today)


def current_period(prescription: Prescription, today: date) -> Period | None:
    for period in prescription.dose.periods():
        if period.start <= today < period.end:
            return period
    return None


def missed_last_period(
    prescription: Prescription, today: date, *, participations: Iterable[Participation] | None = None
) -> bool:
    """ "Lapsing": the last finished period was missed (shared data only, so it never leaks past consent)."""
    view = clinician_view(prescription, today, participations=participations)
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
