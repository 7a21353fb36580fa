"""axe-core on every prescriptions page, as the person who uses it: no serious or critical violations."""

from __future__ import annotations

import pytest

from peerpath.prescriptions import services
from peerpath.prescriptions.tests.helpers import accepted
from peerpath.testing.browser import axe_violations, describe, sign_in, staff_sign_in
from peerpath.testing.personas import PERSONA_PASSWORD, make_world

pytestmark = pytest.mark.browser

CLINIC_PAGES = [
    "/clinic/prescriptions/",
    "/clinic/patients/",
    "/clinic/patients/new/",
    "/clinic/patients/{patient}/",
    "/clinic/patients/{patient}/edit/",
    "/clinic/patients/{patient}/prescribe/",
    "/clinic/prescriptions/{prescription}/",
]
PATIENT_PAGES = ["/my/prescriptions/", "/my/prescriptions/{prescription}/", "/invitations/"]


@pytest.mark.parametrize("path", CLINIC_PAGES)
def test_clinic_pages_have_no_serious_accessibility_violations(axe_page, path):
    world = make_world()
    prescription = accepted(world)
    services.participation_record_for_patient(
        actor=world.people["coordinator"], prescription=prescription, activity="online_conversation",
        when=prescription.created_at,
    )  # fmt: skip
    staff_sign_in(axe_page, world.people["coordinator" if path.endswith("s/{prescription}/") else "clinician"])
    axe_page.goto(path.format(patient=prescription.patient_id, prescription=prescription.pk))
    assert axe_page.locator("h1").count() == 1
    violations = axe_violations(axe_page)
    assert not violations, f"{path}:\n{describe(violations)}"


@pytest.mark.parametrize("path", PATIENT_PAGES)
def test_patient_pages_have_no_serious_accessibility_violations(axe_page, path):
    world = make_world()
    prescription = accepted(world)
    sign_in(axe_page, world.people["member"].email, PERSONA_PASSWORD)
    axe_page.goto(path.format(prescription=prescription.pk))
    assert axe_page.locator("h1").count() == 1
    violations = axe_violations(axe_page)
    assert not violations, f"{path}:\n{describe(violations)}"
