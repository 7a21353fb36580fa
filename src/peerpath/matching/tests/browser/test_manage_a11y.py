"""A coordinator runs the matcher from its page and reviews what it proposed, by keyboard; a moderator deals with a
report from a match. axe-core finds no serious or critical violation on the settings page (as it comes and refused),
the runs page, a run under way, a done run with its proposals and their score opened, the pool with its limits, and
the reports queue (SECURITY.md figure 14)."""

from __future__ import annotations

import pytest

from peerpath.matching import matches, proposals
from peerpath.matching.models import Match, MatchingSettings, MatchRun, Proposal
from peerpath.matching.tests.helpers import buddy_programme, member, mentor, profile
from peerpath.testing.browser import axe_violations, describe, staff_sign_in
from peerpath.testing.personas import make_world

pytestmark = pytest.mark.browser


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}:\n{describe(violations)}"


def test_a_coordinator_runs_the_matcher_and_reviews_its_proposals(axe_page, live_server):
    world = make_world()
    scheme = buddy_programme(world)
    for handle in ("guide", "sherpa"):
        profile(mentor(world, scheme, handle)[0], scheme, role="mentor")
    for handle in ("seeker", "finder", "asker"):
        profile(member(world, handle), scheme)
    staff_sign_in(axe_page, world.people["coordinator"])

    axe_page.goto(f"/matching/{scheme.pk}/settings/")
    assert axe_page.get_by_role("heading", name="Matching settings").is_visible()
    assert_accessible(axe_page)
    axe_page.get_by_label("The same condition").fill("11")
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Save the settings").press("Enter")
    assert axe_page.get_by_role("heading", name="There is a problem").is_visible()
    assert not MatchingSettings.objects.exists()
    assert_accessible(axe_page)

    # A run under way: the bar polls (204 until it moves) and the page stays accessible.
    stuck = MatchRun.objects.create(programme=scheme, status=MatchRun.Status.RUNNING, stage="solving", progress=60)
    axe_page.goto(f"/matching/{scheme.pk}/runs/{stuck.pk}/")
    assert axe_page.get_by_text("Finding the best set of pairs").is_visible()
    assert axe_page.locator("#run-progress[hx-trigger]").count() == 1
    assert_accessible(axe_page)
    MatchRun.objects.filter(pk=stuck.pk).update(status=MatchRun.Status.DONE, stage="done", progress=100)
    axe_page.get_by_text("The run has finished.").wait_for()  # htmx swapped the finished fragment in
    assert axe_page.locator("#run-progress[hx-trigger]").count() == 0

    axe_page.goto(f"/matching/{scheme.pk}/runs/")
    assert_accessible(axe_page)
    with axe_page.expect_navigation():  # the run's task runs at the commit (immediate backend)
        axe_page.get_by_role("button", name="Run matching now").press("Enter")
    assert axe_page.get_by_role("heading", name="What it found").is_visible()
    assert Proposal.objects.filter(status=Proposal.Status.REVIEW).count() == 3
    axe_page.locator("summary").first.press("Enter")
    assert axe_page.get_by_role("table", name="Score of").first.is_visible()
    assert_accessible(axe_page)

    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Send to both").first.press("Enter")
    assert axe_page.get_by_text("The proposal is sent to").is_visible()
    assert Proposal.objects.filter(status=Proposal.Status.OFFERED).count() == 1
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Send all waiting for review on this page").press("Enter")
    assert axe_page.get_by_text("2 proposals are sent to both people.").is_visible()
    assert_accessible(axe_page)

    axe_page.goto(f"/matching/{scheme.pk}/pool/")
    assert axe_page.get_by_label("Buddies at once for guide").is_visible()
    assert_accessible(axe_page)


def test_a_moderator_deals_with_a_report_from_a_match(axe_page, live_server):
    world = make_world()
    scheme = buddy_programme(world)
    guide = profile(mentor(world, scheme, "guide")[0], scheme, role="mentor")
    seeker = profile(member(world, "seeker"), scheme)
    proposal = Proposal.objects.create(programme=scheme, mentee=seeker, mentor=guide, status=Proposal.Status.REVIEW)
    coordinator = world.people["coordinator"]
    proposals.proposal_review(actor=coordinator, proposal=proposal, approve=True)
    proposals.proposal_answer(actor=seeker.user, proposal=proposal, accept=True)
    proposals.proposal_answer(actor=guide.user, proposal=proposal, accept=True)
    match = Match.objects.get(proposal=proposal)
    report = matches.match_report(actor=seeker.user, match=match, reason="unkind", note="Rude about my diet.")

    staff_sign_in(axe_page, world.people["moderator"])
    axe_page.goto("/matching/reports/")
    assert axe_page.get_by_role("heading", name="guide, reported by seeker").is_visible()
    assert_accessible(axe_page)
    with axe_page.expect_navigation():  # nothing said: refused, shown on the form
        axe_page.get_by_role("button", name="Mark as dealt with").press("Enter")
    assert axe_page.get_by_role("heading", name="There is a problem").is_visible()
    assert_accessible(axe_page)
    axe_page.get_by_label("What you did").fill("Spoke to both; reminded the mentor of the rules.")
    axe_page.get_by_label("End the match").check()
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Mark as dealt with").press("Enter")
    assert axe_page.get_by_text("The report is dealt with and the match has ended.").is_visible()
    report.refresh_from_db()
    match.refresh_from_db()
    assert report.status == "resolved" and match.status == Match.Status.ENDED
    assert_accessible(axe_page)
