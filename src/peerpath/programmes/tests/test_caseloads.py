"""Programmes, supporters and caseloads (issue 16 points 1-4 and 6): a supporter is never assigned beyond the cap,
while paused, or with lapsed training; a contact is logged only by the patient's own supporter, with clear refusals
for bad input, and it moves the patient's prescription adherence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.prescriptions.models import Participation
from peerpath.prescriptions.tests.helpers import accepted, draft, patient
from peerpath.programmes import services
from peerpath.programmes.models import Enrolment, Interaction, Supporter
from peerpath.programmes.selectors import caseload, programme_caseloads, programme_follow_ups
from peerpath.programmes.tests.helpers import COURSE, contact, programme, supporter

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(world):
    return programme(world, caseload_cap=2, required_courses=[COURSE], follow_up_days=14)


def enrol(world, scheme, who=None, **kwargs):
    return services.enrolment_create(
        actor=world.people["coordinator"], programme=scheme, patient=who or patient(world), **kwargs
    )


# --- Programmes and supporters ------------------------------------------------------------------------------------


def test_a_coordinator_creates_a_programme_and_bad_input_is_refused(world):
    scheme = programme(world, support_kinds=["one_to_one", "activities"], channels=["phone", "walk"])
    assert scheme.caseload_cap == 15 and scheme.follow_up_days == 14
    assert AuditEvent.objects.filter(action="programmes.programme_created", object_id=str(scheme.pk)).exists()
    for fields, field_name in [
        ({"name": "x"}, "name"),
        ({"caseload_cap": 0}, "caseload_cap"),
        ({"follow_up_days": 400}, "follow_up_days"),
        ({"channels": ["pigeon"]}, "channels"),
        ({"support_kinds": []}, "support_kinds"),
    ]:
        data = {"name": "Another programme", **fields}
        with pytest.raises(DomainError) as refused:
            programme(world, **data)
        assert refused.value.field == field_name
    with pytest.raises(DomainError):
        programme(world)  # the same name again
    with pytest.raises(PermissionDenied):
        data = services.ProgrammeData(name="Mine", coordinator=world.people["coordinator"])
        services.programme_create(actor=world.people["peer_supporter"], organisation=world.home, data=data)


def test_a_supporter_profile_needs_the_role_and_the_organisations_own_programmes(world, scheme):
    with pytest.raises(DomainError, match="peer-supporter role"):
        data = services.SupporterData(programmes=[scheme])
        services.supporter_save(actor=world.people["coordinator"], organisation=world.home,
                                user=world.people["member"], data=data)  # fmt: skip
    profile = supporter(world, scheme)
    assert profile.languages == ["en", "pl"] and list(profile.programmes.all()) == [scheme]
    with pytest.raises(PermissionDenied):
        services.supporter_save(actor=world.people["outsider"], organisation=world.home,
                                user=world.people["peer_supporter"], data=services.SupporterData())  # fmt: skip


def test_lapsed_or_missing_training_stops_new_patients_and_says_why(world, scheme):
    profile = supporter(world, scheme, trained=False)
    assert any(COURSE in reason for reason in services.readiness(profile, scheme))
    with pytest.raises(Conflict, match="training"):
        enrol(world, scheme, supporter=profile)
    assert not Enrolment.objects.filter(supporter=profile).exists()
    coordinator = world.people["coordinator"]
    services.training_record_add(actor=coordinator, supporter=profile, course=COURSE,
                                 completed_on=date.today() - timedelta(days=400),
                                 expires_on=date.today() - timedelta(days=35))  # fmt: skip
    assert services.lapsed_courses(profile, scheme, date.today()) == [COURSE]
    services.training_record_add(actor=coordinator, supporter=profile, course=COURSE.upper(),
                                 completed_on=date.today())  # fmt: skip
    assert services.readiness(profile, scheme) == []
    with pytest.raises(DomainError, match="expires after"):
        services.training_record_add(actor=coordinator, supporter=profile, course=COURSE,
                                     completed_on=date.today(), expires_on=date.today())  # fmt: skip


def test_the_cap_and_a_pause_refuse_a_new_patient_with_a_clear_message(world, scheme):
    profile = supporter(world, scheme)
    enrol(world, scheme, patient(world, given="Ann", nhs=""), supporter=profile)
    enrol(world, scheme, patient(world, given="Bea", nhs=""), supporter=profile)
    third = enrol(world, scheme, patient(world, given="Cy", nhs=""))
    with pytest.raises(Conflict, match=r"caseload is full \(2 of 2\)"):
        services.enrolment_assign(actor=world.people["coordinator"], enrolment=third, supporter=profile)
    assert Enrolment.objects.get(pk=third.pk).supporter is None
    scheme.caseload_cap = 5
    scheme.save()
    services.supporter_pause(actor=world.people["peer_supporter"], supporter=profile, reason="Family matters")
    with pytest.raises(Conflict, match="taking a break"):
        services.enrolment_assign(actor=world.people["coordinator"], enrolment=third, supporter=profile)
    services.supporter_resume(actor=world.people["peer_supporter"], supporter=profile)
    assigned = services.enrolment_assign(actor=world.people["coordinator"], enrolment=third, supporter=profile)
    assert assigned.supporter_id == profile.pk
    assert programme_caseloads(scheme) == [(profile, 3)]


def test_an_enrolment_from_a_prescription_needs_a_peer_contact_dose_of_that_patient(world, scheme):
    running = accepted(world, activity="peer_contact")
    enrolment = enrol(world, scheme, running.patient, source="prescription", prescription=running)
    assert enrolment.prescription_id == running.pk
    other = draft(world, activity="meeting", for_patient=patient(world, given="Dee", nhs=""))
    with pytest.raises(DomainError, match="not contact with a peer supporter"):
        enrol(world, scheme, other.patient, source="prescription", prescription=other)
    not_running = draft(world, activity="peer_contact", for_patient=other.patient)
    with pytest.raises(Conflict, match="not running"):
        enrol(world, scheme, other.patient, source="prescription", prescription=not_running)
    with pytest.raises(DomainError, match="one of the patient's prescriptions"):
        enrol(world, scheme, other.patient, source="prescription", prescription=running)
    with pytest.raises(Conflict, match="already enrolled"):
        enrol(world, scheme, running.patient)


# --- Interactions -----------------------------------------------------------------------------------------------


@pytest.fixture
def assigned(world, scheme):
    profile = supporter(world, scheme)
    running = accepted(world, activity="peer_contact", count=1, per="week")
    enrolment = enrol(world, scheme, running.patient, source="prescription", prescription=running, supporter=profile)
    return backdate(enrolment, days=2)


def backdate(enrolment, *, days: int):
    """Enrolled and assigned `days` ago, so that contacts can be logged since."""
    moment = now() - timedelta(days=days)
    Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=moment, assigned_at=moment)
    enrolment.refresh_from_db()
    return enrolment


def test_a_logged_contact_counts_on_the_prescription_and_is_audited(world, assigned):
    interaction = services.interaction_log(actor=world.people["peer_supporter"], enrolment=assigned,
                                           data=contact(next_follow_up=date.today() + timedelta(days=7)))  # fmt: skip
    assert interaction.participation is not None
    participation = Participation.objects.get(pk=interaction.participation_id)
    assert participation.activity == "peer_contact" and participation.source == "peer_contact"
    assert participation.patient_id == assigned.patient_id
    assert AuditEvent.objects.filter(action="programmes.interaction_logged", object_id=str(interaction.pk)).exists()
    [row] = caseload(assigned.supporter)
    assert row.last_contact == interaction.occurred_at and row.due == date.today() + timedelta(days=7)


@pytest.mark.parametrize(
    ("overrides", "field_name"),
    [
        ({"occurred_at": now() + timedelta(days=1)}, "occurred_at"),
        ({"occurred_at": now() - timedelta(days=400)}, "occurred_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 721}, "duration_minutes"),
        ({"functions": []}, "functions"),
        ({"functions": ["gardening"]}, "functions"),
        ({"channel": "carrier pigeon"}, "channel"),
        ({"concern": "concern", "concern_note": " "}, "concern_note"),
        ({"next_follow_up": date.today() - timedelta(days=2)}, "next_follow_up"),
    ],
)
def test_bad_contacts_are_refused_and_nothing_is_saved(world, assigned, overrides, field_name):
    with pytest.raises(DomainError) as refused:
        services.interaction_log(actor=world.people["peer_supporter"], enrolment=assigned, data=contact(**overrides))
    assert refused.value.field == field_name
    assert not Interaction.objects.exists() and not Participation.objects.filter(source="peer_contact").exists()


def test_a_contact_before_the_enrolment_is_refused(world, assigned):
    Enrolment.objects.filter(pk=assigned.pk).update(enrolled_at=now() - timedelta(hours=1))
    assigned.refresh_from_db()
    with pytest.raises(DomainError, match="before the patient was enrolled"):
        services.interaction_log(actor=world.people["peer_supporter"], enrolment=assigned,
                                 data=contact(occurred_at=now() - timedelta(hours=3)))  # fmt: skip


def test_only_the_patients_own_supporter_logs_a_contact(world, assigned):
    for persona in ("coordinator", "clinician", "member", "outsider"):
        with pytest.raises(PermissionDenied):
            services.interaction_log(actor=world.people[persona], enrolment=assigned, data=contact())
    services.enrolment_end(actor=world.people["coordinator"], enrolment=assigned, reason="Moved away")
    with pytest.raises(PermissionDenied):
        services.interaction_log(actor=world.people["peer_supporter"], enrolment=assigned, data=contact())


def test_the_caseload_puts_the_most_overdue_first(world, scheme):
    profile = supporter(world, scheme)
    scheme.caseload_cap = 10
    scheme.save()
    fresh = enrol(world, scheme, patient(world, given="Fay", nhs=""), supporter=profile)
    contacted = backdate(enrol(world, scheme, patient(world, given="Gus", nhs=""), supporter=profile), days=30)
    services.interaction_log(actor=world.people["peer_supporter"], enrolment=contacted,
                             data=contact(occurred_at=now() - timedelta(days=20)))  # fmt: skip
    rows = caseload(profile)
    assert [row.enrolment.pk for row in rows] == [contacted.pk, fresh.pk]
    assert rows[0].due == (now() - timedelta(days=20)).date() + timedelta(days=14)
    assert rows[0].overdue_days == 6 and rows[1].overdue_days == 0
    assert isinstance(rows[0].enrolment.supporter, Supporter)


# --- Follow-ups -------------------------------------------------------------------------------------------------


def test_tries_that_do_not_reach_the_patient_are_retried_soon_and_three_mean_review(world, assigned):
    supporter_user = world.people["peer_supporter"]
    services.interaction_log(actor=supporter_user, enrolment=assigned,
                             data=contact(occurred_at=now() - timedelta(days=1, hours=5)))  # fmt: skip
    reached_at = Enrolment.objects.get(pk=assigned.pk).last_contact_at
    for hours in (30, 20, 2):
        services.interaction_log(actor=supporter_user, enrolment=assigned,
                                 data=contact(occurred_at=now() - timedelta(hours=hours), reached=False,
                                              functions=["follow_up"], duration_minutes=2))  # fmt: skip
    enrolment = Enrolment.objects.get(pk=assigned.pk)
    assert enrolment.tries_since_reached == 2  # the one 30 hours ago came before the contact that reached them
    assert enrolment.last_contact_at == reached_at
    assert enrolment.next_due_on == (now() - timedelta(hours=2)).date() + timedelta(days=services.RETRY_DAYS)
    services.interaction_log(actor=supporter_user, enrolment=assigned,
                             data=contact(occurred_at=now() - timedelta(hours=1), reached=False,
                                          functions=["follow_up"], duration_minutes=2))  # fmt: skip
    [row] = caseload(assigned.supporter)
    assert row.needs_review and row.enrolment.tries_since_reached == 3
    queue = programme_follow_ups(assigned.programme)
    assert [item.enrolment_id for item in queue.not_reached] == [assigned.pk]
    # Only contacts that reached the patient count on the prescription.
    assert Participation.objects.filter(patient=assigned.patient, source="peer_contact").count() == 1
    services.interaction_log(actor=supporter_user, enrolment=assigned, data=contact(occurred_at=now()))
    assert Enrolment.objects.get(pk=assigned.pk).tries_since_reached == 0


@pytest.mark.parametrize(
    ("last_contact_days", "follow_up", "expected_due_in"),
    [
        (3, None, 11),  # the cadence after the last contact: 14 days
        (20, None, -6),  # overdue
        (3, 2, 2),  # the date the supporter set
        (3, 30, 30),
    ],
)
def test_the_next_due_date_follows_the_cadence_or_the_date_set(world, assigned, last_contact_days, follow_up,
                                                               expected_due_in):  # fmt: skip
    backdate(assigned, days=40)
    when = now() - timedelta(days=last_contact_days)
    next_follow_up = date.today() + timedelta(days=follow_up) if follow_up is not None else None
    services.interaction_log(actor=world.people["peer_supporter"], enrolment=assigned,
                             data=contact(occurred_at=when, next_follow_up=next_follow_up))  # fmt: skip
    [row] = caseload(assigned.supporter)
    assert (row.due - date.today()).days == expected_due_in


def test_the_programme_queue_lists_due_silent_and_waiting_patients(world, scheme):
    profile = supporter(world, scheme)
    quiet = backdate(enrol(world, scheme, patient(world, given="Ivy", nhs=""), supporter=profile), days=40)
    Enrolment.objects.filter(pk=quiet.pk).update(next_due_on=date.today() - timedelta(days=26))
    recent = enrol(world, scheme, patient(world, given="Jo", nhs=""), supporter=profile)
    enrol(world, scheme, patient(world, given="Kit", nhs=""))
    queue = programme_follow_ups(scheme)
    assert [row.enrolment_id for row in queue.due] == [quiet.pk, recent.pk] and queue.due_total == 2
    assert [row.enrolment_id for row in queue.silent] == [quiet.pk]
    assert queue.unassigned == 1 and queue.not_reached == []
