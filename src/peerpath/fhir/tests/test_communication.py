"""A peer supporter's contacts in FHIR R4 (issue 16 point 7): a Communication (or a Procedure for an activity done
together) only while the patient shares the programme's contacts with the health record; the same 404 as "not yours"
without it, and at once after they stop; the same readers and organisation boundary as the ServiceRequest."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest

from peerpath.audit.models import AuditEvent
from peerpath.core.time import now
from peerpath.fhir import codes, mapping
from peerpath.fhir.tests.conftest import valid
from peerpath.fhir.tests.test_endpoints import OWNER_AND_STAFF
from peerpath.prescriptions.models import Patient
from peerpath.prescriptions.tests.helpers import accepted, patient
from peerpath.programmes import services
from peerpath.programmes.models import CoreFunction, Enrolment
from peerpath.programmes.services import enrolment_sharing_set
from peerpath.programmes.tests.helpers import contact, programme, supporter
from peerpath.testing.matrix import check_matrix
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db

BASE = "/fhir/r4/"
CONCERN_NOTE = "Seemed very low this week; raise mood with the GP."


def _backdated(enrolment: Enrolment, days: int = 30) -> Enrolment:
    """Enrolled and assigned some days ago, so that past contacts can be logged."""
    moment = now() - timedelta(days=days)
    Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=moment, assigned_at=moment)
    return Enrolment.objects.select_related("patient", "programme").get(pk=enrolment.pk)


@pytest.fixture
def scheme(world):
    return programme(world)


@pytest.fixture
def profile(world, scheme):
    return supporter(world, scheme)


@pytest.fixture
def enrolment(world, scheme, profile):
    """The member persona's enrolment, from their prescription of contact with a peer supporter."""
    running = accepted(world, activity="peer_contact", count=1, per="week")
    made = services.enrolment_create(actor=world.people["coordinator"], programme=scheme, patient=running.patient,
                                     source="prescription", prescription=running, supporter=profile)  # fmt: skip
    return _backdated(made)


def _log(world, enrolment, **overrides):
    supporter_user = world.people["peer_supporter"]
    return services.interaction_log(actor=supporter_user, enrolment=enrolment, data=contact(**overrides))


@pytest.fixture
def call(world, enrolment):
    """A phone call ten days ago, with a concern for the coordinator."""
    return _log(world, enrolment, occurred_at=now() - timedelta(days=10), functions=["social_emotional", "linkage"],
                concern="concern", concern_note=CONCERN_NOTE, resources="The Diabetes UK helpline",
                next_follow_up=date.today() + timedelta(days=4))  # fmt: skip


@pytest.fixture
def walk(world, enrolment):
    """A walk together two days ago."""
    return _log(world, enrolment, occurred_at=now() - timedelta(days=2), channel="walk", duration_minutes=45,
                functions=["daily_management", "follow_up"])  # fmt: skip


@pytest.fixture
def shared(world, enrolment, call, walk):
    return enrolment_sharing_set(user=world.people["member"], enrolment=enrolment, share=True)


def _fhir(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    valid(body)
    return body


def _ids(bundle: dict) -> list[str]:
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


# --- Consent: nothing without it, at once after it is withdrawn -------------------------------------------------


def test_without_sharing_a_contact_is_404_for_everyone_as_if_it_were_not_theirs(client, world, call, walk):
    for persona in ("clinician", "coordinator", "admin", "member"):
        client.force_login(world.people[persona])
        for url in (f"Communication/{call.pk}", f"Procedure/{walk.pk}", f"Communication/{uuid.uuid4()}"):
            outcome = _fhir(client.get(BASE + url), 404)
            assert outcome["issue"][0]["code"] == "not-found"
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(call.pk)).count() == 4
    assert not AuditEvent.objects.filter(action="interaction.viewed").exists()


