"""A supporter writes privately to a patient of their caseload from the patient's page: the conversation between
them is started the first time and reopened after; only their own supporter can, only while the patient is
enrolled, and only when the patient has a PeerPath account."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, PermissionDenied
from peerpath.core.time import now
from peerpath.messages import selectors
from peerpath.messages.models import Conversation, Participant
from peerpath.messages.tests.helpers import send
from peerpath.prescriptions.tests.helpers import accepted, patient
from peerpath.programmes import services
from peerpath.programmes.messaging import enrolment_conversation, may_message
from peerpath.programmes.models import Enrolment
from peerpath.programmes.tests.helpers import programme, supporter
from peerpath.testing.matrix import LOGIN, check_matrix

pytestmark = pytest.mark.django_db

BUTTON = "Send a private message"


@pytest.fixture
def scheme(world):
    return programme(world)


@pytest.fixture
def profile(world, scheme):
    return supporter(world, scheme)


def _enrol(world, scheme, profile, the_patient) -> Enrolment:
    made = services.enrolment_create(actor=world.people["coordinator"], programme=scheme, patient=the_patient,
                                     supporter=profile)  # fmt: skip
    Enrolment.objects.filter(pk=made.pk).update(enrolled_at=now() - timedelta(days=3))
    return Enrolment.objects.select_related("patient", "supporter", "programme__organisation").get(pk=made.pk)


@pytest.fixture
def enrolment(world, scheme, profile) -> Enrolment:
    """The member persona's own enrolment: their prescription made them a patient with an account."""
    running = accepted(world, activity="peer_contact", count=1, per="week")
    return _enrol(world, scheme, profile, running.patient)


@pytest.fixture
def without_account(world, scheme, profile) -> Enrolment:
    return _enrol(world, scheme, profile, patient(world, given="Nia", family="Evans", nhs=""))


def _start_url(enrolment: Enrolment) -> str:
    return reverse("programmes_enrolment_message", kwargs={"enrolment_id": enrolment.pk})


def _patient_page(enrolment: Enrolment) -> str:
    return reverse("programmes_enrolment", kwargs={"enrolment_id": enrolment.pk})


def test_the_supporter_starts_a_conversation_from_the_patients_page_and_reopens_it_after(client, world, enrolment):
    supporter_user, member = world.people["peer_supporter"], world.people["member"]
    client.force_login(supporter_user)
    page = html.unescape(client.get(_patient_page(enrolment)).content.decode())
    assert BUTTON in page and f'action="{_start_url(enrolment)}"' in page
    response = client.post(_start_url(enrolment))
    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("conversation_detail", kwargs={"conversation_id": conversation.pk})
    assert conversation.organisation == world.home and conversation.kind == "supporter"
    assert conversation.subject == "Diabetes peer coaching"
    assert {(place.user, place.role) for place in conversation.participants.all()} == {
        (supporter_user, Participant.Role.SUPPORTER),
        (member, Participant.Role.PATIENT),
    }
    assert client.post(_start_url(enrolment))["Location"] == response["Location"]  # reopened, not started again
    assert Conversation.objects.count() == 1
    assert AuditEvent.objects.filter(action="conversations.started", actor=supporter_user).count() == 1
    # The patient finds it in their messages and can answer; the supporter sees it unread.
    assert client.get(response["Location"]).status_code == 200
    send(member, conversation, "Hello, thanks for getting in touch.")
    assert [row.unread for row in selectors.conversations_for(supporter_user)] == [1]


def test_only_the_patients_own_supporter_can_open_it(client, world, enrolment):
    check_matrix(client, world, url=_start_url(enrolment), method="post", expect={
        "anonymous": LOGIN, "member": 404, "carer": 404, "peer_supporter": 302, "moderator": 404, "clinician": 404,
        "coordinator": 403, "admin": 403, "outsider": 404,
    })  # fmt: skip
    check_matrix(client, world, url=_start_url(enrolment), method="get", expect={
        "anonymous": LOGIN, "member": 405, "carer": 405, "peer_supporter": 405, "moderator": 405, "clinician": 405,
        "coordinator": 405, "admin": 405, "outsider": 405,
    })  # fmt: skip
    assert Conversation.objects.count() == 1
    client.force_login(world.people["coordinator"])
    assert BUTTON not in html.unescape(client.get(_patient_page(enrolment)).content.decode())
    with pytest.raises(PermissionDenied):
        enrolment_conversation(actor=world.people["coordinator"], enrolment=enrolment)


def test_a_patient_without_an_account_cannot_be_messaged_and_the_page_says_why(client, world, without_account):
    client.force_login(world.people["peer_supporter"])
    assert BUTTON not in html.unescape(client.get(_patient_page(without_account)).content.decode())
    response = client.post(_start_url(without_account))
    assert response.status_code == 409
    assert "no PeerPath account" in html.unescape(response.content.decode())
    assert not Conversation.objects.exists()


def test_an_ended_enrolment_cannot_be_messaged(world, enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.ENDED, ended_at=now())
    enrolment.refresh_from_db()
    assert not may_message(world.people["peer_supporter"], enrolment)
    with pytest.raises(Conflict):
        enrolment_conversation(actor=world.people["peer_supporter"], enrolment=enrolment)
    assert not Conversation.objects.exists()


def test_a_supporter_who_no_longer_holds_the_patient_leaves_their_conversation(client, world, enrolment):
    conversation = enrolment_conversation(actor=world.people["peer_supporter"], enrolment=enrolment)
    url = reverse("conversation_detail", kwargs={"conversation_id": conversation.pk})
    client.force_login(world.people["peer_supporter"])
    assert client.get(url).status_code == 200
    services.enrolment_end(actor=world.people["coordinator"], enrolment=enrolment, reason="Moved away")
    assert client.get(url).status_code == 404
    place = Participant.objects.get(conversation=conversation, user=world.people["peer_supporter"])
    assert place.left_at is not None
    client.force_login(world.people["member"])
    assert client.get(url).status_code == 200  # the patient keeps what was written to them
