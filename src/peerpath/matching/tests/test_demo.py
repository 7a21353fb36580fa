"""`make run`'s buddy programme (issue 17): about forty members and twelve mentors, two runs, proposals in every state,
matches in every stage of their life, a mentor at their cap left out, and Priya's proposed buddy waiting for her."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from peerpath.accounts.management.commands.demo import load_demo
from peerpath.accounts.models import User
from peerpath.core.time import now
from peerpath.matching.demo import PROGRAMME, demo_matching_guide, load_matching_demo
from peerpath.matching.matches import NUDGE_AFTER, life_sweep
from peerpath.matching.models import Feedback, Match, MatchProfile, MatchReport, MatchRun, Proposal
from peerpath.matching.pool import load_pool
from peerpath.matching.runs import latest_run
from peerpath.matching.selectors import managed_buddy_programmes
from peerpath.messages.models import Message
from peerpath.programmes.models import Programme
from peerpath.programmes.services import lapsed_courses

pytestmark = pytest.mark.django_db

FAST = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
}


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The whole demo, loaded once for this module (it takes a while) and rolled back after its tests; each test
    runs in a savepoint inside it."""
    with django_db_blocker.unblock(), override_settings(**FAST), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def programme(demo: None, db: None) -> Programme:
    return Programme.objects.select_related("organisation").get(name=PROGRAMME)


def profile(handle: str, programme: Programme) -> MatchProfile:
    return MatchProfile.objects.select_related("user").get(programme=programme, user__handle=handle)


def test_the_pool_has_forty_members_and_twelve_trained_mentors_of_every_kind(programme):
    profiles = list(MatchProfile.objects.filter(programme=programme).prefetch_related("conditions__condition"))
    mentees = [p for p in profiles if p.role == "mentee"]
    mentors = [p for p in profiles if p.role == "mentor"]
    assert len(mentees) == 40 and len(mentors) == 12
    assert {"pl", "ur", "cy"} <= {code for p in profiles for code in p.languages}
    assert {"type-1-diabetes", "type-2-diabetes"} <= {e.condition.slug for p in profiles for e in p.conditions.all()}
    assert any(p.age_band == "under_18" for p in mentees) and any(p.approved_for_adolescents for p in mentors)
    in_person = [p for p in profiles if "in_person" in p.formats]
    assert in_person and all(p.latitude is not None and p.place.endswith("(GB)") for p in in_person)
    assert any(p.wants_gender for p in mentees) and any(p.avoid for p in mentees)
    assert len({p.timezone for p in profiles}) > 1 and len({p.age_band for p in profiles}) >= 5
    # Every mentor is a peer supporter of the programme with the training it requires; Aisha is on her break.
    supporters = {s.user_id: s for s in programme.supporters.prefetch_related("training")}
    assert {p.user_id for p in mentors} <= set(supporters)
    assert not any(lapsed_courses(s, programme, now().date()) for s in supporters.values())
    assert [s.user.handle for s in supporters.values() if s.is_paused] == ["gentle-pace"]


def test_two_runs_are_done_and_the_coordinator_sees_the_latest(programme, client):
    runs = list(MatchRun.objects.filter(programme=programme).order_by("created_at"))
    assert [run.status for run in runs] == ["done", "done"] and all(run.optimal for run in runs)
    first, latest = runs
    assert latest_run(programme) == latest and latest.created_at > first.created_at
    assert latest.mentors == 12 and latest.proposals >= 30 and latest.unmatched >= 1
    coordinator = User.objects.get(email="coordinator@peerpath.demo")
    assert latest.started_by == coordinator and programme in managed_buddy_programmes(coordinator)
    client.force_login(coordinator)
    page = client.get(reverse("matching_run", kwargs={"programme_id": programme.pk, "run_id": latest.pk}))
    assert page.status_code == 200


def test_proposals_are_in_every_state(programme):
    states = set(Proposal.objects.filter(programme=programme).values_list("status", flat=True))
    assert states == set(Proposal.Status.values)
    declined = Proposal.objects.get(programme=programme, status="declined")
    assert declined.decline_reason and declined.mentor_answer == "accept"
    assert Proposal.objects.get(programme=programme, status="rejected").reviewed_by.email == "coordinator@peerpath.demo"
    expired = Proposal.objects.get(programme=programme, status="expired")
    assert expired.expires_at < now()
    withdrawn = Proposal.objects.select_related("mentee").get(programme=programme, status="withdrawn")
    assert withdrawn.mentee.consent_withdrawn_at is not None
    offered = Proposal.objects.filter(programme=programme, status="offered")
    assert offered.filter(mentor_answer="accept").exists() and offered.filter(mentee_answer="accept").exists()


def test_matches_run_their_course_and_a_silent_pair_is_nudged_next(programme):
    active = Match.objects.filter(programme=programme, status="active")
    assert active.count() >= 3
    talking = [m for m in active if Message.objects.filter(conversation=m.conversation).count() >= 4]
    assert talking and all(m.first_contact_at for m in talking)
    assert not Message.objects.filter(conversation__buddy_match__programme=programme, crisis=True).exists()
    ended = Match.objects.get(programme=programme, status="ended")
    assert ended.feedback.get().kind == Feedback.Kind.ENDING and ended.end_reason == "rematch"
    assert Feedback.objects.filter(match__programme=programme, kind="check_in", week=2, rating="working").exists()
    report = MatchReport.objects.get(programme=programme)
    assert report.status == "open" and not report.blocked and report.match.active
    silent = active.get(first_contact_at__isnull=True)
    assert silent.started_at <= now() - NUDGE_AFTER - timedelta(days=1) and silent.nudged_at is None
    assert life_sweep().nudged == 1
    silent.refresh_from_db()
    assert silent.nudged_at is not None


def test_the_mentor_at_their_cap_gets_no_new_proposal_and_a_polish_member_waits(programme):
    agnieszka = profile("buddy-agnieszka", programme)
    assert agnieszka.max_matches == 1 and Match.objects.filter(mentor=agnieszka, status="active").count() == 1
    latest = latest_run(programme)
    assert latest is not None and not Proposal.objects.filter(run=latest, mentor=agnieszka).exists()
    assert not Proposal.objects.filter(run=latest, mentor=profile("gentle-pace", programme)).exists()  # paused
    krzysztof = profile("buddy-krzysztof", programme)
    assert krzysztof.languages == ["pl"] and not Proposal.objects.filter(mentee=krzysztof).exists()
    _mentees, mentors = load_pool(programme, waiting_only=True)
    assert next(m for m in mentors if m.id == agnieszka.pk).capacity == 0


def test_priyas_proposed_buddy_has_accepted_and_waits_for_her(programme, client):
    priya = User.objects.get(email="member@peerpath.demo")
    proposal = Proposal.objects.get(programme=programme, mentee__user=priya)
    assert proposal.status == "offered" and proposal.mentor_answer == "accept" and not proposal.mentee_answer
    assert proposal.run == latest_run(programme) and proposal.expires_at > now()
    client.force_login(priya)
    home = client.get("/matching/").content.decode()
    assert reverse("matching_proposal", kwargs={"proposal_id": proposal.pk}) in home
    assert "/matching/" in "\n".join(demo_matching_guide("http://127.0.0.1:8000"))


def test_loading_it_again_adds_nothing(programme):
    people = {"coordinator": programme.coordinator}
    assert load_matching_demo(organisation=programme.organisation, people=people) == programme
    assert MatchProfile.objects.filter(programme=programme).count() == 52
    assert MatchRun.objects.filter(programme=programme).count() == 2
