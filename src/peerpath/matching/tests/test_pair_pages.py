"""The pair's pages (issue 17): the intro card says why and nothing identifying until both accept; answering it,
refused with nothing changed when it expired, was withdrawn or was answered already; the match page with the other's
handle and what their profile says a buddy sees; check-ins only for the weeks asked; ending (the conversation
closes); reporting and blocking; the coordinator's read-only view; and the home page's lists, which agree with the
gates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerpath.core.time import now
from peerpath.directory.models import Condition
from peerpath.matching import runs, services
from peerpath.matching.access import access_match, access_proposal
from peerpath.matching.forms import SEEN_BY_BUDDY, ProfileForm
from peerpath.matching.models import Feedback, Match, MatchReport, Proposal
from peerpath.matching.proposals import proposal_answer, proposal_review, pseudonym
from peerpath.matching.selectors_pairs import BUDDY_FIELDS, own_matches, proposals_waiting
from peerpath.matching.tests.helpers import buddy_programme, member, profile
from peerpath.matching.tests.helpers import mentor as another_mentor
from peerpath.messages.models import Message
from peerpath.programmes.tests.helpers import supporter
from peerpath.testing.matrix import LOGIN, check_matrix

pytestmark = pytest.mark.django_db

MENTEE_ABOUT = "Diagnosed in March, two small children, still finding my feet."
MENTOR_ABOUT = "Ten years with a pump; I still remember the first month."
MENTOR_PRIVATE = "I would rather not talk about my divorce."  # goals_text: the coordinator and the matcher only


@pytest.fixture
def scheme(world):
    buddies = buddy_programme(world)
    supporter(world, buddies)
    return buddies


@pytest.fixture
def heron(world, scheme):
    """A member looking for a buddy (not a persona, so that her handle is found nowhere else on a page)."""
    person = member(world, "quiet-heron")
    profile(person, scheme, about=MENTEE_ABOUT)
    return person


@pytest.fixture
def mentor(world, scheme):
    person = world.people["peer_supporter"]
    profile(person, scheme, role="mentor", about=MENTOR_ABOUT, goals_text=MENTOR_PRIVATE, gender="man")
    return person


def _run(world, scheme) -> Proposal:
    """A run of the matcher over the pool, as the coordinator starts it: its one proposal, waiting for review."""
    run = runs.run_start(actor=world.people["coordinator"], programme=scheme)
    runs.run_execute(run.pk)
    return Proposal.objects.get(programme=scheme)


@pytest.fixture
def proposal(world, scheme, heron, mentor):
    return proposal_review(actor=world.people["coordinator"], proposal=_run(world, scheme), approve=True)


@pytest.fixture
def match(proposal, heron, mentor):
    proposal_answer(actor=heron, proposal=proposal, accept=True)
    proposal_answer(actor=mentor, proposal=proposal, accept=True)
    return Match.objects.get(proposal=proposal)


def card(proposal) -> str:
    return reverse("matching_proposal", kwargs={"proposal_id": proposal.pk})


def page(match, name="matching_match") -> str:
    return reverse(name, kwargs={"match_id": match.pk})


def test_only_the_two_sides_reach_the_card(client, world, proposal, heron):
    check_matrix(client, world, url=card(proposal), expect={
        "anonymous": LOGIN, "member": 404, "carer": 404, "peer_supporter": 200, "moderator": 404, "clinician": 404,
        "coordinator": 404, "admin": 404, "outsider": 404,
    })  # fmt: skip
    client.force_login(heron)
    assert client.get(card(proposal)).status_code == 200
    for outsider in ("member", "coordinator", "outsider"):
        client.force_login(world.people[outsider])
        assert client.post(card(proposal), {"answer": "decline"}).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OFFERED and not proposal.mentee_answer and not proposal.mentor_answer


def test_the_pair_and_the_programmes_coordinators_reach_the_match_page(client, world, match, heron):
    check_matrix(client, world, url=page(match), expect={
        "anonymous": LOGIN, "member": 404, "carer": 404, "peer_supporter": 200, "moderator": 404, "clinician": 404,
        "coordinator": 200, "admin": 200, "outsider": 404,
    })  # fmt: skip
    client.force_login(heron)
    assert client.get(page(match)).status_code == 200
    for name in ("matching_check_in", "matching_end", "matching_report"):
        for outsider in ("member", "outsider"):
            client.force_login(world.people[outsider])
            response = client.post(page(match, name), {"week": "2", "reason": "finished", "rating": "working"})
            assert response.status_code == 404, name
    match.refresh_from_db()
    assert match.active and not Feedback.objects.exists() and not MatchReport.objects.exists()


def test_a_proposal_waiting_for_review_is_hidden_from_both_sides(client, world, scheme, heron, mentor):
    waiting = _run(world, scheme)
    assert waiting.status == Proposal.Status.REVIEW
    for person in (heron, mentor):
        client.force_login(person)
        assert client.get(card(waiting)).status_code == 404
        assert client.post(card(waiting), {"answer": "accept"}).status_code == 404
    client.force_login(heron)
    assert "Read and answer" not in client.get(reverse("matching_home")).content.decode()


def test_the_card_says_why_and_nothing_identifying_before_both_accept(client, proposal, heron, mentor):
    client.force_login(heron)
    html = client.get(card(proposal)).content.decode()
    assert "Why we suggest you two" in html and "Both speak English" in html and "Both enjoy walking" in html
    assert "What you do not share" in html
    assert pseudonym(proposal, "mentor") in html and "a mentor" in html
    assert "Nothing about you is shared until you both accept." in html
    assert mentor.handle not in html and MENTOR_ABOUT not in html and MENTOR_PRIVATE not in html
    client.force_login(mentor)
    html = client.get(card(proposal)).content.decode()
    assert pseudonym(proposal, "mentee") in html and "a member looking for a buddy" in html
    assert heron.handle not in html and MENTEE_ABOUT not in html
    # One side accepted: still nothing of the other on either card.
    client.force_login(heron)
    assert client.post(card(proposal), {"answer": "accept"})["Location"] == card(proposal)
    html = client.get(card(proposal)).content.decode()
    assert "You accepted. We are waiting for" in html and mentor.handle not in html
    client.force_login(mentor)
    html = client.get(card(proposal)).content.decode()
    assert heron.handle not in html and MENTEE_ABOUT not in html and 'value="accept"' in html


def test_both_accept_and_the_match_page_shows_each_other(client, proposal, heron, mentor):
    client.force_login(heron)
    client.post(card(proposal), {"answer": "accept", "reason": "ignored with a yes"})
    client.force_login(mentor)
    response = client.post(card(proposal), {"answer": "accept"})
    match = Match.objects.get(proposal=proposal)
    assert response.status_code == 302 and response["Location"] == page(match)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED and proposal.decline_reason == ""
    assert set(match.conversation.participants.values_list("user__handle", flat=True)) == {heron.handle,
                                                                                          mentor.handle}  # fmt: skip
    client.force_login(heron)
    html = client.get(page(match)).content.decode()
    assert mentor.handle in html and MENTOR_ABOUT in html and "English" in html and "Europe/London" in html
    assert MENTOR_PRIVATE not in html and "A man" not in html  # what the form says nobody else sees
    assert reverse("conversation_detail", kwargs={"conversation_id": match.conversation_id}) in html
    assert "Open your conversation" in html and 'data-testid="crisis-lines"' in html and "999" in html
    client.force_login(mentor)
    html = client.get(page(match)).content.decode()
    assert heron.handle in html and MENTEE_ABOUT in html
    assert "Go to your match" in client.get(card(proposal)).content.decode()


def test_a_decline_keeps_its_reason_for_the_coordinator_alone(client, proposal, heron, mentor):
    client.force_login(mentor)
    response = client.post(card(proposal), {"answer": "decline", "reason": "My caseload is full this month."})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED and proposal.decline_reason == "My caseload is full this month."
    assert "You declined this suggestion." in client.get(card(proposal)).content.decode()
    client.force_login(heron)
    html = client.get(card(proposal)).content.decode()
    assert "My caseload is full" not in html and "This suggestion did not go ahead" in html
    assert 'value="accept"' not in html and not Match.objects.exists()


def test_a_too_long_reason_is_refused_on_the_form(client, proposal, heron):
    client.force_login(heron)
    response = client.post(card(proposal), {"answer": "decline", "reason": "x" * 301})
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    assert client.post(card(proposal), {"answer": "maybe"}).status_code == 400
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OFFERED and not proposal.mentee_answer


def test_accepting_an_expired_proposal_is_refused_and_changes_nothing(client, proposal, heron):
    Proposal.objects.filter(pk=proposal.pk).update(expires_at=now() - timedelta(hours=1))
    client.force_login(heron)
    response = client.post(card(proposal), {"answer": "accept"})
    html = response.content.decode()
    assert response.status_code == 409 and "There is a problem" in html and "expired on" in html
    proposal.refresh_from_db()
    assert not proposal.mentee_answer and not proposal.mentee_answered_at and not Match.objects.exists()
    assert 'value="accept"' not in client.get(card(proposal)).content.decode()


def test_answering_a_withdrawn_or_answered_proposal_is_refused(client, proposal, heron, mentor):
    client.force_login(heron)
    client.post(card(proposal), {"answer": "accept"})
    response = client.post(card(proposal), {"answer": "decline"})
    assert response.status_code == 409 and "You have already answered this proposal." in response.content.decode()
    services.profile_withdraw_consent(actor=mentor, profile=proposal.mentor)
    client.force_login(mentor)
    response = client.post(card(proposal), {"answer": "accept"})
    assert response.status_code == 409 and "This proposal was withdrawn" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.WITHDRAWN and not proposal.mentor_answer
    assert proposal.mentee_answer == "accept" and not Match.objects.exists()


def test_a_check_in_is_answered_only_for_the_weeks_asked(client, world, match, heron):
    Match.objects.filter(pk=match.pk).update(check_in_weeks=[2])
    client.force_login(heron)
    html = client.get(page(match)).content.decode()
    assert "How is it going after 2 weeks?" in html and "after 6 weeks" not in html
    assert "<legend" in html and "Is this working?" in html
    response = client.post(page(match, "matching_check_in"), {"week": "6", "rating": "working"})
    assert response.status_code == 400 and "There is no check-in for that week." in response.content.decode()
    response = client.post(page(match, "matching_check_in"), {"week": "2"})
    assert response.status_code == 400 and "Choose one of the answers." in response.content.decode()
    assert not Feedback.objects.exists()
    response = client.post(page(match, "matching_check_in"), {"week": "2", "rating": "unsure", "note": "Early days."})
    assert response.status_code == 302
    answer = Feedback.objects.get()
    assert (answer.user, answer.week, answer.rating, answer.note) == (heron, 2, "unsure", "Early days.")
    assert "How is it going after 2 weeks?" not in client.get(page(match)).content.decode()
    response = client.post(page(match, "matching_check_in"), {"week": "2", "rating": "working"})
    assert response.status_code == 409 and Feedback.objects.count() == 1


def test_ending_to_be_matched_again_closes_the_conversation(
    client, world, match, heron, mentor, django_capture_on_commit_callbacks
):
    client.force_login(heron)
    response = client.post(page(match, "matching_end"), {"reason": "blocked"})  # not a reason a person chooses
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert 'href="#end_reason_0"' in response.content.decode()  # the error summary leads to the choices
    match.refresh_from_db()
    assert match.active
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page(match, "matching_end"), {"reason": "rematch", "rating": "not_working",
                                                             "note": "We never found a time."})  # fmt: skip
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == Match.Status.ENDED and match.end_reason == "rematch" and match.ended_by == heron
    assert match.conversation.closed_at is not None
    ending = Feedback.objects.get(kind=Feedback.Kind.ENDING)
    assert (ending.rating, ending.note) == ("not_working", "We never found a time.")
    assert {message.to[0] for message in mail.outbox} == {heron.email, mentor.email}
    html = client.get(page(match)).content.decode()
    assert "You are back in the matching pool" in html and "This match has ended" in html
    assert "asked for someone else" in html and page(match, "matching_end") not in html
    assert page(match, "matching_report") not in html and "Open your conversation" not in html
    # The conversation can still be read, and refuses new messages.
    conversation = reverse("conversation_detail", kwargs={"conversation_id": match.conversation_id})
    response = client.post(conversation, {"body": "Are you still there?"})
    assert response.status_code == 409 and "This conversation has ended" in response.content.decode()
    assert not Message.objects.exists()
    # The other side is told it ended, not why.
    client.force_login(mentor)
    html = client.get(page(match)).content.decode()
    assert "This match has ended" in html and "someone else" not in html and "We never found a time." not in html


def test_reporting_with_a_block_ends_the_match(client, world, match, heron, mentor, django_capture_on_commit_callbacks):
    client.force_login(mentor)
    response = client.post(page(match, "matching_report"), {"note": "No reason chosen."})
    assert response.status_code == 400 and "Choose what is wrong." in response.content.decode()
    assert not MatchReport.objects.exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page(match, "matching_report"), {"reason": "selling", "note": "Asked me to buy a "
                                                                "supplement.", "block": "on"})  # fmt: skip
    assert response.status_code == 302
    report = MatchReport.objects.get()
    assert (report.reporter, report.reported, report.reason, report.blocked) == (mentor, heron, "selling", True)
    match.refresh_from_db()
    assert match.status == Match.Status.ENDED and match.end_reason == Match.EndReason.BLOCKED
    assert match.conversation.closed_at is not None
    moderators = {world.people["moderator"].email, world.people["coordinator"].email}
    assert moderators <= {message.to[0] for message in mail.outbox}
    assert "You have blocked them" in client.get(response["Location"]).content.decode()
    client.force_login(heron)
    html = client.get(page(match)).content.decode()
    assert "This match has ended" in html and "blocked" not in html.lower()  # nor who ended it, nor why
    assert "supplement" not in html


def test_a_report_without_a_block_leaves_the_match_running(client, match, heron):
    client.force_login(heron)
    response = client.post(page(match, "matching_report"), {"reason": "privacy"})
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.active and MatchReport.objects.get().blocked is False


def test_the_coordinator_sees_the_match_read_only(client, world, match, heron):
    Match.objects.filter(pk=match.pk).update(check_in_weeks=[2])
    check_in = {"week": "2", "rating": "not_working", "note": "We have nothing in common."}
    client.force_login(heron)
    client.post(page(match, "matching_check_in"), check_in)
    client.force_login(world.people["coordinator"])
    html = client.get(page(match)).content.decode()
    assert heron.handle in html and world.people["peer_supporter"].handle in html
    assert "Nobody has written yet" in html and "We have nothing in common." in html and "after 2 weeks" in html
    assert "<form" not in html.split("</header>", 1)[1]  # no form on the page (the sign-out button is in the header)
    assert "Open your conversation" not in html
    response = client.post(page(match, "matching_check_in"), check_in)
    assert response.status_code == 403 and Feedback.objects.count() == 1


def test_the_home_page_lists_proposals_and_matches_the_gates_allow(client, proposal, heron, mentor):
    client.force_login(heron)
    html = client.get(reverse("matching_home")).content.decode()
    assert "Read and answer" in html and card(proposal) in html and mentor.handle not in html
    for person in (heron, mentor):
        for row in proposals_waiting(person):
            assert access_proposal(person, row.proposal.pk, purpose="test") == row.proposal
    client.post(card(proposal), {"answer": "accept"})
    assert "Read and answer" not in client.get(reverse("matching_home")).content.decode()
    proposal_answer(actor=mentor, proposal=proposal, accept=True)
    match = Match.objects.get()
    html = client.get(reverse("matching_home")).content.decode()
    assert "Your buddies" in html and mentor.handle in html and page(match) in html
    for person in (heron, mentor):
        rows = own_matches(person)
        assert [row.match for row in rows] == [match]
        assert all(access_match(person, row.match.pk, purpose="test") == row.match for row in rows)


def test_a_buddy_sees_exactly_the_fields_the_profile_form_marks_for_them():
    form = ProfileForm(conditions=Condition.objects.none())
    marked = {name for name, field in form.fields.items() if field.help_text == SEEN_BY_BUDDY}
    marked = {"conditions" if name.startswith(("condition_", "stages_")) else name for name in marked}
    assert marked == set(BUDDY_FIELDS)


def test_the_home_page_reads_its_lists_in_a_fixed_number_of_queries(client, world, proposal, heron):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("matching_home")).status_code == 200
        return len(captured)

    client.force_login(heron)
    queries()  # the first request of a session also reads and writes the session
    one = queries()
    second = buddy_programme(world, "Pump starters")
    other, _supporter = another_mentor(world, second, "calm-otter")
    profile(heron, second)
    profile(other, second, role="mentor")
    proposal_review(actor=world.people["coordinator"], proposal=_run(world, second), approve=True)
    assert len(proposals_waiting(heron)) == 2
    assert queries() == one
