"""The patient's own page of contacts with their peer supporter (issue 16 point 7): they see every contact logged about
them, never the supervisor's note and never anyone else's; they alone turn sharing with the health record on and off."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import PermissionDenied
from peerpath.core.time import now
from peerpath.prescriptions.tests.helpers import accepted, patient
from peerpath.programmes import services
from peerpath.programmes.models import Enrolment
from peerpath.programmes.selectors import own_contacts
from peerpath.programmes.services import enrolment_sharing_set
from peerpath.programmes.tests.helpers import contact, programme, supporter
from peerpath.programmes.views import patient as views_patient
from peerpath.testing.matrix import LOGIN, check_matrix
from peerpath.testing.personas import make_user
from peerpath.testing.urlwalk import all_routes

pytestmark = pytest.mark.django_db

PAGE = "/my/peer-supporter/"
CONCERN_NOTE = "Seemed very low this week; raise mood with the GP."
DISCUSSED = "Talked through the first week on the new insulin pen."
ANNS_WORDS = "Ann talked about her sister moving away."
EVERYONE_SIGNED_IN = {"anonymous": LOGIN, "member": 200, "carer": 200, "peer_supporter": 200, "moderator": 200,
                      "clinician": 200, "coordinator": 200, "admin": 200, "outsider": 200}  # fmt: skip


def _backdated(enrolment: Enrolment, days: int = 3) -> Enrolment:
    """Enrolled and assigned some days ago, so that contacts can be logged since."""
    moment = now() - timedelta(days=days)
    Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=moment, assigned_at=moment)
    return Enrolment.objects.select_related("programme__organisation", "patient").get(pk=enrolment.pk)


@pytest.fixture
def scheme(world):
    return programme(world)


@pytest.fixture
def profile(world, scheme):
    return supporter(world, scheme)


@pytest.fixture
def enrolment(world, scheme, profile):
    """The member persona's own enrolment, from their prescription of contact with a peer supporter."""
    running = accepted(world, activity="peer_contact", count=1, per="week")
    made = services.enrolment_create(actor=world.people["coordinator"], programme=scheme, patient=running.patient,
                                     source="prescription", prescription=running, supporter=profile)  # fmt: skip
    return _backdated(made)


@pytest.fixture
def logged(world, enrolment):
    return services.interaction_log(
        actor=world.people["peer_supporter"], enrolment=enrolment,
        data=contact(functions=["social_emotional", "linkage"], concern="concern", concern_note=CONCERN_NOTE,
                     resources="The Diabetes UK helpline", next_follow_up=date.today() + timedelta(days=7)),
    )  # fmt: skip


@pytest.fixture
def anns(world, scheme, profile):
    """Another patient with their own account, in the same programme and caseload, with a contact of their own."""
    ann_user = make_user("ann-jones")
    ann = patient(world, given="Ann", family="Jones", nhs="")
    running = accepted(world, user=ann_user, activity="peer_contact", for_patient=ann)
    made = services.enrolment_create(actor=world.people["coordinator"], programme=scheme, patient=ann,
                                     source="prescription", prescription=running, supporter=profile)  # fmt: skip
    made = _backdated(made)
    services.interaction_log(actor=world.people["peer_supporter"], enrolment=made, data=contact(discussed=ANNS_WORDS))
    return made


def _page(client, user) -> str:
    client.force_login(user)
    response = client.get(PAGE)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_patient_sees_every_contact_in_words_but_never_the_concern(client, world, enrolment, logged, anns):
    page = _page(client, world.people["member"])
    assert "Diabetes peer coaching" in page and "Riverside Health" in page
    assert "peer-supporter" in page  # the supporter's handle
    for shown in (DISCUSSED, "Phone call", "20 minutes", "Social and emotional support",
                  "Linkage to clinical care and community resources", "The Diabetes UK helpline",
                  (date.today() + timedelta(days=7)).strftime("%-d %B %Y"),
                  logged.occurred_at.strftime("%-d %B %Y")):  # fmt: skip
        assert shown in page, shown
    assert CONCERN_NOTE not in page and "A concern for the coordinator" not in page
    assert ANNS_WORDS not in page  # another patient's contact, in the same caseload


def test_the_page_is_everyones_own_and_shows_nobody_elses_contacts(client, world, enrolment, logged):
    check_matrix(client, world, url=PAGE, expect=EVERYONE_SIGNED_IN)
    for persona in ("carer", "peer_supporter", "clinician", "coordinator", "outsider"):
        page = _page(client, world.people[persona])
        assert DISCUSSED not in page and "not in a peer-support programme" in page


def test_the_page_says_when_there_are_no_contacts_yet(client, world, enrolment):
    page = _page(client, world.people["member"])
    assert "No contacts recorded yet." in page and "Not shared with your health record." in page


def test_contacts_of_an_ended_enrolment_are_still_shown(client, world, enrolment, logged):
    services.enrolment_end(actor=world.people["coordinator"], enrolment=enrolment, reason="Moved away")
    page = _page(client, world.people["member"])
    assert DISCUSSED in page and f"Ended on {date.today().strftime('%-d %B %Y')}" in page


