"""Runs, proposals and matches through the services: one run at a time, the optimal pairs saved as proposals, review,
answers (expired and withdrawn refused), consent withdrawal ending what waits, mentors' places shared with their
caseload, the pair's conversation screened crisis first, ended matches refusing messages, reports, the daily sweep,
and contacts counted on a prescription."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from peerpath.accounts import services as accounts
from peerpath.accounts.roles import Role as AccountRole
from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.matching import matches, proposals, runs, services
from peerpath.matching import settings as matching_settings
from peerpath.matching.models import Feedback, Match, MatchReport, MatchRun, Proposal
from peerpath.matching.pool import load_pool
from peerpath.matching.tests.helpers import buddy_programme, member, mentor, profile
from peerpath.messages.models import Conversation, Message
from peerpath.messages.services import message_send
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(world):
    return buddy_programme(world)


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def pair(world, scheme):
    """A mentor and a member in the pool, each other's only candidate."""
    guide, _supporter = mentor(world, scheme, "guide")
    seeker = member(world, "seeker")
    return profile(seeker, scheme), profile(guide, scheme, role="mentor")


def run_now(world, scheme, commits):
    with commits(execute=True):
        run = runs.run_start(actor=world.people["coordinator"], programme=scheme)
    run.refresh_from_db()
    return run


def offered(world, scheme, pair, commits) -> Proposal:
    run_now(world, scheme, commits)
    proposal = Proposal.objects.get(mentee=pair[0])
    with commits(execute=True):
        return proposals.proposal_review(actor=world.people["coordinator"], proposal=proposal, approve=True)


def matched(world, scheme, pair, commits) -> Match:
    proposal = offered(world, scheme, pair, commits)
    with commits(execute=True):
        proposals.proposal_answer(actor=pair[0].user, proposal=proposal, accept=True)
        proposals.proposal_answer(actor=pair[1].user, proposal=proposal, accept=True)
    return Match.objects.get(proposal=proposal)


# --- runs ------------------------------------------------------------------------------------------------------------


def test_a_run_solves_the_pool_and_saves_proposals_for_review(world, scheme, pair, commits):
    run = run_now(world, scheme, commits)
    assert run.status == MatchRun.Status.DONE and run.progress == 100 and run.optimal
    assert (run.mentees, run.mentors, run.proposals, run.unmatched) == (1, 1, 1, 0)
    proposal = Proposal.objects.get(run=run)
    assert (proposal.mentee, proposal.mentor, proposal.status) == (pair[0], pair[1], Proposal.Status.REVIEW)
    assert proposal.points == run.total_points > 0
    assert AuditEvent.objects.filter(action="matching.run_done", object_id=str(run.pk)).exists()
    assert not mail.outbox  # nothing goes to the pair before the coordinator's review


def test_a_second_run_is_refused_while_one_is_live(world, scheme, pair):
    runs.run_start(actor=world.people["coordinator"], programme=scheme)  # queued, its task not run (no commit)
    with pytest.raises(Conflict, match="already under way"):
        runs.run_start(actor=world.people["coordinator"], programme=scheme)
    assert MatchRun.objects.filter(programme=scheme).count() == 1


def test_a_run_whose_worker_vanished_does_not_block_for_ever(world, scheme, pair):
    stuck = MatchRun.objects.create(programme=scheme, status=MatchRun.Status.RUNNING)
    MatchRun.objects.filter(pk=stuck.pk).update(updated_at=now() - runs.STALE_AFTER - timedelta(minutes=1))
    fresh = runs.run_start(actor=world.people["coordinator"], programme=scheme)
    stuck.refresh_from_db()
    assert stuck.status == MatchRun.Status.FAILED and fresh.status == MatchRun.Status.QUEUED


def test_only_coordinators_start_runs(world, scheme, pair):
    with pytest.raises(PermissionDenied):
        runs.run_start(actor=pair[0].user, programme=scheme)
    assert not MatchRun.objects.exists()


def test_a_run_is_executed_once(world, scheme, pair, commits):
    run = run_now(world, scheme, commits)
    assert runs.run_execute(run.pk) is None  # already done: a second worker finds nothing to claim
    assert Proposal.objects.count() == 1


def test_a_failing_run_is_marked_failed_with_no_proposal(world, scheme, pair, monkeypatch, commits):
    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(runs.engine, "assign", broken)
    run = run_now(world, scheme, commits)
    assert run.status == MatchRun.Status.FAILED and "MemoryError" in run.error
    assert not Proposal.objects.exists()


