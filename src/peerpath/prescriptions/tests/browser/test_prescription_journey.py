"""Issue 4's journey in a real browser: a clinician prescribes from the directory, the patient accepts from the
e-mailed link, reports taking part, and the clinician sees adherence — until the patient withdraws consent."""

from __future__ import annotations

import pytest
from django.core import mail

from peerpath.prescriptions.models import Prescription
from peerpath.prescriptions.tests.helpers import group, patient
from peerpath.testing.browser import axe_violations, describe, last_link_in_mail, sign_in, staff_sign_in
from peerpath.testing.personas import PERSONA_PASSWORD, make_world

pytestmark = pytest.mark.browser

SENTENCE = "Participate in 1 online conversation monthly for 3 months"


def test_clinician_prescribes_patient_accepts_and_reports_and_the_clinician_sees_it(
    browser_context_factory, live_server, settings
):
    settings.SITE_URL = live_server.url  # the e-mailed link points at this server
    world = make_world()
    listing = group(world)
    bob = patient(world)
    mail.outbox.clear()

    clinician = browser_context_factory(base_url=live_server.url).new_page()
    staff_sign_in(clinician, world.people["clinician"])
    clinician.goto(f"/directory/{listing.pk}/")
    with clinician.expect_navigation():
        clinician.get_by_role("link", name="Prescribe").click()
    clinician.get_by_label("Patient", exact=True).select_option(value=str(bob.pk))
    clinician.get_by_label("What to do").select_option(value="online_conversation")
    clinician.get_by_label("How many", exact=True).fill("1")
    clinician.get_by_label("How often", exact=True).select_option(value="month")
    clinician.get_by_label("For how long").fill("3")
    clinician.get_by_label("Weeks or months").select_option(value="months")
    clinician.get_by_label("New diagnosis").check()
    violations = axe_violations(clinician)
    assert not violations, describe(violations)
    with clinician.expect_navigation():
        clinician.get_by_role("button", name="Save as a draft").click()
    assert clinician.get_by_text(SENTENCE).first.is_visible()
    with clinician.expect_navigation():
        clinician.get_by_role("button", name="Send to patient").click()
    prescription = Prescription.objects.get(patient=bob)
    assert prescription.status == Prescription.Status.SENT
    detail_url = clinician.url

    # The patient opens the e-mailed link, signs in, and says yes with consent to share.
    assert mail.outbox and mail.outbox[-1].to == [bob.email]
    link = last_link_in_mail()
    member = browser_context_factory(base_url=live_server.url).new_page()
    sign_in(member, world.people["member"].email, PERSONA_PASSWORD)
    member.goto(link)
    assert member.url.endswith("/invitations/accept/"), member.url  # the secret left the address bar
    assert member.get_by_text(SENTENCE).first.is_visible()
    assert member.get_by_text("not medical advice", exact=False).first.is_visible()
    member.get_by_label("Share my participation with Riverside Health").check()
    violations = axe_violations(member)
    assert not violations, describe(violations)
    with member.expect_navigation():
        member.get_by_role("button", name="Accept").click()

    # The patient reports taking part today; the period is met in words.
    member.get_by_label("Take part in an online conversation").check()
    with member.expect_navigation():
        member.get_by_role("button", name="Record it").click()
    assert member.get_by_role("cell", name="Met", exact=True).first.is_visible()
    violations = axe_violations(member)
    assert not violations, describe(violations)

    # The clinician's view follows.
    clinician.goto(detail_url)
    assert clinician.get_by_text("Participation shared").is_visible()
    assert clinician.get_by_role("table", name="Adherence by period").get_by_text("1 of 1").is_visible()

    # The patient withdraws consent: the clinician sees that, and never the data again.
    with member.expect_navigation():
        member.get_by_role("button", name="Stop sharing").click()
    clinician.goto(detail_url)
    assert clinician.get_by_text("Consent withdrawn").is_visible()
    assert clinician.get_by_role("table", name="Adherence by period").count() == 0
    for tab in (clinician, member):
        tab.context.close()