def test_with_sharing_the_call_is_a_valid_communication_field_by_field(client, world, shared, call):
    client.force_login(world.people["clinician"])
    resource = _fhir(client.get(f"{BASE}Communication/{call.pk}"))
    assert resource["resourceType"] == "Communication" and resource["id"] == str(call.pk)
    assert resource["status"] == "completed"
    assert resource["subject"] == {"reference": f"Patient/{shared.patient_id}", "display": "Bob Smith"}
    assert resource["sent"] == mapping.instant(call.occurred_at)
    [medium] = resource["medium"]
    assert medium["text"] == "Phone call"
    assert {(coding["system"], coding["code"]) for coding in medium["coding"]} == {
        (codes.CONTACT_CHANNEL_SYSTEM, "phone"), (codes.V3_PARTICIPATION_MODE, "PHONE"),
    }  # fmt: skip
    assert [concept["coding"][0] for concept in resource["reasonCode"]] == [
        {"system": codes.PEER_SUPPORT_FUNCTION_SYSTEM, "code": "social_emotional",
         "display": "Social and emotional support"},
        {"system": codes.PEER_SUPPORT_FUNCTION_SYSTEM, "code": "linkage",
         "display": "Linkage to clinical care and community resources"},
    ]  # fmt: skip
    assert resource["sender"] == {"display": "peer-supporter"}
    assert resource["basedOn"] == [
        {"reference": f"ServiceRequest/{shared.prescription_id}", "display": "Fibromyalgia Support Group"}
    ]
    assert resource["payload"] == [{"contentString": "Talked through the first week on the new insulin pen."}]
    notes = [note["text"] for note in resource["note"]]
    assert notes == ["Duration: 20 minutes", "Resources: The Diabetes UK helpline",
                     f"Next follow-up: {(date.today() + timedelta(days=4)).isoformat()}"]  # fmt: skip
    text = json.dumps(resource)
    assert CONCERN_NOTE not in text and "concern" not in text.lower()


def test_an_activity_is_a_procedure_not_a_communication(client, world, shared, walk):
    client.force_login(world.people["member"])
    assert client.get(f"{BASE}Communication/{walk.pk}").status_code == 404
    resource = _fhir(client.get(f"{BASE}Procedure/{walk.pk}"))
    assert resource["status"] == "completed"
    assert resource["performedDateTime"] == mapping.instant(walk.occurred_at)
    assert resource["code"]["coding"] == [
        {"system": codes.CONTACT_CHANNEL_SYSTEM, "code": "walk", "display": "Shared activity: a walk"}
    ]
    assert resource["subject"]["reference"] == f"Patient/{shared.patient_id}"
    assert resource["performer"][0]["actor"] == {"display": "peer-supporter"}
    assert [concept["coding"][0]["code"] for concept in resource["reasonCode"]] == ["daily_management", "follow_up"]
    assert resource["basedOn"][0]["reference"] == f"ServiceRequest/{shared.prescription_id}"
    assert "Duration: 45 minutes" in [note["text"] for note in resource["note"]]


def test_stopping_sharing_ends_the_fhir_output_at_once(client, world, shared, call, walk, token_for):
    headers = token_for(world.people["clinician"])
    assert client.get(f"{BASE}Communication/{call.pk}", **headers).status_code == 200
    assert _ids(_fhir(client.get(f"{BASE}Communication", {"patient": shared.patient_id}, **headers))) == [str(call.pk)]
    enrolment_sharing_set(user=world.people["member"], enrolment=shared, share=False)
    assert _fhir(client.get(f"{BASE}Communication/{call.pk}", **headers), 404)["issue"][0]["code"] == "not-found"
    assert client.get(f"{BASE}Procedure/{walk.pk}", **headers).status_code == 404
    assert "entry" not in _fhir(client.get(f"{BASE}Communication", {"patient": shared.patient_id}, **headers))
    assert "entry" not in _fhir(client.get(f"{BASE}Procedure", {"patient": shared.patient_id}, **headers))
    everything = _fhir(client.get(f"{BASE}Patient/{shared.patient_id}/$everything", **headers))
    kinds = {entry["resource"]["resourceType"] for entry in everything["entry"]}
    assert "Communication" not in kinds and "Procedure" not in kinds


def test_sharing_one_programme_does_not_share_another(client, world, shared, call):
    walking = programme(world, name="Walking together")
    profile = supporter(world, walking)
    other = _backdated(services.enrolment_create(actor=world.people["coordinator"], programme=walking,
                                                 patient=shared.patient, supporter=profile))  # fmt: skip
    private = _log(world, other)
    client.force_login(world.people["clinician"])
    assert client.get(f"{BASE}Communication/{private.pk}").status_code == 404
    assert _ids(_fhir(client.get(f"{BASE}Communication", {"patient": shared.patient_id}))) == [str(call.pk)]


# --- Who may read: the ServiceRequest's readers and organisation boundary ----------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        lambda e, call, walk: f"Communication/{call.pk}",
        lambda e, call, walk: f"Procedure/{walk.pk}",
        lambda e, call, walk: f"Communication?patient={e.patient_id}",
        lambda e, call, walk: f"Procedure?patient=Patient/{e.patient_id}&date=ge2020-01-01",
    ],
    ids=["communication", "procedure", "communication-search", "procedure-search"],
)
def test_permission_matrix_is_the_service_requests(client, world, shared, call, walk, url):
    check_matrix(client, world, url=BASE + url(shared, call, walk), expect=OWNER_AND_STAFF)


