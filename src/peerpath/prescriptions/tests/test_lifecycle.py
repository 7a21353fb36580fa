"""The prescription's lifecycle through its services: every move audited, illegal ones refused, nothing saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.prescriptions import services
from peerpath.prescriptions.adherence import Sharing, clinician_view, patient_view, shared_participations
from peerpath.prescriptions.models import Prescription
from peerpath.prescriptions.services import PrescriptionData
from peerpath.prescriptions.tests.helpers import accepted, dose, draft, group, patient, sent

pytestmark = pytest.mark.django_db
Status = Prescription.Status


def test_draft_send_accept_makes_an_active_tracked_prescription_and_emails_the_invitation(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        prescription, issued = sent(world)
    assert prescription.status == Status.SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["bob.smith@example.org"]
    assert issued.url in message.body and issued.code in message.body
    assert "Participate in 1 online conversation monthly for 3 months" in message.body

    services.invitation_accept(user=world.people["member"], invitation=issued.invitation, share_participation=True)
    prescription.refresh_from_db()
    assert prescription.status == Status.ACTIVE
    assert prescription.patient.user == world.people["member"]
    actions = list(
        AuditEvent.objects.filter(object_id=str(prescription.pk)).order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["prescription.created", "prescription.sent", "prescription.accepted", "prescription.started"]


def test_the_invitation_is_single_use_and_refused_after_14_days(world):
    prescription, issued = sent(world)
    with time_machine.travel(now() + timedelta(days=14, minutes=1)), pytest.raises(DomainError, match="expired"):
        services.invitation_accept(user=world.people["member"], invitation=issued.invitation, share_participation=True)
    services.invitation_accept(user=world.people["member"], invitation=issued.invitation, share_participation=False)
    with pytest.raises(DomainError, match="already been answered"):
        services.invitation_decline(user=world.people["member"], invitation=issued.invitation)
    prescription.refresh_from_db()
    assert prescription.status == Status.ACTIVE


def test_the_short_code_finds_the_invitation_and_a_reissue_retires_the_old_link(world):
    prescription, issued = sent(world)
    assert services.invitation_by_code(issued.code.lower()[:4] + "-" + issued.code[4:]) == issued.invitation
    fresh = services.invitation_reissue(actor=world.people["clinician"], prescription=prescription)
    assert services.invitation_by_code(issued.code) is None
    assert services.invitation_problem(services.invitation_by_token(issued.token)) is not None
    assert services.invitation_problem(services.invitation_by_token(fresh.token)) is None


def test_accepting_without_consent_is_signpost_only_and_the_clinic_sees_nothing(world):
    prescription = accepted(world, share=False)
    services.participation_self_report(
        user=world.people["member"], prescription=prescription, activity="online_conversation", when=now()
    )
    view = clinician_view(prescription, now().date())
    assert view.sharing == Sharing.SIGNPOST_ONLY and view.adherence is None
    assert patient_view(prescription, now().date()).periods[0].state == "met"


def test_withdrawing_consent_stops_the_sharing_at_once(world):
    prescription = accepted(world)
    services.participation_self_report(
        user=world.people["member"], prescription=prescription, activity="online_conversation", when=now()
    )
    assert clinician_view(prescription, now().date()).adherence.periods[0].count == 1
    services.consent_withdraw(user=world.people["member"], prescription=prescription)
    view = clinician_view(prescription, now().date())
    assert view.sharing == Sharing.WITHDRAWN and view.adherence is None


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda w, p: services.prescription_send(clinician=w.people["clinician"], prescription=p), Conflict),
        (lambda w, p: services.invitation_reissue(actor=w.people["clinician"], prescription=p), Conflict),
        (lambda w, p: services.consent_withdraw(user=w.people["carer"], prescription=p), PermissionDenied),
        (
            lambda w, p: services.prescription_cancel(clinician=w.people["coordinator"], prescription=p),
            PermissionDenied,
        ),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(world, change, error):
    prescription = accepted(world)
    before = (prescription.status, AuditEvent.objects.count())
    with pytest.raises(error):
        change(world, prescription)
    prescription.refresh_from_db()
    assert (prescription.status, AuditEvent.objects.count()) == before


def test_a_second_open_prescription_for_the_same_group_is_refused(world):
    first = draft(world)
    with pytest.raises(Conflict, match="already has an open prescription"):
        services.prescription_create(
            clinician=world.people["clinician"],
            patient=first.patient,
            data=PrescriptionData(dose=dose(), listing=first.listing),
        )
    services.prescription_cancel(clinician=world.people["clinician"], prescription=first, reason="wrong group")
    again = services.prescription_create(
        clinician=world.people["clinician"],
        patient=first.patient,
        data=PrescriptionData(dose=dose(), listing=first.listing),
    )
    assert again.status == Status.DRAFT


def test_an_unvetted_listing_or_a_patient_of_another_organisation_is_refused(world):
    from peerpath.directory.tests.helpers import submit

    bob = patient(world)
    with pytest.raises(DomainError, match="not vetted"):
        services.prescription_create(
            clinician=world.people["clinician"], patient=bob, data=PrescriptionData(dose=dose(), listing=submit("New"))
        )
    other = services.patient_create(
        actor=world.people["outsider"], organisation=world.other, data=services.PatientData("Ann", "Other")
    )
    with pytest.raises(PermissionDenied):
        services.prescription_create(
            clinician=world.people["clinician"], patient=other, data=PrescriptionData(dose=dose(), listing=group(world))
        )
    assert Prescription.objects.count() == 0


def test_the_daily_sweep_lapses_after_two_missed_periods_and_completes_at_the_end(world):
    prescription = accepted(world, per="week", duration=4, duration_unit="weeks")
    with time_machine.travel(now() + timedelta(days=8)):
        assert services.prescriptions_advance().lapsed == 0
    with time_machine.travel(now() + timedelta(days=15)):
        assert services.prescriptions_advance().lapsed == 1
        prescription.refresh_from_db()
        assert prescription.status == Status.LAPSED
        services.participation_self_report(
            user=world.people["member"], prescription=prescription, activity="online_conversation", when=now()
        )
        prescription.refresh_from_db()
        assert prescription.status == Status.ACTIVE
    with time_machine.travel(now() + timedelta(days=29)):
        assert services.prescriptions_advance().completed == 1
    prescription.refresh_from_db()
    assert prescription.status == Status.COMPLETED


def test_an_unanswered_invitation_expires(world):
    prescription, _ = sent(world)
    with time_machine.travel(now() + timedelta(days=15)):
        assert services.prescriptions_advance().expired == 1
    prescription.refresh_from_db()
    assert prescription.status == Status.EXPIRED


def test_sharing_again_after_a_withdrawal_shares_only_what_happens_from_then_on(world):
    prescription = accepted(world)
    member = world.people["member"]
    services.participation_self_report(
        user=member, prescription=prescription, activity="online_conversation", when=now() - timedelta(minutes=10)
    )
    services.consent_withdraw(user=member, prescription=prescription)
    with time_machine.travel(now() + timedelta(days=1)):
        services.consent_grant(user=member, prescription=prescription)
        assert shared_participations(prescription) == []
        later = services.participation_self_report(
            user=member, prescription=prescription, activity="online_conversation", when=now()
        )
        assert shared_participations(prescription) == [later]
