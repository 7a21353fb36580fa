"""/fhir/r4: who may read what (the permission matrix), bad parameters, tokens, import over HTTP, fuzzed bodies."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from django.test import Client

from peerpath.accounts.services import role_grant
from peerpath.audit.models import AuditEvent
from peerpath.core.time import now
from peerpath.fhir.tests.conftest import valid
from peerpath.prescriptions import services
from peerpath.prescriptions.models import Patient
from peerpath.prescriptions.tests.helpers import accepted, draft, patient
from peerpath.testing.matrix import check_matrix
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db

BASE = "/fhir/r4/"
SYNTHEA = sorted(Path("/work/shared/data/synthea").glob("*.json"))

# The owning organisation's clinical staff and the patient themselves (the member persona accepted the invitation);
# everyone else gets the same 404 as for a missing resource, and nobody signed in gets a 401.
OWNER_AND_STAFF = {
    "anonymous": 401,
    "member": 200,
    "carer": 404,
    "peer_supporter": 404,
    "moderator": 404,
    "clinician": 200,
    "coordinator": 200,
    "admin": 200,
    "outsider": 404,
}
STAFF_ONLY = {**OWNER_AND_STAFF, "member": 404}


@pytest.fixture
def shared(world):
    prescription = accepted(world, ehr=True)
    services.participation_self_report(
        user=world.people["member"], prescription=prescription, activity="online_conversation", when=now()
    )
    return prescription


def _is_fhir(response) -> dict:
    assert response["Content-Type"].startswith("application/fhir+json")
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    valid(body)
    return body


@pytest.mark.parametrize(
    "url",
    [
        lambda p: f"ServiceRequest/{p.pk}",
        lambda p: f"Task/{p.pk}",
        lambda p: f"Consent/{p.consents.get().pk}",
        lambda p: f"Patient/{p.patient_id}",
        lambda p: f"Patient/{p.patient_id}/$everything",
        lambda p: f"ServiceRequest?patient={p.patient_id}",
        lambda p: f"Task?patient={p.patient_id}&status=in-progress",
        lambda p: f"Consent?patient=Patient/{p.patient_id}",
    ],
    ids=["sr", "task", "consent", "patient", "everything", "sr-search", "task-search", "consent-search"],
)
def test_permission_matrix_for_reads_searches_and_everything(client, world, shared, url):
    check_matrix(client, world, url=BASE + url(shared), expect=OWNER_AND_STAFF)


def test_a_draft_is_the_staffs_alone(client, world):
    prescription = draft(world)
    check_matrix(client, world, url=f"{BASE}ServiceRequest/{prescription.pk}", expect=STAFF_ONLY)


def test_answers_are_fhir_and_the_search_finds_by_status(client, world, shared):
    client.force_login(world.people["clinician"])
    read = _is_fhir(client.get(f"{BASE}ServiceRequest/{shared.pk}"))
    assert read["occurrenceTiming"]["code"]["text"] == "Participate in 1 online conversation monthly for 3 months"
    found = _is_fhir(client.get(f"{BASE}ServiceRequest", {"patient": shared.patient_id, "status": "active"}))
    assert found["type"] == "searchset" and [e["resource"]["id"] for e in found["entry"]] == [str(shared.pk)]
    none = _is_fhir(client.get(f"{BASE}ServiceRequest", {"patient": shared.patient_id, "status": "completed,revoked"}))
    assert none["total"] == 0 and "entry" not in none
    tasks = _is_fhir(client.get(f"{BASE}Task", {"patient": shared.patient_id, "status": "in-progress"}))
    assert tasks["entry"][0]["resource"]["output"][0]["valueString"] == "1 of 1 period met so far"
    consents = _is_fhir(client.get(f"{BASE}Consent", {"patient": shared.patient_id, "status": "active"}))
    assert consents["total"] == 1


def test_everything_holds_the_patient_their_requests_tasks_and_consents(client, world, shared):
    client.force_login(world.people["member"])
    bundle = _is_fhir(client.get(f"{BASE}Patient/{shared.patient_id}/$everything"))
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds == ["Patient", "ServiceRequest", "Task", "Consent"]
    assert all(entry["fullUrl"].startswith("http://testserver/fhir/r4/") for entry in bundle["entry"])


def test_after_withdrawal_the_task_has_no_output_and_the_consent_is_inactive(client, world, shared):
    services.consent_withdraw(user=world.people["member"], prescription=shared)
    client.force_login(world.people["clinician"])
    task = _is_fhir(client.get(f"{BASE}Task/{shared.pk}"))
    assert "output" not in task
    consents = _is_fhir(client.get(f"{BASE}Consent", {"patient": shared.patient_id, "status": "inactive"}))
    assert [entry["resource"]["status"] for entry in consents["entry"]] == ["inactive"]
    everything = _is_fhir(client.get(f"{BASE}Patient/{shared.patient_id}/$everything"))
    assert all("output" not in entry["resource"] for entry in everything["entry"])


def test_every_read_and_every_search_result_is_audited(client, world, shared):
    clinician = world.people["clinician"]
    client.force_login(clinician)
    before = AuditEvent.objects.count()
    client.get(f"{BASE}ServiceRequest", {"patient": shared.patient_id})
    events = AuditEvent.objects.filter(seq__gt=before, actor=clinician)
    assert set(events.values_list("action", "object_id")) == {
        ("patient.viewed", str(shared.patient_id)),
        ("prescription.viewed", str(shared.pk)),
    }
    client.get(f"{BASE}Task/{uuid.uuid4()}")
    assert AuditEvent.objects.filter(action="access.denied", actor=clinician).exists()


@pytest.mark.parametrize(
    ("url", "expression"),
    [
        ("ServiceRequest?patient={patient}&colour=blue", "colour"),
        ("ServiceRequest?patient={patient}&status=bogus", "status"),
        ("Task?patient={patient}&status=active", "status"),  # a ServiceRequest status, not a Task one
        ("Consent?patient={patient}&status=in-progress", "status"),
        ("ServiceRequest?patient=not%20an%20id!", "patient"),
        ("ServiceRequest?status=active", "patient"),
        ("ServiceRequest?patient={patient}&patient={patient}", "patient"),
        ("ServiceRequest?patient=", "patient"),
        ("ServiceRequest/not%20an%20id!", "id"),
        ("Patient/{patient}/$everything?_since=2020", "_since"),
    ],
)
def test_bad_parameters_get_a_400_operation_outcome(client, world, shared, url, expression):
    client.force_login(world.people["clinician"])
    response = client.get(BASE + url.format(patient=shared.patient_id))
    assert response.status_code == 400
    outcome = _is_fhir(response)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "invalid"
    assert outcome["issue"][0]["expression"] == [expression]


@pytest.mark.parametrize(
    "url", ["ServiceRequest/{missing}", "Task/{missing}", "Consent/{missing}", "Patient/{missing}",
            "Patient/{missing}/$everything", "ServiceRequest/abc", "Observation/{missing}", "Observation",
            "ServiceRequest?patient={missing}"],
)  # fmt: skip
def test_unknown_ids_and_types_get_a_404_operation_outcome(client, world, url):
    client.force_login(world.people["clinician"])
    response = client.get(BASE + url.format(missing=uuid.uuid4()))
    assert response.status_code == 404
    assert _is_fhir(response)["issue"][0]["code"] == "not-found"


@pytest.mark.parametrize(("method", "url"), [("post", "ServiceRequest"), ("delete", "Patient/{patient}"),
                                             ("put", "Task/{prescription}"), ("get", "Patient")])  # fmt: skip
def test_a_wrong_method_gets_a_405_operation_outcome(client, world, shared, method, url):
    client.force_login(world.people["clinician"])
    response = getattr(client, method)(BASE + url.format(patient=shared.patient_id, prescription=shared.pk))
    assert response.status_code == 405
    assert _is_fhir(response)["issue"][0]["code"] == "not-supported"
    assert response["Allow"]


def test_anonymous_gets_401_with_a_bearer_challenge(client, shared):
    response = client.get(f"{BASE}Patient/{shared.patient_id}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert _is_fhir(response)["issue"][0]["code"] == "login"


def test_a_token_reads_like_its_owner_and_a_bad_token_is_401(client, world, shared, token_for):
    url = f"{BASE}ServiceRequest/{shared.pk}"
    assert client.get(url, **token_for(world.people["clinician"])).status_code == 200
    assert client.get(url, **token_for(world.people["outsider"])).status_code == 404
    assert client.get(url, **token_for(world.people["member"])).status_code == 200
    refused = client.get(url, HTTP_AUTHORIZATION="Bearer ppt_" + "x" * 43)
    assert refused.status_code == 401 and _is_fhir(refused)["resourceType"] == "OperationOutcome"
    assert client.get(url, HTTP_AUTHORIZATION="Basic abc").status_code == 401


def test_staff_without_mfa_get_403_by_token(client, world, shared, token_for):
    person = make_user("new-clinician")
    role_grant(actor=None, user=person, organisation=world.home, role="clinician")
    response = client.get(f"{BASE}ServiceRequest/{shared.pk}", **token_for(person))
    assert response.status_code == 403
    assert _is_fhir(response)["issue"][0]["code"] == "forbidden"


def _post(client, body, content_type="application/fhir+json", **extra):
    return client.post(f"{BASE}Patient", data=body, content_type=content_type, **extra)


def test_posting_a_synthea_bundle_creates_then_updates(client, world, token_for):
    headers = token_for(world.people["clinician"], scope="write")
    body = SYNTHEA[0].read_bytes()
    created = _post(client, body, **headers)
    assert created.status_code == 201
    bundle = _is_fhir(created)
    assert bundle["type"] == "transaction-response"
    assert bundle["entry"][0]["response"]["status"] == "201 Created"
    again = _post(client, body, **headers)
    assert again.status_code == 200
    assert _is_fhir(again)["entry"][0]["response"]["status"] == "200 OK"
    assert Patient.objects.filter(organisation=world.home).count() == 1


def test_posting_one_patient_answers_with_it_and_its_location(client, world, token_for):
    resource = json.loads(Path("/work/shared/data/sdoh-clinicalcare-examples/Patient-pat-53234.json").read_text())
    response = _post(client, json.dumps(resource), **token_for(world.people["coordinator"], scope="write"))
    assert response.status_code == 201
    body = _is_fhir(response)
    assert response["Location"].endswith(f"/fhir/r4/Patient/{body['id']}")
    assert body["identifier"][0]["type"]["coding"][0]["code"] == "MR"


def test_a_read_token_cannot_import_and_a_member_cannot_either(client, world, token_for):
    body = SYNTHEA[0].read_bytes()
    assert _post(client, body, **token_for(world.people["clinician"])).status_code == 403
    assert _post(client, body, **token_for(world.people["member"], scope="write")).status_code == 403
    assert not Patient.objects.exists()


def test_a_session_post_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["clinician"])
    response = _post(client, SYNTHEA[0].read_bytes())
    assert response.status_code == 403
    assert _is_fhir(response)["issue"][0]["code"] == "forbidden"
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b"[1, 2]", b'"Patient"', b"null", b"\xff\xfe\x00", b"[" * 100_000,
     b'{"resourceType": "Observation"}', b'{"resourceType": "Patient", "birthDate": 1}',
     b'{"resourceType": "Patient", "name": "Bob"}', b'{"resourceType": "Bundle", "entry": {}}',
     b'{"resourceType": "Bundle", "entry": [{"resource": []}]}', b'{"resourceType": "Patient", "id": {}}',
     b'{"resourceType": "Patient", "identifier": [{"system": "x", "value": "' + b"9" * 500 + b'"}]}'],
)  # fmt: skip
def test_fuzzed_bodies_get_a_4xx_operation_outcome_and_save_nothing(client, world, token_for, body):
    response = _post(client, body, **token_for(world.people["clinician"], scope="write"))
    assert 400 <= response.status_code < 500
    assert _is_fhir(response)["resourceType"] == "OperationOutcome"
    assert not Patient.objects.exists()


def test_a_form_body_gets_415(client, world, token_for):
    response = client.post(f"{BASE}Patient", {"a": "b"}, **token_for(world.people["clinician"], scope="write"))
    assert response.status_code == 415


def test_the_patients_own_record_is_theirs_and_nobody_elses(client, world, shared):
    other = patient(world, given="Ann", family="Jones", nhs="9000000009")
    client.force_login(world.people["member"])
    assert client.get(f"{BASE}Patient/{shared.patient_id}").status_code == 200
    assert client.get(f"{BASE}Patient/{other.pk}").status_code == 404
    assert client.get(f"{BASE}ServiceRequest", {"patient": other.pk}).status_code == 404


def test_an_exported_patient_round_trips_through_import_without_a_duplicate(client, world, token_for):
    record = patient(world, gender="male", phone="01632 960001")
    headers = token_for(world.people["clinician"], scope="write")
    exported = client.get(f"{BASE}Patient/{record.pk}", **headers).json()
    response = _post(client, json.dumps(exported), **headers)
    assert response.status_code == 200
    again = _is_fhir(response)
    assert again["id"] == str(record.pk)
    for field in ("name", "birthDate", "gender", "telecom", "identifier", "communication"):
        assert again[field] == exported[field]
    assert Patient.objects.count() == 1


def test_the_fhir_lists_hold_nothing_for_an_anonymous_visitor(world):
    from django.contrib.auth.models import AnonymousUser

    from peerpath.fhir.access import fhir_consents, fhir_patients, fhir_prescriptions

    accepted(world)
    visitor = AnonymousUser()
    assert not fhir_patients(visitor).exists()
    assert not fhir_prescriptions(visitor).exists()
    assert not fhir_consents(visitor).exists()
