"""The coordinator's pages to run a programme (issue 16 points 1-3): who reaches them (a permission matrix per page),
setting a programme up from the form, keeping a supporter's training, supervision and breaks, and enrolling and
assigning patients, with refusals shown and nothing changed."""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from peerpath.accounts import services as accounts_services
from peerpath.accounts.models import RoleAssignment
from peerpath.accounts.roles import Role
from peerpath.audit.models import AuditEvent
from peerpath.prescriptions import services as prescription_services
from peerpath.prescriptions.services import PatientData
from peerpath.prescriptions.tests.helpers import accepted, group, patient
from peerpath.programmes import services
from peerpath.programmes.models import Enrolment, Programme, SupervisionSession, Supporter, TrainingRecord
from peerpath.programmes.tests.helpers import COURSE, programme, supporter
from peerpath.testing.matrix import ORG_MANAGERS_ONLY, check_matrix
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db

OWN_ORGANISATION_PAGE = {**ORG_MANAGERS_ONLY, "outsider": 200}  # their own organisation's version of the page


@pytest.fixture
def scheme(world):
    return programme(world, required_courses=[COURSE])


@pytest.fixture
def profile(world, scheme):
    return supporter(world, scheme)


@pytest.fixture
def waiting(world, scheme, profile):
    """Nia, enrolled and waiting for a supporter."""
    nia = patient(world, given="Nia", family="Evans")
    return services.enrolment_create(actor=world.people["coordinator"], programme=scheme, patient=nia)


def programme_form(world, **overrides):
    values = {
        "name": "Heart failure buddies",
        "summary": "Buddies who have been through it.",
        "support_kinds": ["one_to_one", "buddy"],
        "channels": ["phone", "walk"],
        "coordinator": str(world.people["admin"].pk),
        "follow_up_days": "10",
        "caseload_cap": "8",
        "enrolment_criteria": "Diagnosed in the last year.",
        "required_courses": "Peer support foundations\n\nSafeguarding level 1\n",
    }
    values.update(overrides)
    return values


class _Page(HTMLParser):
    """What an accessibility reviewer counts on a page: headings of level 1, form controls and their labels."""

    def __init__(self) -> None:
        super().__init__()
        self.h1 = 0
        self.controls: list[str] = []
        self.labels: set[str] = set()
        self.tables_without_caption = 0
        self._table_open = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        elif tag == "label" and attributes.get("for"):
            self.labels.add(attributes["for"])
        elif tag in ("input", "select", "textarea") and attributes.get("type") not in ("hidden", "submit"):
            self.controls.append(attributes.get("id") or "")
        elif tag == "table":
            self._table_open = True
        elif tag in ("caption", "thead") and self._table_open:
            self._table_open = False

    def handle_endtag(self, tag):
        if tag == "table" and self._table_open:
            self.tables_without_caption += 1
            self._table_open = False


def assert_accessible(html: str) -> None:
    page = _Page()
    page.feed(html)
    assert page.h1 == 1, "one h1 per page"
    unlabelled = [control for control in page.controls if control not in page.labels]
    assert not unlabelled, f"form controls without a label: {unlabelled}"
    assert not page.tables_without_caption, "every table has a caption or a header row"


# --- Who reaches the pages ------------------------------------------------------------------------------------


def test_pages_of_one_programme_are_for_its_organisations_managers(client, world, waiting):
    for name in ("programmes_edit", "programmes_enrol", "programmes_patients"):
        check_matrix(client, world, url=reverse(name, kwargs={"programme_id": waiting.programme_id}),
                     expect=ORG_MANAGERS_ONLY)  # fmt: skip
    check_matrix(client, world, url=reverse("programmes_end", kwargs={"enrolment_id": waiting.pk}),
                 expect=ORG_MANAGERS_ONLY)  # fmt: skip


def test_a_supporters_pages_are_for_their_organisations_managers(client, world, profile):
    for name in ("programmes_supporter", "programmes_supporter_edit"):
        check_matrix(client, world, url=reverse(name, kwargs={"supporter_id": profile.pk}), expect=ORG_MANAGERS_ONLY)


