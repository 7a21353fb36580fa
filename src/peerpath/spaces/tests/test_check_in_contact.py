"""Check-ins group organisers asked for, inside the peer supporter's caseload: the member chooses how they may be
reached (a private message always; a phone and e-mail if they share them, with their agreement), the supporter reaches
them that way and records it. Only the host's peer supporters, coordinators and admins, only while the request is
open and the member still agrees; every read of the shared ways is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.accounts import services as accounts
from peerpath.accounts.roles import Role
from peerpath.audit.models import AuditEvent
from peerpath.messages.models import Conversation, Participant
from peerpath.spaces import services
from peerpath.spaces.models import CheckInRequest, Membership
from peerpath.spaces.tests.helpers import join, space
from peerpath.testing.personas import TOTP_SECRET, make_user

pytestmark = pytest.mark.django_db

PHONE = "07911 123456"
EMAIL = "away.member@example.org"
CASELOAD = reverse("programmes_caseload")


@pytest.fixture
def group(world):
    return space(world)


@pytest.fixture
def away(group):
    person = make_user("away-member")
    join(person, group)
    return person


def agree(person, group, *, ok=True, phone=None, email=None) -> Membership:
    return services.membership_set_preferences(
        user=person, space=group, remind_day_before=False, remind_hour_before=False, peer_check_in_ok=ok,
        check_in_phone=phone, check_in_email=email,
    )  # fmt: skip


@pytest.fixture
def asked(world, group, away) -> CheckInRequest:
    membership = agree(away, group)
    return services.check_in_request_create(actor=world.people["coordinator"], membership=membership)


def message_url(request: CheckInRequest) -> str:
    return reverse("programmes_check_in_message", kwargs={"request_id": request.pk})


def close_url(request: CheckInRequest) -> str:
    return reverse("programmes_check_in_close", kwargs={"request_id": request.pk})


def prefs_url(group) -> str:
    return reverse("space_preferences", kwargs={"space_id": group.pk})


def staff_elsewhere(world, role=Role.PEER_SUPPORTER):
    person = make_user("hillview-supporter")
    accounts.role_grant(actor=None, user=person, organisation=world.other, role=role)
    accounts.mfa_enrol_totp(user=person, secret=TOTP_SECRET)
    return person


# --- The member chooses, on their settings for the group ------------------------------------------------------------


def test_the_member_shares_a_phone_and_e_mail_with_their_agreement(client, away, group):
    client.force_login(away)
    page = client.get(prefs_url(group)).content.decode()
    assert "Phone number for the peer supporter (optional)" in page
    data = {"peer_check_in_ok": "on", "check_in_phone": PHONE, "check_in_email": EMAIL, "timezone": ""}
    assert client.post(prefs_url(group), data).status_code == 302
    membership = Membership.objects.get(space=group, user=away)
    assert (membership.peer_check_in_ok, membership.check_in_phone, membership.check_in_email) == (True, PHONE, EMAIL)
    event = AuditEvent.objects.filter(action="space.preferences_changed").latest("seq")
    assert event.details["check_in_phone_shared"] is True and event.details["check_in_email_shared"] is True
    assert PHONE not in str(event.details) and EMAIL not in str(event.details)


@pytest.mark.parametrize(
    ("phone", "email", "message"),
    [("call me", "", "Enter a phone number with 7 to 15 digits"), ("", "away@", "Enter an e-mail address")],
)
def test_a_bad_phone_or_e_mail_is_a_form_error_and_nothing_is_saved(client, away, group, phone, email, message):
    agree(away, group, phone=PHONE, email=EMAIL)
    client.force_login(away)
    data = {"peer_check_in_ok": "on", "check_in_phone": phone, "check_in_email": email, "timezone": ""}
    response = client.post(prefs_url(group), data)
    assert response.status_code == 400 and message in response.content.decode()
    membership = Membership.objects.get(space=group, user=away)
    assert (membership.check_in_phone, membership.check_in_email) == (PHONE, EMAIL)


def test_the_service_refuses_a_bad_phone_too(away, group):
    from peerpath.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        agree(away, group, phone="12")
    assert refused.value.field == "check_in_phone"
    assert Membership.objects.get(space=group, user=away).peer_check_in_ok is False


def test_turning_the_agreement_off_blanks_the_phone_and_e_mail(client, away, group):
    agree(away, group, phone=PHONE, email=EMAIL)
    client.force_login(away)
    data = {"check_in_phone": PHONE, "check_in_email": EMAIL, "timezone": ""}  # the box unticked
    assert client.post(prefs_url(group), data).status_code == 302
    membership = Membership.objects.get(space=group, user=away)
    assert (membership.peer_check_in_ok, membership.check_in_phone, membership.check_in_email) == (False, "", "")


# --- The caseload's check-ins section ---------------------------------------------------------------------------


def test_the_caseload_shows_the_check_in_with_a_private_message_only_when_nothing_is_shared(client, world, asked,
                                                                                           away, group):  # fmt: skip
    client.force_login(world.people["peer_supporter"])
    page = client.get(CASELOAD).content.decode()
    assert "Check-ins asked for by group organisers" in page
    assert f'data-member="{away.handle}"' in page and group.name in page
    assert message_url(asked) in page and close_url(asked) in page
    assert 'data-reach="phone"' not in page and "No phone or e-mail shared: use a private message." in page
    event = AuditEvent.objects.filter(action="spaces.check_in_requests_viewed").latest("seq")
    assert event.details == {"requests": 1, "reach_shown": []}


def test_shared_ways_show_on_the_caseload_and_go_at_once_when_consent_is_withdrawn(client, world, asked, away,
                                                                                  group):  # fmt: skip
    agree(away, group, phone=PHONE, email=EMAIL)
    client.force_login(world.people["peer_supporter"])
    page = client.get(CASELOAD).content.decode()
    assert f'<a href="tel:+447911123456" data-reach="phone">{PHONE}</a>' in page
    assert f'<a href="mailto:{EMAIL}" data-reach="email">{EMAIL}</a>' in page
    event = AuditEvent.objects.filter(action="spaces.check_in_requests_viewed").latest("seq")
    assert event.details["reach_shown"] == [str(asked.membership_id)]
    agree(away, group, ok=False)
    page = client.get(CASELOAD).content.decode()
    assert PHONE not in page and away.handle not in page and "Check-ins asked for by group organisers" not in page
    assert client.post(message_url(asked)).status_code == 404


def test_a_peer_supporter_of_another_organisation_never_sees_the_request_and_gets_404(client, world, asked, away):
    agree(away, asked.membership.space, phone=PHONE)
    for person in (staff_elsewhere(world), world.people["outsider"]):
        client.force_login(person)
        if person is not world.people["outsider"]:
            page = client.get(CASELOAD).content.decode()
            assert away.handle not in page and PHONE not in page
        assert client.post(message_url(asked)).status_code == 404
        assert client.post(close_url(asked), {"outcome": "done"}).status_code == 404
    assert not Conversation.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", object_type="spaces.checkinrequest").count() == 4
    asked.refresh_from_db()
    assert asked.status == CheckInRequest.Status.OPEN


def test_a_coordinator_sees_the_requests_on_the_spaces_list_not_in_a_caseload(client, world, asked, away, group):
    agree(away, group, phone=PHONE)
    client.force_login(world.people["coordinator"])
    page = client.get(reverse("check_in_list")).content.decode()
    assert f'data-member="{away.handle}"' in page and 'data-reach="phone"' in page
    assert "Get in touch as you usually would" not in page and "a private message in PeerPath" in page


def test_a_person_who_is_only_a_peer_supporter_is_sent_to_their_caseload(client, world, asked):
    client.force_login(world.people["peer_supporter"])
    response = client.get(reverse("check_in_list"))
    assert response.status_code == 302 and response["Location"] == CASELOAD + "#check-ins"


# --- Reaching the member and recording it --------------------------------------------------------------------


def test_a_private_message_opens_one_conversation_however_often_it_is_asked_for(client, world, asked, away):
    supporter = world.people["peer_supporter"]
    client.force_login(supporter)
    first = client.post(message_url(asked))
    second = client.post(message_url(asked))
    conversation = Conversation.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("conversation_detail",
                                                              kwargs={"conversation_id": conversation.pk})  # fmt: skip
    assert conversation.kind == Conversation.Kind.SUPPORTER and conversation.organisation == world.home
    roles = dict(Participant.objects.filter(conversation=conversation).values_list("user__handle", "role"))
    assert roles == {supporter.handle: Participant.Role.SUPPORTER, away.handle: Participant.Role.PATIENT}
    reads = AuditEvent.objects.filter(action="membership.viewed", actor=supporter, object_id=str(asked.membership_id))
    assert reads.count() == 2
    assert AuditEvent.objects.filter(action="conversations.started").count() == 1


def test_a_closed_request_is_404_and_gone_from_the_caseload(client, world, asked, away):
    client.force_login(world.people["peer_supporter"])
    response = client.post(close_url(asked), {"outcome": "done"})
    assert response.status_code == 302 and response["Location"] == CASELOAD + "#check-ins"
    asked.refresh_from_db()
    assert (asked.status, asked.handled_by) == (CheckInRequest.Status.DONE, world.people["peer_supporter"])
    page = client.get(CASELOAD).content.decode()
    assert f"Recorded: you checked in on {away.handle}. Thank you." in page
    assert "Check-ins asked for by group organisers" not in page
    assert client.post(message_url(asked)).status_code == 404
    assert client.post(close_url(asked), {"outcome": "cancel"}).status_code == 404


def test_cancel_from_the_caseload_and_a_bad_choice_changes_nothing(client, world, asked):
    client.force_login(world.people["peer_supporter"])
    assert client.post(close_url(asked), {"outcome": "maybe"}).status_code == 400
    asked.refresh_from_db()
    assert asked.status == CheckInRequest.Status.OPEN
    client.post(close_url(asked), {"outcome": "cancel"})
    asked.refresh_from_db()
    assert asked.status == CheckInRequest.Status.CANCELLED


def test_a_supporter_cannot_open_a_conversation_with_themselves(client, world, group):
    supporter = world.people["peer_supporter"]
    join(supporter, group)
    membership = agree(supporter, group)
    request = services.check_in_request_create(actor=world.people["coordinator"], membership=membership)
    client.force_login(supporter)
    response = client.post(message_url(request))
    assert response.status_code == 409 and "another peer supporter will get in touch" in response.content.decode()
    assert not Conversation.objects.exists()


def test_the_conversation_service_refuses_after_consent_is_withdrawn_or_for_outsiders(world, asked, away, group):
    from peerpath.core.errors import Conflict, PermissionDenied
    from peerpath.programmes.messaging import check_in_conversation

    with pytest.raises(PermissionDenied):
        check_in_conversation(actor=staff_elsewhere(world), request=asked)
    agree(away, group, ok=False)
    with pytest.raises(Conflict):
        check_in_conversation(actor=world.people["peer_supporter"], request=asked)
    assert not Conversation.objects.exists()


def test_a_closing_refused_by_the_service_is_shown_not_a_server_error(client, world, asked, monkeypatch):
    from peerpath.core.errors import Conflict

    def refuse(**_kwargs):
        raise Conflict("This check-in has already been closed.")

    monkeypatch.setattr(services, "check_in_request_close", refuse)
    client.force_login(world.people["peer_supporter"])
    response = client.post(close_url(asked), {"outcome": "done"})
    assert response.status_code == 409 and "This check-in has already been closed." in response.content.decode()
