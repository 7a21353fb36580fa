"""A new member's instant top five for the coordinator, and proposing one of them by hand: the hard rules, the
mentor's places and "never the same pair twice" still hold, and the proposal goes straight to both."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, PermissionDenied
from peerpath.matching import proposals
from peerpath.matching.models import Proposal
from peerpath.matching.tests.helpers import buddy_programme, member, mentor, profile
from peerpath.testing.matrix import LOGIN, check_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(world):
    return buddy_programme(world)


@pytest.fixture
def people(world, scheme):
    seeker = profile(member(world, "seeker"), scheme, languages=["pl", "en"], interests=["walking", "music"])
    close = profile(mentor(world, scheme, "kasia_k")[0], scheme, role="mentor", languages=["pl"],
                    interests=["walking", "music"])  # fmt: skip
    far = profile(mentor(world, scheme, "ed_w")[0], scheme, role="mentor", languages=["en"], interests=["gaming"])
    other_tongue = profile(mentor(world, scheme, "rhys_cy")[0], scheme, role="mentor", languages=["cy"])
    return seeker, close, far, other_tongue


def test_the_top_five_ranks_the_mentors_who_meet_the_hard_rules(client, world, scheme, people):
    seeker = people[0]
    url = reverse("matching_candidates", kwargs={"programme_id": scheme.pk, "profile_id": seeker.pk})
    nobody = dict.fromkeys(("member", "carer", "peer_supporter", "moderator", "clinician", "outsider"), 404)
    check_matrix(client, world, url=url, expect={"anonymous": LOGIN, "coordinator": 200, "admin": 200, **nobody})
    client.force_login(world.people["coordinator"])
    page = client.get(url).content.decode()
    assert page.index("kasia_k") < page.index("ed_w") and "rhys_cy" not in page  # no shared language: never offered
    assert "Both speak Polish" in page
    assert AuditEvent.objects.filter(action="matching.candidates_viewed", object_id=str(seeker.pk)).exists()


def test_proposing_by_hand_offers_to_both_at_once(client, world, scheme, people, django_capture_on_commit_callbacks):
    seeker, close, _far, _other = people
    client.force_login(world.people["coordinator"])
    url = reverse("matching_candidates", kwargs={"programme_id": scheme.pk, "profile_id": seeker.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"mentor": str(close.pk)})
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert (proposal.mentee, proposal.mentor, proposal.status) == (seeker, close, Proposal.Status.OFFERED)
    assert proposal.reviewed_by == world.people["coordinator"] and proposal.expires_at is not None
    assert len(mail.outbox) == 2
    response = client.post(url, {"mentor": str(close.pk)}, follow=True)  # a second proposal while one waits
    assert "already has a proposal waiting" in response.content.decode() and Proposal.objects.count() == 1


def test_a_hand_proposal_keeps_the_rules(world, scheme, people):
    seeker, close, _far, other_tongue = people
    coordinator = world.people["coordinator"]
    with pytest.raises(PermissionDenied):
        proposals.proposal_propose(actor=seeker.user, mentee=seeker, mentor=close)
    with pytest.raises(Conflict, match="No language in common"):
        proposals.proposal_propose(actor=coordinator, mentee=seeker, mentor=other_tongue)
    from peerpath.matching import settings as matching_settings

    matching_settings.mentor_cap_set(actor=coordinator, profile=close, max_matches=1)
    other = profile(member(world, "other"), scheme, languages=["pl"])
    proposals.proposal_propose(actor=coordinator, mentee=other, mentor=close)
    with pytest.raises(Conflict, match="no places left"):
        proposals.proposal_propose(actor=coordinator, mentee=seeker, mentor=close)
    declined = Proposal.objects.get(mentee=other)
    proposals.proposal_answer(actor=close.user, proposal=declined, accept=False)
    with pytest.raises(Conflict, match="not proposed again"):
        proposals.proposal_propose(actor=coordinator, mentee=other, mentor=close)
    assert Proposal.objects.count() == 1


def test_reviewing_a_proposal_that_is_not_the_programmes_is_404(client, world, scheme, people):
    other_scheme = buddy_programme(world, "Other buddies")
    seeker, close, _far, _other = people
    proposals.proposal_propose(actor=world.people["coordinator"], mentee=seeker, mentor=close)
    proposal = Proposal.objects.get()
    client.force_login(world.people["coordinator"])
    url = reverse("matching_review", kwargs={"programme_id": other_scheme.pk, "proposal_id": proposal.pk})
    assert client.post(url, {"decision": "reject"}).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(proposal.pk)).exists()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OFFERED


def test_a_mentor_sets_their_own_limit_on_their_profile_page(client, world, scheme, people):
    from peerpath.programmes.tests.helpers import supporter

    supporter(world, scheme)
    guide = profile(world.people["peer_supporter"], scheme, role="mentor")  # staff: signed in with their authenticator
    client.force_login(guide.user)
    page = client.get(reverse("matching_profile", kwargs={"programme_id": scheme.pk})).content.decode()
    assert "How many buddies at once" in page
    url = reverse("matching_own_limit", kwargs={"programme_id": scheme.pk})
    assert "Your limit is saved" in client.post(url, {"max_matches": "2"}, follow=True).content.decode()
    guide.refresh_from_db()
    assert guide.max_matches == 2
    for bad in ("0", str(scheme.caseload_cap + 1), "two"):
        client.post(url, {"max_matches": bad})
        guide.refresh_from_db()
        assert guide.max_matches == 2
    client.force_login(people[0].user)  # a member has no limit to set
    assert "Save your mentor profile first" in client.post(url, {"max_matches": "1"}, follow=True).content.decode()