def test_without_review_proposals_go_straight_to_both(world, scheme, pair, commits):
    weights = {"condition": 5, "goals": 3}
    matching_settings.settings_save(
        actor=world.people["coordinator"], programme=scheme, weights=weights, review_required=False, offer_days=7
    )
    run = run_now(world, scheme, commits)
    proposal = Proposal.objects.get(run=run)
    assert proposal.status == Proposal.Status.OFFERED
    assert proposal.expires_at - proposal.offered_at == timedelta(days=7)
    assert run.weights["condition"] == 5 and run.weights["age"] == 0
    assert sorted(message.to[0] for message in mail.outbox) == sorted([pair[0].user.email, pair[1].user.email])
    handles = {pair[0].user.email: pair[1].user.handle, pair[1].user.email: pair[0].user.handle}
    assert all(handles[message.to[0]] not in message.body for message in mail.outbox)  # nobody named to the other


def test_a_mentor_at_their_own_limit_gets_no_new_proposal(world, scheme, pair, commits):
    matched(world, scheme, pair, commits)
    matching_settings.mentor_cap_set(actor=world.people["coordinator"], profile=pair[1], max_matches=1)
    another = profile(member(world, "another"), scheme)
    run = run_now(world, scheme, commits)
    assert run.places == 0 and run.proposals == 0 and run.unmatched == 1
    assert not Proposal.objects.filter(mentee=another).exists()


def test_active_matches_and_waiting_proposals_count_against_the_caseload_cap(world, commits):
    scheme = buddy_programme(world, caseload_cap=2)
    guide, _supporter = mentor(world, scheme, "guide")
    mentor_profile = profile(guide, scheme, role="mentor")
    first = profile(member(world, "first"), scheme)
    run_now(world, scheme, commits)
    assert Proposal.objects.get(mentee=first).status == Proposal.Status.REVIEW
    _mentees, mentors = load_pool(scheme)
    assert mentors[0].capacity == 1  # the proposal waiting holds one of the two places
    profile(member(world, "second"), scheme)
    profile(member(world, "third"), scheme)
    run = run_now(world, scheme, commits)
    assert run.mentees == 2 and run.proposals == 1  # the first is not taken again; one place left
    assert Proposal.objects.filter(mentor=mentor_profile).count() == 2


def test_a_pair_that_came_to_nothing_is_not_proposed_again(world, scheme, pair, commits):
    run_now(world, scheme, commits)
    proposals.proposal_review(actor=world.people["coordinator"], proposal=Proposal.objects.get(), approve=False)
    run = run_now(world, scheme, commits)
    assert run.mentees == 1 and run.proposals == 0


# --- settings --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "offer_days", "field"),
    [({"condition": 0}, 14, "weights"), ({"condition": 11}, 14, "condition"), ({"colour": 3}, 14, "weights"),
     ({"condition": 5}, 0, "offer_days"), ({"condition": 5}, 61, "offer_days")],
)  # fmt: skip
def test_bad_settings_are_refused_and_nothing_is_saved(world, scheme, weights, offer_days, field):
    with pytest.raises(DomainError) as refused:
        matching_settings.settings_save(actor=world.people["coordinator"], programme=scheme, weights=weights,
                                        review_required=True, offer_days=offer_days)  # fmt: skip
    assert refused.value.field == field
    assert not scheme.__class__.objects.get(pk=scheme.pk).__dict__.get("matching_settings")
    from peerpath.matching.models import MatchingSettings

    assert not MatchingSettings.objects.exists()


@pytest.mark.parametrize("cap", [0, 16, -1])
def test_a_mentor_limit_of_zero_or_above_the_programme_cap_is_refused(world, scheme, pair, cap):
    with pytest.raises(DomainError) as refused:
        matching_settings.mentor_cap_set(actor=world.people["coordinator"], profile=pair[1], max_matches=cap)
    assert refused.value.field == "max_matches"
    pair[1].refresh_from_db()
    assert pair[1].max_matches is None


def test_only_a_mentor_or_a_coordinator_sets_the_mentor_limit(world, scheme, pair):
    with pytest.raises(PermissionDenied):
        matching_settings.mentor_cap_set(actor=pair[0].user, profile=pair[1], max_matches=2)
    assert matching_settings.mentor_cap_set(actor=pair[1].user, profile=pair[1], max_matches=2).max_matches == 2
    with pytest.raises(DomainError):
        matching_settings.mentor_cap_set(actor=pair[0].user, profile=pair[0], max_matches=2)