def test_sharing_is_off_until_the_patient_turns_it_on_and_off_again(client, world, enrolment, logged):
    assert enrolment.share_with_ehr is False and enrolment.share_changed_at is None
    client.force_login(world.people["member"])
    url = reverse("my_peer_supporter_sharing", kwargs={"enrolment_id": enrolment.pk})
    response = client.post(url, {f"{enrolment.pk}-share": "on"})
    assert response.status_code == 302 and response["Location"] == PAGE
    enrolment.refresh_from_db()
    assert enrolment.share_with_ehr is True and enrolment.share_changed_at is not None
    started = AuditEvent.objects.get(action="programmes.ehr_sharing_started", object_id=str(enrolment.pk))
    assert started.actor == world.people["member"] and started.details == {"share_with_ehr": True, "previous": False}
    page = html.unescape(client.get(PAGE).content.decode())
    assert "Shared with Riverside Health's health record." in page and "are shared with your clinic" in page

    assert client.post(url, {}).status_code == 302  # the box left unticked
    enrolment.refresh_from_db()
    assert enrolment.share_with_ehr is False
    assert AuditEvent.objects.filter(action="programmes.ehr_sharing_stopped", object_id=str(enrolment.pk)).exists()


def test_saving_the_same_choice_again_changes_nothing(world, enrolment):
    member = world.people["member"]
    enrolment_sharing_set(user=member, enrolment=enrolment, share=False)
    assert not AuditEvent.objects.filter(action__startswith="programmes.ehr_sharing").exists()


def test_another_patients_enrolment_is_404_and_the_refusal_is_audited(client, world, enrolment, anns):
    url = reverse("my_peer_supporter_sharing", kwargs={"enrolment_id": anns.pk})
    check_matrix(client, world, url=url, method="post", data={f"{anns.pk}-share": "on"}, expect={
        "anonymous": LOGIN, "member": 404, "carer": 404, "peer_supporter": 404, "moderator": 404, "clinician": 404,
        "coordinator": 404, "admin": 404, "outsider": 404,
    })  # fmt: skip
    assert Enrolment.objects.get(pk=anns.pk).share_with_ehr is False
    assert AuditEvent.objects.filter(action="access.denied", actor=world.people["member"], object_id=str(anns.pk))
    own = reverse("my_peer_supporter_sharing", kwargs={"enrolment_id": enrolment.pk})
    client.force_login(world.people["member"])
    assert client.post(own, {f"{enrolment.pk}-share": "on"}).status_code == 302
    assert AuditEvent.objects.filter(action="enrolment.viewed", object_id=str(enrolment.pk),
                                     details__purpose="change sharing").exists()  # fmt: skip


@pytest.mark.parametrize("persona", ["clinician", "coordinator", "admin", "peer_supporter", "outsider"])
def test_only_the_enrolments_own_patient_may_change_sharing(world, enrolment, persona):
    with pytest.raises(PermissionDenied):
        enrolment_sharing_set(user=world.people[persona], enrolment=enrolment, share=True)
    assert Enrolment.objects.get(pk=enrolment.pk).share_with_ehr is False
    assert not AuditEvent.objects.filter(action__startswith="programmes.ehr_sharing").exists()


def test_another_patient_cannot_change_sharing_through_the_service_either(world, enrolment, anns):
    ann_user = anns.patient.user
    with pytest.raises(PermissionDenied):
        enrolment_sharing_set(user=ann_user, enrolment=enrolment, share=True)
    assert Enrolment.objects.get(pk=enrolment.pk).share_with_ehr is False


def test_the_page_makes_a_fixed_number_of_queries(client, world, scheme, enrolment, logged):
    client.force_login(world.people["member"])
    client.get(PAGE)  # warm the session
    with CaptureQueriesContext(connection) as first:
        client.get(PAGE)
    second_scheme = programme(world, name="Walking together")
    profile = supporter(world, second_scheme)
    second = _backdated(services.enrolment_create(actor=world.people["coordinator"], programme=second_scheme,
                                                  patient=enrolment.patient, supporter=profile))  # fmt: skip
    for channel in ("walk", "text", "video"):
        services.interaction_log(actor=world.people["peer_supporter"], enrolment=second, data=contact(channel=channel))
    with CaptureQueriesContext(connection) as more:
        page = html.unescape(client.get(PAGE).content.decode())
    assert len(more.captured_queries) == len(first.captured_queries)
    assert "Walking together" in page and "Shared activity: a walk" in page
    assert [len(item.contacts) for item in own_contacts(world.people["member"])] == [3, 1]


def test_my_peer_support_links_to_the_contacts(client, world):
    client.force_login(world.people["member"])
    page = client.get(reverse("my_prescriptions")).content.decode()
    assert f'href="{PAGE}"' in page and "Contacts with your peer supporter" in page


def test_the_pages_refuse_an_anonymous_visitor(client):
    names = {pattern.name for pattern in views_patient.urlpatterns}
    routes = [route for route in all_routes() if route.name in names]
    assert {route.name for route in routes} == names
    for route in routes:
        response = client.get(route.url)
        assert response.status_code in (302, 405), route.url
