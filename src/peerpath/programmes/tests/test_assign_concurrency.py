"""Two coordinators give away a supporter's last free caseload place at the same moment (issue 16, bad input):
exactly one succeeds, the other is refused with the reason, and the supporter is never over the cap. Each thread uses
its own database connection: on PostgreSQL this proves the supporter's row lock in `enrolment_assign`; on SQLite, the
write lock the embedded database takes up front (see peerpath.testing.concurrency)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections

from peerpath.core.errors import Conflict
from peerpath.prescriptions.tests.helpers import patient
from peerpath.programmes import services
from peerpath.programmes.models import Enrolment
from peerpath.programmes.tests.helpers import programme, supporter
from peerpath.testing.concurrency import database_for_threads


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_taking_the_last_place_at_once_only_one_succeeds(world, tmp_path):
    scheme = programme(world, caseload_cap=1)
    profile = supporter(world, scheme)
    first = services.enrolment_create(actor=world.people["coordinator"], programme=scheme,
                                      patient=patient(world, given="Una", nhs=""))  # fmt: skip
    second = services.enrolment_create(actor=world.people["coordinator"], programme=scheme,
                                       patient=patient(world, given="Vic", nhs=""))  # fmt: skip
    attempts = [(world.people["coordinator"], first), (world.people["admin"], second)]

    with database_for_threads(tmp_path) as connect:
        barrier = threading.Barrier(len(attempts))
        outcomes: list[Any] = []

        def assign(actor: Any, enrolment: Enrolment) -> None:
            try:
                connect()
                barrier.wait(timeout=60)
                try:
                    services.enrolment_assign(actor=actor, enrolment=enrolment, supporter=profile)
                    outcomes.append("assigned")
                finally:
                    connections.close_all()
            except Conflict as refused:
                outcomes.append(refused.message)
            except BaseException as error:  # reported below rather than lost in a thread
                outcomes.append(error)

        threads = [threading.Thread(target=assign, args=attempt) for attempt in attempts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert outcomes.count("assigned") == 1, outcomes
        [refusal] = [outcome for outcome in outcomes if outcome != "assigned"]
        assert "caseload is full (1 of 1)" in str(refusal)
        assert Enrolment.objects.filter(supporter=profile, status="active").count() == 1
