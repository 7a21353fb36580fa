"""The patient's side through the pages: the invitation link or code, the answer with consent, progress, sharing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from peerpath.audit.models import AuditEvent
from peerpath.core.tests import test_url_walk
from peerpath.core.time import now
from peerpath.prescriptions import services
from peerpath.prescriptions.adherence import Sharing, clinician_view
from peerpath.prescriptions.models import Consent, Participation, Prescription
from peerpath.prescriptions.tests.helpers import accepted, group, patient, sent
from peerpath.prescriptions.views import patient as patient_views
from peerpath.prescriptions.views.patient import SESSION_KEY
from peerpath.testing.urlwalk import all_routes

pytestmark = pytest.mark.django_db
Status = Prescription.Status
ANSWER = "/invitations/accept/"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _locations(response) -> list[str]:
    return [url for url, _status in response.redirect_chain]


def test_the_whole_journey_from_the_link_to_withdrawing_consent(client, world):
    prescription, issued = sent(world)
    member = world.people["member"]

    # The link is swapped for a clean URL: the token stays in the session, not in the address bar.
    response = client.get(f"/invitations/{issued.token}/")
    assert response.status_code == 302 and response["Location"] == ANSWER
    assert client.session[SESSION_KEY] == issued.token

    # Anonymous: the group, the dose, what peer support is not, and a sign-in prompt that comes back here.
    page = client.get(ANSWER)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Fibromyalgia Support Group" in text
    assert "Participate in 1 online conversation monthly for 3 months" in text
    assert "It is not medical advice" in text and "999" in text and "111" in text
    assert "/accounts/login/?next=%2Finvitations%2Faccept%2F" in text
    assert f"/directory/{prescription.listing_id}/" in text
    assert 'name="share_participation"' not in text
    assert issued.token not in text

    # Signed in, the token survives sign-in, and the member accepts with consent to share.
    client.force_login(member)
    assert client.session[SESSION_KEY] == issued.token
    page = client.get(ANSWER)
    assert "Share my participation with Riverside Health" in page.content.decode()
    response = client.post(ANSWER, {"answer": "accept", "share_participation": "on"}, follow=True)
    assert _locations(response) == [f"/my/prescriptions/{prescription.pk}/"]
    assert SESSION_KEY not in client.session
    prescription.refresh_from_db()
    assert prescription.status == Status.ACTIVE and prescription.patient.user == member
    assert clinician_view(prescription, now().date()).sharing == Sharing.SHARED

    # My peer support lists it with its progress and sharing.
    listing = client.get("/my/prescriptions/").content.decode()
    assert "Fibromyalgia Support Group" in listing
    assert "No period finished yet" in listing and "Shared with your clinic" in listing

    # Self-report today: the first period is met, in words, not only in colour.
    today = now().date().isoformat()
    response = client.post(
        f"/my/prescriptions/{prescription.pk}/report/",
        {"activity": "online_conversation", "day": today, "note": "Tuesday chat"},
        follow=True,
    )
    assert _locations(response) == [f"/my/prescriptions/{prescription.pk}/"]
    text = response.content.decode()
    assert "your participation is recorded" in text
    assert "1 of 1" in text and ">Met<" in text and ">Upcoming<" in text
    assert "Reported by the patient" in text and "Tuesday chat" in text
    assert clinician_view(prescription, now().date()).adherence.periods[0].count == 1

    # Withdraw: the clinic sees "consent withdrawn" and no data at once.
    response = client.post(f"/my/prescriptions/{prescription.pk}/stop-sharing/", follow=True)
    assert "You stopped sharing" in response.content.decode()
    view = clinician_view(prescription, now().date())
    assert view.sharing == Sharing.WITHDRAWN and view.adherence is None
    assert view.sharing_label == "Consent withdrawn"

    # What happened before sharing started again never reaches the clinic.
    client.post(f"/my/prescriptions/{prescription.pk}/report/", {"activity": "online_conversation", "day": today})
    response = client.post(f"/my/prescriptions/{prescription.pk}/start-sharing/", follow=True)
    assert "from now on" in response.content.decode()
    assert "2 of 1" in response.content.decode()  # the patient sees everything
    # Sharing again shares from now on: neither the gap nor what the clinic saw before the withdrawal.
    view = clinician_view(prescription, now().date())
    assert view.sharing == Sharing.SHARED and view.adherence.periods[0].count == 0


def test_accepting_without_consent_is_signpost_only(client, world):
    prescription, issued = sent(world)
    client.get(f"/invitations/{issued.token}/")
    client.force_login(world.people["member"])
    client.post(ANSWER, {"answer": "accept"})
    prescription.refresh_from_db()
    assert prescription.status == Status.ACTIVE
    assert not Consent.objects.filter(prescription=prescription).exists()
    page = client.get(f"/my/prescriptions/{prescription.pk}/").content.decode()
    assert "Not shared: signpost only" in page and "Start sharing" in page


def test_a_summary_for_the_health_record_needs_sharing_participation_too(client, world):
    prescription, issued = sent(world)
    client.get(f"/invitations/{issued.token}/")
    client.force_login(world.people["member"])
    response = client.post(ANSWER, {"answer": "accept", "share_ehr_summary": "on"})
    assert response.status_code == 400
    assert "share that too, or neither" in response.content.decode()
    prescription.refresh_from_db()
    assert prescription.status == Status.SENT
    assert client.session[SESSION_KEY] == issued.token


def test_declining_ends_the_prescription_and_shows_it_as_declined(client, world):
    prescription, issued = sent(world)
    client.get(f"/invitations/{issued.token}/")
    client.force_login(world.people["member"])
    response = client.post(ANSWER, {"answer": "decline"}, follow=True)
    assert _locations(response) == [f"/my/prescriptions/{prescription.pk}/"]
    assert "You said no" in response.content.decode()
    prescription.refresh_from_db()
    assert prescription.status == Status.DECLINED
    assert not Consent.objects.filter(prescription=prescription).exists()
    assert 'action="/my/prescriptions/' + str(prescription.pk) + '/report/"' not in response.content.decode()


def test_an_anonymous_answer_is_sent_to_sign_in_and_changes_nothing(client, world):
    prescription, issued = sent(world)
    client.get(f"/invitations/{issued.token}/")
    response = client.post(ANSWER, {"answer": "accept", "share_participation": "on"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    prescription.refresh_from_db()
    assert prescription.status == Status.SENT


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{a}-{b}", " {a} {b} ", "{lower_a}-{b}"])
def test_the_printed_code_opens_the_invitation_however_it_is_typed(client, world, typed):
    _prescription, issued = sent(world)
    code = issued.code
    entry = typed.format(code=code, lower=code.lower(), a=code[:4], b=code[4:], lower_a=code[:4].lower())
    response = client.post("/invitations/", {"code": entry})
    assert response.status_code == 302 and response["Location"] == ANSWER
    assert client.session[SESSION_KEY] == issued.token


def test_an_unknown_code_is_refused_on_the_form(client, world):
    sent(world)
    response = client.post("/invitations/", {"code": "ABCD-EFGH"})
    assert response.status_code == 404
    assert "We could not find that invitation" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_codes_are_rate_limited_per_session(client, world):
    _prescription, issued = sent(world)
    for _attempt in range(10):
        assert client.post("/invitations/", {"code": "ABCD-EFGH"}).status_code == 404
    response = client.post("/invitations/", {"code": issued.code})
    assert response.status_code == 429
    assert "wait 15 minutes" in response.content.decode()
    assert SESSION_KEY not in client.session
    # A fresh session from the same address still has tries left, up to the per-address limit.
    other = Client()
    assert other.post("/invitations/", {"code": issued.code}).status_code == 302


def test_codes_are_rate_limited_per_address_even_without_cookies(world):
    _prescription, issued = sent(world)
    for _attempt in range(30):
        assert Client().post("/invitations/", {"code": "ABCD-EFGH"}).status_code == 404
    assert Client().post("/invitations/", {"code": issued.code}).status_code == 429


def test_an_expired_link_shows_the_problem_with_410(client, world):
    _prescription, issued = sent(world)
    with time_machine.travel(now() + timedelta(days=14, minutes=1)):
        response = client.get(f"/invitations/{issued.token}/")
        assert response.status_code == 410
        assert "This invitation has expired" in response.content.decode()
        code = client.post("/invitations/", {"code": issued.code})
        assert code.status_code == 410 and "expired" in code.content.decode()
    assert SESSION_KEY not in client.session


def test_an_invitation_revoked_while_in_the_session_is_refused_on_answer(client, world):
    prescription, issued = sent(world)
    client.get(f"/invitations/{issued.token}/")
    client.force_login(world.people["member"])
    services.invitation_revoke(actor=world.people["clinician"], prescription=prescription)
    response = client.post(ANSWER, {"answer": "accept", "share_participation": "on"})
    assert response.status_code == 410
    assert "withdrawn by your clinic" in response.content.decode()
    prescription.refresh_from_db()
    assert prescription.status == Status.SENT
    assert SESSION_KEY not in client.session


def test_a_used_link_shows_the_problem_and_cannot_be_answered_twice(client, world):
    prescription, issued = sent(world)
    client.force_login(world.people["member"])
    services.invitation_accept(user=world.people["member"], invitation=issued.invitation, share_participation=True)
    response = client.get(f"/invitations/{issued.token}/")
    assert response.status_code == 410
    assert "already been answered" in response.content.decode()
    assert client.post("/invitations/", {"code": issued.code}).status_code == 404  # a used code is simply unknown
    assert client.post(ANSWER, {"answer": "decline"}).status_code == 404  # nothing in the session to answer
    prescription.refresh_from_db()
    assert prescription.status == Status.ACTIVE


def test_an_unknown_link_and_an_empty_answer_page_give_404_not_500(client, world):
    assert client.get("/invitations/0123456789abcdef0123456789abcdef01234567/").status_code == 404
    assert client.get(ANSWER).status_code == 404


def test_someone_else_cannot_take_an_invitation_of_a_patient_linked_to_another_account(client, world):
    record = patient(world)
    accepted(world, for_patient=record)  # the member's account is now this patient's
    prescription, issued = sent(world, for_patient=record, listing=_other_group(world))
    client.get(f"/invitations/{issued.token}/")
    client.force_login(world.people["carer"])
    response = client.post(ANSWER, {"answer": "accept", "share_participation": "on"})
    assert response.status_code == 403
    assert "belongs to someone else" in response.content.decode()
    prescription.refresh_from_db()
    assert prescription.status == Status.SENT


def _other_group(world):
    return group(world, "Fibro Walkers")


def test_the_token_never_appears_in_a_redirect_after_the_landing(client, world):
    prescription, issued = sent(world)
    response = client.get(f"/invitations/{issued.token}/", follow=True)
    client.force_login(world.people["member"])
    answered = client.post(ANSWER, {"answer": "accept", "share_participation": "on"}, follow=True)
    locations = _locations(response) + _locations(answered)
    assert locations == [ANSWER, f"/my/prescriptions/{prescription.pk}/"]
    assert all(issued.token not in url and issued.code not in url for url in locations)
    assert issued.token not in response.content.decode() and issued.token not in answered.content.decode()


def test_the_answer_page_is_never_cached(client, world):
    _prescription, issued = sent(world)
    client.get(f"/invitations/{issued.token}/")
    assert "no-store" in client.get(ANSWER)["Cache-Control"]  # anonymous too: it shows the prescription
    client.force_login(world.people["member"])
    assert "no-store" in client.get(ANSWER)["Cache-Control"]


def test_another_persons_prescription_page_is_404_and_the_refusal_is_audited(client, world):
    prescription = accepted(world)
    base = f"/my/prescriptions/{prescription.pk}/"
    client.force_login(world.people["carer"])
    assert client.get(base).status_code == 404
    for action in ("report/", "stop-sharing/", "start-sharing/"):
        assert client.post(base + action, {"activity": "online_conversation", "day": "2020-01-01"}).status_code == 404
    assert "Fibromyalgia" not in client.get("/my/prescriptions/").content.decode()
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(prescription.pk)).count() == 4
    assert Consent.objects.get(prescription=prescription).withdrawn_at is None
    assert not Participation.objects.exists()
    client.force_login(world.people["member"])
    assert client.get(base).status_code == 200


def test_my_prescription_pages_ask_anonymous_visitors_to_sign_in(client, world):
    prescription = accepted(world)
    for url in ("/my/prescriptions/", f"/my/prescriptions/{prescription.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_self_report_in_the_future_or_before_the_start_is_refused_and_nothing_saved(client, world):
    prescription = accepted(world)
    client.force_login(world.people["member"])
    url = f"/my/prescriptions/{prescription.pk}/report/"
    for day, message in (
        (now().date() + timedelta(days=1), "in the future"),
        (prescription.start_date - timedelta(days=1), "started on"),
    ):
        response = client.post(url, {"activity": "online_conversation", "day": day.isoformat()})
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not Participation.objects.exists()


def test_the_self_report_offers_only_activities_that_count_for_the_dose(client, world):
    client.force_login(world.people["member"])
    single = accepted(world)
    page = client.get(f"/my/prescriptions/{single.pk}/").content.decode()
    assert 'value="online_conversation"' in page and 'value="meeting"' not in page
    refused = client.post(
        f"/my/prescriptions/{single.pk}/report/", {"activity": "meeting", "day": now().date().isoformat()}
    )
    assert refused.status_code == 400 and not Participation.objects.exists()

    anything = accepted(world, for_patient=single.patient, activity="any", listing=_other_group(world))
    page = client.get(f"/my/prescriptions/{anything.pk}/").content.decode()
    assert all(f'value="{value}"' in page for value in ("meeting", "online_conversation", "peer_contact"))


def test_stopping_sharing_twice_shows_a_message_instead_of_an_error(client, world):
    prescription = accepted(world, share=False)
    client.force_login(world.people["member"])
    response = client.post(f"/my/prescriptions/{prescription.pk}/stop-sharing/")
    assert response.status_code == 409
    assert "You are not sharing anything" in response.content.decode()


def test_the_list_of_my_prescriptions_makes_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    first_one = accepted(world)
    client.force_login(world.people["member"])
    client.get("/my/prescriptions/")  # warm the session
    with django_assert_max_num_queries(12) as first:
        client.get("/my/prescriptions/")
    accepted(world, for_patient=first_one.patient, listing=_other_group(world), share=False)
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get("/my/prescriptions/")
    assert page.content.decode().count("/my/prescriptions/") >= 3


def test_the_patient_pages_keep_the_anonymous_url_walk_rules(client, world):
    """The project-wide walk (core/tests/test_url_walk.py) over this module's routes: only the code page is public."""
    names = {pattern.name for pattern in patient_views.urlpatterns}
    routes = [route for route in all_routes() if route.name in names]
    assert {route.name for route in routes} == names
    for route in routes:
        response = client.get(route.url)
        if route.name in test_url_walk.PUBLIC_NAMES:
            assert response.status_code == 200, route.url
        else:
            assert response.status_code in test_url_walk.REFUSALS or test_url_walk._is_login_redirect(response), route


def test_every_showing_of_the_invitation_page_is_audited_even_for_an_anonymous_visitor(client, world):
    prescription, issued = sent(world)
    client.get(f"/invitations/{issued.token}/")
    client.get(ANSWER)
    client.force_login(world.people["member"])
    client.get(ANSWER)
    shown = AuditEvent.objects.filter(action="prescription.viewed", object_id=str(prescription.pk)).order_by("seq")
    assert [(event.actor_id, event.details["purpose"]) for event in shown] == [
        (None, "invitation"),
        (world.people["member"].pk, "invitation"),
    ]
