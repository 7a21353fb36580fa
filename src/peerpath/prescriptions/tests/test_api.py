"""The prescriptions API: who may reach what, the consent rule, and bad input answered as problems."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.core.time import now
from peerpath.prescriptions import services
from peerpath.prescriptions.models import Participation, Prescription
from peerpath.prescriptions.tests.helpers import accepted, draft, group, patient, sent
from peerpath.testing.matrix import check_matrix

pytestmark = pytest.mark.django_db
Status = Prescription.Status

# A clinic's staff reach its prescriptions and patients; everyone else finds nothing there, the patient included.
STAFF_ONLY = {
    "anonymous": 401,
    "member": 404,
    "carer": 404,
    "peer_supporter": 404,
    "moderator": 404,
    "clinician": 200,
    "coordinator": 200,
    "admin": 200,
    "outsider": 404,
}


def report(**overrides: Any) -> dict[str, Any]:
    return {"activity": "online_conversation", "when": now().isoformat(), "note": "", **overrides}


# --- Who may reach what ----------------------------------------------------------------------------------------


def test_a_prescription_is_reachable_by_its_clinics_staff_only(client, world):
    prescription = accepted(world)  # the member persona is the patient: still not staff
    check_matrix(client, world, url=f"/api/v1/prescriptions/{prescription.pk}", expect=STAFF_ONLY)


def test_a_patient_is_reachable_by_their_clinics_staff_only(client, world):
    record = patient(world)
    check_matrix(client, world, url=f"/api/v1/patients/{record.pk}", expect=STAFF_ONLY)


def test_a_missing_id_and_another_organisations_id_get_the_same_404_problem(client, world):
    prescription, _ = sent(world)
    client.force_login(world.people["outsider"])
    theirs = client.get(f"/api/v1/prescriptions/{prescription.pk}")
    missing = client.get("/api/v1/prescriptions/00000000-0000-4000-8000-000000000000")
    assert theirs.status_code == missing.status_code == 404
    assert theirs["Content-Type"] == "application/problem+json"
    assert theirs.json() == missing.json()


def test_the_list_holds_the_clinics_prescriptions_and_nothing_for_anyone_else(client, world):
    mine, _ = sent(world)
    assert client.get("/api/v1/prescriptions").status_code == 401
    expected = {"clinician": [str(mine.pk)], "coordinator": [str(mine.pk)], "outsider": [], "member": []}
    for persona, ids in expected.items():
        client.force_login(world.people[persona])
        body = client.get("/api/v1/prescriptions").json()
        assert [item["id"] for item in body["items"]] == ids, persona
        assert body["count"] == len(ids)


def test_the_list_filters_by_status_and_refuses_an_unknown_one(client, world):
    waiting, _ = sent(world)
    listing = group(world, "Another group")
    drafted = draft(world, for_patient=waiting.patient, listing=listing)
    client.force_login(world.people["clinician"])
    assert [i["id"] for i in client.get("/api/v1/prescriptions?status=draft").json()["items"]] == [str(drafted.pk)]
    both = client.get("/api/v1/prescriptions?status=draft&status=sent").json()
    assert both["count"] == 2
    refused = client.get("/api/v1/prescriptions?status=bogus")
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert "bogus" in refused.json()["detail"]


def test_the_list_makes_the_same_number_of_queries_for_two_rows_or_six(client, world):
    listing_names = [f"Group {n}" for n in range(6)]
    listings = [group(world, name) for name in listing_names]
    record = patient(world)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/prescriptions")
        assert response.status_code == 200
        return len(queries)

    for listing in listings[:2]:
        draft(world, for_patient=record, listing=listing)
    client.force_login(world.people["clinician"])
    count_queries()  # warm up: the session's first request does its own bookkeeping
    two = count_queries()
    for listing in listings[2:]:
        draft(world, for_patient=record, listing=listing)
    assert client.get("/api/v1/prescriptions").json()["count"] == 6
    assert count_queries() == two


def test_the_detail_shows_the_dose_sentence_status_and_sharing(client, world):
    prescription = accepted(world)
    client.force_login(world.people["clinician"])
    body = client.get(f"/api/v1/prescriptions/{prescription.pk}").json()
    assert body["dose_sentence"] == "Participate in 1 online conversation monthly for 3 months"
    assert body["status"] == "active"
    assert body["sharing"] == "shared"
    assert body["dose"]["count"] == 1 and body["dose"]["per"] == "month"
    assert [period["state"] for period in body["adherence"]["periods"]] == ["current", "upcoming", "upcoming"]


def test_the_patient_detail_lists_their_prescriptions(client, world):
    prescription = accepted(world)
    client.force_login(world.people["coordinator"])
    body = client.get(f"/api/v1/patients/{prescription.patient.pk}").json()
    assert body["family_name"] == "Smith"
    assert body["account_linked"] is True
    assert [item["id"] for item in body["prescriptions"]] == [str(prescription.pk)]
    assert body["identifiers"][0]["kind"] == "nhs_number"


# --- The patient's own ------------------------------------------------------------------------------------------


def test_a_patient_sees_their_own_prescriptions_with_their_own_progress(client, world):
    prescription = accepted(world, share=False)  # signpost only: the clinic sees nothing, the patient everything
    services.participation_self_report(
        user=world.people["member"], prescription=prescription, activity="online_conversation", when=now()
    )
    client.force_login(world.people["member"])
    [mine] = client.get("/api/v1/me/prescriptions").json()
    assert mine["id"] == str(prescription.pk)
    assert mine["sharing"] == "signpost_only"
    assert mine["adherence"]["periods"][0] == {**mine["adherence"]["periods"][0], "count": 1, "state": "met"}
    client.force_login(world.people["clinician"])
    assert client.get("/api/v1/me/prescriptions").json() == []
    assert client.get(f"/api/v1/prescriptions/{prescription.pk}").json()["adherence"] is None


def test_only_the_patient_may_report_participation(client, world):
    prescription = accepted(world)
    expect = {persona: 404 for persona in STAFF_ONLY} | {"anonymous": 401, "member": 201}
    check_matrix(
        client, world, url=f"/api/v1/prescriptions/{prescription.pk}/participation", expect=expect,
        method="post", data=report(note="Went to the Tuesday chat"), content_type="application/json",
    )  # fmt: skip
    [participation] = Participation.objects.all()
    assert participation.source == "self_report" and participation.recorded_by == world.people["member"]
    assert participation.note == "Went to the Tuesday chat"


def test_a_self_report_answers_201_with_the_participation(client, world):
    prescription = accepted(world)
    client.force_login(world.people["member"])
    response = client.post(
        f"/api/v1/prescriptions/{prescription.pk}/participation", report(), content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["activity"] == "online_conversation"
    assert response.json()["source"] == "self_report"


def test_after_withdrawal_the_api_shows_the_clinic_no_adherence(client, world):
    prescription = accepted(world)
    client.force_login(world.people["member"])
    url = f"/api/v1/prescriptions/{prescription.pk}/participation"
    assert client.post(url, report(), content_type="application/json").status_code == 201
    client.force_login(world.people["clinician"])
    before = client.get(f"/api/v1/prescriptions/{prescription.pk}").json()
    assert before["adherence"]["periods"][0]["count"] == 1

    client.force_login(world.people["member"])
    withdrawn = client.post(f"/api/v1/me/prescriptions/{prescription.pk}/consent/withdraw")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["sharing"] == "consent_withdrawn"
    assert withdrawn.json()["adherence"]["periods"][0]["count"] == 1  # the patient still sees their own

    client.force_login(world.people["clinician"])
    after = client.get(f"/api/v1/prescriptions/{prescription.pk}").json()
    assert after["sharing"] == "consent_withdrawn"
    assert after["adherence"] is None
    listed = client.get("/api/v1/prescriptions").json()["items"][0]
    assert listed["sharing"] == "consent_withdrawn" and "adherence" not in listed
    patient_page = client.get(f"/api/v1/patients/{prescription.patient.pk}").json()
    assert "adherence" not in patient_page["prescriptions"][0]


def test_only_the_patient_may_withdraw_their_consent(client, world):
    prescription = accepted(world)
    expect = {persona: 404 for persona in STAFF_ONLY} | {"anonymous": 401, "member": 200}
    check_matrix(
        client, world, url=f"/api/v1/me/prescriptions/{prescription.pk}/consent/withdraw", expect=expect,
        method="post",
    )  # fmt: skip


# --- Bad input --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (report(activity="dancing"), 400, "invalid"),
        (report(activity="any"), 400, "invalid"),
        ({"activity": "meeting", "when": "2026-01-01T10:00:00"}, 422, "validation_failed"),  # no time zone
        ({"activity": "meeting"}, 422, "validation_failed"),
        (report(note="x" * 501), 422, "validation_failed"),
        ("not json", 400, ""),
    ],
    ids=["unknown-activity", "any-is-not-an-activity", "naive-time", "no-time", "long-note", "not-json"],
)
def test_a_bad_report_is_a_problem_and_saves_nothing(client, world, payload, status, code):
    prescription = accepted(world)
    client.force_login(world.people["member"])
    response = client.post(
        f"/api/v1/prescriptions/{prescription.pk}/participation", payload, content_type="application/json"
    )
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    if code:
        assert response.json()["code"] == code
    assert not Participation.objects.exists()


def test_a_report_in_the_future_is_refused(client, world):
    prescription = accepted(world)
    client.force_login(world.people["member"])
    future = (now() + timedelta(days=2)).isoformat()
    response = client.post(
        f"/api/v1/prescriptions/{prescription.pk}/participation", report(when=future), content_type="application/json"
    )
    assert response.status_code == 400
    assert "future" in response.json()["detail"]
    assert not Participation.objects.exists()


def test_a_report_against_a_cancelled_prescription_is_a_conflict(client, world):
    prescription = accepted(world)
    services.prescription_cancel(clinician=world.people["clinician"], prescription=prescription)
    client.force_login(world.people["member"])
    response = client.post(
        f"/api/v1/prescriptions/{prescription.pk}/participation", report(), content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_withdrawing_twice_is_a_conflict(client, world):
    prescription = accepted(world)
    client.force_login(world.people["member"])
    url = f"/api/v1/me/prescriptions/{prescription.pk}/consent/withdraw"
    assert client.post(url).status_code == 200
    again = client.post(url)
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"


def test_an_id_that_is_not_one_is_a_problem_not_a_server_error(client, world):
    client.force_login(world.people["clinician"])
    for url in ("/api/v1/prescriptions/not-an-id", "/api/v1/patients/42"):
        response = client.get(url)
        assert 400 <= response.status_code < 500
        assert response["Content-Type"] == "application/problem+json"
