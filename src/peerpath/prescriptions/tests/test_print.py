"""The printed prescription (issue 4 point 7): seed 000's layout on a page and in a PDF, with the invitation QR code."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.dateformat import format as format_date

from peerpath.audit.models import AuditEvent
from peerpath.core.time import now
from peerpath.prescriptions import printing, services
from peerpath.prescriptions.dose import Dose
from peerpath.prescriptions.tests.helpers import accepted, dose, draft, group, patient, sent
from peerpath.testing.matrix import LOGIN, check_matrix

pytestmark = pytest.mark.django_db

SEED_SENTENCE = "Participate in 1 online conversation monthly for 3 months"
QR_MARK = '<svg role="img" aria-label="QR code of the invitation link"'

# The owning organisation's clinical staff; everyone else, signed in, is told the page does not exist.
CLINICAL_STAFF_ONLY = {
    "anonymous": LOGIN,
    "member": 404,
    "carer": 404,
    "peer_supporter": 404,
    "moderator": 404,
    "clinician": 200,
    "coordinator": 200,
    "admin": 200,
    "outsider": 404,
}

# (dose, the sentence it must print): each activity, weekly and monthly, one and many, a unit of one.
DOSES = [
    ({"activity": "online_conversation", "count": 1, "per": "month", "duration": 3, "duration_unit": "months"},
     SEED_SENTENCE),
    ({"activity": "meeting", "count": 1, "per": "week", "duration": 12, "duration_unit": "weeks"},
     "Attend 1 meeting weekly for 12 weeks"),
    ({"activity": "meeting", "count": 2, "per": "month", "duration": 1, "duration_unit": "months"},
     "Attend 2 meetings monthly for 1 month"),
    ({"activity": "peer_contact", "count": 1, "per": "week", "duration": 1, "duration_unit": "weeks"},
     "Have 1 contact with a peer supporter weekly for 1 week"),
    ({"activity": "peer_contact", "count": 3, "per": "month", "duration": 6, "duration_unit": "months"},
     "Have 3 contacts with a peer supporter monthly for 6 months"),
    ({"activity": "any", "count": 1, "per": "month", "duration": 24, "duration_unit": "months"},
     "Take part in 1 peer-support activity monthly for 24 months"),
    ({"activity": "any", "count": 7, "per": "week", "duration": 104, "duration_unit": "weeks"},
     "Take part in 7 peer-support activities weekly for 104 weeks"),
    ({"activity": "online_conversation", "count": 31, "per": "month", "duration": 24, "duration_unit": "months"},
     "Participate in 31 online conversations monthly for 24 months"),
]  # fmt: skip
DOSE_IDS = [sentence for _, sentence in DOSES]


def print_url(prescription) -> str:
    return f"/prescriptions/{prescription.pk}/print/"


def pdf_url(prescription) -> str:
    return f"/prescriptions/{prescription.pk}/print.pdf"


def page_as(client, user, prescription) -> str:
    client.force_login(user)
    response = client.get(print_url(prescription))
    assert response.status_code == 200
    return response.content.decode()


def pdf_text(prescription) -> bytes:
    """The PDF with its page stream uncompressed, so the words on the page can be looked for."""
    return printing.pdf_bytes(printing.sheet_for(prescription), compress=False)


# --- The dose sentence, exactly ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "sentence"), DOSES, ids=DOSE_IDS)
def test_the_print_page_shows_the_dose_sentence_exactly(world, client, fields, sentence):
    prescription = draft(world, **fields)
    assert Dose(start=prescription.start_date, **fields).sentence() == sentence
    html = page_as(client, world.people["clinician"], prescription)
    assert f'<p class="pp-sheet__dose" id="dose-sentence">{sentence}</p>' in html


@pytest.mark.parametrize(("fields", "sentence"), DOSES, ids=DOSE_IDS)
def test_the_pdf_prints_the_dose_sentence_on_one_line(world, fields, sentence):
    prescription = draft(world, **fields)
    # One text run: the sentence is never broken across lines, however long the dose.
    assert f"({sentence}) Tj".encode() in pdf_text(prescription)


# --- What the sheet shows ---------------------------------------------------------------------------------------


def test_a_sent_prescription_prints_seed_000s_layout_with_clinician_and_date(world, client):
    listing = group(
        world,
        url="https://www.myfibroteam.com",
        city="Exeter",
        format="hybrid",
        join_method="request",
        schedule_frequency="MONTHLY",
        schedule_byday="1TH",
    )
    prescription, _ = sent(world, listing=listing)
    html = page_as(client, world.people["clinician"], prescription)
    sent_on = format_date(timezone.localdate(prescription.sent_at), "j F Y")
    for text in (
        "Bob Smith",
        "Fibromyalgia Support Group",
        "https://www.myfibroteam.com",
        SEED_SENTENCE,
        "<li>Ask to join</li>",
        "When: the first Thursday of every month",
        "Where: Online and in person, Exeter",
        "New diagnosis",
        "Clinician Testperson, Riverside Health",
        sent_on,
        "Peer support is not medical advice",
    ):
        assert text in html, text
    # Seed 000's order: patient, group, link, dose.
    positions = [html.index(text) for text in ("Bob Smith", "Fibromyalgia Support Group", "myfibroteam", SEED_SENTENCE)]
    assert positions == sorted(positions)


def test_the_print_page_hides_the_site_chrome_when_printed_and_has_no_inline_code(world, client):
    prescription = draft(world)
    html = page_as(client, world.people["clinician"], prescription)
    assert "prescriptions/print.css" in html and "prescriptions/print.js" in html
    assert f'href="{pdf_url(prescription)}"' in html
    assert f'href="/clinic/prescriptions/{prescription.pk}/"' in html  # back to the prescription
    assert ' style="' not in html and "<style" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "inline script"
    stylesheet = Path(finders.find("prescriptions/print.css")).read_text(encoding="utf-8")
    assert "@media print" in stylesheet and ".nhsuk-header" in stylesheet and ".nhsuk-footer" in stylesheet


def test_a_sent_prescription_prints_the_qr_code_of_its_invitation_link_and_the_code(world, client):
    prescription, issued = sent(world)
    html = page_as(client, world.people["clinician"], prescription)
    # The very QR code of this link, named for screen readers, with the link and the code in words beside it.
    assert printing.qr_svg(issued.url) in html
    assert QR_MARK in html
    assert issued.url in html
    assert f"or go to {printing.invitations_entry_url()} and type" in html
    assert f'<strong class="pp-sheet__code">{issued.code}</strong>' in html


def test_a_draft_says_to_send_it_first_and_prints_no_code(world, client):
    prescription = draft(world)
    html = page_as(client, world.people["clinician"], prescription)
    assert "send it first to get the invitation code" in html
    assert "<svg" not in html
    assert "To accept this prescription" not in html
    assert SEED_SENTENCE in html


def test_an_accepted_prescription_prints_without_a_code(world, client):
    prescription = accepted(world)
    html = page_as(client, world.people["clinician"], prescription)
    assert "Already accepted by the patient" in html
    assert "<svg" not in html and "/invitations/" not in html


def test_an_expired_invitation_is_not_printed(world, client):
    prescription, issued = sent(world)
    with time_machine.travel(now() + timedelta(days=15)):
        html = page_as(client, world.people["clinician"], prescription)
    assert "The invitation has expired or was withdrawn" in html
    assert issued.code not in html and "<svg" not in html


def test_a_reissued_invitation_prints_the_new_code_only(world, client):
    prescription, old = sent(world)
    fresh = services.invitation_reissue(actor=world.people["clinician"], prescription=prescription)
    html = page_as(client, world.people["clinician"], prescription)
    assert fresh.code in html and fresh.url in html
    assert old.code not in html and old.url not in html


def test_a_cancelled_prescription_prints_for_the_record_only(world, client):
    prescription, issued = sent(world)
    services.prescription_cancel(clinician=world.people["clinician"], prescription=prescription)
    html = page_as(client, world.people["clinician"], prescription)
    assert "This prescription is cancelled: printed for the record only." in html
    assert issued.code not in html


def test_a_prescription_without_a_group_prints_what_is_prescribed(world, client):
    bob = patient(world)
    prescription = services.prescription_create(
        clinician=world.people["clinician"],
        patient=bob,
        data=services.PrescriptionData(dose=dose(), support_kind="buddy"),
    )
    html = page_as(client, world.people["clinician"], prescription)
    assert prescription.what in html
    assert "Your clinic will help you find a group" in html


def test_what_a_person_typed_is_escaped_on_the_page_and_in_the_pdf(world, client):
    bob = patient(world, given="<b>Bob</b>", family="Smith & Sons")
    prescription = services.prescription_create(
        clinician=world.people["clinician"],
        patient=bob,
        data=services.PrescriptionData(
            dose=dose(), listing=group(world), note_to_patient="Bring <your> notes & questions\nto the group"
        ),
    )
    html = page_as(client, world.people["clinician"], prescription)
    assert "&lt;b&gt;Bob&lt;/b&gt; Smith &amp; Sons" in html and "<b>Bob</b>" not in html
    assert "Bring &lt;your&gt; notes &amp; questions<br>to the group" in html
    # ReportLab draws an escaped character as its own text run: joined up, the runs read as typed.
    shown = b"".join(re.findall(rb"\((.*?)\) Tj", pdf_text(prescription)))
    assert b"<b>Bob</b> Smith & Sons" in shown
    assert b"Bring <your> notes & questions" in shown


# --- The PDF ----------------------------------------------------------------------------------------------------


def test_the_pdf_is_one_a4_page_served_inline_under_a_name_without_the_patient(world, client):
    prescription, issued = sent(world)
    client.force_login(world.people["clinician"])
    response = client.get(pdf_url(prescription))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="prescription.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    assert b"Smith" not in b"".join(value.encode() for _, value in response.items())
    content = pdf_text(prescription)
    assert len(re.findall(rb"/Type /Page\b(?!s)", content)) == 1
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in content
    for text in (
        "Bob Smith",
        "Fibromyalgia Support Group",
        SEED_SENTENCE,
        issued.url,
        issued.code,
        "not medical advice",
    ):
        assert text.encode() in content, text


def test_the_pdf_is_the_same_for_the_same_prescription(world):
    prescription, _ = sent(world)
    sheet = printing.sheet_for(prescription)
    assert printing.pdf_bytes(sheet) == printing.pdf_bytes(sheet)


def test_a_long_note_still_fits_on_one_page(world):
    bob = patient(world)
    prescription = services.prescription_create(
        clinician=world.people["clinician"],
        patient=bob,
        data=services.PrescriptionData(
            dose=dose(), listing=group(world), reasons=["new_diagnosis", "life_event"], note_to_patient="Word " * 399
        ),
    )
    services.prescription_send(clinician=world.people["clinician"], prescription=prescription)
    prescription.refresh_from_db()
    assert len(re.findall(rb"/Type /Page\b(?!s)", pdf_text(prescription))) == 1


def test_a_draft_pdf_carries_the_notice_and_no_code(world):
    prescription = draft(world)
    content = pdf_text(prescription)
    assert b"send it first to get the invitation code" in content
    assert b"/invitations/" not in content


# --- Who may print ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [print_url, pdf_url], ids=["page", "pdf"])
def test_only_the_owning_organisations_clinical_staff_may_print(world, client, url):
    prescription, _ = sent(world)
    check_matrix(client, world, url=url(prescription), expect=CLINICAL_STAFF_ONLY)


@pytest.mark.parametrize("url", [print_url, pdf_url], ids=["page", "pdf"])
def test_a_missing_prescription_gets_the_same_404(world, client, url):
    prescription, _ = sent(world)
    client.force_login(world.people["clinician"])
    missing = url(prescription).replace(str(prescription.pk), "00000000-0000-0000-0000-000000000001")
    assert client.get(missing).status_code == 404


def test_printing_is_audited_as_a_read_for_printing(world, client):
    prescription, _ = sent(world)
    client.force_login(world.people["coordinator"])
    client.get(print_url(prescription))
    client.get(pdf_url(prescription))
    reads = AuditEvent.objects.filter(
        object_id=str(prescription.pk), action="prescription.viewed", actor=world.people["coordinator"]
    )
    assert [event.details.get("purpose") for event in reads] == ["print", "print"]
    client.force_login(world.people["outsider"])
    client.get(pdf_url(prescription))
    assert AuditEvent.objects.filter(
        object_id=str(prescription.pk), action="access.denied", actor=world.people["outsider"]
    ).exists()