# --- proposals -------------------------------------------------------------------------------------------------------


def test_both_accepting_begins_the_match_and_their_conversation(world, scheme, pair, commits):
    match = matched(world, scheme, pair, commits)
    assert match.active and match.proposal.status == Proposal.Status.ACCEPTED
    conversation = match.conversation
    assert conversation.kind == Conversation.Kind.BUDDY
    assert {place.user for place in conversation.participants.all()} == {pair[0].user, pair[1].user}
    assert any("new buddy" in message.subject for message in mail.outbox)


def test_one_acceptance_waits_for_the_other(world, scheme, pair, commits):
    proposal = offered(world, scheme, pair, commits)
    proposal = proposals.proposal_answer(actor=pair[1].user, proposal=proposal, accept=True)
    assert proposal.status == Proposal.Status.OFFERED and proposal.mentor_answer == "accept"
    with pytest.raises(Conflict, match="already answered"):
        proposals.proposal_answer(actor=pair[1].user, proposal=proposal, accept=False)
    assert not Match.objects.exists()


def test_a_decline_ends_the_proposal_and_keeps_its_reason_for_the_coordinator(world, scheme, pair, commits):
    proposal = offered(world, scheme, pair, commits)
    proposal = proposals.proposal_answer(actor=pair[0].user, proposal=proposal, accept=False, reason="Too far ahead")
    assert proposal.status == Proposal.Status.DECLINED and proposal.decline_reason == "Too far ahead"
    event = AuditEvent.objects.get(action="matching.proposal_declined", object_id=str(proposal.pk))
    assert event.details == {"side": "mentee", "reason_given": True}
    with pytest.raises(Conflict):
        proposals.proposal_answer(actor=pair[1].user, proposal=proposal, accept=True)


def test_accepting_an_expired_proposal_is_refused(world, scheme, pair, commits):
    proposal = offered(world, scheme, pair, commits)
    Proposal.objects.filter(pk=proposal.pk).update(expires_at=now() - timedelta(minutes=1))
    with pytest.raises(Conflict, match="expired"):
        proposals.proposal_answer(actor=pair[0].user, proposal=proposal, accept=True)
    proposal.refresh_from_db()
    assert proposal.mentee_answer == "" and not Match.objects.exists()


def test_the_sweep_expires_proposals_past_their_deadline(world, scheme, pair, commits):
    proposal = offered(world, scheme, pair, commits)
    Proposal.objects.filter(pk=proposal.pk).update(expires_at=now() - timedelta(minutes=1))
    assert matches.life_sweep().expired == 1
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.EXPIRED


def test_withdrawing_consent_withdraws_what_waits_and_refuses_its_answer(world, scheme, pair, commits):
    proposal = offered(world, scheme, pair, commits)
    services.profile_withdraw_consent(actor=pair[1].user, profile=pair[1])
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.WITHDRAWN
    with pytest.raises(Conflict, match="withdrawn"):
        proposals.proposal_answer(actor=pair[0].user, proposal=proposal, accept=True)
    assert not Match.objects.exists()
    run = run_now(world, scheme, commits)
    assert run.mentors == 0 and run.proposals == 0  # out of the next run too


def test_a_proposal_in_review_is_withdrawn_when_someone_left(world, scheme, pair, commits):
    run_now(world, scheme, commits)
    services.profile_withdraw_consent(actor=pair[0].user, profile=pair[0])
    with pytest.raises(Conflict):
        proposals.proposal_review(actor=world.people["coordinator"], proposal=Proposal.objects.get(), approve=True)
    assert Proposal.objects.get().status == Proposal.Status.WITHDRAWN


def test_only_the_two_answer_and_only_coordinators_review(world, scheme, pair, commits):
    run_now(world, scheme, commits)
    proposal = Proposal.objects.get()
    with pytest.raises(PermissionDenied):
        proposals.proposal_review(actor=pair[0].user, proposal=proposal, approve=True)
    proposal = proposals.proposal_review(actor=world.people["coordinator"], proposal=proposal, approve=True)
    with pytest.raises(PermissionDenied):
        proposals.proposal_answer(actor=make_user("stranger"), proposal=proposal, accept=True)
    with pytest.raises(DomainError):
        proposals.proposal_answer(actor=pair[0].user, proposal=proposal, accept=False, reason="x" * 301)
    proposal.refresh_from_db()
    assert proposal.mentee_answer == ""


