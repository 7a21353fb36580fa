"""The coordinator's follow-up queue after the daily sweep: the patients nobody has reached for weeks, each with when
the coordinator was told, readable by keyboard and screen reader (axe-core: no serious or critical violation)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from peerpath.core.time import now
from peerpath.prescriptions.tests.helpers import patient
from peerpath.programmes import follow_ups, services
from peerpath.programmes.models import Enrolment
from peerpath.programmes.selectors import SILENT_DAYS
from peerpath.programmes.tests.helpers import programme, supporter
from peerpath.testing.browser import axe_violations, describe, staff_sign_in
from peerpath.testing.personas import make_world

pytestmark = pytest.mark.browser


def test_the_queue_says_which_silent_patients_the_coordinator_was_told_of(page):
    world = make_world()
    scheme = programme(world)
    profile = supporter(world, scheme)

    def silent_patient(given: str, family: str) -> Enrolment:
        enrolment = services.enrolment_create(actor=world.people["coordinator"], programme=scheme,
                                              patient=patient(world, given=given, family=family, nhs=""),
                                              supporter=profile)  # fmt: skip
        Enrolment.objects.filter(pk=enrolment.pk).update(assigned_at=now() - timedelta(days=SILENT_DAYS + 3))
        return enrolment

    silent_patient("Nia", "Evans")
    assert follow_ups.follow_up_sweep().escalated == 1
    silent_patient("Omar", "Haddad")  # silent too, after the day's e-mail went

    staff_sign_in(page, world.people["coordinator"])
    page.goto(f"/programmes/{scheme.pk}/follow-ups/")
    table = page.get_by_role("table", name="Patients without a contact that reached them for a long time")
    told = table.get_by_role("row").filter(has_text="Nia Evans")
    assert told.get_by_text(f"Told by e-mail on {now():%-d %b %Y}").is_visible()
    assert table.get_by_role("row").filter(has_text="Omar Haddad").get_by_text("Not yet").is_visible()
    table.get_by_role("link", name="Nia Evans").focus()
    assert page.evaluate("document.activeElement.textContent") == "Nia Evans"
    violations = axe_violations(page)
    assert not violations, describe(violations)
