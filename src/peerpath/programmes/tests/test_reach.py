"""How a peer supporter can reach a patient: a private message always, and the phone and e-mail the patient chose to
share. The patient's choice covers what the supporter and the coordinators see: not shared, not shown; shared,
shown; stopped, gone at once. Bad input changes nothing; another person's enrolment is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.accounts import services as accounts
from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.prescriptions.tests.helpers import accepted, patient
from peerpath.programmes import services
from peerpath.programmes.models import Enrolment
from peerpath.programmes.tests.helpers import programme, supporter
from peerpath.spaces.reach import Reach, clean_email, clean_phone, tel_href
from peerpath.testing.personas import TOTP_SECRET, make_user

pytestmark = pytest.mark.django_db

PAGE = "/my/peer-supporter/"
PHONE = "07911 123456"
EMAIL = "nia.reach@example.org"


@pytest.fixture
def scheme(world):
    return programme(world)


@pytest.fixture
def profile(world, scheme):
    return supporter(world, scheme)


@pytest.fixture
def enrolment(world, scheme, profile):
    """The member persona's own running enrolment, held by the peer supporter persona."""
    running = accepted(world, activity="peer_contact", count=1, per="week")
    return services.enrolment_create(actor=world.people["coordinator"], programme=scheme, patient=running.patient,
                                     source="prescription", prescription=running, supporter=profile)  # fmt: skip


def reach_url(enrolment: Enrolment) -> str:
    return reverse("my_peer_supporter_reach", kwargs={"enrolment_id": enrolment.pk})


def enrolment_url(enrolment: Enrolment) -> str:
    return reverse("programmes_enrolment", kwargs={"enrolment_id": enrolment.pk})


def fields(enrolment: Enrolment, phone: str = "", email: str = "") -> dict[str, str]:
    return {f"reach-{enrolment.pk}-phone": phone, f"reach-{enrolment.pk}-email": email}


def share(client, world, enrolment, phone=PHONE, email=EMAIL):
    client.force_login(world.people["member"])
    return client.post(reach_url(enrolment), fields(enrolment, phone, email))


# --- The patient chooses --------------------------------------------------------------------------------------------


def test_the_patient_sees_how_their_supporter_can_reach_them(client, world, enrolment):
    client.force_login(world.people["member"])
    page = client.get(PAGE).content.decode()
    assert "How your peer supporter can reach you" in page
    assert "A private message in PeerPath: always." in page
    assert reach_url(enrolment) in page


def test_the_patient_shares_a_phone_and_e_mail_and_it_is_audited(client, world, enrolment):
    response = share(client, world, enrolment)
    assert response.status_code == 302 and response["Location"] == PAGE
    enrolment.refresh_from_db()
    assert (enrolment.contact_phone, enrolment.contact_email) == (PHONE, EMAIL)
    assert enrolment.contact_changed_at is not None
    event = AuditEvent.objects.get(action="programmes.reach_changed", object_id=str(enrolment.pk))
    assert event.actor == world.people["member"]
    assert event.details["shared"] == ["phone", "email"] and event.details["previous"] == []
    assert PHONE not in str(event.details) and EMAIL not in str(event.details)
    page = client.get(PAGE).content.decode()
    assert f"By phone: {PHONE}" in page and f"By e-mail: {EMAIL}" in page