def test_the_reasons_say_why_in_both_sides_words(world, scheme, pair, commits):
    proposal = offered(world, scheme, pair, commits)
    reasons = proposals.reasons_for(
        Proposal.objects.select_related("mentee", "mentor", "programme").get(pk=proposal.pk)
    )
    assert "Both speak English" in reasons.explanation.matched
    assert reasons.score.points == proposal.points
    assert proposals.pseudonym(proposal, "mentor") != proposals.pseudonym(proposal, "mentee")
    assert pair[1].user.handle not in proposals.pseudonym(proposal, "mentor")


# --- matches ---------------------------------------------------------------------------------------------------------


def test_the_first_message_is_the_first_contact(world, scheme, pair, commits):
    match = matched(world, scheme, pair, commits)
    sent = message_send(author=pair[0].user, conversation=match.conversation, body="Hello! How are you finding it?")
    match.refresh_from_db()
    assert match.first_contact_at == sent.message.created_at


def test_a_crisis_message_between_buddies_alerts_coordinators_and_moderators(world, scheme, pair, commits):
    match = matched(world, scheme, pair, commits)
    moderator = make_user("watcher")
    accounts.role_grant(actor=None, user=moderator, organisation=world.home, role=AccountRole.MODERATOR)
    mail.outbox.clear()
    with commits(execute=True):
        outcome = message_send(author=pair[0].user, conversation=match.conversation,
                               body="I want to end my life tonight, I have the pills ready")  # fmt: skip
    assert outcome.is_crisis and outcome.crisis_lines and outcome.someone_told
    alerted = {message.to[0] for message in mail.outbox}
    assert moderator.email in alerted and world.people["coordinator"].email in alerted
    assert pair[0].user.email not in alerted
    assert all("pills" not in message.body for message in mail.outbox)


def test_an_ended_match_refuses_new_messages(world, scheme, pair, commits):
    match = matched(world, scheme, pair, commits)
    matches.match_end(actor=pair[0].user, match=match, reason=Match.EndReason.REMATCH, rating="not_working",
                      note="We never found a time.")  # fmt: skip
    with pytest.raises(Conflict, match="has ended"):
        message_send(author=pair[1].user, conversation=match.conversation, body="Are you there?")
    assert not Message.objects.exists()
    assert Feedback.objects.get(match=match).kind == Feedback.Kind.ENDING
    with pytest.raises(Conflict, match="already ended"):
        matches.match_end(actor=pair[1].user, match=match, reason=Match.EndReason.FINISHED)


def test_a_rematch_puts_the_member_back_in_the_next_run_with_someone_else(world, scheme, pair, commits):
    match = matched(world, scheme, pair, commits)
    matches.match_end(actor=pair[0].user, match=match, reason=Match.EndReason.REMATCH)
    other_guide = make_user("guide2")
    accounts.role_grant(actor=None, user=other_guide, organisation=world.home, role=AccountRole.PEER_SUPPORTER)
    from peerpath.programmes import services as programmes

    programmes.supporter_save(actor=world.people["coordinator"], organisation=world.home, user=other_guide,
                              data=programmes.SupporterData(programmes=[scheme]))  # fmt: skip
    second = profile(other_guide, scheme, role="mentor")
    run_now(world, scheme, commits)
    latest = Proposal.objects.filter(mentee=pair[0]).order_by("-created_at").first()
    assert latest.mentor == second and latest.status == Proposal.Status.REVIEW


def test_bad_endings_are_refused(world, scheme, pair, commits):
    match = matched(world, scheme, pair, commits)
    with pytest.raises(DomainError):
        matches.match_end(actor=pair[0].user, match=match, reason=Match.EndReason.BY_COORDINATOR)
    with pytest.raises(DomainError):
        matches.match_end(actor=pair[0].user, match=match, reason="finished", rating="brilliant")
    with pytest.raises(PermissionDenied):
        matches.match_end(actor=make_user("stranger"), match=match, reason="finished")
    match.refresh_from_db()
    assert match.active


def test_blocking_reports_and_ends_the_match(world, scheme, pair, commits):
    match = matched(world, scheme, pair, commits)
    moderator = make_user("watcher")
    accounts.role_grant(actor=None, user=moderator, organisation=world.home, role=AccountRole.MODERATOR)
    mail.outbox.clear()
    with commits(execute=True):
        report = matches.match_report(actor=pair[0].user, match=match, reason="privacy",
                                      note="Keeps asking for my address", block=True)  # fmt: skip
    match.refresh_from_db()
    assert report.reported == pair[1].user and report.blocked and report.status == MatchReport.Status.OPEN
    assert not match.active and match.end_reason == Match.EndReason.BLOCKED
    assert moderator.email in {message.to[0] for message in mail.outbox}
    assert all("address" not in message.body for message in mail.outbox)
    with pytest.raises(PermissionDenied):
        matches.report_resolve(actor=pair[1].user, report=report, resolution="Fine")
    with pytest.raises(DomainError):
        matches.report_resolve(actor=moderator, report=report, resolution="  ")
    resolved = matches.report_resolve(actor=moderator, report=report, resolution="Spoke to both.")
    assert resolved.status == MatchReport.Status.RESOLVED


