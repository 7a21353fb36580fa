"""Clinician sessions through the pages (issue 5 point 7): topics and votes, the organiser's invitation, the guest's
page; a permission matrix for each."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerpath.accounts import services as account_services
from peerpath.accounts.roles import Role
from peerpath.core.tests import test_url_walk
from peerpath.core.time import now
from peerpath.spaces import services
from peerpath.spaces.models import Meeting, Membership, Schedule, TopicProposal, TopicVote
from peerpath.spaces.services import SessionData
from peerpath.spaces.tests.helpers import join, members, space, weekly_space
from peerpath.spaces.views import sessions as session_views
from peerpath.testing.matrix import LOGIN, check_matrix
from peerpath.testing.personas import TOTP_SECRET, make_user
from peerpath.testing.urlwalk import all_routes

pytestmark = pytest.mark.django_db

NOBODY_ELSE = {"peer_supporter": 404, "moderator": 404, "outsider": 404, "anonymous": LOGIN}


@pytest.fixture
def group(world):
    """The weekly space: the coordinator organises it, the member belongs, the carer listens."""
    a_space, _schedule = weekly_space(world)
    join(world.people["carer"], a_space, role=Membership.Role.LISTENER, organiser=world.people["coordinator"])
    return a_space


def _topics_url(a_space) -> str:
    return reverse("topic_list", kwargs={"space_id": a_space.pk})


def _vote_url(topic) -> str:
    return reverse("topic_vote", kwargs={"space_id": topic.space_id, "topic_id": topic.pk})


def _session_url(a_space) -> str:
    return reverse("session_create", kwargs={"space_id": a_space.pk})


def _respond_url(meeting) -> str:
    return reverse("guest_session_respond", kwargs={"meeting_id": meeting.pk})


def _invite(world, a_space, topics) -> Meeting:
    return services.clinician_session_create(
        actor=world.people["coordinator"],
        space=a_space,
        clinician=world.people["clinician"],
        proposals=topics,
        data=SessionData(
            starts_at=now() + timedelta(days=7),
            duration=timedelta(hours=1),
            mode=Schedule.Mode.ONLINE,
            join_url="https://meet.example.org/qa",
        ),
    )


def _session_form(**fields) -> dict[str, object]:
    day = (now() + timedelta(days=14)).date().isoformat()
    return {"clinician": "clinician@example.org", "day": day, "start": "19:00", "length": "60", "mode": "online",
            "join_url": "https://meet.example.org/qa", "place": "", **fields}  # fmt: skip


# --- Permission matrices -----------------------------------------------------------------------------------------


def test_who_sees_the_topics(client, world, group):
    check_matrix(
        client,
        world,
        url=_topics_url(group),
        expect={"member": 200, "carer": 200, "coordinator": 200, "admin": 200, "clinician": 404, **NOBODY_ELSE},
    )


def test_who_may_propose_a_topic(client, world, group):
    # An empty title: members get the form's error; those without a voice get the service's refusal first.
    check_matrix(
        client,
        world,
        method="post",
        url=reverse("topic_propose", kwargs={"space_id": group.pk}),
        data={"title": ""},
        expect={"member": 400, "coordinator": 400, "carer": 403, "admin": 403, "clinician": 404, **NOBODY_ELSE},
    )
    assert not TopicProposal.objects.exists()


def test_who_may_vote(client, world, group):
    topic = services.topic_propose(user=world.people["member"], space=group, title="Pacing")
    check_matrix(
        client,
        world,
        method="post",
        url=_vote_url(topic),
        data={"vote": "1"},
        expect={"member": 302, "coordinator": 302, "carer": 403, "admin": 403, "clinician": 404, **NOBODY_ELSE},
    )
    assert {vote.user.handle for vote in TopicVote.objects.filter(proposal=topic)} == {"member", "coordinator"}


def test_who_may_invite_a_clinician(client, world, group):
    services.topic_propose(user=world.people["member"], space=group, title="Pacing")
    expect = {"member": 404, "carer": 404, "coordinator": 200, "admin": 200, "clinician": 404, **NOBODY_ELSE}
    check_matrix(client, world, url=_session_url(group), expect=expect)


def test_who_sees_the_guest_sessions_page(client, world, group):
    _invite(world, group, [services.topic_propose(user=world.people["member"], space=group, title="Pacing")])
    expect = {"member": 404, "carer": 404, "coordinator": 404, "admin": 404, "clinician": 200, **NOBODY_ELSE}
    check_matrix(client, world, url=reverse("guest_sessions"), expect=expect)


def test_who_may_answer_a_guest_invitation(client, world, group):
    meeting = _invite(world, group, [services.topic_propose(user=world.people["member"], space=group, title="Pacing")])
    expect = {"member": 404, "carer": 404, "coordinator": 404, "admin": 404, "clinician": 302, **NOBODY_ELSE}
    check_matrix(client, world, method="post", url=_respond_url(meeting), data={"answer": "accept"}, expect=expect)
    meeting.refresh_from_db()
    assert meeting.guest_status == Meeting.GuestStatus.ACCEPTED


def test_the_session_pages_keep_the_anonymous_url_walk_rules(client):
    names = {pattern.name for pattern in session_views.urlpatterns}
    routes = [route for route in all_routes() if route.name in names]
    assert len(routes) == len(names) == 6
    for route in routes:
        response = client.get(route.url)
        assert test_url_walk._is_login_redirect(response), route


# --- The journey -------------------------------------------------------------------------------------------------


def test_propose_vote_invite_accept_through_the_pages(client, world, group):
    member, organiser, clinician = world.people["member"], world.people["coordinator"], world.people["clinician"]
    peers = members(group, 3)

    client.force_login(member)
    for title in ("Pacing", "Sleep", "Diet", "Work"):
        response = client.post(reverse("topic_propose", kwargs={"space_id": group.pk}), {"title": title}, follow=True)
        assert "Your topic is proposed" in response.content.decode()
    topics = {topic.title: topic for topic in TopicProposal.objects.filter(space=group)}
    for voter, titles in zip(peers, (["Sleep", "Diet"], ["Sleep", "Diet"], ["Sleep"]), strict=True):
        client.force_login(voter)
        for title in titles:
            assert client.post(_vote_url(topics[title]), {"vote": "1"}).status_code == 302

    client.force_login(member)
    page = client.get(_topics_url(group)).content.decode()
    assert page.index("Sleep") < page.index("Diet") < page.index("Pacing")
    assert "Remove vote" in page and "You voted for this" in page

    client.force_login(organiser)
    form_page = client.get(_session_url(group)).content.decode()
    assert _ticked(form_page, topics) == {"Sleep", "Diet", "Pacing"}  # the top three; "Work" has one vote
    chosen = [str(topics["Sleep"].pk), str(topics["Diet"].pk)]
    response = client.post(_session_url(group), _session_form(topics=chosen), follow=True)
    assert "the clinician is invited" in response.content.decode()
    meeting = Meeting.objects.get(space=group, kind=Meeting.Kind.CLINICIAN_SESSION)
    assert meeting.guest == clinician and meeting.guest_status == Meeting.GuestStatus.INVITED
    assert meeting.starts_at.astimezone(UTC).time() in (time(18, 0), time(19, 0))  # 19:00 London, BST or GMT
    topics_page = response.content.decode()
    assert reverse("meeting_detail", kwargs={"space_id": group.pk, "meeting_id": meeting.pk}) in topics_page

    client.force_login(clinician)
    sessions_page = client.get(reverse("guest_sessions")).content.decode()
    assert group.name in sessions_page and "Sleep" in sessions_page and "Diet" in sessions_page
    assert "Invited" in sessions_page and "Pacing" not in sessions_page
    assert ", 19:00</time> (Europe/London)" in sessions_page  # the meeting's own local time, not UTC
    response = client.post(_respond_url(meeting), {"answer": "accept"}, follow=True)
    assert "you will host the session" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.guest_status == Meeting.GuestStatus.ACCEPTED
    assert "Open the session" in response.content.decode()
    detail = client.get(reverse("meeting_detail", kwargs={"space_id": group.pk, "meeting_id": meeting.pk}))
    assert detail.status_code == 200
    assert clinician.handle in detail.content.decode()


def _ticked(page: str, topics: dict[str, TopicProposal]) -> set[str]:
    """The topics whose checkbox is ticked, whatever the attribute order Django writes."""
    ticked = set()
    for title, topic in topics.items():
        start = page.index(f'value="{topic.pk}"')
        tag = page[page.rindex("<input", 0, start) : page.index(">", start)]
        if "checked" in tag:
            ticked.add(title)
    return ticked


def test_the_top_three_topics_are_ticked_to_begin_with(client, world, group):
    member = world.people["member"]
    peers = members(group, 3)
    topics = [services.topic_propose(user=member, space=group, title=title) for title in ("A", "B", "C", "D")]
    for extra, topic in enumerate(topics[1:], start=1):
        for voter in peers[:extra]:
            services.topic_vote(user=voter, proposal=topic, vote=True)
    client.force_login(world.people["coordinator"])
    page = client.get(_session_url(group)).content.decode()
    assert _ticked(page, {topic.title: topic for topic in topics}) == {"B", "C", "D"}


# --- Listeners, refusals, bad input ------------------------------------------------------------------------------


def test_a_listener_sees_the_topics_but_no_forms(client, world, group):
    services.topic_propose(user=world.people["member"], space=group, title="Pacing")
    client.force_login(world.people["carer"])
    page = client.get(_topics_url(group)).content.decode()
    assert "Pacing" in page and "Listeners attend and read" in page
    assert 'name="vote"' not in page and 'name="title"' not in page


def test_a_listeners_proposal_and_vote_are_refused_with_the_reason(client, world, group):
    topic = services.topic_propose(user=world.people["member"], space=group, title="Pacing")
    client.force_login(world.people["carer"])
    response = client.post(reverse("topic_propose", kwargs={"space_id": group.pk}), {"title": "Benefits"})
    assert response.status_code == 403
    assert "they do not post, propose topics or vote" in response.content.decode()
    response = client.post(_vote_url(topic), {"vote": "1"})
    assert response.status_code == 403
    assert "they do not post, propose topics or vote" in response.content.decode()
    assert TopicVote.objects.filter(proposal=topic).count() == 1
    assert not TopicProposal.objects.filter(title="Benefits").exists()


def test_a_member_voting_twice_counts_once(client, world, group):
    topic = services.topic_propose(user=world.people["coordinator"], space=group, title="Pacing")
    client.force_login(world.people["member"])
    client.post(_vote_url(topic), {"vote": "1"})
    client.post(_vote_url(topic), {"vote": "1"})
    assert TopicVote.objects.filter(proposal=topic).count() == 2
    page = client.get(_topics_url(group)).content.decode()
    assert ">2<" in page
    client.post(_vote_url(topic), {"vote": "0"})
    assert not TopicVote.objects.filter(proposal=topic, user=world.people["member"]).exists()


def test_a_topic_of_another_space_is_not_found_through_this_one(client, world, group):
    other = space(world, "Another group")
    stranger = services.topic_propose(user=world.people["coordinator"], space=other, title="Elsewhere")
    client.force_login(world.people["member"])
    url = reverse("topic_vote", kwargs={"space_id": group.pk, "topic_id": stranger.pk})
    assert client.post(url, {"vote": "1"}).status_code == 404
    assert TopicVote.objects.filter(proposal=stranger).count() == 1


def test_bad_topic_input_is_shown_on_the_page(client, world, group):
    services.topic_propose(user=world.people["coordinator"], space=group, title="Pacing")
    topic = TopicProposal.objects.get()
    client.force_login(world.people["member"])
    propose = reverse("topic_propose", kwargs={"space_id": group.pk})
    response = client.post(propose, {"title": "pacing"})
    assert response.status_code == 409 and "vote for it instead" in response.content.decode()
    response = client.post(propose, {"title": "x" * 161})
    assert response.status_code == 400 and "at most 160 characters" in response.content.decode()
    response = client.post(_vote_url(topic), {"vote": "maybe"})
    assert response.status_code == 400 and "Choose Vote or Remove vote" in response.content.decode()
    assert TopicProposal.objects.count() == 1


def test_an_unknown_address_and_a_non_clinician_get_the_same_answer(client, world, group):
    topic = services.topic_propose(user=world.people["member"], space=group, title="Pacing")
    client.force_login(world.people["coordinator"])
    answers = []
    for address in ("nobody@example.org", "peer-supporter@example.org"):
        response = client.post(_session_url(group), _session_form(topics=[str(topic.pk)], clinician=address))
        assert response.status_code == 400
        text = response.content.decode()
        assert "Only someone who holds the clinician role can be invited." in text
        answers.append(re.sub(r'value="[A-Za-z0-9]{64}"', "", text.replace(address, "")))  # CSRF tokens differ
    assert answers[0] == answers[1]
    assert not Meeting.objects.filter(kind=Meeting.Kind.CLINICIAN_SESSION).exists()


def test_a_clinician_free_space_offers_no_invitation(client, world):
    a_space = space(world, "Sugarbuddies", clinicians="never")
    topic = services.topic_propose(user=world.people["coordinator"], space=a_space, title="Pumps")
    client.force_login(world.people["coordinator"])
    assert "Invite a clinician for the top topics" not in client.get(_topics_url(a_space)).content.decode()
    page = client.get(_session_url(a_space))
    assert page.status_code == 200
    assert "clinicians never take part" in page.content.decode() and 'name="clinician"' not in page.content.decode()
    response = client.post(_session_url(a_space), _session_form(topics=[str(topic.pk)]))
    assert response.status_code == 403 and "cannot invite one" in response.content.decode()
    assert not Meeting.objects.filter(space=a_space).exists()


def test_without_topics_the_organiser_is_sent_to_the_members_first(client, world, group):
    client.force_login(world.people["coordinator"])
    page = client.get(_session_url(group)).content.decode()
    assert "no topics open for votes yet" in page and 'name="clinician"' not in page


@time_machine.travel(datetime(2027, 3, 1, 12, 0, tzinfo=UTC), tick=False)
def test_the_session_time_is_the_spaces_local_time_and_a_skipped_hour_is_refused(client, world, group):
    topic = services.topic_propose(user=world.people["member"], space=group, title="Pacing")
    client.force_login(world.people["coordinator"])
    # The clocks go forward in London at 01:00 on 28 March 2027: 01:30 does not exist.
    response = client.post(_session_url(group), _session_form(topics=[str(topic.pk)], day="2027-03-28", start="01:30"))
    assert response.status_code == 400 and "The clocks change that night" in response.content.decode()
    response = client.post(_session_url(group), _session_form(topics=[str(topic.pk)], day="2027-04-06"))
    assert response.status_code == 302
    meeting = Meeting.objects.get(kind=Meeting.Kind.CLINICIAN_SESSION)
    assert meeting.starts_at == datetime(2027, 4, 6, 18, 0, tzinfo=UTC)  # 19:00 British Summer Time
    assert meeting.ends_at - meeting.starts_at == timedelta(hours=1)


def test_a_session_in_the_past_or_without_a_link_is_refused_on_the_form(client, world, group):
    topic = services.topic_propose(user=world.people["member"], space=group, title="Pacing")
    client.force_login(world.people["coordinator"])
    yesterday = (now() - timedelta(days=1)).date().isoformat()
    response = client.post(_session_url(group), _session_form(topics=[str(topic.pk)], day=yesterday))
    assert response.status_code == 400 and "must be in the future" in response.content.decode()
    response = client.post(_session_url(group), _session_form(topics=[str(topic.pk)], join_url=""))
    assert response.status_code == 400 and "needs a join link" in response.content.decode()
    response = client.post(_session_url(group), _session_form(topics=[]))
    assert response.status_code == 400 and "Choose at least one topic" in response.content.decode()
    assert not Meeting.objects.filter(kind=Meeting.Kind.CLINICIAN_SESSION).exists()


def test_another_clinician_cannot_answer_someone_elses_invitation(client, world, group):
    meeting = _invite(world, group, [services.topic_propose(user=world.people["member"], space=group, title="Pacing")])
    other = make_user("dr-other")
    account_services.role_grant(actor=None, user=other, organisation=world.other, role=Role.CLINICIAN)
    account_services.mfa_enrol_totp(user=other, secret=TOTP_SECRET)
    client.force_login(other)
    assert client.get(reverse("guest_sessions")).status_code == 200
    assert group.name not in client.get(reverse("guest_sessions")).content.decode()
    assert client.post(_respond_url(meeting), {"answer": "accept"}).status_code == 404
    meeting.refresh_from_db()
    assert meeting.guest_status == Meeting.GuestStatus.INVITED


def test_a_cancelled_session_cannot_be_accepted(client, world, group):
    from peerpath.spaces.meetings import meeting_cancel

    meeting = _invite(world, group, [services.topic_propose(user=world.people["member"], space=group, title="Pacing")])
    meeting_cancel(actor=world.people["coordinator"], meeting=meeting, message="The room is closed.")
    client.force_login(world.people["clinician"])
    page = client.get(reverse("guest_sessions")).content.decode()
    assert "Cancelled" in page and 'value="accept"' not in page
    response = client.post(_respond_url(meeting), {"answer": "accept"})
    assert response.status_code == 409 and "This session was cancelled." in response.content.decode()
    response = client.post(_respond_url(meeting), {"answer": "yes please"})
    assert response.status_code == 400


# --- Query counts ------------------------------------------------------------------------------------------------


def _count(client, url) -> int:
    client.get(url)  # the first request of a session also writes the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_topic_list_queries_do_not_grow_with_topics(client, world, group, django_assert_max_num_queries):
    member = world.people["member"]
    client.force_login(member)
    services.topic_propose(user=member, space=group, title="Topic 0")
    few = _count(client, _topics_url(group))
    for index in range(1, 15):
        services.topic_propose(user=member, space=group, title=f"Topic {index}")
    _invite(world, group, list(TopicProposal.objects.filter(space=group))[:5])
    assert _count(client, _topics_url(group)) == few
    with django_assert_max_num_queries(few):
        client.get(_topics_url(group))


def test_the_guest_sessions_queries_do_not_grow_with_sessions(client, world, group, django_assert_max_num_queries):
    member, clinician = world.people["member"], world.people["clinician"]
    client.force_login(clinician)
    _invite(world, group, [services.topic_propose(user=member, space=group, title="Topic 0")])
    few = _count(client, reverse("guest_sessions"))
    for index in range(1, 8):
        _invite(world, group, [services.topic_propose(user=member, space=group, title=f"Topic {index}")])
    assert _count(client, reverse("guest_sessions")) == few
    with django_assert_max_num_queries(few):
        client.get(reverse("guest_sessions"))


def test_a_session_time_is_shown_in_the_meetings_own_zone(client, world, group):
    topic = services.topic_propose(user=world.people["member"], space=group, title="Pacing")
    meeting = services.clinician_session_create(
        actor=world.people["coordinator"],
        space=group,
        clinician=world.people["clinician"],
        proposals=[topic],
        data=SessionData(
            starts_at=datetime.combine(date.today() + timedelta(days=30), time(9, 0), tzinfo=UTC),
            duration=timedelta(hours=1),
            mode=Schedule.Mode.IN_PERSON,
            place="Riverside Health, room 2",
        ),
    )
    client.force_login(world.people["clinician"])
    page = client.get(reverse("guest_sessions")).content.decode()
    local = meeting.starts_at.astimezone(ZoneInfo("Europe/London"))
    assert f"{local:%H:%M}" in page and "(Europe/London)" in page


# --- Accessibility -------------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_session_pages_have_no_serious_accessibility_violations(axe_page):
    from peerpath.testing.browser import axe_violations, describe, sign_in, staff_sign_in
    from peerpath.testing.personas import PERSONA_PASSWORD, make_world

    world = make_world()
    a_space, _schedule = weekly_space(world)
    topics = [services.topic_propose(user=world.people["member"], space=a_space, title=t) for t in ("Pacing", "Sleep")]
    services.topic_propose(user=world.people["coordinator"], space=a_space, title="Diet", detail="What helps?")
    _invite(world, a_space, topics[:1])
    pages = [
        (world.people["member"], _topics_url(a_space)),
        (world.people["clinician"], reverse("guest_sessions")),
        (world.people["coordinator"], _session_url(a_space)),
    ]
    for person, url in pages:
        axe_page.context.clear_cookies()
        if person.handle == "member":
            sign_in(axe_page, person.email, PERSONA_PASSWORD)
        else:
            staff_sign_in(axe_page, person)
        axe_page.goto(url)
        assert axe_page.locator("h1").count() == 1, url
        violations = axe_violations(axe_page)
        assert not violations, f"{url}\n{describe(violations)}"
    # The form with its errors, as the organiser sees it when the date and time are missing.
    axe_page.get_by_label("The clinician's e-mail address").fill("nobody@example.org")
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Invite the clinician").click()
    assert "There is a problem" in axe_page.content()
    violations = axe_violations(axe_page)
    assert not violations, describe(violations)