def test_changes_go_through_the_same_gates(client, world, waiting, profile):
    # Empty forms: a manager gets the form back with what to fix (400), everyone else the 404, and nothing changes.
    refused = {**ORG_MANAGERS_ONLY, "coordinator": 400, "admin": 400}
    for name in ("programmes_training_add", "programmes_supervision_add"):
        check_matrix(client, world, url=reverse(name, kwargs={"supporter_id": profile.pk}), expect=refused,
                     method="post")  # fmt: skip
    check_matrix(client, world, url=reverse("programmes_assign", kwargs={"enrolment_id": waiting.pk}), expect=refused,
                 method="post")  # fmt: skip
    moved = {**ORG_MANAGERS_ONLY, "coordinator": 302, "admin": 302}
    check_matrix(client, world, url=reverse("programmes_supporter_pause", kwargs={"supporter_id": profile.pk}),
                 expect=moved, method="post")  # fmt: skip
    check_matrix(client, world, url=reverse("programmes_supporter_resume", kwargs={"supporter_id": profile.pk}),
                 expect=moved, method="post")  # fmt: skip
    assert not TrainingRecord.objects.exclude(course=COURSE).exists() and not SupervisionSession.objects.exists()
    assert Enrolment.objects.get(pk=waiting.pk).supporter is None


def test_organisation_pages_show_each_manager_their_own_organisation_only(client, world, profile):
    for name in ("programmes_new", "programmes_supporters", "programmes_supporter_new"):
        check_matrix(client, world, url=reverse(name), expect=OWN_ORGANISATION_PAGE)
    client.force_login(world.people["outsider"])
    supporters = client.get(reverse("programmes_supporters")).content.decode()
    assert reverse("programmes_supporter", kwargs={"supporter_id": profile.pk}) not in supporters
    new_programme = client.get(reverse("programmes_new")).content.decode()
    assert str(world.people["coordinator"].pk) not in new_programme and world.home.name not in new_programme
    assert str(world.people["outsider"].pk) in new_programme


def test_another_organisations_supporter_and_enrolment_are_not_found(client, world, waiting, profile):
    theirs = make_user("hillview-supporter")
    accounts_services.role_grant(actor=None, user=theirs, organisation=world.other, role=Role.PEER_SUPPORTER)
    outsider = world.people["outsider"]
    their_profile = services.supporter_save(actor=outsider, organisation=world.other, user=theirs,
                                            data=services.SupporterData())  # fmt: skip
    client.force_login(world.people["coordinator"])
    assert client.get(reverse("programmes_supporter", kwargs={"supporter_id": their_profile.pk})).status_code == 404
    client.force_login(outsider)
    response = client.post(reverse("programmes_supporter_pause", kwargs={"supporter_id": profile.pk}))
    assert response.status_code == 404 and not Supporter.objects.filter(paused_at__isnull=False).exists()
    assert client.post(reverse("programmes_end", kwargs={"enrolment_id": waiting.pk})).status_code == 404
    assert Enrolment.objects.get(pk=waiting.pk).status == Enrolment.Status.ACTIVE
    assert AuditEvent.objects.filter(action="access.denied", actor=outsider).count() == 2


# --- Programmes -------------------------------------------------------------------------------------------------


def test_a_coordinator_creates_a_programme_from_the_form(client, world):
    client.force_login(world.people["coordinator"])
    page = client.get(reverse("programmes_new")).content.decode()
    assert_accessible(page)
    assert "Organisation" not in page  # they run one organisation: nothing to choose
    response = client.post(reverse("programmes_new"), programme_form(world))
    created = Programme.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("programmes_programme", kwargs={"programme_id": created.pk})
    assert created.organisation == world.home and created.coordinator == world.people["admin"]
    assert (created.caseload_cap, created.follow_up_days) == (8, 10)
    assert created.support_kinds == ["one_to_one", "buddy"] and created.channels == ["phone", "walk"]
    assert created.required_courses == ["Peer support foundations", "Safeguarding level 1"]
    assert "Programme created." in client.get(response["Location"]).content.decode()


def test_a_bad_programme_shows_what_to_fix_and_saves_nothing(client, world):
    client.force_login(world.people["coordinator"])
    response = client.post(reverse("programmes_new"), programme_form(world, caseload_cap="0"))
    page = response.content.decode()
    assert response.status_code == 400 and "The caseload cap must be between 1 and 200." in page
    assert 'href="#id_caseload_cap"' in page  # the error summary leads to the field
    assert_accessible(page)
    response = client.post(reverse("programmes_new"), programme_form(world, channels=[], coordinator=""))
    page = response.content.decode()
    assert response.status_code == 400 and "Choose the programme&#x27;s coordinator." in page
    response = client.post(reverse("programmes_new"), programme_form(world, channels=[]))
    assert response.status_code == 400 and "Choose at least one." in response.content.decode()
    assert not Programme.objects.exists()