def test_the_sweep_nudges_silent_pairs_once_and_asks_check_ins(world, scheme, pair, commits):
    match = matched(world, scheme, pair, commits)
    Match.objects.filter(pk=match.pk).update(started_at=now() - timedelta(days=15))
    mail.outbox.clear()
    report = matches.life_sweep()
    assert (report.nudged, report.check_ins) == (1, 1)
    assert matches.life_sweep().nudged == 0
    match.refresh_from_db()
    assert match.check_in_weeks == [2] and match.nudged_at is not None
    assert {message.subject for message in mail.outbox} >= {"[PeerPath] Say hello to your buddy",
                                                             "[PeerPath] Is your buddy match working?"}  # fmt: skip
    with pytest.raises(DomainError):
        matches.check_in_answer(actor=pair[0].user, match=match, week=6, rating="working")
    matches.check_in_answer(actor=pair[0].user, match=match, week=2, rating="not_working", note="No replies")
    with pytest.raises(Conflict):
        matches.check_in_answer(actor=pair[0].user, match=match, week=2, rating="working")


def test_a_pair_that_wrote_is_not_nudged(world, scheme, pair, commits):
    match = matched(world, scheme, pair, commits)
    message_send(author=pair[1].user, conversation=match.conversation, body="Hi, glad to meet you.")
    Match.objects.filter(pk=match.pk).update(started_at=now() - timedelta(days=8))
    assert matches.life_sweep().nudged == 0


# --- prescriptions and the wellbeing board ------------------------------------------------------------------------


def buddy_prescription(world, condition, activity="peer_contact"):
    from peerpath.prescriptions import services as prescriptions
    from peerpath.prescriptions.models import Patient
    from peerpath.prescriptions.tests.helpers import dose, patient

    existing = Patient.objects.filter(organisation=world.home).first()
    prescription = prescriptions.prescription_create(
        clinician=world.people["clinician"], patient=existing or patient(world),
        data=prescriptions.PrescriptionData(dose=dose(activity=activity), support_kind="buddy", condition=condition,
                                            reasons=["new_diagnosis"]),
    )  # fmt: skip
    issued = prescriptions.prescription_send(clinician=world.people["clinician"], prescription=prescription)
    prescriptions.invitation_accept(user=world.people["member"], invitation=issued.invitation,
                                    share_participation=True, share_ehr_summary=False)  # fmt: skip
    prescription.refresh_from_db()
    return prescription


def test_a_buddy_prescription_leads_to_the_clinics_programme_for_its_condition(world, client):
    from peerpath.directory.tests.helpers import condition
    from peerpath.matching.selectors import joinable_roles, prescribed_buddies

    diabetes, fibromyalgia = condition("Type 1 diabetes"), condition("Fibromyalgia")
    general = buddy_programme(world, "Buddies for anyone")
    for_diabetes = buddy_programme(world, "Diabetes buddies")
    for_diabetes.conditions.set([diabetes])
    buddy_prescription(world, diabetes)
    buddy_prescription(world, fibromyalgia)
    found = {
        (item.prescription.condition.name, item.programme.name) for item in prescribed_buddies(world.people["member"])
    }
    assert found == {("Type 1 diabetes", "Diabetes buddies"), ("Fibromyalgia", "Buddies for anyone")}
    assert joinable_roles(world.people["member"], for_diabetes) == ["mentee"]
    assert prescribed_buddies(world.people["coordinator"]) == [] and general.pk
    client.force_login(world.people["member"])
    page = client.get("/matching/").content.decode()
    assert "Find a buddy in Diabetes buddies" in page and "Buddy programme for type 1 diabetes" in page
    profile(world.people["member"], for_diabetes)  # in the pool: the suggestion has done its work
    assert "Find a buddy in Diabetes buddies" not in client.get("/matching/").content.decode()


