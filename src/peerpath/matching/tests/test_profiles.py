"""Matching profiles through the services (issue 17): bad input refused with nothing saved, consent to be matched
kept apart from the profile, withdrawal out of the pool at once, mentors' capacity, and the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import DomainError, PermissionDenied
from peerpath.directory.tests.helpers import condition
from peerpath.matching import services
from peerpath.matching.models import MatchProfile
from peerpath.matching.pool import load_pool
from peerpath.matching.selectors import pool
from peerpath.matching.tests.helpers import buddy_programme, data, member, mentor, profile
from peerpath.prescriptions.tests.helpers import patient
from peerpath.programmes import services as programmes
from peerpath.programmes.tests.helpers import COURSE, programme, supporter

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(world):
    return buddy_programme(world)


def test_a_saved_profile_stays_out_of_the_pool_until_the_person_agrees(world, scheme):
    nia = world.people["member"]
    saved = profile(nia, scheme, consent=False)
    assert saved.languages == ["en"] and saved.formats == ["text", "video"]
    assert not pool(scheme).exists() and load_pool(scheme) == ([], [])
    services.profile_consent_give(actor=nia, profile=saved)
    mentees, mentors = load_pool(scheme)
    assert [person.id for person in mentees] == [saved.pk] and mentors == []
    assert mentees[0].goals == frozenset({"daily_management", "emotional"}) and mentees[0].capacity == 1


def test_saving_and_agreeing_are_audited_without_the_free_text(world, scheme):
    saved = profile(world.people["member"], scheme, goals_text="Someone who gets night hypos.")
    created = AuditEvent.objects.get(action="matching.profile_created", object_id=str(saved.pk))
    assert created.details["role"] == "mentee" and "about" in created.details["fields"]
    assert "night hypos" not in str(created.details) and "bit lost" not in str(created.details)
    assert AuditEvent.objects.filter(action="matching.consent_given", object_id=str(saved.pk)).count() == 1
    services.profile_save(actor=world.people["member"], programme=scheme, role="mentee", data=data(interests=["music"]))
    updated = AuditEvent.objects.get(action="matching.profile_updated", object_id=str(saved.pk))
    assert updated.details["fields"] == ["goals_text", "interests"]  # the hope was cleared, an interest changed


BAD_INPUT = [
    ("no language", {"languages": []}, "languages"),
    ("a language that is not a code", {"languages": ["English please"]}, "languages"),
    ("no format", {"formats": []}, "formats"),
    ("a distance without meeting in person", {"max_km": 10}, "max_km"),
    ("a place without meeting in person", {"place": "Leeds"}, "place"),
    ("a time zone that does not exist", {"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ("free times with no time zone", {"timezone": ""}, "timezone"),
    ("an unknown goal", {"goals": ["world_peace"]}, "goals"),
    ("an unknown age band", {"age_band": "ageless"}, "age_band"),
    ("an unknown format", {"formats": ["carrier_pigeon"]}, "formats"),
    ("in person without a distance", {"formats": ["in_person"], "place": "Leeds"}, "max_km"),
    ("in person in a place nobody knows", {"formats": ["in_person"], "place": "Zzyzxqwv", "max_km": 10}, "place"),
    ("meeting in person and avoiding it", {"formats": ["in_person"], "avoid": ["in_person"]}, "avoid"),
    ("an introduction that is too long", {"about": "x" * 501}, "about"),
]


@pytest.mark.parametrize(("case", "overrides", "field"), BAD_INPUT, ids=[case for case, _o, _f in BAD_INPUT])
def test_bad_input_is_refused_with_the_field_and_nothing_is_saved(world, scheme, case, overrides, field):
    with pytest.raises(DomainError) as refused:
        profile(world.people["member"], scheme, **overrides)
    assert refused.value.field == field and refused.value.message
    assert not MatchProfile.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="matching.").exists()


def test_a_bad_change_leaves_the_saved_profile_as_it_was(world, scheme):
    saved = profile(world.people["member"], scheme)
    with pytest.raises(DomainError):
        profile(world.people["member"], scheme, languages=["pl"], formats=["phone"], max_km=5)
    saved.refresh_from_db()
    assert saved.languages == ["en"] and saved.formats == ["text", "video"] and saved.max_km is None


def test_meeting_in_person_keeps_the_place_found_and_the_distance(world, scheme):
    diabetes = condition("Type 1 diabetes")
    saved = profile(world.people["member"], scheme, formats=["in_person", "phone"], place="Leeds", max_km=25,
                    languages=["en", "pt-br", "ZH-HANT-tw"],
                    conditions=[(diabetes, ["new_technology", "many_years"])])  # fmt: skip
    assert saved.place.startswith("Leeds") and saved.latitude == pytest.approx(53.8, abs=0.2)
    assert saved.languages == ["en", "pt-BR", "zh-Hant-TW"]
    (person,), _mentors = load_pool(scheme)
    assert person.place == pytest.approx((53.8, -1.55), abs=0.2) and person.max_km == 25
    assert person.conditions == {diabetes.slug: frozenset({"new_technology", "many_years"})}
    profile(world.people["member"], scheme, formats=["phone"])
    (person,), _mentors = load_pool(scheme)
    assert person.place is None and person.max_km is None and MatchProfile.objects.get().latitude is None


def test_withdrawing_consent_takes_the_person_out_of_the_pool_at_once(world, scheme, monkeypatch):
    monkeypatch.setattr(services, "_withdrawal_hooks", [])
    ended = []
    services.on_consent_withdrawn(lambda withdrawn, actor: ended.append((withdrawn.pk, actor.pk)))
    saved = profile(world.people["member"], scheme)
    assert len(load_pool(scheme)[0]) == 1
    services.profile_withdraw_consent(actor=world.people["member"], profile=saved)
    assert load_pool(scheme) == ([], []) and not pool(scheme).exists()
    assert ended == [(saved.pk, world.people["member"].pk)]
    assert AuditEvent.objects.filter(action="matching.consent_withdrawn", object_id=str(saved.pk)).exists()
    with pytest.raises(DomainError):
        services.profile_withdraw_consent(actor=world.people["member"], profile=saved)
    services.profile_consent_give(actor=world.people["member"], profile=saved)
    assert len(load_pool(scheme)[0]) == 1


def test_a_failing_withdrawal_hook_undoes_the_withdrawal(world, scheme, monkeypatch):
    monkeypatch.setattr(services, "_withdrawal_hooks", [])

    def broken(withdrawn, actor):
        raise RuntimeError("the later step failed")

    services.on_consent_withdrawn(broken)
    saved = profile(world.people["member"], scheme)
    with pytest.raises(RuntimeError):
        services.profile_withdraw_consent(actor=world.people["member"], profile=saved)
    assert pool(scheme).filter(pk=saved.pk).exists()


def test_only_the_person_gives_or_withdraws_their_consent(world, scheme):
    saved = profile(world.people["member"], scheme, consent=False)
    with pytest.raises(PermissionDenied):
        services.profile_consent_give(actor=world.people["coordinator"], profile=saved)
    services.profile_consent_give(actor=world.people["member"], profile=saved)
    with pytest.raises(PermissionDenied):
        services.profile_withdraw_consent(actor=world.people["coordinator"], profile=saved)
    assert pool(scheme).filter(pk=saved.pk).exists()


def test_who_may_join_and_in_which_role(world, scheme):
    supporter(world, scheme)
    profile(world.people["member"], scheme)
    profile(world.people["carer"], scheme)
    profile(world.people["peer_supporter"], scheme, role="mentor")
    for person, role in [("member", "mentor"), ("clinician", "mentee"), ("outsider", "mentee"),
                         ("peer_supporter", "mentee"), ("coordinator", "mentor")]:  # fmt: skip
        with pytest.raises(PermissionDenied):
            profile(world.people[person], scheme, role=role)
    no_buddies = programme(world, "Coaching only", support_kinds=["one_to_one"])
    with pytest.raises(PermissionDenied):
        profile(world.people["member"], no_buddies)
    assert MatchProfile.objects.count() == 3


def test_a_mentors_capacity_is_what_is_left_under_the_cap(world):
    scheme = buddy_programme(world, caseload_cap=2)
    own = supporter(world, scheme)
    mentor_profile = profile(world.people["peer_supporter"], scheme, role="mentor")
    assert load_pool(scheme)[1][0].capacity == 2
    programmes.enrolment_create(actor=world.people["coordinator"], programme=scheme, supporter=own,
                                patient=patient(world, given="Ana", family="Lee", nhs=""))  # fmt: skip
    assert load_pool(scheme)[1][0].capacity == 1
    programmes.enrolment_create(actor=world.people["coordinator"], programme=scheme, supporter=own,
                                patient=patient(world, given="Ben", family="Cho", nhs=""))  # fmt: skip
    (at_cap,) = load_pool(scheme)[1]
    assert at_cap.id == mentor_profile.pk and at_cap.capacity == 0


def test_a_paused_mentor_has_no_capacity(world, scheme):
    own = supporter(world, scheme)
    profile(world.people["peer_supporter"], scheme, role="mentor")
    assert load_pool(scheme)[1][0].capacity == 15
    programmes.supporter_pause(actor=world.people["peer_supporter"], supporter=own, reason="A hard month")
    assert load_pool(scheme)[1][0].capacity == 0


def test_a_mentor_missing_required_training_has_no_capacity(world):
    scheme = buddy_programme(world, required_courses=[COURSE])
    own = supporter(world, scheme, trained=False)
    profile(world.people["peer_supporter"], scheme, role="mentor")
    assert load_pool(scheme)[1][0].capacity == 0
    programmes.training_record_add(actor=world.people["coordinator"], supporter=own, course=COURSE,
                                   completed_on=date.today() - timedelta(days=3))  # fmt: skip
    assert load_pool(scheme)[1][0].capacity == 15


def test_loading_the_pool_takes_the_same_queries_however_large_it_is(world, scheme):
    diabetes = condition("Type 1 diabetes")
    first_mentor, _supporter = mentor(world, scheme, "mentor-one")
    profile(first_mentor, scheme, role="mentor", conditions=[(diabetes, ["many_years"])])
    profile(member(world, "mentee-one"), scheme, conditions=[(diabetes, ["newly_diagnosed"])])
    with CaptureQueriesContext(connection) as small:
        load_pool(scheme)
    for index in range(2, 5):
        person, _supporter = mentor(world, scheme, f"mentor-{index}")
        profile(person, scheme, role="mentor", conditions=[(diabetes, ["few_years"])])
        profile(member(world, f"mentee-{index}"), scheme, conditions=[(diabetes, ["newly_diagnosed"])])
    with CaptureQueriesContext(connection) as large:
        mentees, mentors = load_pool(scheme)
    assert len(mentees) == 4 and len(mentors) == 4 and all(person.capacity == 15 for person in mentors)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_coordinator_approves_a_mentor_for_young_people(world, scheme):
    supporter(world, scheme)
    mentor_profile = profile(world.people["peer_supporter"], scheme, role="mentor")
    young = profile(world.people["member"], scheme, age_band="under_18")
    with pytest.raises(PermissionDenied):
        services.mentor_approve_for_adolescents(actor=world.people["peer_supporter"], profile=mentor_profile)
    with pytest.raises(PermissionDenied):
        services.mentor_approve_for_adolescents(actor=world.people["outsider"], profile=mentor_profile)
    with pytest.raises(DomainError):
        services.mentor_approve_for_adolescents(actor=world.people["coordinator"], profile=young)
    (mentee,), (offered,) = load_pool(scheme)
    assert mentee.adolescent and not offered.approved_for_adolescents
    services.mentor_approve_for_adolescents(actor=world.people["coordinator"], profile=mentor_profile)
    assert load_pool(scheme)[1][0].approved_for_adolescents
    assert AuditEvent.objects.filter(action="matching.mentor_approved_for_adolescents",
                                     actor=world.people["coordinator"]).exists()  # fmt: skip
    services.mentor_approve_for_adolescents(actor=world.people["coordinator"], profile=mentor_profile, approved=False)
    assert not load_pool(scheme)[1][0].approved_for_adolescents


def test_a_patient_of_the_organisation_may_look_for_a_buddy_without_a_member_role(world, scheme):
    from peerpath.prescriptions.models import Patient
    from peerpath.testing.personas import make_user

    newcomer = make_user("newcomer")
    with pytest.raises(PermissionDenied):
        profile(newcomer, scheme)
    record = patient(world, given="Noor", family="Haddad", nhs="")
    Patient.objects.filter(pk=record.pk).update(user=newcomer)
    assert profile(newcomer, scheme).consented
