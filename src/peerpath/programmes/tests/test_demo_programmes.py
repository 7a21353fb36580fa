"""`make run`'s demo programme (issue 16 point 9): three supporters (one near their cap, one paused), a dozen patients
with contacts over the past three months, and a prescription whose adherence moves with the contacts."""

from __future__ import annotations

import pytest

from peerpath.accounts.management.commands.demo import load_demo
from peerpath.accounts.models import User
from peerpath.prescriptions.models import Participation, Prescription
from peerpath.programmes import services
from peerpath.programmes.demo import CAP, PROGRAMME, demo_programme_guide
from peerpath.programmes.models import Enrolment, Interaction, Programme, WellbeingAlert, WellbeingCheckIn
from peerpath.programmes.selectors import caseload, check_in_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    load_demo()


def test_the_demo_programme_has_a_full_team_and_a_dozen_patients(demo, client):
    programme = Programme.objects.get(name=PROGRAMME)
    loads = {supporter.user.handle: services.active_caseload(supporter, programme)
             for supporter in programme.supporters.select_related("user")}  # fmt: skip
    assert loads == {"steady-steps": CAP - 1, "walk-and-talk": 4, "gentle-pace": 1}
    paused = [supporter.user.handle for supporter in programme.supporters.all() if supporter.is_paused]
    assert paused == ["gentle-pace"]
    assert Enrolment.objects.filter(programme=programme, status="active").count() == 12
    contacts = Interaction.objects.filter(enrolment__programme=programme)
    assert contacts.count() >= 36 and contacts.filter(concern="concern").count() == 1
    assert {contact.channel for contact in contacts} >= {"phone", "walk", "home_visit", "text"}
    hannah = Prescription.objects.get(patient__given_name="Hannah", activity="peer_contact")
    assert Participation.objects.filter(patient=hannah.patient, source="peer_contact").count() == 6
    assert hannah.status == Prescription.Status.ACTIVE


def test_the_demo_supporter_starts_on_an_overdue_first_caseload(demo, client):
    maureen = User.objects.get(email="peer-supporter@peerpath.demo")
    rows = caseload(maureen.supporter_profiles.get())
    assert rows[0].overdue_days > 0 and [row.due for row in rows] == sorted(row.due for row in rows)
    assert "Priya" in {row.enrolment.patient.given_name for row in rows}
    assert [row.enrolment.patient.given_name for row in rows if row.needs_review] == ["Joan"]
    client.force_login(maureen)
    assert client.get("/programmes/caseload/").status_code == 200
    hannah = next(row.enrolment for row in rows if row.enrolment.patient.given_name == "Hannah")
    page = client.get(f"/programmes/caseload/{hannah.pk}/").content.decode()
    assert 'href="tel:07700900123"' in page  # the phone Hannah chose to share with her supporter
    assert "/programmes/caseload/" in "\n".join(demo_programme_guide("http://127.0.0.1:8000"))


def test_the_demo_team_checks_in_and_one_worrying_check_in_alerted_the_coordinator(
    db, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    check_ins = WellbeingCheckIn.objects.select_related("supporter__user")
    assert sorted(check_in.supporter.user.handle for check_in in check_ins) == [
        "gentle-pace", "gentle-pace", "steady-steps", "steady-steps", "steady-steps", "walk-and-talk", "walk-and-talk",
        "walk-and-talk",
    ]  # fmt: skip
    worrying = [check_in.supporter.user.handle for check_in in check_ins if check_in.asks_for_attention]
    assert worrying == ["walk-and-talk"]
    alert = WellbeingAlert.objects.get()
    assert alert.kind == WellbeingAlert.Kind.CHECK_IN and alert.sent_at is not None
    coordinator = User.objects.get(email="coordinator@peerpath.demo")
    assert [mail.to for mail in mailoutbox if "peer supporter may need your support" in mail.subject] == [
        [coordinator.email]
    ]
    maureen = User.objects.get(email="peer-supporter@peerpath.demo")
    assert check_in_due(maureen.supporter_profiles.get())  # her caseload asks how she is
    programme = Programme.objects.get(name=PROGRAMME)
    client.force_login(coordinator)
    board = client.get(f"/programmes/{programme.pk}/wellbeing/").content.decode()
    assert "walk-and-talk" in board and "Taking a break" in board and "Could we talk?" in board


def test_the_demo_programme_is_a_vetted_buddy_programme_in_the_public_directory(demo, client):
    programme = Programme.objects.select_related("listing__curator").get(name=PROGRAMME)
    listing = programme.listing
    assert listing is not None and listing.kind == "buddy" and listing.status == "vetted"
    assert listing.curator == programme.organisation and listing.last_vetted_on is not None
    assert listing.vettings.get().outcome == "vetted"
    results = client.get("/directory/", {"kind": "buddy", "q": "diabetes"}).content.decode()
    assert PROGRAMME in results
    page = client.get(f"/directory/{listing.pk}/").content.decode()
    assert "Buddy programme" in page and "By referral" in page and "peer-coaching@example.org" in page
    assert f"/directory/{listing.pk}/" in "\n".join(demo_programme_guide("http://127.0.0.1:8000"))
