"""The peer supporter's journey on a phone (issue 16, tests that matter): the supporter signs in with two-factor
authentication, opens their caseload, logs a phone contact that served two core functions and sets the next
follow-up; the coordinator sees the caseload and the patient's adherence move."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from peerpath.core.time import now
from peerpath.prescriptions.models import Participation
from peerpath.prescriptions.tests.helpers import accepted
from peerpath.programmes import services
from peerpath.programmes.models import Enrolment, Interaction
from peerpath.programmes.tests.helpers import programme, supporter
from peerpath.testing.browser import axe_violations, describe, staff_sign_in
from peerpath.testing.personas import make_world

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_a_supporter_logs_a_phone_contact_and_the_coordinator_sees_adherence_move(browser_context_factory, live_server):
    world = make_world()
    scheme = programme(world)
    profile = supporter(world, scheme)
    running = accepted(world, activity="peer_contact", count=1, per="week", share=True)
    enrolment = services.enrolment_create(actor=world.people["coordinator"], programme=scheme, patient=running.patient,
                                          source="prescription", prescription=running, supporter=profile)  # fmt: skip
    Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=now() - timedelta(days=2))
    name = f"{running.patient.given_name} {running.patient.family_name}"

    phone = browser_context_factory(base_url=live_server.url, **PHONE).new_page()
    staff_sign_in(phone, world.people["peer_supporter"])
    phone.goto("/programmes/caseload/")
    assert phone.get_by_text("Due today").first.is_visible()
    with phone.expect_navigation():
        phone.get_by_role("link", name=name).click()
    phone.get_by_label("Phone call").check()
    phone.get_by_label("How long, in minutes").fill("20")
    phone.get_by_label("Social and emotional support").check()
    phone.get_by_label("Linkage to clinical care and community resources").check()
    phone.get_by_label("What you talked about").fill("Nervous about the first insulin clinic; found the bus route.")
    follow_up = date.today() + timedelta(days=7)
    phone.get_by_label("Next follow-up").fill(follow_up.isoformat())
    violations = axe_violations(phone)
    assert not violations, describe(violations)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Log the contact").click()
    assert phone.get_by_text("Contact logged.").is_visible()
    assert phone.get_by_text(f"Next follow-up {follow_up.day} {follow_up:%b}").first.is_visible()
    contact = Interaction.objects.get()
    assert contact.channel == "phone" and contact.functions == ["social_emotional", "linkage"]
    assert Participation.objects.filter(patient=running.patient, source="peer_contact").count() == 1

    coordinator = browser_context_factory(base_url=live_server.url).new_page()
    staff_sign_in(coordinator, world.people["coordinator"])
    coordinator.goto(f"/programmes/{scheme.pk}/")
    assert coordinator.get_by_role("cell", name="1 / 15").is_visible()
    coordinator.goto(f"/clinic/prescriptions/{running.pk}/")
    assert coordinator.get_by_role("table", name="Adherence by period").get_by_text("1 of 1").is_visible()
    for tab in (phone, coordinator):
        tab.context.close()
