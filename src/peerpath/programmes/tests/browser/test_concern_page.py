"""A coordinator closes a supporter's safeguarding concern from the follow-up queue, by keyboard: the queue lists it
first, its own page shows what the supporter noted and records what was done (axe-core: no serious or critical
violation on either page)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from peerpath.core.time import now
from peerpath.prescriptions.tests.helpers import patient
from peerpath.programmes import services
from peerpath.programmes.models import Enrolment, Interaction
from peerpath.programmes.tests.helpers import contact, programme, supporter
from peerpath.testing.browser import axe_violations, describe, staff_sign_in
from peerpath.testing.personas import make_world

pytestmark = pytest.mark.browser


def test_a_coordinator_closes_a_safeguarding_concern_by_keyboard(page):
    world = make_world()
    scheme = programme(world)
    profile = supporter(world, scheme)
    enrolment = services.enrolment_create(actor=world.people["coordinator"], programme=scheme,
                                          patient=patient(world, given="Ines", family="Roca", nhs=""),
                                          supporter=profile)  # fmt: skip
    Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=now() - timedelta(days=3))
    enrolment.refresh_from_db()
    services.interaction_log(actor=world.people["peer_supporter"], enrolment=enrolment,
                             data=contact(concern="concern", concern_note="Sounded low."))  # fmt: skip
    raised = services.interaction_log(actor=world.people["peer_supporter"], enrolment=enrolment,
                                      data=contact(concern="safeguarding", concern_note="Spoke of a plan tonight.",
                                                   occurred_at=now() - timedelta(minutes=10)))  # fmt: skip

    staff_sign_in(page, world.people["coordinator"])
    page.goto(f"/programmes/{scheme.pk}/follow-ups/")
    concerns = page.get_by_role("list").filter(has_text="Spoke of a plan tonight.")
    assert "Safeguarding" in concerns.get_by_role("listitem").first.inner_text()
    violations = axe_violations(page)
    assert not violations, describe(violations)
    concerns.get_by_role("listitem").first.get_by_role("link", name="Ines Roca").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Spoke of a plan tonight.").is_visible()
    page.get_by_label("Person reached: they are safe").focus()
    page.keyboard.press("Space")
    page.get_by_label("Note for the record").fill("Called with the GP; the crisis team is visiting.")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    with page.expect_navigation():
        page.get_by_role("button", name="Record and close").press("Enter")
    assert page.get_by_text("The concern is closed, with what was done.").is_visible()
    assert Interaction.objects.get(pk=raised.pk).concern_outcome == "reached_safe"
    assert page.get_by_text("Sounded low.").is_visible()  # the other concern is still open