def test_a_coordinator_of_a_member_of_another_organisation_is_refused(client, world):
    client.force_login(world.people["coordinator"])
    response = client.post(reverse("programmes_new"), programme_form(world, coordinator=world.people["outsider"].pk))
    assert response.status_code == 400 and not Programme.objects.exists()


def test_a_coordinator_edits_a_programme_and_cannot_lower_the_cap_below_a_caseload(client, world, waiting, profile):
    services.enrolment_assign(actor=world.people["coordinator"], enrolment=waiting, supporter=profile)
    second = patient(world, given="Ola", family="Nowak", nhs="")
    services.enrolment_create(actor=world.people["coordinator"], programme=waiting.programme, patient=second,
                              supporter=profile)  # fmt: skip
    client.force_login(world.people["coordinator"])
    url = reverse("programmes_edit", kwargs={"programme_id": waiting.programme_id})
    page = client.get(url).content.decode()
    assert_accessible(page)
    assert "Diabetes peer coaching" in page and COURSE in page
    fields = programme_form(world, name="Diabetes peer coaching", required_courses=COURSE)
    response = client.post(url, {**fields, "caseload_cap": "1"})
    assert response.status_code == 400 and "A supporter holds 2 patients" in response.content.decode()
    assert Programme.objects.get().caseload_cap == 15
    response = client.post(url, {**fields, "caseload_cap": "2", "summary": "Coaching by people who live with it."})
    assert response.status_code == 302
    saved = Programme.objects.get()
    assert saved.caseload_cap == 2 and saved.summary == "Coaching by people who live with it."


# --- Supporters -------------------------------------------------------------------------------------------------


def test_a_coordinator_creates_a_profile_for_a_peer_supporter_without_one(client, world, scheme):
    client.force_login(world.people["coordinator"])
    page = client.get(reverse("programmes_supporter_new")).content.decode()
    assert_accessible(page)
    assert world.people["peer_supporter"].handle in page
    assignment = RoleAssignment.objects.get(user=world.people["peer_supporter"], role=Role.PEER_SUPPORTER)
    response = client.post(reverse("programmes_supporter_new"), {
        "person": str(assignment.pk), "programmes": [str(scheme.pk)], "languages": "en, CY",
        "availability": "Weekday evenings", "supervisor": str(world.people["coordinator"].pk),
    })  # fmt: skip
    created = Supporter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("programmes_supporter", kwargs={"supporter_id": created.pk})
    assert created.languages == ["en", "cy"] and created.supervisor == world.people["coordinator"]
    assert list(created.programmes.all()) == [scheme]
    # Now they have one: nobody is left to choose.
    assert "already has a profile" in client.get(reverse("programmes_supporter_new")).content.decode()


def test_a_bad_language_code_is_refused(client, world, profile):
    client.force_login(world.people["coordinator"])
    url = reverse("programmes_supporter_edit", kwargs={"supporter_id": profile.pk})
    assert_accessible(client.get(url).content.decode())
    response = client.post(url, {"languages": "English please", "programmes": [str(profile.programmes.get().pk)]})
    assert response.status_code == 400 and "Not a language code: english, please." in response.content.decode()
    assert Supporter.objects.get().languages == ["en", "pl"]
    response = client.post(url, {"languages": "pl", "availability": "Saturdays"})
    assert response.status_code == 302
    saved = Supporter.objects.get()
    assert saved.languages == ["pl"] and saved.availability == "Saturdays" and not saved.programmes.exists()


def test_a_lapsed_training_record_is_marked_and_stops_new_patients(client, world, scheme):
    profile = supporter(world, scheme, trained=False)
    client.force_login(world.people["coordinator"])
    url = reverse("programmes_supporter", kwargs={"supporter_id": profile.pk})
    page = client.get(url).content.decode()
    assert_accessible(page)
    assert "No training recorded yet." in page and f"Their programmes ask for: {COURSE}." in page
    today = date.today()
    response = client.post(reverse("programmes_training_add", kwargs={"supporter_id": profile.pk}), {
        "course": COURSE, "completed_on": (today - timedelta(days=800)).isoformat(),
        "expires_on": (today - timedelta(days=70)).isoformat(),
    })  # fmt: skip
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "Training recorded." in page
    assert "Lapsed" in page and f"Expired on {today - timedelta(days=70):%-d %b %Y}" in page
    assert f"Required training missing or lapsed: {COURSE}." in page


