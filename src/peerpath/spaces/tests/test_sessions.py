"""Clinician sessions through the services (issue 5 point 7; seed 003): topics, votes, the invitation, the answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.spaces import selectors, services
from peerpath.spaces.access import access_meeting
from peerpath.spaces.models import Meeting, Membership, Schedule, TopicProposal, TopicVote
from peerpath.spaces.services import SessionData
from peerpath.spaces.tests.helpers import join, members, space, weekly_space

pytestmark = pytest.mark.django_db


def _session_data(**fields) -> SessionData:
    return SessionData(
        starts_at=fields.pop("starts_at", now() + timedelta(days=10)),
        duration=fields.pop("duration", timedelta(hours=1)),
        mode=fields.pop("mode", Schedule.Mode.ONLINE),
        join_url=fields.pop("join_url", "https://meet.example.org/qa"),
        **fields,
    )


@pytest.fixture
def voted(world):
    """A weekly space where three members proposed topics and voted: "Pacing" 3 votes, "Sleep" 2, "Diet" 1."""
    a_space, _schedule = weekly_space(world)
    peers = members(a_space, 3)
    pacing = services.topic_propose(user=peers[0], space=a_space, title="Pacing", detail="How to pace a bad week")
    sleep = services.topic_propose(user=peers[1], space=a_space, title="Sleep")
    diet = services.topic_propose(user=peers[2], space=a_space, title="Diet")
    services.topic_vote(user=peers[1], proposal=pacing, vote=True)
    services.topic_vote(user=peers[2], proposal=pacing, vote=True)
    services.topic_vote(user=peers[0], proposal=sleep, vote=True)
    return a_space, peers, (pacing, sleep, diet)


def test_topics_are_listed_most_votes_first_with_the_persons_vote(world, voted):
    a_space, peers, _topics = voted
    listed = list(selectors.topics_of(a_space, peers[2]))
    assert [(topic.title, topic.vote_count, topic.voted) for topic in listed] == [
        ("Pacing", 3, True),
        ("Sleep", 2, False),
        ("Diet", 1, True),
    ]


def test_the_whole_flow_from_votes_to_an_accepted_guest(world, voted):
    a_space, _peers, (pacing, sleep, diet) = voted
    organiser, clinician = world.people["coordinator"], world.people["clinician"]

    meeting = services.clinician_session_create(
        actor=organiser, space=a_space, clinician=clinician, proposals=[pacing, sleep], data=_session_data()
    )

    assert meeting.kind == Meeting.Kind.CLINICIAN_SESSION
    assert meeting.guest == clinician and meeting.guest_status == Meeting.GuestStatus.INVITED
    assert meeting.title == "Q&A with a clinician: Pacing; Sleep"
    assert meeting.timezone == a_space.timezone
    pacing.refresh_from_db(), sleep.refresh_from_db(), diet.refresh_from_db()
    assert (pacing.status, pacing.session) == (TopicProposal.Status.SCHEDULED, meeting)
    assert (sleep.status, sleep.session) == (TopicProposal.Status.SCHEDULED, meeting)
    assert diet.status == TopicProposal.Status.OPEN and diet.session is None
    assert list(selectors.guest_sessions(clinician)) == [meeting]
    # Invited but not yet accepted: not in the clinician's calendar.
    assert meeting not in selectors.feed_meetings(clinician)

    services.guest_respond(user=clinician, meeting=meeting, accept=True)

    meeting.refresh_from_db()
    assert meeting.guest_status == Meeting.GuestStatus.ACCEPTED
    found = access_meeting(clinician, a_space.pk, meeting.pk)
    assert found.is_guest and found.sees_members_content and not found.viewer.is_member
    assert meeting in selectors.feed_meetings(clinician)
    assert AuditEvent.objects.filter(action="space.clinician_invited", object_id=str(meeting.pk)).exists()
    assert AuditEvent.objects.filter(action="space.guest_accepted", object_id=str(meeting.pk)).exists()


def test_a_declined_guest_loses_the_meeting_and_the_calendar_entry(world, voted):
    a_space, _peers, (pacing, _sleep, _diet) = voted
    clinician = world.people["clinician"]
    meeting = services.clinician_session_create(
        actor=world.people["coordinator"], space=a_space, clinician=clinician, proposals=[pacing], data=_session_data()
    )
    services.guest_respond(user=clinician, meeting=meeting, accept=False)
    meeting.refresh_from_db()
    assert meeting.guest_status == Meeting.GuestStatus.DECLINED
    assert meeting not in selectors.feed_meetings(clinician)


@pytest.mark.parametrize("persona", ["member", "peer_supporter", "coordinator", "moderator"])
def test_someone_without_the_clinician_role_cannot_be_invited(world, voted, persona):
    a_space, _peers, (pacing, _sleep, _diet) = voted
    with pytest.raises(DomainError, match="clinician role") as refused:
        services.clinician_session_create(
            actor=world.people["coordinator"],
            space=a_space,
            clinician=world.people[persona],
            proposals=[pacing],
            data=_session_data(),
        )
    assert refused.value.field == "clinician"
    assert not Meeting.objects.filter(kind=Meeting.Kind.CLINICIAN_SESSION).exists()
    pacing.refresh_from_db()
    assert pacing.status == TopicProposal.Status.OPEN


def test_a_space_where_clinicians_never_take_part_cannot_invite_one(world):
    a_space = space(world, "Sugarbuddies", clinicians="never")
    services.topic_propose(user=world.people["coordinator"], space=a_space, title="Pumps")
    topic = TopicProposal.objects.get(space=a_space)
    assert not services.clinicians_welcome(a_space)
    with pytest.raises(PermissionDenied, match="never take part"):
        services.clinician_session_create(
            actor=world.people["coordinator"],
            space=a_space,
            clinician=world.people["clinician"],
            proposals=[topic],
            data=_session_data(),
        )
    assert not Meeting.objects.filter(space=a_space).exists()


def test_only_organisers_invite_a_clinician(world, voted):
    a_space, peers, (pacing, _sleep, _diet) = voted
    with pytest.raises(PermissionDenied):
        services.clinician_session_create(
            actor=peers[0], space=a_space, clinician=world.people["clinician"], proposals=[pacing], data=_session_data()
        )


def test_a_session_needs_open_topics_of_the_space_and_a_future_time(world, voted):
    a_space, _peers, (pacing, _sleep, _diet) = voted
    organiser, clinician = world.people["coordinator"], world.people["clinician"]
    other = space(world, "Another group")
    stranger = services.topic_propose(user=organiser, space=other, title="Elsewhere")
    for proposals, data, field in (
        ([], _session_data(), "topics"),
        ([stranger], _session_data(), "topics"),
        ([pacing], _session_data(starts_at=now() - timedelta(hours=1)), "starts_at"),
        ([pacing], _session_data(join_url=""), "join_url"),
    ):
        with pytest.raises(DomainError) as refused:
            services.clinician_session_create(
                actor=organiser, space=a_space, clinician=clinician, proposals=proposals, data=data
            )
        assert refused.value.field == field
    assert not Meeting.objects.filter(kind=Meeting.Kind.CLINICIAN_SESSION).exists()


def test_a_listener_cannot_propose_or_vote(world, voted):
    a_space, _peers, (pacing, _sleep, _diet) = voted
    listener = world.people["carer"]
    join(listener, a_space, role=Membership.Role.LISTENER, organiser=world.people["coordinator"])
    with pytest.raises(PermissionDenied, match="Listeners attend and read"):
        services.topic_propose(user=listener, space=a_space, title="Benefits")
    with pytest.raises(PermissionDenied, match="Listeners attend and read"):
        services.topic_vote(user=listener, proposal=pacing, vote=True)
    assert not TopicProposal.objects.filter(title="Benefits").exists()
    assert not TopicVote.objects.filter(user=listener).exists()


def test_a_member_cannot_vote_twice(world, voted):
    _space, peers, (_pacing, _sleep, diet) = voted
    services.topic_vote(user=peers[0], proposal=diet, vote=True)
    services.topic_vote(user=peers[0], proposal=diet, vote=True)
    assert TopicVote.objects.filter(proposal=diet, user=peers[0]).count() == 1
    assert TopicVote.objects.filter(proposal=diet).count() == 2


def test_taking_a_vote_back_and_proposing_a_duplicate(world, voted):
    a_space, peers, (pacing, _sleep, _diet) = voted
    services.topic_vote(user=peers[0], proposal=pacing, vote=False)
    assert TopicVote.objects.filter(proposal=pacing).count() == 2
    with pytest.raises(Conflict, match="already proposed"):
        services.topic_propose(user=peers[1], space=a_space, title="pacing")


def test_voting_closes_once_a_topic_is_in_a_session(world, voted):
    a_space, peers, (pacing, _sleep, _diet) = voted
    services.clinician_session_create(
        actor=world.people["coordinator"],
        space=a_space,
        clinician=world.people["clinician"],
        proposals=[pacing],
        data=_session_data(),
    )
    pacing.refresh_from_db()
    with pytest.raises(Conflict, match="closed"):
        services.topic_vote(user=peers[0], proposal=pacing, vote=False)


def test_only_the_invited_clinician_answers_and_not_after_a_cancellation(world, voted):
    from peerpath.spaces.meetings import meeting_cancel

    a_space, _peers, (pacing, _sleep, _diet) = voted
    organiser = world.people["coordinator"]
    meeting = services.clinician_session_create(
        actor=organiser, space=a_space, clinician=world.people["clinician"], proposals=[pacing], data=_session_data()
    )
    with pytest.raises(PermissionDenied):
        services.guest_respond(user=world.people["member"], meeting=meeting, accept=True)
    meeting_cancel(actor=organiser, meeting=meeting, message="The clinician is unwell.")
    with pytest.raises(Conflict, match="cancelled"):
        services.guest_respond(user=world.people["clinician"], meeting=meeting, accept=True)