def test_another_organisations_staff_get_404_even_by_token(client, world, shared, call, token_for):
    url = f"{BASE}Communication/{call.pk}"
    assert client.get(url, **token_for(world.people["clinician"])).status_code == 200
    assert client.get(url, **token_for(world.people["member"])).status_code == 200
    assert client.get(url, **token_for(world.people["outsider"])).status_code == 404
    assert client.get(url, **token_for(world.people["peer_supporter"])).status_code == 404
    assert client.get(url).status_code == 401


def test_another_patient_cannot_read_this_patients_contacts(client, world, shared, call):
    other_user = make_user("ann-jones")
    accepted(world, user=other_user, for_patient=patient(world, given="Ann", family="Jones", nhs=""))
    client.force_login(other_user)
    assert client.get(f"{BASE}Communication/{call.pk}").status_code == 404
    assert client.get(f"{BASE}Communication", {"patient": shared.patient_id}).status_code == 404


def test_every_read_and_every_search_result_is_audited(client, world, shared, call, walk):
    clinician = world.people["clinician"]
    client.force_login(clinician)
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    client.get(f"{BASE}Communication/{call.pk}")
    read = AuditEvent.objects.get(seq__gt=before, actor=clinician)
    assert (read.action, read.object_id, read.details) == ("interaction.viewed", str(call.pk), {"purpose": "fhir"})
    assert read.organisation == world.home
    before = read.seq
    client.get(f"{BASE}Procedure", {"patient": shared.patient_id})
    events = AuditEvent.objects.filter(seq__gt=before, actor=clinician)
    assert set(events.values_list("action", "object_id")) == {
        ("patient.viewed", str(shared.patient_id)),
        ("interaction.viewed", str(walk.pk)),
    }


# --- Search -----------------------------------------------------------------------------------------------------


def test_search_by_patient_and_date(client, world, shared, call, walk):
    client.force_login(world.people["clinician"])
    search = f"{BASE}Communication"
    patient_id = shared.patient_id
    earlier = _log(world, shared, occurred_at=now() - timedelta(days=20), channel="video")
    assert _ids(_fhir(client.get(search, {"patient": patient_id}))) == [str(call.pk), str(earlier.pk)]
    day = call.occurred_at.date()
    bundle = _fhir(client.get(search, {"patient": patient_id, "date": f"ge{day.isoformat()}"}))
    assert bundle["type"] == "searchset" and bundle["total"] == 1 and _ids(bundle) == [str(call.pk)]
    assert bundle["entry"][0]["fullUrl"] == f"http://testserver/fhir/r4/Communication/{call.pk}"
    assert _ids(_fhir(client.get(search, {"patient": patient_id, "date": f"lt{day.isoformat()}"}))) == [str(earlier.pk)]
    assert _ids(_fhir(client.get(search, {"patient": patient_id, "date": day.isoformat()}))) == [str(call.pk)]
    month = f"{earlier.occurred_at:%Y-%m}"
    assert str(earlier.pk) in _ids(_fhir(client.get(search, {"patient": patient_id, "date": f"eq{month}"})))
    between = {"patient": patient_id, "date": [f"gt{(day - timedelta(days=5)).isoformat()}", f"le{day.isoformat()}"]}
    assert _ids(_fhir(client.get(search, between))) == [str(call.pk)]
    instant = mapping.instant(call.occurred_at)
    assert _ids(_fhir(client.get(search, {"patient": patient_id, "date": f"ge{instant}"}))) == [str(call.pk)]
    assert _ids(_fhir(client.get(search, {"patient": patient_id, "date": f"gt{instant}"}))) == []
    procedures = _fhir(client.get(f"{BASE}Procedure", {"patient": patient_id, "date": f"ge{day.isoformat()}"}))
    assert _ids(procedures) == [str(walk.pk)]
    assert procedures["entry"][0]["resource"]["resourceType"] == "Procedure"