def test_a_bad_training_record_shows_what_to_fix_and_saves_nothing(client, world, profile):
    client.force_login(world.people["coordinator"])
    today = date.today()
    response = client.post(reverse("programmes_training_add", kwargs={"supporter_id": profile.pk}), {
        "course": "First aid", "completed_on": today.isoformat(), "expires_on": (today - timedelta(days=1)).isoformat(),
    })  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400 and "A course expires after it was completed." in page
    assert 'value="First aid"' in page  # what they typed comes back
    assert_accessible(page)
    assert not TrainingRecord.objects.filter(course="First aid").exists()


def test_a_supervision_session_is_recorded_with_its_note(client, world, profile):
    client.force_login(world.people["admin"])
    url = reverse("programmes_supervision_add", kwargs={"supporter_id": profile.pk})
    response = client.post(url, {"held_on": date.today().isoformat(), "note": "Talked about boundaries."})
    assert response.status_code == 302
    session = SupervisionSession.objects.get()
    assert session.supervisor == world.people["admin"] and session.note == "Talked about boundaries."
    assert "Talked about boundaries." in client.get(response["Location"]).content.decode()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = client.post(url, {"held_on": tomorrow})
    assert response.status_code == 400 and "cannot be recorded before it is held" in response.content.decode()
    assert SupervisionSession.objects.count() == 1


def test_a_coordinator_pauses_and_resumes_a_supporter_from_the_page(client, world, waiting, profile):
    client.force_login(world.people["coordinator"])
    response = client.post(reverse("programmes_supporter_pause", kwargs={"supporter_id": profile.pk}),
                           {"reason": "A fortnight off"})  # fmt: skip
    assert response.status_code == 302
    paused = Supporter.objects.get()
    assert paused.is_paused and paused.pause_reason == "A fortnight off"
    page = client.get(response["Location"]).content.decode()
    assert "is taking a break" in page and "Reason: A fortnight off" in page and "Resume" in page
    patients = client.get(reverse("programmes_patients", kwargs={"programme_id": waiting.programme_id}))
    assert "cannot take new patients. They are taking a break." in patients.content.decode()
    response = client.post(reverse("programmes_supporter_resume", kwargs={"supporter_id": profile.pk}))
    assert response.status_code == 302 and not Supporter.objects.get().is_paused


# --- Enrolling and assigning ------------------------------------------------------------------------------------


def test_a_coordinator_finds_enrols_and_assigns_a_patient(client, world, scheme, profile):
    patient(world, given="Nia", family="Evans")
    patient(world, given="Ola", family="Nowak", nhs="")
    prescription_services.patient_create(actor=world.people["outsider"], organisation=world.other,
                                         data=PatientData(given_name="Nia", family_name="Evans"))  # fmt: skip
    client.force_login(world.people["coordinator"])
    url = reverse("programmes_enrol", kwargs={"programme_id": scheme.pk})
    assert_accessible(client.get(url).content.decode())
    before = AuditEvent.objects.filter(action="programmes.enrol_search").count()
    response = client.post(url, {"step": "search", "q": "evans"})
    page = response.content.decode()
    assert response.status_code == 200 and "1 patient of Riverside Health matches." in page
    assert "Evans, Nia" in page and "Nowak" not in page
    assert "can take new patients" in page  # the supporter, with why they can or cannot
    assert_accessible(page)
    searched = AuditEvent.objects.filter(action="programmes.enrol_search").order_by("seq")
    assert searched.count() == before + 1
    assert searched.last().details == {"shown": 1} and searched.last().organisation == world.home

    nia = scheme.organisation.patients.get(given_name="Nia")
    response = client.post(url, {"step": "enrol", "q": "evans", "patient": str(nia.pk), "source": "direct"})
    assert response.status_code == 302
    assert response["Location"] == reverse("programmes_patients", kwargs={"programme_id": scheme.pk})
    enrolment = Enrolment.objects.get()
    assert enrolment.patient == nia and enrolment.supporter is None and enrolment.source == "direct"

    page = client.get(response["Location"]).content.decode()
    assert "1 patient waits for a supporter" in page and "Nia Evans" in page
    assert_accessible(page)
    assert AuditEvent.objects.filter(action="programmes.patients_viewed", details={"shown": 1}).exists()
    response = client.post(reverse("programmes_assign", kwargs={"enrolment_id": enrolment.pk}),
                           {f"a{enrolment.pk.hex}-supporter": str(profile.pk)})  # fmt: skip
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.supporter == profile and enrolment.assigned_at is not None
    page = client.get(response["Location"]).content.decode()
    assert "Assigned to peer-supporter." in page and "1 patient in a caseload" in page