@pytest.mark.parametrize(
    ("phone", "email", "field", "message"),
    [
        ("12345", "", "phone", "Enter a phone number with 7 to 15 digits"),
        ("0770 abc 0123", "", "phone", "Enter a phone number with 7 to 15 digits"),
        ("07700 900123 4567 890", "", "phone", "Enter a phone number with 7 to 15 digits"),
        ("07700+900123", "", "phone", "Enter a phone number with 7 to 15 digits"),
        ("", "not-an-address", "email", "Enter an e-mail address like name@example.org."),
    ],
)
def test_a_bad_phone_or_e_mail_is_a_form_error_and_nothing_is_saved(client, world, enrolment, phone, email, field,
                                                                    message):  # fmt: skip
    share(client, world, enrolment, phone=PHONE, email=EMAIL)
    before = AuditEvent.objects.filter(action__startswith="programmes.reach_").count()
    response = client.post(reach_url(enrolment), fields(enrolment, phone, email))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "There is a problem" in page
    assert f'href="#id_reach-{enrolment.pk}-{field}"' in page
    enrolment.refresh_from_db()
    assert (enrolment.contact_phone, enrolment.contact_email) == (PHONE, EMAIL)
    assert AuditEvent.objects.filter(action__startswith="programmes.reach_").count() == before


def test_stop_sharing_blanks_both_and_the_supporter_no_longer_sees_them(client, world, enrolment):
    share(client, world, enrolment)
    response = client.post(reach_url(enrolment), {**fields(enrolment, "nonsense", "x"), "stop": "1"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.contact_phone, enrolment.contact_email) == ("", "")
    event = AuditEvent.objects.get(action="programmes.reach_stopped")
    assert event.details == {"shared": [], "previous": ["phone", "email"]}
    client.force_login(world.people["peer_supporter"])
    page = client.get(enrolment_url(enrolment)).content.decode()
    assert PHONE not in page and EMAIL not in page
    assert "They have not shared a phone number or e-mail address: use a private message in PeerPath." in page


def test_saving_the_same_choice_again_changes_nothing(client, world, enrolment):
    share(client, world, enrolment)
    share(client, world, enrolment)
    assert AuditEvent.objects.filter(action="programmes.reach_changed").count() == 1


def test_another_persons_enrolment_is_404_and_nothing_changes(client, world, enrolment, scheme, profile):
    ann = patient(world, given="Ann", family="Jones", nhs="")
    anns = services.enrolment_create(actor=world.people["coordinator"], programme=scheme, patient=ann,
                                     supporter=profile)  # fmt: skip
    client.force_login(world.people["member"])
    assert client.post(reach_url(anns), fields(anns, PHONE, EMAIL)).status_code == 404
    client.force_login(world.people["peer_supporter"])  # the supporter is not the patient either
    assert client.post(reach_url(enrolment), fields(enrolment, PHONE, EMAIL)).status_code == 404
    anns.refresh_from_db()
    enrolment.refresh_from_db()
    assert (anns.contact_phone, enrolment.contact_phone) == ("", "")
    assert AuditEvent.objects.filter(action="access.denied", object_type="programmes.enrolment").count() == 2


def test_an_ended_enrolment_cannot_share_but_can_stop(client, world, enrolment):
    share(client, world, enrolment, email="")
    services.enrolment_end(actor=world.people["coordinator"], enrolment=enrolment, reason="Finished")
    page = client.get(PAGE).content.decode()
    assert "This programme has ended for you, so your peer supporter no longer sees these." in page
    response = client.post(reach_url(enrolment), fields(enrolment, PHONE, EMAIL))
    assert response.status_code == 409
    assert "once a peer supporter is supporting you" in response.content.decode()
    assert client.post(reach_url(enrolment), {"stop": "1"}).status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.contact_phone, enrolment.contact_email) == ("", "")


def test_only_the_patient_decides_in_the_service(world, enrolment):
    with pytest.raises(PermissionDenied):
        services.enrolment_reach_set(user=world.people["peer_supporter"], enrolment=enrolment, phone=PHONE, email="")
    with pytest.raises(DomainError) as refused:
        services.enrolment_reach_set(user=world.people["member"], enrolment=enrolment, phone="call me", email="")
    assert refused.value.field == "phone"


def test_an_enrolment_without_a_supporter_cannot_share_yet(world, scheme):
    running = accepted(world, activity="peer_contact", count=1, per="week")
    waiting = services.enrolment_create(actor=world.people["coordinator"], programme=scheme, patient=running.patient,
                                        source="prescription", prescription=running)  # fmt: skip
    with pytest.raises(Conflict):
        services.enrolment_reach_set(user=world.people["member"], enrolment=waiting, phone=PHONE, email="")


