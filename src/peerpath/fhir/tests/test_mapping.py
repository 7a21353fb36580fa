"""Domain objects → FHIR R4: every resource valid per fhir.resources R4B, and checked field by field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from peerpath.core.time import now
from peerpath.fhir import codes, mapping
from peerpath.fhir.tests.conftest import valid
from peerpath.prescriptions import services
from peerpath.prescriptions.models import Prescription
from peerpath.prescriptions.tests.helpers import accepted, draft, patient

pytestmark = pytest.mark.django_db
Status = Prescription.Status


def _fresh(prescription: Prescription) -> Prescription:
    from peerpath.prescriptions.selectors import with_details

    return with_details(Prescription.objects.filter(pk=prescription.pk)).get()


def test_service_request_carries_the_dose_field_by_field(world):
    start = date(2026, 1, 5)
    prescription = _fresh(draft(world, start=start, count=2, per="week", duration=6, duration_unit="weeks",
                                activity="meeting"))  # fmt: skip
    resource = mapping.service_request(prescription)
    model = valid(resource)
    timing = resource["occurrenceTiming"]
    assert timing["repeat"]["frequency"] == 2
    assert timing["repeat"]["period"] == 1
    assert timing["repeat"]["periodUnit"] == "wk"
    assert timing["repeat"]["boundsPeriod"] == {"start": "2026-01-05", "end": "2026-02-15"}
    assert timing["code"]["text"] == "Attend 2 meetings weekly for 6 weeks"
    assert model.occurrenceTiming.code.text == prescription.dose_sentence
    assert resource["note"][0]["text"] == "Attend 2 meetings weekly for 6 weeks"
    assert resource["status"] == "draft" and resource["intent"] == "order"
    assert resource["subject"]["reference"] == f"Patient/{prescription.patient_id}"
    assert resource["id"] == str(prescription.pk)
    assert resource["category"][0]["coding"][0] == {
        "system": "http://snomed.info/sct", "code": "410606002", "display": "Social service procedure",
    }  # fmt: skip
    assert resource["reasonCode"][0]["coding"][0]["code"] == "new_diagnosis"
    assert resource["reasonCode"][0]["coding"][0]["system"] == codes.REASON_SYSTEM
    assert resource["reasonCode"][0]["text"] == "New diagnosis"
    assert resource["requester"]["display"] == "Clinician Testperson"
    assert resource["performer"][0]["display"]
    assert resource["meta"]["profile"] == [codes.SERVICE_REQUEST_PROFILE]
    assert "supportingInfo" not in resource  # no consent yet


def test_seed_dose_reads_monthly_with_the_seed_sentence(world):
    prescription = _fresh(draft(world, start=date(2026, 3, 1)))
    timing = mapping.service_request(prescription)["occurrenceTiming"]
    assert timing["repeat"]["periodUnit"] == "mo"
    assert timing["repeat"]["frequency"] == 1
    assert timing["repeat"]["boundsPeriod"] == {"start": "2026-03-01", "end": "2026-05-31"}
    assert timing["code"]["text"] == "Participate in 1 online conversation monthly for 3 months"


@pytest.mark.parametrize(
    ("status", "service_request", "task", "business"),
    [
        (Status.DRAFT, "draft", "draft", "draft"),
        (Status.SENT, "active", "requested", "sent"),
        (Status.ACCEPTED, "active", "accepted", "accepted"),
        (Status.ACTIVE, "active", "in-progress", "active"),
        (Status.LAPSED, "active", "in-progress", "lapsed"),
        (Status.COMPLETED, "completed", "completed", "completed"),
        (Status.DECLINED, "revoked", "rejected", "declined"),
        (Status.CANCELLED, "revoked", "cancelled", "cancelled"),
        (Status.EXPIRED, "revoked", "cancelled", "expired"),
    ],
)
def test_every_lifecycle_status_maps_to_valid_fhir_statuses(world, status, service_request, task, business):
    prescription = _fresh(draft(world))
    prescription.status = status
    resource = mapping.service_request(prescription)
    valid(resource)
    assert resource["status"] == service_request
    task_resource = mapping.task(prescription, now().date())
    valid(task_resource)
    assert task_resource["status"] == task
    assert task_resource["businessStatus"]["coding"][0]["code"] == business


def test_task_shows_participation_only_while_consent_stands_and_consent_turns_inactive(world):
    prescription = accepted(world, ehr=True)
    services.participation_self_report(
        user=world.people["member"], prescription=prescription, activity="online_conversation", when=now()
    )
    shared = _fresh(prescription)
    task = mapping.task(shared, now().date())
    valid(task)
    assert task["status"] == "in-progress"
    assert task["focus"]["reference"] == f"ServiceRequest/{prescription.pk}"
    assert task["for"]["reference"] == f"Patient/{prescription.patient_id}"
    assert task["owner"]["display"]
    assert task["meta"]["profile"] == [codes.TASK_PROFILE]
    summary, first_period = task["output"][0], task["output"][1]
    assert summary["valueString"] == "1 of 1 period met so far"
    assert first_period["valueInteger"] == 1 and "Met" in first_period["type"]["text"]
    assert len(task["output"]) == 1 + 3  # the summary and one per period of a 3-month dose

    consent = shared.consents.get()
    service_request = mapping.service_request(shared)
    assert service_request["supportingInfo"] == [{"reference": f"Consent/{consent.pk}"}]
    active = mapping.consent(consent)
    valid(active)
    assert active["status"] == "active" and "end" not in active["provision"]["period"]

    services.consent_withdraw(user=world.people["member"], prescription=prescription)
    withdrawn = _fresh(prescription)
    task = mapping.task(withdrawn, now().date())
    valid(task)
    assert "output" not in task
    inactive = mapping.consent(withdrawn.consents.get())
    valid(inactive)
    assert inactive["status"] == "inactive"
    assert inactive["provision"]["period"]["end"]


def test_sharing_with_the_clinic_alone_puts_no_summary_into_the_ehr(world):
    prescription = accepted(world, ehr=False)
    services.participation_self_report(
        user=world.people["member"], prescription=prescription, activity="online_conversation", when=now()
    )
    task = mapping.task(_fresh(prescription), now().date())
    valid(task)
    assert "output" not in task
    consent = mapping.consent(_fresh(prescription).consents.get())
    assert [coding["code"] for coding in consent["provision"]["code"][0]["coding"]] == ["participation"]


def test_signpost_only_task_has_no_output(world):
    prescription = accepted(world, share=False)
    services.participation_self_report(
        user=world.people["member"], prescription=prescription, activity="online_conversation", when=now()
    )
    task = mapping.task(_fresh(prescription), now().date())
    assert "output" not in task
    assert "supportingInfo" not in mapping.service_request(_fresh(prescription))


def test_a_missed_period_shows_as_missed_in_the_task_output(world):
    prescription = accepted(world, ehr=True)
    with time_machine.travel(now() + timedelta(days=40)):
        task = mapping.task(_fresh(prescription), now().date())
    assert task["output"][0]["valueString"] == "0 of 1 period met so far"
    assert "Missed" in task["output"][1]["type"]["text"]


def test_patient_resource_is_valid_and_keeps_identifiers_with_their_system(world):
    record = patient(world, gender="female", phone="+44 7700 900123")
    resource = mapping.patient(record)
    model = valid(resource)
    assert model.name[0].family == "Smith" and model.name[0].given == ["Bob"]
    assert resource["birthDate"] == "1968-04-02"
    assert resource["gender"] == "female"
    assert {"system": "email", "value": "bob.smith@example.org"} in resource["telecom"]
    assert {"system": "phone", "value": "+44 7700 900123"} in resource["telecom"]
    assert resource["identifier"][0]["system"] == "https://fhir.nhs.uk/Id/nhs-number"
    assert resource["identifier"][0]["value"] == "9434765919"
    assert resource["communication"][0]["language"]["coding"][0]["code"] == "en"


def test_search_bundle_is_a_valid_searchset(world):
    prescription = _fresh(draft(world))
    resource = mapping.bundle(
        [mapping.service_request(prescription), mapping.task(prescription, now().date())],
        base_url="https://peerpath.test/fhir/r4/",
    )
    valid(resource)
    assert resource["type"] == "searchset" and resource["total"] == 2
    assert resource["entry"][0]["fullUrl"] == f"https://peerpath.test/fhir/r4/ServiceRequest/{prescription.pk}"