def test_a_search_shows_a_short_list_and_says_when_more_match(client, world, scheme):
    for number in range(21):
        patient(world, given=f"Sam{number}", family="Jones", nhs="")
    client.force_login(world.people["coordinator"])
    response = client.post(reverse("programmes_enrol", kwargs={"programme_id": scheme.pk}), {"q": "jones"})
    page = response.content.decode()
    assert "20 patients of Riverside Health match." in page and "More patients match than the 20 shown" in page
    assert page.count('name="patient"') == 20


def test_an_enrolment_from_a_prescription_offers_only_peer_contact_prescriptions(client, world, scheme, profile):
    prescription = accepted(world, activity="peer_contact")
    other = accepted(world, for_patient=prescription.patient, listing=group(world, "Walking group"),
                     activity="online_conversation")  # fmt: skip
    client.force_login(world.people["coordinator"])
    url = reverse("programmes_enrol", kwargs={"programme_id": scheme.pk})
    page = client.post(url, {"step": "search", "q": "Smith"}).content.decode()
    assert f'value="{prescription.pk}"' in page and f'value="{other.pk}"' not in page
    response = client.post(url, {"step": "enrol", "q": "Smith", "patient": str(prescription.patient_id),
                                 "source": "prescription", "prescription": str(prescription.pk),
                                 "supporter": str(profile.pk)})  # fmt: skip
    assert response.status_code == 302
    enrolment = Enrolment.objects.get()
    assert enrolment.prescription == prescription and enrolment.supporter == profile
    assert "Patient enrolled and assigned to peer-supporter." in client.get(response["Location"]).content.decode()


def test_enrolling_from_a_prescription_without_choosing_it_is_refused(client, world, scheme):
    patient(world, given="Nia", family="Evans")
    nia = scheme.organisation.patients.get()
    client.force_login(world.people["coordinator"])
    url = reverse("programmes_enrol", kwargs={"programme_id": scheme.pk})
    response = client.post(url, {"step": "enrol", "q": "Nia", "patient": str(nia.pk), "source": "prescription"})
    assert (
        response.status_code == 400 and "Choose one of the patient&#x27;s prescriptions." in response.content.decode()
    )
    response = client.post(url, {"step": "search", "q": " "})
    assert response.status_code == 400 and "Type part of the patient" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_enrolling_with_a_supporter_who_cannot_take_patients_enrols_nobody(client, world, scheme, profile):
    services.supporter_pause(actor=world.people["coordinator"], supporter=profile)
    nia = patient(world, given="Nia", family="Evans")
    client.force_login(world.people["coordinator"])
    url = reverse("programmes_enrol", kwargs={"programme_id": scheme.pk})
    response = client.post(url, {"step": "enrol", "q": "Nia", "patient": str(nia.pk), "source": "direct",
                                 "supporter": str(profile.pk)})  # fmt: skip
    assert response.status_code == 409
    assert "This supporter cannot take a new patient: They are taking a break." in response.content.decode()
    assert not Enrolment.objects.exists()


def test_an_assignment_refused_at_the_cap_shows_why_and_changes_nothing(client, world):
    scheme = programme(world, caseload_cap=1)
    profile = supporter(world, scheme)
    coordinator = world.people["coordinator"]
    services.enrolment_create(actor=coordinator, programme=scheme, patient=patient(world, given="Nia", family="Evans"),
                              supporter=profile)  # fmt: skip
    ola = services.enrolment_create(actor=coordinator, programme=scheme,
                                    patient=patient(world, given="Ola", family="Nowak", nhs=""))  # fmt: skip
    assigned = AuditEvent.objects.filter(action="programmes.assigned").count()
    client.force_login(coordinator)
    response = client.post(reverse("programmes_assign", kwargs={"enrolment_id": ola.pk}),
                           {f"a{ola.pk.hex}-supporter": str(profile.pk)})  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 409
    assert "This supporter cannot take a new patient: Their caseload is full (1 of 1)." in page
    assert "There is a problem" in page
    assert_accessible(page)
    assert Enrolment.objects.get(pk=ola.pk).supporter is None
    assert AuditEvent.objects.filter(action="programmes.assigned").count() == assigned