@pytest.mark.parametrize(
    ("query", "expression"),
    [
        ({"date": "ge2026-01-01"}, "patient"),
        ({"patient": "{patient}", "status": "completed"}, "status"),
        ({"patient": "{patient}", "date": "ne2026-01-01"}, "date"),
        ({"patient": "{patient}", "date": "ge2026-13-01"}, "date"),
        ({"patient": "{patient}", "date": "ge2026-01-01T10:00:00"}, "date"),  # a time needs its zone
        ({"patient": "{patient}", "date": "yesterday"}, "date"),
        ({"patient": "{patient}", "date": ["ge2026-01-01", "lt2026-02-01", "ne2026-01-05"]}, "date"),
        ({"patient": ["{patient}", "{patient}"]}, "patient"),
    ],
)
def test_bad_search_parameters_get_a_400_operation_outcome(client, world, shared, query, expression):
    client.force_login(world.people["clinician"])

    def fill(value):
        return [fill(item) for item in value] if isinstance(value, list) else value.format(patient=shared.patient_id)

    response = client.get(f"{BASE}Communication", {name: fill(value) for name, value in query.items()})
    outcome = _fhir(response, 400)
    assert outcome["issue"][0]["code"] == "invalid" and outcome["issue"][0]["expression"] == [expression]


def test_everything_holds_the_shared_contacts(client, world, shared, call, walk):
    client.force_login(world.people["member"])
    bundle = _fhir(client.get(f"{BASE}Patient/{shared.patient_id}/$everything"))
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds == ["Patient", "ServiceRequest", "Task", "Consent", "Communication", "Procedure"]


# --- basedOn ----------------------------------------------------------------------------------------------------


def test_a_direct_enrolment_is_based_on_the_prescription_the_contact_counts_towards(client, world, scheme, profile):
    running = accepted(world, activity="peer_contact", count=1, per="week", for_patient=patient(world, nhs=""))
    direct = _backdated(services.enrolment_create(actor=world.people["coordinator"], programme=scheme,
                                                  patient=running.patient, supporter=profile))  # fmt: skip
    assert direct.prescription_id is None
    # Now, not the helper's hour ago: in the first hour of a day that is yesterday, before the prescription started.
    logged = _log(world, direct, occurred_at=now())
    assert logged.participation_id is not None
    enrolment_sharing_set(user=world.people["member"], enrolment=direct, share=True)
    client.force_login(world.people["clinician"])
    resource = _fhir(client.get(f"{BASE}Communication/{logged.pk}"))
    assert [item["reference"] for item in resource["basedOn"]] == [f"ServiceRequest/{running.pk}"]


def test_without_a_prescription_there_is_no_based_on(client, world, scheme, profile):
    alone = patient(world, given="Cy", family="Evans", nhs="")
    member = world.people["member"]
    Patient.objects.filter(pk=alone.pk).update(user=member)  # as accepting an invitation would link it
    direct = _backdated(services.enrolment_create(actor=world.people["coordinator"], programme=scheme, patient=alone,
                                                  supporter=profile))  # fmt: skip
    logged = _log(world, direct, channel="text")
    assert logged.participation_id is None
    enrolment_sharing_set(user=member, enrolment=direct, share=True)
    client.force_login(world.people["clinician"])
    resource = _fhir(client.get(f"{BASE}Communication/{logged.pk}"))
    assert "basedOn" not in resource
    assert [coding["code"] for coding in resource["medium"][0]["coding"]] == ["text"]  # no exact v3 mode for a text


# --- The code system --------------------------------------------------------------------------------------------


def test_the_core_functions_code_system_is_served_and_matches_the_codings(client, world, shared, call):
    client.force_login(world.people["clinician"])
    code_system = _fhir(client.get(f"{BASE}CodeSystem/{codes.PEER_SUPPORT_FUNCTIONS_ID}"))
    assert code_system["url"] == codes.PEER_SUPPORT_FUNCTION_SYSTEM
    assert code_system["content"] == "complete" and code_system["count"] == 4
    concepts = {concept["code"]: concept["display"] for concept in code_system["concept"]}
    assert set(concepts) == set(CoreFunction.values)
    communication = _fhir(client.get(f"{BASE}Communication/{call.pk}"))
    for concept in communication["reasonCode"]:
        [coding] = concept["coding"]
        assert coding["system"] == code_system["url"] and concepts[coding["code"]] == coding["display"]


def test_the_code_system_needs_a_sign_in_and_other_code_systems_are_404(client, world):
    assert client.get(f"{BASE}CodeSystem/{codes.PEER_SUPPORT_FUNCTIONS_ID}").status_code == 401
    client.force_login(world.people["member"])
    assert client.get(f"{BASE}CodeSystem/{codes.PEER_SUPPORT_FUNCTIONS_ID}").status_code == 200
    assert _fhir(client.get(f"{BASE}CodeSystem/support-kind"), 404)["issue"][0]["code"] == "not-found"


def test_nobody_signed_in_reads_no_contact():
    from django.contrib.auth.models import AnonymousUser

    from peerpath.fhir.access import fhir_contacts

    assert list(fhir_contacts(AnonymousUser())) == []
