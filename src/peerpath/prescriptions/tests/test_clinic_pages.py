"""The clinician's side as each persona sees it: patients, writing and sending a prescription, the dashboard, CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.audit.models import AuditEvent
from peerpath.core.time import now
from peerpath.directory.tests.helpers import submit
from peerpath.prescriptions import services
from peerpath.prescriptions.forms import nhs_number_is_valid
from peerpath.prescriptions.models import Participation, Patient, PatientIdentifier, Prescription
from peerpath.prescriptions.services import PatientData
from peerpath.prescriptions.tests.helpers import accepted, draft, group, patient, sent
from peerpath.testing.matrix import LOGIN, check_matrix
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db
Status = Prescription.Status
SEED_SENTENCE = "Participate in 1 online conversation monthly for 3 months"

NOT_STAFF_404 = {"member": 404, "carer": 404, "peer_supporter": 404, "moderator": 404}
# Pages of one patient or prescription: the organisation's clinical staff only; another organisation's get 404.
CLINICAL_STAFF: dict[str, int | str] = {
    "anonymous": LOGIN,
    **NOT_STAFF_404,
    "clinician": 200,
    "coordinator": 200,
    "admin": 200,
    "outsider": 404,
}
# Lists (dashboard, CSV): the outsider is a coordinator of their own clinic and sees its (empty) list, never ours.
CLINICAL_LISTS: dict[str, int | str] = {**CLINICAL_STAFF, "outsider": 200}


def form_data(listing: Any, /, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "listing": str(listing.pk) if listing is not None else "",
        "support_kind": "",
        "condition": "",
        "activity": "online_conversation",
        "count": "1",
        "per": "month",
        "duration": "3",
        "duration_unit": "months",
        "start_date": now().date().isoformat(),
        "reasons": ["new_diagnosis", "new_to_area"],
        "reason_text": "Diagnosed last month",
        "note_to_patient": "People here know what it is like.",
    }
    data.update(overrides)
    return data


def other_clinic_patient(world: Any) -> Patient:
    return services.patient_create(
        actor=world.people["outsider"],
        organisation=world.other,
        data=PatientData(given_name="Olga", family_name="Hill"),
    )


# --- The permission matrix -------------------------------------------------------------------------------------


def test_only_the_organisations_clinical_staff_reach_patient_and_prescription_pages(world, client):
    prescription = draft(world)
    check_matrix(client, world, url=f"/clinic/patients/{prescription.patient_id}/", expect=CLINICAL_STAFF)
    check_matrix(client, world, url=f"/clinic/patients/{prescription.patient_id}/edit/", expect=CLINICAL_STAFF)
    check_matrix(client, world, url=f"/clinic/prescriptions/{prescription.pk}/", expect=CLINICAL_STAFF)


def test_the_dashboard_patient_list_and_csv_are_for_clinical_staff_and_never_show_another_organisations(world, client):
    draft(world)
    for url in ("/clinic/prescriptions/", "/clinic/prescriptions/export.csv", "/clinic/patients/"):
        check_matrix(client, world, url=url, expect=CLINICAL_LISTS)
    client.force_login(world.people["outsider"])
    for url in ("/clinic/prescriptions/", "/clinic/prescriptions/export.csv", "/clinic/patients/"):
        assert "Smith" not in client.get(url).content.decode(), url


def test_only_clinicians_open_the_prescribing_form(world, client):
    bob = patient(world)
    expect = {**CLINICAL_STAFF, "coordinator": 403, "admin": 403}
    check_matrix(client, world, url=f"/clinic/patients/{bob.pk}/prescribe/", expect=expect)
    check_matrix(client, world, url="/clinic/prescriptions/new/", expect={**expect, "coordinator": 404, "admin": 404})


def test_a_clinician_of_another_organisation_gets_404_for_our_patient_and_we_for_theirs(world, client):
    ours = draft(world)
    theirs = other_clinic_patient(world)
    client.force_login(world.people["outsider"])
    assert client.get(f"/clinic/prescriptions/{ours.pk}/").status_code == 404
    assert client.post(f"/clinic/prescriptions/{ours.pk}/cancel/", {"reason": "x"}).status_code == 404
    client.force_login(world.people["clinician"])
    listing = group(world, "Another group")
    response = client.post(f"/clinic/patients/{theirs.pk}/prescribe/", form_data(listing))
    assert response.status_code == 404
    assert not Prescription.objects.filter(patient=theirs).exists()
    # Picked from the list on the directory's path, their patient is simply not a choice.
    response = client.post(
        f"/clinic/prescriptions/new/?listing={listing.pk}", {**form_data(listing), "patient": theirs.pk}
    )
    assert response.status_code == 400
    assert not Prescription.objects.filter(patient=theirs).exists()


# --- Patients --------------------------------------------------------------------------------------------------


def test_staff_add_a_patient_with_an_nhs_number_and_an_mrn(world, client):
    client.force_login(world.people["coordinator"])
    response = client.post(
        "/clinic/patients/new/",
        {"given_name": "Bob", "family_name": "Smith", "birth_date": "1968-04-02", "preferred_language": "en",
         "nhs_number": "943 476 5919", "mrn": "RX-1001", "mrn_system": ""},
    )  # fmt: skip
    bob = Patient.objects.get(family_name="Smith")
    assert response.status_code == 302 and response["Location"] == f"/clinic/patients/{bob.pk}/"
    identifiers = {(item.kind, item.value) for item in bob.identifiers.all()}
    assert identifiers == {(PatientIdentifier.Kind.NHS_NUMBER, "9434765919"), (PatientIdentifier.Kind.MRN, "RX-1001")}
    page = client.get(f"/clinic/patients/{bob.pk}/").content.decode()
    assert "9434765919" in page and "RX-1001" in page and "Not linked yet" in page


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"nhs_number": "9434765918"}, 400, "not a valid NHS number"),
        ({"nhs_number": "9434765919"}, 409, "already on your list"),
        ({"given_name": "", "family_name": ""}, 400, "This field is required"),
    ],
)
def test_a_bad_patient_record_is_refused_and_nothing_is_saved(world, client, fields, status, message):
    patient(world)  # Bob Smith, NHS number 9434765919
    client.force_login(world.people["clinician"])
    before = Patient.objects.count()
    data = {"given_name": "Ann", "family_name": "Other", "preferred_language": "en", **fields}
    response = client.post("/clinic/patients/new/", data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert Patient.objects.count() == before


def test_the_patient_search_is_posted_so_names_and_nhs_numbers_stay_out_of_urls(world, client):
    patient(world)
    patient(world, given="Ann", family="Jones", nhs="4010232137")
    client.force_login(world.people["clinician"])
    by_name = client.post("/clinic/patients/", {"q": "jones"}).content.decode()
    assert "Jones, Ann" in by_name and "Smith, Bob" not in by_name
    by_number = client.post("/clinic/patients/", {"q": "943 476 5919"}).content.decode()
    assert "Smith, Bob" in by_number and "Jones, Ann" not in by_number
    assert 'method="post" action="/clinic/patients/"' in client.get("/clinic/patients/").content.decode()
    searches = AuditEvent.objects.filter(action="patient.list_viewed", details__searched=True)
    assert searches.count() == 2 and all("jones" not in str(event.details).lower() for event in searches)


def test_the_patient_page_lists_every_prescription_with_its_sharing(world, client):
    first = accepted(world)
    second = draft(world, for_patient=first.patient, listing=group(world, "Second group"))
    client.force_login(world.people["clinician"])
    page = client.get(f"/clinic/patients/{first.patient_id}/").content.decode()
    assert f"/clinic/prescriptions/{first.pk}/" in page and f"/clinic/prescriptions/{second.pk}/" in page
    assert "Participation shared" in page and "Waiting for the patient" in page
    assert "Linked: the patient accepted" in page


# --- Writing a prescription ------------------------------------------------------------------------------------


def test_a_clinician_prescribes_a_group_and_reads_the_dose_back(world, client):
    bob = patient(world)
    listing = group(world)
    client.force_login(world.people["clinician"])
    assert client.get(f"/clinic/patients/{bob.pk}/prescribe/").status_code == 200
    response = client.post(f"/clinic/patients/{bob.pk}/prescribe/", form_data(listing))
    prescription = Prescription.objects.get(patient=bob)
    assert response.status_code == 302 and response["Location"] == f"/clinic/prescriptions/{prescription.pk}/"
    assert prescription.status == Status.DRAFT and prescription.listing == listing
    assert prescription.reasons == ["new_diagnosis", "new_to_area"]
    page = client.get(response["Location"]).content.decode()
    assert SEED_SENTENCE in page
    assert "Fibromyalgia Support Group" in page and "New to the area" in page
    assert "Send to patient" in page


def test_a_kind_of_support_for_a_condition_can_be_prescribed_without_a_group(world, client):
    bob = patient(world)
    client.force_login(world.people["clinician"])
    condition = group(world).conditions.first()
    data = form_data(None, support_kind="buddy", condition=str(condition.pk), activity="peer_contact", per="week",
                     count="2", duration="8", duration_unit="weeks")  # fmt: skip
    assert client.post(f"/clinic/patients/{bob.pk}/prescribe/", data).status_code == 302
    prescription = Prescription.objects.get(patient=bob)
    assert prescription.listing is None and prescription.support_kind == "buddy"
    assert prescription.dose_sentence == "Have 2 contacts with a peer supporter weekly for 8 weeks"


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"count": "0"}, 400, "at least 1 activity"),
        ({"count": "8", "per": "week"}, 400, "more than one a day"),
        ({"duration": "25"}, 400, "at most 24 months"),
        ({"duration": "0"}, 400, "ends before it starts"),
        ({"listing": "", "support_kind": ""}, 400, "Choose a group, or the kind of support"),
    ],
)
def test_a_bad_dose_or_no_choice_is_refused_on_the_form_and_nothing_is_saved(world, client, overrides, status, message):
    bob = patient(world)
    listing = group(world)
    client.force_login(world.people["clinician"])
    response = client.post(f"/clinic/patients/{bob.pk}/prescribe/", form_data(listing, **overrides))
    assert response.status_code == status
    assert message in response.content.decode()
    assert 'class="nhsuk-error-summary"' in response.content.decode()
    assert not Prescription.objects.exists()


def test_an_unvetted_group_is_refused(world, client):
    bob = patient(world)
    waiting = submit("Not yet vetted")
    client.force_login(world.people["clinician"])
    response = client.post(f"/clinic/patients/{bob.pk}/prescribe/", form_data(waiting))
    assert response.status_code == 400
    assert "That group is not vetted" in response.content.decode()
    assert not Prescription.objects.exists()


def test_a_second_open_prescription_for_the_same_group_is_refused(world, client):
    first = draft(world)
    client.force_login(world.people["clinician"])
    response = client.post(f"/clinic/patients/{first.patient_id}/prescribe/", form_data(first.listing))
    assert response.status_code == 409
    assert "already has an open prescription for that group" in response.content.decode()
    assert Prescription.objects.count() == 1


def test_coordinators_see_prescriptions_but_cannot_write_or_send_them(world, client):
    prescription = draft(world)
    client.force_login(world.people["coordinator"])
    page = client.get(f"/clinic/prescriptions/{prescription.pk}/").content.decode()
    assert SEED_SENTENCE in page and "Send to patient" not in page and "Edit the draft" not in page
    response = client.post(f"/clinic/patients/{prescription.patient_id}/prescribe/", form_data(group(world, "B")))
    assert response.status_code == 403
    assert client.post(f"/clinic/prescriptions/{prescription.pk}/send/").status_code == 403
    prescription.refresh_from_db()
    assert prescription.status == Status.DRAFT and Prescription.objects.count() == 1


def test_send_reissue_and_cancel_from_the_prescription_page(world, client, django_capture_on_commit_callbacks):
    prescription = draft(world)
    client.force_login(world.people["clinician"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/clinic/prescriptions/{prescription.pk}/send/")
    assert response.status_code == 302
    prescription.refresh_from_db()
    assert prescription.status == Status.SENT and len(mail.outbox) == 1
    page = client.get(f"/clinic/prescriptions/{prescription.pk}/").content.decode()
    expires = (now() + timedelta(days=14)).strftime("%-d %b %Y")
    assert f"work until {expires}" in page and "New invitation link" in page
    assert f"/prescriptions/{prescription.pk}/print/" in page

    old = services.current_invitation(prescription)
    assert client.post(f"/clinic/prescriptions/{prescription.pk}/reissue/").status_code == 302
    assert services.current_invitation(prescription) != old

    # Sending twice is an illegal move: shown on the page, nothing changes.
    again = client.post(f"/clinic/prescriptions/{prescription.pk}/send/")
    assert again.status_code == 409 and "cannot become sent" in again.content.decode()

    response = client.post(f"/clinic/prescriptions/{prescription.pk}/cancel/", {"reason": "Wrong group"})
    assert response.status_code == 302
    prescription.refresh_from_db()
    assert prescription.status == Status.CANCELLED and prescription.cancel_reason == "Wrong group"
    assert services.current_invitation(prescription) is None


def test_a_draft_is_edited_and_a_sent_one_is_not(world, client):
    prescription = draft(world)
    client.force_login(world.people["clinician"])
    page = client.get(f"/clinic/prescriptions/{prescription.pk}/edit/").content.decode()
    assert SEED_SENTENCE in page  # the read-back of the saved dose
    response = client.post(
        f"/clinic/prescriptions/{prescription.pk}/edit/", form_data(prescription.listing, count="2", per="week")
    )
    assert response.status_code == 302
    prescription.refresh_from_db()
    assert prescription.dose_sentence == "Participate in 2 online conversations weekly for 3 months"
    services.prescription_send(clinician=world.people["clinician"], prescription=prescription)
    response = client.post(f"/clinic/prescriptions/{prescription.pk}/edit/", form_data(prescription.listing))
    assert response.status_code == 302
    prescription.refresh_from_db()
    assert prescription.dose_count == 2


def test_the_dose_preview_reads_the_sentence_back_or_says_what_is_wrong(world, client):
    client.force_login(world.people["clinician"])
    fields = {
        "activity": "online_conversation",
        "count": "1",
        "per": "month",
        "duration": "3",
        "duration_unit": "months",
    }
    assert SEED_SENTENCE in client.post("/clinic/dose-preview/", fields).content.decode()
    assert "at most 24 months" in client.post("/clinic/dose-preview/", {**fields, "duration": "30"}).content.decode()
    client.force_login(world.people["coordinator"])
    assert client.post("/clinic/dose-preview/", fields).status_code == 404


def test_the_directorys_prescribe_button_leads_into_the_form_with_the_group_chosen(world, client):
    listing = group(world)
    bob = patient(world)
    client.force_login(world.people["clinician"])
    response = client.get(f"/directory/{listing.pk}/prescribe/", follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/clinic/prescriptions/new/?listing={listing.pk}"
    assert f'<option value="{listing.pk}" selected>' in page
    assert f'<option value="{bob.pk}">' in page
    response = client.post(response.redirect_chain[-1][0], {**form_data(listing), "patient": str(bob.pk)})
    assert response.status_code == 302
    assert Prescription.objects.get().listing == listing


# --- The prescription page and consent -------------------------------------------------------------------------


def test_the_clinician_sees_adherence_only_while_the_patient_shares_it(world, client):
    prescription = accepted(world)
    services.participation_self_report(
        user=world.people["member"], prescription=prescription, activity="online_conversation", when=now()
    )
    client.force_login(world.people["clinician"])
    page = client.get(f"/clinic/prescriptions/{prescription.pk}/").content.decode()
    assert "Participation shared" in page and "Adherence by period" in page and "1 of 1" in page
    assert ">Met<" in page and ">Upcoming<" in page

    services.consent_withdraw(user=world.people["member"], prescription=prescription)
    page = client.get(f"/clinic/prescriptions/{prescription.pk}/").content.decode()
    assert "Consent withdrawn" in page
    assert "Adherence by period" not in page and "1 of 1" not in page and ">Met<" not in page
    csv_text = client.get("/clinic/prescriptions/export.csv").content.decode()
    assert "Consent withdrawn" in csv_text and "period" not in csv_text.split("\n", 1)[1]


def test_a_coordinator_records_participation_on_the_patients_behalf_and_a_clinician_cannot(world, client):
    prescription = accepted(world)
    today = now().date().isoformat()
    client.force_login(world.people["clinician"])
    page = client.get(f"/clinic/prescriptions/{prescription.pk}/").content.decode()
    assert "Record participation on the patient" not in page
    refused = client.post(
        f"/clinic/prescriptions/{prescription.pk}/participation/", {"activity": "online_conversation", "on": today}
    )
    assert refused.status_code == 403 and not Participation.objects.exists()

    client.force_login(world.people["coordinator"])
    assert (
        "Record participation on the patient"
        in client.get(f"/clinic/prescriptions/{prescription.pk}/").content.decode()
    )
    response = client.post(
        f"/clinic/prescriptions/{prescription.pk}/participation/",
        {"activity": "online_conversation", "on": today, "note": "Paper register"},
    )
    assert response.status_code == 302
    participation = Participation.objects.get()
    assert participation.source == Participation.Source.COORDINATOR
    assert participation.recorded_by == world.people["coordinator"]
    tomorrow = (now().date() + timedelta(days=2)).isoformat()
    future = client.post(
        f"/clinic/prescriptions/{prescription.pk}/participation/", {"activity": "online_conversation", "on": tomorrow}
    )
    assert future.status_code == 400 and "cannot be recorded in the future" in future.content.decode()
    assert Participation.objects.count() == 1


# --- The dashboard and its CSV ---------------------------------------------------------------------------------


def _lapsing_prescription(world: Any, index: int, listing: Any) -> Prescription:
    """Accepted with sharing two months ago, and nothing done since: the last period was missed."""
    person = patient(world, given=f"Pat{index}", family="Lapsing", nhs=f"90000000{index:02d}")
    return accepted(
        world, user=make_user(f"pat-{index}"), for_patient=person, listing=listing,
        start=now().date() - relativedelta(months=2),
    )  # fmt: skip


def test_the_dashboard_counts_by_status_and_lists_lapsing_and_needs_attention(world, client):
    listing = group(world)
    lapsing = _lapsing_prescription(world, 1, listing)
    declined, issued = sent(world, for_patient=patient(world, given="Dee", family="Clined", nhs="9000000099"))
    services.invitation_decline(user=make_user("dee"), invitation=issued.invitation)
    draft(world)
    client.force_login(world.people["clinician"])
    page = client.get("/clinic/prescriptions/").content.decode()
    lapsing_part = page.split('id="lapsing"')[1].split('id="attention"')[0]
    attention_part = page.split('id="attention"')[1].split("All prescriptions")[0]
    assert f"/clinic/prescriptions/{lapsing.pk}/" in lapsing_part
    assert f"/clinic/prescriptions/{declined.pk}/" in attention_part and "Declined by the patient" in attention_part
    assert '<a href="?status=draft" data-status="draft">1</a>' in page
    assert '<a href="?status=declined" data-status="declined">1</a>' in page

    filtered = client.get("/clinic/prescriptions/", {"status": "declined"}).content.decode()
    table = filtered.split("All prescriptions")[1]
    assert "Clined" in table and "Lapsing" not in table
    assert client.get("/clinic/prescriptions/", {"since": "2030-01-02", "until": "2030-01-01"}).status_code == 400


def test_the_dashboard_makes_the_same_number_of_queries_for_5_or_25_prescriptions(
    world, client, django_assert_max_num_queries
):
    listing = group(world)
    for index in range(5):
        _lapsing_prescription(world, index, listing)
    client.force_login(world.people["clinician"])
    client.get("/clinic/prescriptions/")  # warm the session and caches
    with CaptureQueriesContext(connection) as five:
        assert client.get("/clinic/prescriptions/").status_code == 200
    for index in range(5, 25):
        _lapsing_prescription(world, index, listing)
    with django_assert_max_num_queries(len(five.captured_queries)):
        page = client.get("/clinic/prescriptions/").content.decode()
    assert page.split('id="lapsing"')[1].split('id="attention"')[0].count("/clinic/prescriptions/") == 25


def test_the_csv_export_is_audited_uncached_and_safe_to_open_in_a_spreadsheet(world, client):
    hostile = patient(world, given='=HYPERLINK("http://evil.example")', family="-Smith", nhs="9000000001")
    prescription = draft(world, for_patient=hostile)
    client.force_login(world.people["clinician"])
    response = client.get("/clinic/prescriptions/export.csv", {"status": "draft"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="prescriptions-')
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["prescription_id", "status", "written_on", "sent_on", "patient"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["prescription_id"] == str(prescription.pk)
    assert row["patient"] == '\'=HYPERLINK("http://evil.example") -Smith'
    assert row["patient_identifiers"] == "NHS number 9000000001"
    assert row["dose"] == SEED_SENTENCE and row["status"] == "Draft"
    event = AuditEvent.objects.filter(action="prescription.exported").get()
    assert event.actor == world.people["clinician"] and event.details["count"] == 1
    assert event.details["status"] == "draft"


def test_the_nhs_number_check_digit():
    assert nhs_number_is_valid("9434765919") and nhs_number_is_valid("4010232137")
    assert not nhs_number_is_valid("9434765918") and not nhs_number_is_valid("12345")