def test_a_supporter_of_another_programme_cannot_be_chosen(client, world, waiting):
    other_scheme = programme(world, name="Asthma buddies")
    elsewhere = supporter(world, other_scheme)  # the same person, now only in the other programme
    client.force_login(world.people["coordinator"])
    response = client.post(reverse("programmes_assign", kwargs={"enrolment_id": waiting.pk}),
                           {f"a{waiting.pk.hex}-supporter": str(elsewhere.pk)})  # fmt: skip
    assert response.status_code == 400 and Enrolment.objects.get(pk=waiting.pk).supporter is None


def test_a_coordinator_ends_an_enrolment(client, world, waiting):
    client.force_login(world.people["coordinator"])
    url = reverse("programmes_end", kwargs={"enrolment_id": waiting.pk})
    page = client.get(url).content.decode()
    assert "Nia Evans" in page
    assert_accessible(page)
    response = client.post(url, {"reason": "Moved away"})
    assert response.status_code == 302
    ended = Enrolment.objects.get()
    assert ended.status == Enrolment.Status.ENDED and ended.end_reason == "Moved away"
    patients = client.get(response["Location"]).content.decode()
    assert "The enrolment has ended." in patients and "No patient is waiting for a supporter." in patients
    assert "This enrolment ended on" in client.get(url).content.decode()


def test_the_programme_page_links_to_the_new_pages(client, world, waiting, profile):
    client.force_login(world.people["coordinator"])
    page = client.get(reverse("programmes_programme", kwargs={"programme_id": waiting.programme_id})).content.decode()
    for name, kwargs in [
        ("programmes_enrol", {"programme_id": waiting.programme_id}),
        ("programmes_patients", {"programme_id": waiting.programme_id}),
        ("programmes_edit", {"programme_id": waiting.programme_id}),
        ("programmes_supporter", {"supporter_id": profile.pk}),
    ]:
        assert reverse(name, kwargs=kwargs) in page
    supporters = client.get(reverse("programmes_supporters")).content.decode()
    assert_accessible(supporters)
    assert reverse("programmes_supporter", kwargs={"supporter_id": profile.pk}) in supporters


# --- In a browser ----------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_the_coordinators_pages_have_no_serious_accessibility_violations(axe_page):
    from peerpath.testing.browser import axe_violations, describe, staff_sign_in
    from peerpath.testing.personas import make_world

    world = make_world()
    scheme = programme(world, required_courses=[COURSE])
    profile = supporter(world, scheme)
    coordinator = world.people["coordinator"]
    services.training_record_add(actor=coordinator, supporter=profile, course="First aid",
                                 completed_on=date.today() - timedelta(days=800),
                                 expires_on=date.today() - timedelta(days=70))  # fmt: skip
    services.supervision_record(actor=coordinator, supporter=profile, held_on=date.today(), note="Boundaries.")
    nia = patient(world, given="Nia", family="Evans")
    waiting = services.enrolment_create(actor=coordinator, programme=scheme, patient=nia)
    services.enrolment_create(actor=coordinator, programme=scheme, supporter=profile,
                              patient=patient(world, given="Ola", family="Nowak", nhs=""))  # fmt: skip
    staff_sign_in(axe_page, coordinator)
    paths = [
        reverse("programmes_list"),
        reverse("programmes_new"),
        reverse("programmes_programme", kwargs={"programme_id": scheme.pk}),
        reverse("programmes_edit", kwargs={"programme_id": scheme.pk}),
        reverse("programmes_enrol", kwargs={"programme_id": scheme.pk}),
        reverse("programmes_patients", kwargs={"programme_id": scheme.pk}),
        reverse("programmes_end", kwargs={"enrolment_id": waiting.pk}),
        reverse("programmes_supporters"),
        reverse("programmes_supporter_new"),
        reverse("programmes_supporter", kwargs={"supporter_id": profile.pk}),
        reverse("programmes_supporter_edit", kwargs={"supporter_id": profile.pk}),
    ]
    for path in paths:
        axe_page.goto(path)
        assert axe_page.locator("h1").count() == 1, path
        violations = axe_violations(axe_page)
        assert not violations, f"{path}:\n{describe(violations)}"
    # The enrol page's second step, and a refused form, as a coordinator sees them.
    axe_page.goto(reverse("programmes_enrol", kwargs={"programme_id": scheme.pk}))
    axe_page.get_by_label("Patient's name or NHS number").fill("Evans")
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Search").click()
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Enrol the patient").click()
    assert axe_page.locator(".nhsuk-error-summary").count() == 1
    violations = axe_violations(axe_page)
    assert not violations, f"enrol, refused:\n{describe(violations)}"