def test_messages_in_a_match_count_as_peer_contact_on_the_members_prescription(world, scheme, commits):
    from peerpath.directory.tests.helpers import condition
    from peerpath.prescriptions.models import Participation

    prescription = buddy_prescription(world, condition("Type 1 diabetes"))
    guide, _supporter = mentor(world, scheme, "guide")
    seeker_profile = profile(world.people["member"], scheme)
    match = matched(world, scheme, (seeker_profile, profile(guide, scheme, role="mentor")), commits)
    message_send(author=guide, conversation=match.conversation, body="Hello, I was diagnosed ten years ago.")
    message_send(author=world.people["member"], conversation=match.conversation, body="Hi! Thank you for this.")
    recorded = Participation.objects.get(patient=prescription.patient)
    assert recorded.activity == "peer_contact" and recorded.source == Participation.Source.PEER_CONTACT
    assert recorded.source_ref.startswith(f"buddy:{match.pk}:")  # one a day, however many messages


def test_repeated_declines_and_rematches_show_on_the_wellbeing_board(world, scheme, commits):
    from peerpath.programmes.selectors import team_wellbeing

    guide, supporter = mentor(world, scheme, "guide")
    guide_profile = profile(guide, scheme, role="mentor")
    for name in ("one", "two"):
        seeker = profile(member(world, name), scheme)
        proposal = offered(world, scheme, (seeker, guide_profile), commits)
        proposals.proposal_answer(actor=guide, proposal=proposal, accept=False)
    board = {row.supporter.pk: row for row in team_wellbeing(scheme, viewer=world.people["coordinator"])}
    assert board[supporter.pk].signs == ["Declined 2 buddy proposals in 90 days"]
    assert board[supporter.pk].needs_a_look


def test_a_poor_check_in_tells_the_coordinator_and_points_to_someone_else(world, scheme, pair, commits, client):
    match = matched(world, scheme, pair, commits)
    Match.objects.filter(pk=match.pk).update(started_at=now() - timedelta(days=15))
    matches.life_sweep()
    mail.outbox.clear()
    client.force_login(pair[0].user)
    url = f"/matching/matches/{match.pk}/check-in/"
    with commits(execute=True):
        response = client.post(url, {"week": "2", "rating": "not_working", "note": ""})
    assert response.status_code == 302 and response["Location"].endswith("#end-heading")
    assert [message.to[0] for message in mail.outbox] == [world.people["coordinator"].email]
    assert "not working" in mail.outbox[0].subject and pair[0].user.handle not in mail.outbox[0].body


def test_a_phone_or_e_mail_is_seen_only_once_both_choose_to_share(world, scheme, commits, client):
    from peerpath.programmes.tests.helpers import supporter

    supporter(world, scheme)  # the staff persona, who signs in with an authenticator
    pair = (profile(member(world, "seeker"), scheme), profile(world.people["peer_supporter"], scheme, role="mentor"))
    match = matched(world, scheme, pair, commits)
    url = f"/matching/matches/{match.pk}/contact/"
    client.force_login(pair[0].user)
    response = client.post(url, {"phone": "07700 900123", "email": ""}, follow=True)
    assert "only once they share theirs" in response.content.decode()
    client.force_login(pair[1].user)
    page = client.get(f"/matching/matches/{match.pk}/").content.decode()
    assert "07700 900123" not in page  # one side alone shares nothing
    assert client.post(url, {"phone": "call me maybe", "email": ""}).status_code == 400
    assert client.post(url, {"phone": "", "email": "guide@example.net"}).status_code == 302
    page = client.get(f"/matching/matches/{match.pk}/").content.decode()
    assert "07700 900123" in page and 'href="tel:07700900123"' in page  # a drama-range number: dialled as typed
    event = AuditEvent.objects.filter(action="matching.contact_shared", object_id=str(match.pk)).first()
    assert event is not None and "07700" not in str(event.details) and "guide@" not in str(event.details)
    client.force_login(pair[0].user)
    assert "guide@example.net" in client.get(f"/matching/matches/{match.pk}/").content.decode()
    client.post(url, {"phone": "", "email": ""})  # stops at once
    client.force_login(pair[1].user)
    assert "07700 900123" not in client.get(f"/matching/matches/{match.pk}/").content.decode()
    matches.match_end(actor=pair[1].user, match=match, reason=Match.EndReason.FINISHED)
    match.refresh_from_db()
    assert (match.mentor_email, match.mentee_phone) == ("", "")
    with pytest.raises(Conflict):
        matches.match_contact_set(actor=pair[0].user, match=match, phone="07700 900123", email="")