# --- The supporter and the coordinators see what was shared, and only that ------------------------------------------


def test_not_shared_means_not_on_the_supporters_page(client, world, enrolment):
    client.force_login(world.people["peer_supporter"])
    page = client.get(enrolment_url(enrolment)).content.decode()
    assert "How to reach them" in page and "Send a private message" in page
    assert 'data-reach="phone"' not in page and 'data-reach="email"' not in page
    assert "They have not shared a phone number or e-mail address" in page


def test_shared_ways_are_links_for_the_supporter_and_the_coordinator_and_the_read_is_audited(client, world, enrolment):
    share(client, world, enrolment)
    for persona in ("peer_supporter", "coordinator"):
        client.force_login(world.people[persona])
        page = client.get(enrolment_url(enrolment)).content.decode()
        assert f'<a href="tel:+447911123456" data-reach="phone">{PHONE}</a>' in page
        assert f'<a href="mailto:{EMAIL}" data-reach="email">{EMAIL}</a>' in page
        assert AuditEvent.objects.filter(action="patient.viewed", actor=world.people[persona],
                                         object_id=str(enrolment.patient_id)).exists()  # fmt: skip
    client.force_login(world.people["outsider"])
    assert client.get(enrolment_url(enrolment)).status_code == 404


def test_an_ended_enrolment_shows_the_coordinator_no_phone_or_e_mail(client, world, enrolment):
    share(client, world, enrolment)
    services.enrolment_end(actor=world.people["coordinator"], enrolment=enrolment, reason="Finished")
    client.force_login(world.people["coordinator"])
    page = client.get(enrolment_url(enrolment)).content.decode()
    assert PHONE not in page and EMAIL not in page


def test_the_caseload_row_says_which_ways_without_the_number(client, world, enrolment):
    client.force_login(world.people["peer_supporter"])
    assert "Reach by: private message</p>" in client.get(reverse("programmes_caseload")).content.decode()
    share(client, world, enrolment)
    client.force_login(world.people["peer_supporter"])
    page = client.get(reverse("programmes_caseload")).content.decode()
    assert "Reach by: private message, phone, e-mail" in page
    assert PHONE not in page and EMAIL not in page


def test_the_patient_page_of_another_patient_is_404_for_a_supporter(client, world, enrolment, scheme):
    other_supporter_user = make_user("second-supporter")
    accounts.role_grant(actor=None, user=other_supporter_user, organisation=world.home, role="peer_supporter")
    accounts.mfa_enrol_totp(user=other_supporter_user, secret=TOTP_SECRET)
    client.force_login(other_supporter_user)
    assert client.get(enrolment_url(enrolment)).status_code == 404


# --- The checks themselves ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0161 496 0000", "+44 (0)20 7946 0000", "020-7946-0000", "  07700   900123 "])
def test_plausible_phone_numbers_are_kept_as_typed_with_spaces_tidied(value):
    assert clean_phone(value) == " ".join(value.split())


def test_blank_is_not_shared():
    assert (clean_phone("  "), clean_email(" ")) == ("", "")
    assert not Reach().shared and Reach().tel == "" and Reach().mailto == ""


def test_an_over_long_e_mail_is_refused():
    with pytest.raises(DomainError):
        clean_email("a" * 250 + "@example.org")


def test_tel_links_are_international_where_the_country_makes_them_valid():
    assert tel_href("07911 123456", "GB") == "tel:+447911123456"
    assert tel_href("+1 (202) 555-0100", "GB") == "tel:+12025550100"
    assert tel_href("1234567", "GB") == "tel:1234567"  # not a valid GB number: the digits as typed
    assert tel_href("07911 123456", "") == "tel:07911123456"
