"""The demo's patients and prescriptions: every state a clinician should recognise, and an invitation for Priya."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from peerpath.core.time import now
from peerpath.fhir import mapping
from peerpath.prescriptions import services
from peerpath.prescriptions.adherence import Sharing, clinician_view
from peerpath.prescriptions.models import Prescription

pytestmark = pytest.mark.django_db
Status = Prescription.Status


@pytest.fixture
def demo_output() -> str:
    out = StringIO()
    call_command("demo", stdout=out, stderr=StringIO())
    return out.getvalue()


def by_patient(given: str) -> Prescription:
    return Prescription.objects.get(patient__given_name=given)


def test_the_demo_covers_the_lifecycle_and_the_sharing_states(demo_output):
    today = now().date()
    assert by_patient("Priya").status == Status.SENT
    assert by_patient("Owen").status == Status.DRAFT and by_patient("Owen").listing is None
    assert by_patient("Liam").status == Status.DECLINED
    assert by_patient("Margaret").status == Status.LAPSED
    bob = by_patient("Bob")
    assert bob.status == Status.ACTIVE
    assert bob.dose_sentence == "Participate in 1 online conversation monthly for 3 months"
    assert clinician_view(bob, today).adherence.met == 2
    assert mapping.task(bob, today)["output"][0]["valueString"] == "2 of 2 periods met so far"
    assert clinician_view(by_patient("Tom"), today).sharing == Sharing.SIGNPOST_ONLY
    aisha = clinician_view(by_patient("Aisha"), today)
    assert aisha.sharing == Sharing.WITHDRAWN and aisha.adherence is None


def test_the_banner_prints_a_code_that_opens_priyas_invitation(demo_output):
    match = re.search(r"open http://127\.0\.0\.1:8000/invitations/ and type (\w+)", demo_output)
    assert match, demo_output
    invitation = services.invitation_by_code(match.group(1))
    assert invitation is not None and services.invitation_problem(invitation) is None
    assert invitation.prescription.patient.given_name == "Priya"
