"""The coordinator's matching pages (issue 17): the settings form refusing bad weights with nothing saved, a run
started from its page and followed until it is done, its proposals explained and reviewed one by one or a page at a
time, a second run refused while one is live, a mentor's limit on buddies, and the queue of reports from matches for
the organisation's moderators and coordinators. Nobody else reaches any of it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerpath.audit.models import AuditEvent
from peerpath.matching import proposals, runs
from peerpath.matching.models import Match, MatchingSettings, MatchReport, MatchRun, Proposal
from peerpath.matching.tests.helpers import buddy_programme, member, mentor, profile
from peerpath.matching.vocabulary import SOFT_FIELDS
from peerpath.testing.matrix import LOGIN, check_matrix

pytestmark = pytest.mark.django_db

NOT_THEIRS = {"member": 404, "carer": 404, "peer_supporter": 404, "moderator": 404, "clinician": 404,
              "outsider": 404}  # fmt: skip
MANAGERS = {"anonymous": LOGIN, **NOT_THEIRS, "coordinator": 200, "admin": 200}
MANAGERS_POST = {**MANAGERS, "coordinator": 302, "admin": 302}
# The outsider is a coordinator of another organisation: they have a queue, with none of these reports in it.
REPORT_HANDLERS = {"anonymous": LOGIN, "member": 404, "carer": 404, "peer_supporter": 404, "moderator": 200,
                   "clinician": 404, "coordinator": 200, "admin": 200, "outsider": 200}  # fmt: skip


@pytest.fixture
def scheme(world):
    return buddy_programme(world)


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def pool(world, scheme):
    """Two mentors and three members waiting, every member with a mentor who fits."""
    mentors = [profile(mentor(world, scheme, handle)[0], scheme, role="mentor") for handle in ("guide", "sherpa")]
    mentees = [profile(member(world, handle), scheme) for handle in ("seeker", "finder", "asker")]
    return mentees, mentors


def url(name, **kwargs):
    return reverse(name, kwargs=kwargs)


def settings_form(**overrides):
    values = {name: str(weight) for name, _label, weight in SOFT_FIELDS}
    values.update(review_required="on", offer_days="10")
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def done_run(world, scheme, commits) -> MatchRun:
    with commits(execute=True):
        run = runs.run_start(actor=world.people["coordinator"], programme=scheme)
    run.refresh_from_db()
    assert run.status == MatchRun.Status.DONE, run.error
    return run


# --- who reaches what ------------------------------------------------------------------------------------------------


def test_only_the_programmes_coordinators_and_admins_reach_its_matching_pages(client, world, scheme, pool, commits):
    run = done_run(world, scheme, commits)
    proposal = Proposal.objects.filter(run=run).first()
    mentor_profile = pool[1][0]
    for page in (url("matching_settings", programme_id=scheme.pk), url("matching_runs", programme_id=scheme.pk),
                 url("matching_run", programme_id=scheme.pk, run_id=run.pk),
                 url("matching_run_progress", programme_id=scheme.pk, run_id=run.pk)):  # fmt: skip
        check_matrix(client, world, url=page, expect=MANAGERS)
    posts = [
        (url("matching_settings", programme_id=scheme.pk), settings_form()),
        (url("matching_review", programme_id=scheme.pk, proposal_id=proposal.pk), {"decision": "approve"}),
        (url("matching_review_all", programme_id=scheme.pk), {"run": str(run.pk), "page": "1"}),
        (url("matching_mentor_cap", programme_id=scheme.pk, profile_id=mentor_profile.pk), {"max_matches": "2"}),
        (url("matching_runs", programme_id=scheme.pk), {}),
    ]
    for target, data in posts:
        check_matrix(client, world, url=target, method="post", data=data, expect=MANAGERS_POST)
    assert AuditEvent.objects.filter(action="access.denied", actor=world.people["outsider"]).count() >= 9


def test_a_run_of_another_programme_is_not_found_under_this_one(client, world, scheme, pool, commits):
    run = done_run(world, scheme, commits)
    other = buddy_programme(world, "Kidney buddies")
    client.force_login(world.people["coordinator"])
    assert client.get(url("matching_run", programme_id=other.pk, run_id=run.pk)).status_code == 404
    assert client.get(url("matching_run_progress", programme_id=other.pk, run_id=run.pk)).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="matching.matchrun").exists()


# --- settings --------------------------------------------------------------------------------------------------------


def test_the_settings_page_says_what_each_weight_weighs_and_saves(client, world, scheme):
    client.force_login(world.people["coordinator"])
    target = url("matching_settings", programme_id=scheme.pk)
    page = client.get(target).content.decode()
    for _name, label, _weight in SOFT_FIELDS:
        assert str(label) in page
    assert "Both live with, or care for someone with, the same condition." in page
    assert "Coordinator reviews proposals before they go out" in page and "Days both have to answer" in page
    assert "<legend" in page and "these are the defaults" in page
    response = client.post(target, settings_form(interests="0", age="7", review_required=None, offer_days="21"))
    assert response.status_code == 302 and response["Location"] == target
    saved = MatchingSettings.objects.get(programme=scheme)
    assert saved.weights["interests"] == 0 and saved.weights["age"] == 7
    assert not saved.review_required and saved.offer_days == 21 and saved.updated_by == world.people["coordinator"]
    assert AuditEvent.objects.filter(action="matching.settings_saved", actor=world.people["coordinator"]).exists()
    page = client.get(target).content.decode()
    assert "The matching settings are saved." in page and 'value="7"' in page


BAD_SETTINGS = [
    ({name: "0" for name, _label, _weight in SOFT_FIELDS}, "At least one weight must be above zero"),
    ({"condition": "11"}, "less than or equal to 10"),
    ({"age": "-1"}, "greater than or equal to 0"),
    ({"goals": "lots"}, "Enter a whole number."),
    ({"offer_days": "0"}, "greater than or equal to 1"),
    ({"offer_days": "61"}, "less than or equal to 60"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_SETTINGS)
def test_bad_settings_are_shown_on_the_form_and_nothing_is_saved(client, world, scheme, overrides, message):
    client.force_login(world.people["coordinator"])
    response = client.post(url("matching_settings", programme_id=scheme.pk), settings_form(**overrides))
    page = response.content.decode()
    assert response.status_code == 400 and message in page and "There is a problem" in page
    assert not MatchingSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="matching.settings_saved").exists()


# --- runs ------------------------------------------------------------------------------------------------------------


def test_a_coordinator_starts_a_run_follows_it_and_reads_its_proposals(client, world, scheme, pool, commits):
    client.force_login(world.people["coordinator"])
    runs_url = url("matching_runs", programme_id=scheme.pk)
    assert "Run matching now" in client.get(runs_url).content.decode()
    with commits() as callbacks:
        response = client.post(runs_url)
    run = MatchRun.objects.get(programme=scheme)
    run_url = url("matching_run", programme_id=scheme.pk, run_id=run.pk)
    assert response.status_code == 302 and response["Location"] == run_url
    page = client.get(run_url).content.decode()
    assert '<progress id="run-progress-bar" max="100" value="0">' in page and "Waiting to start" in page
    assert 'hx-trigger="every 2s"' in page and 'hx-swap="outerHTML"' in page and 'role="status"' in page
    assert ">Refresh<" in page and "Proposals" not in page
    assert "A run is under way" in client.get(runs_url).content.decode()  # no second button while it runs

    for callback in callbacks:  # the commit: the task runs (immediate backend)
        callback()
    run.refresh_from_db()
    assert run.status == MatchRun.Status.DONE and run.proposals == 3
    page = client.get(run_url).content.decode()
    assert 'value="100"' in page and "Finished" in page and "hx-trigger" not in page
    assert "What it found" in page and "Pairs that could be matched" in page and "Best overall" in page
    for handle in ("seeker", "finder", "asker"):
        assert f"{handle} with " in page
    assert page.count("Waiting for the coordinator") == 3
    assert '<h4 class="nhsuk-heading-xs">Why</h4>' in page and "<li>Both are working</li>" in page
    assert "Did not match" in page and "Not matched: the same condition" in page
    assert "<details" in page and "The score, part by part" in page and "How well it matches, 0 to 1" in page
    assert "22 of 38" in page  # the default weights add up to 38
    assert "style=" not in page and "<script>" not in page  # the CSP allows nothing inline
    assert page.count('name="decision" value="approve"') == 3 and "Send all waiting for review on this page" in page
    viewed = AuditEvent.objects.get(action="matching.run_viewed", actor=world.people["coordinator"])
    assert viewed.details == {"page": 1, "proposals": 3}
    listing = client.get(runs_url).content.decode()
    assert "Run matching now" in listing and world.people["coordinator"].handle in listing and "Done" in listing


def test_the_run_page_costs_one_query_more_per_proposal_at_most(client, world, scheme, commits):
    """The page's queries are fixed but for reasons_for's read of the programme's settings, once per proposal shown
    (25 at most): the profiles, their conditions and the handles are loaded in one go."""
    profile(mentor(world, scheme, "guide")[0], scheme, role="mentor")
    seekers = [profile(member(world, f"seeker{n}"), scheme) for n in range(2)]
    client.force_login(world.people["coordinator"])

    def queries_for_run_page() -> int:
        run = done_run(world, scheme, commits)
        target = url("matching_run", programme_id=scheme.pk, run_id=run.pk)
        client.get(target)  # the session and the menu warmed up
        with CaptureQueriesContext(connection) as captured:
            assert client.get(target).status_code == 200
        return len(captured.captured_queries)

    two = queries_for_run_page()
    Proposal.objects.filter(mentee__in=seekers).update(status=Proposal.Status.WITHDRAWN)
    for n in range(2, 8):
        profile(member(world, f"seeker{n}"), scheme)
    six = queries_for_run_page()
    assert Proposal.objects.filter(status=Proposal.Status.REVIEW).count() == 6
    assert six - two <= 4, (two, six)


def test_a_second_run_is_refused_while_one_is_live_and_nothing_is_created(client, world, scheme, pool):
    live = MatchRun.objects.create(programme=scheme, status=MatchRun.Status.RUNNING, stage="pairs", progress=20)
    client.force_login(world.people["coordinator"])
    runs_url = url("matching_runs", programme_id=scheme.pk)
    response = client.post(runs_url, follow=True)
    assert response.redirect_chain == [(runs_url, 302)]
    assert "already under way" in response.content.decode()
    assert list(MatchRun.objects.all()) == [live]
    assert url("matching_run", programme_id=scheme.pk, run_id=live.pk) in response.content.decode()


def test_the_progress_fragment_polls_while_the_run_is_live_and_stops_when_it_is_done(client, world, scheme):
    run = MatchRun.objects.create(programme=scheme, status=MatchRun.Status.RUNNING, stage="pairs", progress=20)
    client.force_login(world.people["coordinator"])
    fragment_url = url("matching_run_progress", programme_id=scheme.pk, run_id=run.pk)
    fragment = client.get(fragment_url).content.decode()
    assert fragment.startswith('<div id="run-progress"') and "<html" not in fragment
    assert 'hx-trigger="every 2s"' in fragment and 'value="20"' in fragment
    assert "Scoring every pair that may be matched" in fragment
    # Polling with what it already shows: nothing to swap, so the live region stays quiet.
    assert client.get(fragment_url, {"seen": "running:pairs:20"}).status_code == 204
    MatchRun.objects.filter(pk=run.pk).update(stage="solving", progress=60)
    moved = client.get(fragment_url, {"seen": "running:pairs:20"})
    assert moved.status_code == 200 and 'value="60"' in moved.content.decode()
    MatchRun.objects.filter(pk=run.pk).update(status=MatchRun.Status.DONE, stage="done", progress=100)
    done = client.get(fragment_url, {"seen": "running:solving:60"}).content.decode()
    assert "hx-get" not in done and "hx-trigger" not in done and 'value="100"' in done
    assert "The run has finished." in done and url("matching_run", programme_id=scheme.pk, run_id=run.pk) in done


def test_a_failed_run_says_so_and_stops_polling(client, world, scheme):
    run = MatchRun.objects.create(
        programme=scheme, status=MatchRun.Status.FAILED, error="The run failed (MemoryError)."
    )
    client.force_login(world.people["coordinator"])
    page = client.get(url("matching_run", programme_id=scheme.pk, run_id=run.pk)).content.decode()
    assert "The run failed (MemoryError)." in page and "hx-trigger" not in page and "(0%)" not in page
    assert "Nothing was proposed." in page


# --- review ----------------------------------------------------------------------------------------------------------


def test_a_coordinator_sends_one_proposal_and_stops_another(client, world, scheme, pool, commits):
    run = done_run(world, scheme, commits)
    first, second, _third = Proposal.objects.filter(run=run).order_by("-points", "pk")
    client.force_login(world.people["coordinator"])
    run_url = url("matching_run", programme_id=scheme.pk, run_id=run.pk)
    with commits(execute=True):
        response = client.post(url("matching_review", programme_id=scheme.pk, proposal_id=first.pk),
                               {"decision": "approve"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == run_url
    response = client.post(url("matching_review", programme_id=scheme.pk, proposal_id=second.pk),
                           {"decision": "reject"}, follow=True)  # fmt: skip
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Proposal.Status.OFFERED and first.reviewed_by == world.people["coordinator"]
    assert second.status == Proposal.Status.REJECTED
    page = response.content.decode()
    assert "is not sent" in page and "Waiting for both to answer" in page and "Not sent by the coordinator" in page
    assert page.count('name="decision" value="approve"') == 1
    # Reviewing again is refused, changing nothing.
    again = client.post(url("matching_review", programme_id=scheme.pk, proposal_id=second.pk),
                        {"decision": "approve"}, follow=True)  # fmt: skip
    assert "no longer waiting for review" in again.content.decode()
    second.refresh_from_db()
    assert second.status == Proposal.Status.REJECTED


def test_a_review_without_a_decision_changes_nothing(client, world, scheme, pool, commits):
    run = done_run(world, scheme, commits)
    proposal = Proposal.objects.filter(run=run).first()
    client.force_login(world.people["coordinator"])
    response = client.post(url("matching_review", programme_id=scheme.pk, proposal_id=proposal.pk),
                           {"decision": "maybe"}, follow=True)  # fmt: skip
    assert "Choose whether to send the proposal" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.REVIEW


def test_a_coordinator_sends_every_proposal_waiting_on_the_page(client, world, scheme, pool, commits):
    run = done_run(world, scheme, commits)
    client.force_login(world.people["coordinator"])
    with commits(execute=True):
        response = client.post(url("matching_review_all", programme_id=scheme.pk),
                               {"run": str(run.pk), "page": "1"}, follow=True)  # fmt: skip
    assert "3 proposals are sent to both people." in response.content.decode()
    assert set(Proposal.objects.filter(run=run).values_list("status", flat=True)) == {Proposal.Status.OFFERED}
    assert AuditEvent.objects.filter(action="matching.proposal_approved").count() == 3


def test_sending_a_page_skips_what_is_no_longer_waiting(client, world, scheme, pool, commits):
    run = done_run(world, scheme, commits)
    first = Proposal.objects.filter(run=run).first()
    proposals.proposal_review(actor=world.people["coordinator"], proposal=first, approve=False)
    client.force_login(world.people["coordinator"])
    response = client.post(url("matching_review_all", programme_id=scheme.pk), {"run": str(run.pk), "page": "1"},
                           follow=True)  # fmt: skip
    assert "2 proposals are sent to both people." in response.content.decode()
    first.refresh_from_db()
    assert first.status == Proposal.Status.REJECTED


# --- a mentor's limit ------------------------------------------------------------------------------------------------


def test_the_pool_page_has_each_mentors_limit_and_links_to_the_new_pages(client, world, scheme, pool):
    client.force_login(world.people["coordinator"])
    page = client.get(url("matching_pool", programme_id=scheme.pk)).content.decode()
    assert page.count('name="max_matches"') == 2 and "Buddies at once for guide" in page
    assert url("matching_runs", programme_id=scheme.pk) in page
    assert url("matching_settings", programme_id=scheme.pk) in page


@pytest.mark.parametrize(("value", "message"), [("0", "from 1 to 15"), ("16", "from 1 to 15"),
                                                ("two", "as a whole number")])  # fmt: skip
def test_a_bad_limit_on_buddies_is_refused_and_nothing_is_saved(client, world, scheme, pool, value, message):
    guide = pool[1][0]
    client.force_login(world.people["coordinator"])
    response = client.post(url("matching_mentor_cap", programme_id=scheme.pk, profile_id=guide.pk),
                           {"max_matches": value}, follow=True)  # fmt: skip
    assert response.redirect_chain[-1][0] == url("matching_pool", programme_id=scheme.pk)
    assert message in response.content.decode()
    guide.refresh_from_db()
    assert guide.max_matches is None
    assert not AuditEvent.objects.filter(action="matching.mentor_cap_set").exists()


def test_a_coordinator_sets_a_mentors_limit_and_empties_it(client, world, scheme, pool):
    guide = pool[1][0]
    client.force_login(world.people["coordinator"])
    target = url("matching_mentor_cap", programme_id=scheme.pk, profile_id=guide.pk)
    response = client.post(target, {"max_matches": "3"}, follow=True)
    assert "guide takes up to 3 buddies at once." in response.content.decode()
    guide.refresh_from_db()
    assert guide.max_matches == 3
    client.post(target, {"max_matches": ""})
    guide.refresh_from_db()
    assert guide.max_matches is None
    seeker = pool[0][0]
    assert client.post(url("matching_mentor_cap", programme_id=scheme.pk, profile_id=seeker.pk),
                       {"max_matches": "2"}).status_code == 404  # fmt: skip


# --- reports ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def report(world, scheme, commits):
    """A member reports their mentor in an active match."""
    from peerpath.matching import matches

    guide = profile(mentor(world, scheme, "guide")[0], scheme, role="mentor")
    seeker = profile(member(world, "seeker"), scheme)
    done_run(world, scheme, commits)
    proposal = Proposal.objects.get(mentee=seeker)
    with commits(execute=True):
        proposals.proposal_review(actor=world.people["coordinator"], proposal=proposal, approve=True)
        proposals.proposal_answer(actor=seeker.user, proposal=proposal, accept=True)
        proposals.proposal_answer(actor=guide.user, proposal=proposal, accept=True)
        match = Match.objects.get(proposal=proposal)
        return matches.match_report(actor=seeker.user, match=match, reason="selling",
                                    note="Keeps offering me supplements.")  # fmt: skip


def test_the_reports_queue_is_for_the_organisations_moderators_and_coordinators(client, world, report):
    target = url("matching_reports")
    check_matrix(client, world, url=target, expect=REPORT_HANDLERS)
    assert AuditEvent.objects.filter(action="access.denied", actor=world.people["clinician"],
                                     object_type="matching.matchreport").exists()  # fmt: skip
    client.force_login(world.people["outsider"])
    elsewhere = client.get(target).content.decode()
    assert "No reports." in elsewhere and "seeker" not in elsewhere and "supplements" not in elsewhere
    client.force_login(world.people["moderator"])
    page = client.get(target).content.decode()
    assert "guide, reported by seeker" in page and "Selling something or asking for money" in page
    assert "Keeps offering me supplements." in page and "Diabetes buddies" in page
    assert "End the match" in page and "Mark as dealt with" in page
    assert AuditEvent.objects.filter(action="matching.reports_viewed", actor=world.people["moderator"]).exists()
    resolve = url("matching_report_resolve", report_id=report.pk)
    check_matrix(client, world, url=resolve, method="post", data={"resolution": ""}, expect={
        **REPORT_HANDLERS, "moderator": 400, "coordinator": 400, "admin": 400, "outsider": 404,
    })  # fmt: skip
    report.refresh_from_db()
    assert report.status == MatchReport.Status.OPEN


def test_a_moderator_deals_with_a_report_and_ends_the_match(client, world, report):
    client.force_login(world.people["moderator"])
    resolve = url("matching_report_resolve", report_id=report.pk)
    refused = client.post(resolve, {"resolution": "  "})
    assert refused.status_code == 400 and "Say what you did." in refused.content.decode()
    report.refresh_from_db()
    assert report.status == MatchReport.Status.OPEN
    response = client.post(resolve, {"resolution": "Spoke to both; the mentor is paused.", "end_match": "on"},
                           follow=True)  # fmt: skip
    assert response.redirect_chain == [(url("matching_reports"), 302)]
    page = response.content.decode()
    assert "The report is dealt with and the match has ended." in page
    assert "Spoke to both; the mentor is paused." in page and "Mark as dealt with" not in page
    report.refresh_from_db()
    report.match.refresh_from_db()
    assert report.status == MatchReport.Status.RESOLVED and report.resolved_by == world.people["moderator"]
    assert report.match.status == Match.Status.ENDED
    again = client.post(resolve, {"resolution": "Once more."}, follow=True)
    assert "already been dealt with" in again.content.decode()


def test_someone_who_deals_with_no_reports_gets_404_even_with_none_to_show(client, world):
    client.force_login(world.people["clinician"])
    assert client.get(url("matching_reports")).status_code == 404
    client.force_login(world.people["moderator"])
    page = client.get(url("matching_reports")).content.decode()
    assert "No reports." in page


def test_the_matching_home_page_links_to_the_new_pages(client, world, scheme):
    client.force_login(world.people["coordinator"])
    page = client.get(url("matching_home")).content.decode()
    assert url("matching_runs", programme_id=scheme.pk) in page
    assert url("matching_settings", programme_id=scheme.pk) in page and url("matching_reports") in page
    client.force_login(world.people["moderator"])
    assert url("matching_reports") in client.get(url("matching_home")).content.decode()
    client.force_login(world.people["member"])
    assert url("matching_reports") not in client.get(url("matching_home")).content.decode()
