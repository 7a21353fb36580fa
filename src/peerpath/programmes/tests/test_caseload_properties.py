"""Random sequences of enrolments, assignments, pauses, training and cap changes (issue 16, tests that matter): never
a supporter over the cap, never an assignment while paused or with lapsed training."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerpath.core.errors import DomainError
from peerpath.prescriptions.tests.helpers import patient
from peerpath.programmes import services
from peerpath.programmes.models import Enrolment, TrainingRecord
from peerpath.programmes.tests.helpers import COURSE, programme, supporter

pytestmark = pytest.mark.django_db
_examples = itertools.count()

EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["enrol_assign", "assign_waiting", "end", "pause", "resume", "lapse", "renew", "cap"]),
        st.integers(min_value=0, max_value=6),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=EVENTS)
def test_no_sequence_puts_a_supporter_over_the_cap_or_assigns_while_unready(world, events):
    number = next(_examples)
    scheme = programme(world, f"Buddies {number}", caseload_cap=3, required_courses=[COURSE])
    profile = supporter(world, scheme)
    coordinator = world.people["coordinator"]
    waiting: list[Enrolment] = []
    for step, (event, value) in enumerate(events):
        profile.refresh_from_db()
        ready = not services.readiness(profile, scheme)
        before = services.active_caseload(profile, scheme)
        try:
            if event == "enrol_assign":
                who = patient(world, given=f"P{number}x{step}", nhs="")
                enrolment = services.enrolment_create(actor=coordinator, programme=scheme, patient=who)
                waiting.append(enrolment)
                services.enrolment_assign(actor=coordinator, enrolment=enrolment, supporter=profile)
                waiting.remove(enrolment)
                assert ready, "assigned although not ready"
            elif event == "assign_waiting" and waiting:
                enrolment = waiting[value % len(waiting)]
                services.enrolment_assign(actor=coordinator, enrolment=enrolment, supporter=profile)
                waiting.remove(enrolment)
                assert ready, "assigned although not ready"
            elif event == "end":
                active = list(Enrolment.objects.filter(supporter=profile, status="active").order_by("pk"))
                if active:
                    services.enrolment_end(actor=coordinator, enrolment=active[value % len(active)])
            elif event == "pause":
                services.supporter_pause(actor=world.people["peer_supporter"], supporter=profile)
            elif event == "resume":
                services.supporter_resume(actor=world.people["peer_supporter"], supporter=profile)
            elif event == "lapse":
                TrainingRecord.objects.filter(supporter=profile).update(
                    completed_on=date.today() - timedelta(days=800), expires_on=date.today() - timedelta(days=1)
                )
            elif event == "renew":
                services.training_record_add(actor=coordinator, supporter=profile, course=COURSE,
                                             completed_on=date.today())  # fmt: skip
            elif event == "cap":
                data = services.ProgrammeData(name=scheme.name, coordinator=coordinator, caseload_cap=value + 1,
                                              required_courses=[COURSE])  # fmt: skip
                scheme = services.programme_update(actor=coordinator, programme=scheme, data=data)
        except DomainError:
            pass  # refused with a clear message: the invariants below must still hold
        scheme.refresh_from_db()
        after = services.active_caseload(profile, scheme)
        assert after <= scheme.caseload_cap, f"{after} patients over a cap of {scheme.caseload_cap}"
        if not ready:
            assert after <= before, "a patient was added while the supporter was not ready"
