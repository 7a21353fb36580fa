"""The programmes pages (issue 16): who sees a caseload, a patient's page and a programme (the permission matrix),
and a supporter logging a contact from the form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from peerpath.audit.models import AuditEvent
from peerpath.core.time import now
from peerpath.prescriptions.tests.helpers import patient
from peerpath.programmes import services
from peerpath.programmes.models import Enrolment, Interaction
from peerpath.programmes.tests.helpers import programme, supporter
from peerpath.testing.matrix import LOGIN, check_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment(world):
    scheme = programme(world)
    profile = supporter(world, scheme)
    nia = patient(world, given="Nia", family="Evans")
    enrolment = services.enrolment_create(
        actor=world.people["coordinator"], programme=scheme, patient=nia, supporter=profile
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=now() - timedelta(days=3))
    return Enrolment.objects.get(pk=enrolment.pk)


def test_the_caseload_page_is_the_supporters_own(client, world, enrolment):
    check_matrix(client, world, url=reverse("programmes_caseload"), expect={
        "anonymous": LOGIN, "member": 404, "carer": 404, "peer_supporter": 200, "moderator": 404,
        "clinician": 404, "coordinator": 404, "admin": 404, "outsider": 404,
    })  # fmt: skip
    client.force_login(world.people["peer_supporter"])
    page = client.get(reverse("programmes_caseload")).content.decode()
    assert "Nia Evans" in page and "Not contacted yet" in page
    assert AuditEvent.objects.filter(action="programmes.caseload_viewed", actor=world.people["peer_supporter"]).exists()


def test_a_patients_page_is_for_their_supporter_and_the_programmes_managers(client, world, enrolment):
    check_matrix(client, world, url=reverse("programmes_enrolment", kwargs={"enrolment_id": enrolment.pk}), expect={
        "anonymous": LOGIN, "member": 404, "carer": 404, "peer_supporter": 200, "moderator": 404,
        "clinician": 404, "coordinator": 200, "admin": 200, "outsider": 404,
    })  # fmt: skip


def test_the_programme_pages_are_for_its_organisations_managers(client, world, enrolment):
    expect = {"anonymous": LOGIN, "member": 404, "carer": 404, "peer_supporter": 404, "moderator": 404,
              "clinician": 404, "coordinator": 200, "admin": 200, "outsider": 404}  # fmt: skip
    check_matrix(client, world, url=reverse("programmes_programme", kwargs={"programme_id": enrolment.programme_id}),
                 expect=expect)  # fmt: skip
    check_matrix(client, world, url=reverse("programmes_list"), expect={**expect, "outsider": 200})
    client.force_login(world.people["coordinator"])
    page = client.get(reverse("programmes_programme", kwargs={"programme_id": enrolment.programme_id})).content
    assert b"1 / 15" in page and b"Can take new patients" in page


def test_a_supporter_logs_a_contact_from_the_form(client, world, enrolment):
    client.force_login(world.people["peer_supporter"])
    url = reverse("programmes_enrolment", kwargs={"enrolment_id": enrolment.pk})
    when = timezone.localtime(now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"when": when, "channel": "phone", "duration_minutes": "25",
                                 "functions": ["social_emotional", "linkage"], "concern": "none",
                                 "discussed": "Worried about the clinic letter."})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == reverse("programmes_caseload")
    interaction = Interaction.objects.get()
    assert interaction.functions == ["social_emotional", "linkage"] and interaction.duration_minutes == 25
    assert "Worried about the clinic letter." in client.get(url).content.decode()


def test_a_bad_contact_shows_what_to_fix_and_saves_nothing(client, world, enrolment):
    client.force_login(world.people["peer_supporter"])
    url = reverse("programmes_enrolment", kwargs={"enrolment_id": enrolment.pk})
    when = timezone.localtime(now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"when": when, "channel": "phone", "duration_minutes": "25",
                                 "functions": ["linkage"], "concern": "none"})  # fmt: skip
    assert response.status_code == 400 and "cannot be logged before it happens" in response.content.decode()
    response = client.post(url, {"when": when, "channel": "phone", "duration_minutes": "0", "concern": "none"})
    assert response.status_code == 400
    assert not Interaction.objects.exists()


def test_a_coordinator_reads_but_does_not_log(client, world, enrolment):
    client.force_login(world.people["coordinator"])
    url = reverse("programmes_enrolment", kwargs={"enrolment_id": enrolment.pk})
    assert "Log the contact" not in client.get(url).content.decode()
    when = timezone.localtime(now()).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"when": when, "channel": "phone", "duration_minutes": "5",
                                 "functions": ["linkage"], "concern": "none"})  # fmt: skip
    assert response.status_code == 403 and not Interaction.objects.exists()


def test_the_follow_up_queue_is_for_the_programmes_managers(client, world, enrolment):
    url = reverse("programmes_follow_ups", kwargs={"programme_id": enrolment.programme_id})
    check_matrix(client, world, url=url, expect={
        "anonymous": LOGIN, "member": 404, "carer": 404, "peer_supporter": 404, "moderator": 404,
        "clinician": 404, "coordinator": 200, "admin": 200, "outsider": 404,
    })  # fmt: skip
    client.force_login(world.people["coordinator"])
    page = client.get(url).content.decode()
    assert "Nia Evans" in page and "1 contact is due or overdue." in page
    assert AuditEvent.objects.filter(action="programmes.follow_ups_viewed").exists()


def test_the_caseload_points_to_check_ins_group_organisers_asked_for(client, world, enrolment):
    from peerpath.forum.tests.helpers import forum_space
    from peerpath.spaces import services as spaces
    from peerpath.spaces.models import Membership

    space = forum_space(world, name="Walking with diabetes")
    spaces.membership_set_preferences(user=world.people["member"], space=space, remind_day_before=True,
                                      remind_hour_before=False, peer_check_in_ok=True)  # fmt: skip
    membership = Membership.objects.get(space=space, user=world.people["member"])
    client.force_login(world.people["peer_supporter"])
    assert "asked for a check-in" not in client.get(reverse("programmes_caseload")).content.decode()
    spaces.check_in_request_create(actor=world.people["coordinator"], membership=membership)
    page = client.get(reverse("programmes_caseload")).content.decode()
    assert "1 member of a group asked for a check-in from a peer supporter." in page
    assert reverse("check_in_list") in page


def test_a_supporter_takes_a_break_and_the_coordinator_is_asked_to_cover(
    client, world, enrolment, mailoutbox, django_capture_on_commit_callbacks
):
    profile = enrolment.supporter
    url = reverse("programmes_own_pause", kwargs={"supporter_id": profile.pk})
    client.force_login(world.people["peer_supporter"])
    assert "Need a break?" in client.get(reverse("programmes_caseload")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Hospital appointments this month"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.is_paused and profile.pause_reason == "Hospital appointments this month"
    [mail] = mailoutbox
    assert mail.to == [world.people["coordinator"].email] and "1 patient need" in mail.body
    assert "Nia" not in mail.body and "Evans" not in mail.body
    assert "I am back: resume" in client.get(reverse("programmes_caseload")).content.decode()
    client.post(url, {"resume": "1"})
    profile.refresh_from_db()
    assert not profile.is_paused
    for persona in ("coordinator", "member", "outsider"):
        client.force_login(world.people[persona])
        assert client.post(url).status_code == 404
