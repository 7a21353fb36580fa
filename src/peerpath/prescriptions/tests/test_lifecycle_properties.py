"""Random sequences of lifecycle and consent events (SECURITY.md figure 11): never an illegal state, never a
participation shared after consent was withdrawn."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerpath.core.errors import DomainError
from peerpath.core.time import now
from peerpath.prescriptions import services
from peerpath.prescriptions.adherence import Sharing, clinician_view, shared_participations, sharing_of
from peerpath.prescriptions.models import Prescription
from peerpath.prescriptions.tests.helpers import draft, group, patient
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db
_examples = itertools.count()
Status = Prescription.Status

EVENTS = st.sampled_from(
    ["send", "accept_sharing", "accept_signpost", "decline", "cancel", "reissue", "withdraw", "grant", "report",
     "coordinator_records", "wait_a_week", "wait_a_fortnight"]
)  # fmt: skip


def _within_two_steps(status: str) -> set[str]:
    first = set(Prescription.TRANSITIONS[status])
    return first.union(*(Prescription.TRANSITIONS[step] for step in first))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(EVENTS, min_size=1, max_size=14))
def test_any_sequence_of_events_keeps_a_legal_state_and_never_shares_after_withdrawal(world, events):
    # Hypothesis runs every example in one test (one database): each example gets its own patient and account.
    number = next(_examples)
    listing = group(world, f"Walk and talk {number}")
    member = make_user(f"patient-{number}")
    bob = patient(world, given=f"Bob{number}", nhs="")
    prescription = draft(world, for_patient=bob, listing=listing, per="week", duration=6, duration_unit="weeks")
    unconsented: set[object] = set()  # participations recorded while the patient was not sharing
    offset = timedelta()
    issued = None
    for event in events:
        with time_machine.travel(now() + offset, tick=False):
            before = Prescription.objects.get(pk=prescription.pk).status
            try:
                if event == "send":
                    issued = services.prescription_send(clinician=world.people["clinician"], prescription=prescription)
                elif event in ("accept_sharing", "accept_signpost", "decline") and issued is not None:
                    if event == "decline":
                        services.invitation_decline(user=member, invitation=issued.invitation)
                    else:
                        services.invitation_accept(
                            user=member, invitation=issued.invitation, share_participation=event == "accept_sharing"
                        )
                elif event == "cancel":
                    services.prescription_cancel(clinician=world.people["clinician"], prescription=prescription)
                elif event == "reissue":
                    issued = services.invitation_reissue(actor=world.people["clinician"], prescription=prescription)
                elif event == "withdraw":
                    services.consent_withdraw(user=member, prescription=prescription)
                elif event == "grant":
                    services.consent_grant(user=member, prescription=prescription)
                elif event in ("report", "coordinator_records"):
                    sharing_now = sharing_of(prescription) == Sharing.SHARED
                    if event == "report":
                        recorded = services.participation_self_report(
                            user=member, prescription=prescription, activity="online_conversation", when=now()
                        )
                    else:
                        recorded = services.participation_record_for_patient(
                            actor=world.people["coordinator"], prescription=prescription,
                            activity="online_conversation", when=now(),
                        )  # fmt: skip
                    if not sharing_now:
                        unconsented.add(recorded.pk)
                elif event.startswith("wait"):
                    offset += timedelta(weeks=1 if event == "wait_a_week" else 2)
            except DomainError:
                pass  # refused, as illegal moves must be; the checks below prove nothing changed wrongly
        with time_machine.travel(now() + offset, tick=False):
            if event.startswith("wait"):
                services.prescriptions_advance()
            prescription.refresh_from_db()
            after = prescription.status
            # One event may take two legal steps (accepting on the start date: accepted, then active).
            assert after == before or after in _within_two_steps(before), f"{before} → {after} on {event}"
            view = clinician_view(prescription, now().date())
            sharing = sharing_of(prescription)
            shared = {item.pk for item in shared_participations(prescription)}
            if sharing != Sharing.SHARED:
                # Signpost only, or withdrawn: the clinic sees nothing at all, not even what was shared before.
                assert view.adherence is None and not shared
            else:
                assert services.active_consent(prescription) is not None and view.adherence is not None
            assert not shared & unconsented, "a participation recorded without consent reached the clinic"
            if prescription.status in (Status.DRAFT, Status.SENT, Status.DECLINED, Status.EXPIRED):
                assert not prescription.consents.exists()
            if prescription.status == Status.LAPSED:
                assert prescription.consents.exists(), "a prescription nobody tracks cannot lapse"
