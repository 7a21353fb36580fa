"""The group-health page, its "we missed you" and check-in buttons, and the peer supporters' check-in list
(issue 5 point 6): who may see and do what, what they see, and a page whose cost does not grow with the group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerpath.accounts.models import User
from peerpath.spaces import meetings, services
from peerpath.spaces.health import SOURCE_CRITICAL_MASS
from peerpath.spaces.models import Attendance, CheckInRequest, Meeting, Membership
from peerpath.spaces.tests.helpers import join, members
from peerpath.spaces.tests.test_health import NOW, START, Group, bulk_attend, weekly_group
from peerpath.testing.matrix import LOGIN, check_matrix
from peerpath.testing.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as coordinates:
        yield coordinates


def agree_to_check_in(group: Group, person: User) -> Membership:
    return services.membership_set_preferences(
        user=person, space=group.space, remind_day_before=True, remind_hour_before=False, peer_check_in_ok=True
    )


@pytest.fixture
def group(world, traveller) -> Group:
    """The member persona and two others joined; "away" (who agreed to a check-in) missed the last two meetings,
    the member persona came to the last one."""
    a_group = weekly_group(world, traveller, people=2, name="Fibromyalgia Tuesday Circle")
    traveller.move_to(START)
    join(world.people["member"], a_group.space)
    traveller.move_to(NOW)
    away, _other = a_group.people
    a_group.came(a_group.held()[-3], [away, world.people["member"]])
    a_group.came(a_group.held()[-1], [world.people["member"]])
    agree_to_check_in(a_group, away)
    return a_group


def health_url(group: Group) -> str:
    return reverse("space_health", kwargs={"space_id": group.space.pk})


def action_url(group: Group, person: User) -> str:
    membership = group.membership(person)
    return reverse("space_health_action", kwargs={"space_id": group.space.pk, "membership_id": membership.pk})


# --- Who may see and do what -----------------------------------------------------------------------------------

HEALTH_EXPECT = {
    "anonymous": LOGIN,
    "member": 404,  # a member of the space, not a leader
    "carer": 404,
    "peer_supporter": 404,
    "moderator": 404,  # a moderator of the organisation's forums, not of this space
    "clinician": 404,
    "coordinator": 200,  # the space's organiser
    "admin": 200,  # manages the host organisation
    "outsider": 404,
}


def test_health_page_permission_matrix(world, client, group):
    check_matrix(client, world, url=health_url(group), expect=HEALTH_EXPECT)


def test_health_action_permission_matrix(world, client, group):
    # A choice the form refuses: those who pass the gate get 400 and nothing is sent.
    expect = {**HEALTH_EXPECT, "coordinator": 400, "admin": 400}
    url = action_url(group, group.people[0])
    check_matrix(client, world, url=url, method="post", data={"action": "shout"}, expect=expect)
    assert mail.outbox == []


def test_a_space_moderator_sees_health_but_cannot_act(world, client, group):
    moderator = group.people[1]
    services.membership_set_role(actor=group.organiser, membership=group.membership(moderator), role="moderator")
    client.force_login(moderator)
    page = client.get(health_url(group))
    assert page.status_code == 200
    assert "Organisers can send a message or ask for a check-in." in page.content.decode()
    assert "we missed you” message" not in page.content.decode()
    assert client.post(action_url(group, group.people[0]), {"action": "missed_you"}).status_code == 404


def test_the_health_page_answers_get_only(world, client, group):
    client.force_login(world.people["coordinator"])
    assert client.post(health_url(group)).status_code == 405
    assert client.get(action_url(group, group.people[0])).status_code == 405


# --- What the organiser sees -----------------------------------------------------------------------------------


def test_the_organiser_sees_figures_warnings_with_sources_and_an_accessible_chart(world, client, group):
    client.force_login(world.people["coordinator"])
    page = client.get(health_url(group))
    html = page.content.decode()
    assert page["Cache-Control"].startswith("no-store") or "no-cache" in page["Cache-Control"]
    assert '<dd class="nhsuk-summary-list__value" data-figure="active">2</dd>' in html
    assert "Below critical mass: 2 active members." in html
    assert f"Source: {SOURCE_CRITICAL_MASS}" in html and "Seed 0" not in html
    assert 'role="img" aria-labelledby="attendance-chart-title attendance-chart-desc"' in html
    assert html.count("<rect ") == 11
    assert "Attendance at the last 11 meetings" in html
    assert '<caption class="nhsuk-table__caption" id="attendance-table-caption">' in html
    assert '<th class="nhsuk-table__header" scope="row">17 Nov 2026</th>' in html


def test_the_missed_list_offers_a_check_in_only_where_the_member_agreed(world, client, group):
    away, other = group.people
    client.force_login(world.people["coordinator"])
    html = client.get(health_url(group)).content.decode()
    rows = html.split('data-member="')
    away_row = next(row for row in rows if row.startswith(f'{away.handle}"'))
    other_row = next(row for row in rows if row.startswith(f'{other.handle}"'))
    assert "Ask a peer supporter to check in" in away_row and "Agreed" in away_row
    assert "Ask a peer supporter to check in" not in other_row and "Not agreed" in other_row
    assert f'data-member="{world.people["member"].handle}"' not in html  # came last week


def test_peers_appear_by_handle_never_by_legal_name_or_email(world, client, group):
    client.force_login(world.people["admin"])
    html = client.get(health_url(group)).content.decode()
    for person in [world.people["member"], *group.people]:
        assert person.email not in html
        if person.legal_name:
            assert person.legal_name not in html


def test_sending_we_missed_you_emails_the_member_once(world, client, group, django_capture_on_commit_callbacks):
    away = group.people[0]
    client.force_login(world.people["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(group, away), {"action": "missed_you"}, follow=True)
    assert response.redirect_chain[-1][0] == health_url(group)
    assert f"A “we missed you” message is on its way to {away.handle}." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action_url(group, away), {"action": "missed_you"})
    assert [message.to for message in mail.outbox] == [[away.email]]
    assert "We missed you" in mail.outbox[0].subject


def test_we_missed_you_is_refused_for_someone_who_came(world, client, group):
    client.force_login(world.people["coordinator"])
    response = client.post(action_url(group, world.people["member"]), {"action": "missed_you"})
    assert response.status_code == 409
    assert "This member has not missed their last two meetings." in response.content.decode()


def test_asking_a_peer_supporter_opens_a_request_they_are_told_of(
    world, client, group, django_capture_on_commit_callbacks
):
    away = group.people[0]
    client.force_login(world.people["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(group, away), {"action": "check_in"}, follow=True)
    assert f"peer supporters are asked to check in on {away.handle}." in response.content.decode()
    assert CheckInRequest.objects.filter(membership__user=away, status=CheckInRequest.Status.OPEN).count() == 1
    assert [message.to for message in mail.outbox] == [[world.people["peer_supporter"].email]]
    assert away.handle not in mail.outbox[0].body  # e-mail names no one
    assert "Asked, waiting for a peer supporter" in response.content.decode()


def test_a_check_in_is_refused_where_the_member_did_not_agree(world, client, group):
    client.force_login(world.people["coordinator"])
    response = client.post(action_url(group, group.people[1]), {"action": "check_in"})
    assert response.status_code == 403
    assert "This member has not agreed to a check-in by a peer supporter." in response.content.decode()
    assert not CheckInRequest.objects.exists()


# --- The peer supporters' check-in list ------------------------------------------------------------------------


@pytest.fixture
def asked(world, group) -> CheckInRequest:
    return services.check_in_request_create(actor=group.organiser, membership=group.membership(group.people[0]))


def test_check_in_list_permission_matrix(world, client, asked):
    expect = {
        "anonymous": LOGIN,
        "member": 404,
        "carer": 404,
        "peer_supporter": 302,  # to the check-ins section of their caseload
        "moderator": 404,
        "clinician": 404,
        "coordinator": 200,
        "admin": 200,
        "outsider": 200,  # a coordinator elsewhere: an empty list (below)
    }
    check_matrix(client, world, url=reverse("check_in_list"), expect=expect)


def test_check_in_close_permission_matrix(world, client, asked):
    expect = {
        "anonymous": LOGIN,
        "member": 404,
        "carer": 404,
        "peer_supporter": 400,  # passes the gate; the form refuses "maybe"
        "moderator": 404,
        "clinician": 404,
        "coordinator": 400,
        "admin": 400,
        "outsider": 404,
    }
    url = reverse("check_in_close", kwargs={"request_id": asked.pk})
    check_matrix(client, world, url=url, method="post", data={"outcome": "maybe"}, expect=expect)
    asked.refresh_from_db()
    assert asked.status == CheckInRequest.Status.OPEN


def test_the_peer_supporter_sees_the_request_and_marks_it_done(world, client, group, asked):
    away = group.people[0]
    client.force_login(world.people["peer_supporter"])
    response = client.get(reverse("check_in_list"), follow=True)
    assert response.redirect_chain == [(reverse("programmes_caseload") + "#check-ins", 302)]
    html = response.content.decode()
    assert f'data-member="{away.handle}"' in html and group.space.name in html
    assert "23 November 2026" in html
    response = client.post(reverse("check_in_close", kwargs={"request_id": asked.pk}), {"outcome": "done"}, follow=True)
    assert f"Recorded: you checked in on {away.handle}. Thank you." in response.content.decode()
    assert "Check-ins asked for by group organisers" not in response.content.decode()  # none left on the caseload
    asked.refresh_from_db()
    assert (asked.status, asked.handled_by) == (CheckInRequest.Status.DONE, world.people["peer_supporter"])


def test_a_coordinator_can_cancel_a_request(world, client, asked):
    client.force_login(world.people["coordinator"])
    client.post(reverse("check_in_close", kwargs={"request_id": asked.pk}), {"outcome": "cancel"})
    asked.refresh_from_db()
    assert asked.status == CheckInRequest.Status.CANCELLED


def test_a_coordinator_of_another_organisation_sees_no_requests(world, client, asked):
    client.force_login(world.people["outsider"])
    assert "No check-ins are waiting." in client.get(reverse("check_in_list")).content.decode()


def test_a_member_who_withdraws_their_agreement_drops_off_the_list_at_once(world, client, group, asked):
    services.membership_set_preferences(
        user=group.people[0], space=group.space, remind_day_before=True, remind_hour_before=False,
        peer_check_in_ok=False,
    )  # fmt: skip
    client.force_login(world.people["coordinator"])
    assert "No check-ins are waiting." in client.get(reverse("check_in_list")).content.decode()
    client.force_login(world.people["peer_supporter"])
    assert group.people[0].handle not in client.get(reverse("programmes_caseload")).content.decode()
    url = reverse("check_in_close", kwargs={"request_id": asked.pk})
    assert client.post(url, {"outcome": "done"}).status_code == 404
    asked.refresh_from_db()
    assert asked.status == CheckInRequest.Status.CANCELLED  # called off, not left open for ever


def test_a_closed_request_cannot_be_closed_again(world, client, asked):
    client.force_login(world.people["peer_supporter"])
    url = reverse("check_in_close", kwargs={"request_id": asked.pk})
    client.post(url, {"outcome": "done"})
    assert client.post(url, {"outcome": "done"}).status_code == 404


def test_a_malformed_request_id_is_404(world, client):
    client.force_login(world.people["peer_supporter"])
    assert client.post("/spaces/check-ins/not-a-uuid/", {"outcome": "done"}).status_code == 404


# --- Constant cost ---------------------------------------------------------------------------------------------


def _history(world: World, traveller, *, people: int, weeks: int) -> Group:
    """A weekly group with `people` members and `weeks` held meetings, two thirds of members at each."""
    first = NOW - timedelta(weeks=weeks)
    a_group = weekly_group(
        world, traveller, people=people, name=f"Circle{people}w{weeks} group", starts_on=first.date()
    )
    meetings.meetings_materialise(schedule=a_group.schedule, since=first, until=NOW)
    Meeting.objects.filter(space=a_group.space, starts_at__lt=first).delete()
    Membership.objects.filter(space=a_group.space).update(joined_at=first - timedelta(days=1))
    held = list(Meeting.objects.filter(space=a_group.space, starts_at__lt=NOW))
    assert len(held) == weeks
    bulk_attend(a_group, held, a_group.people[: people * 2 // 3])
    return a_group


def _page_queries(client, a_group: Group) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(health_url(a_group)).status_code == 200
    return len(queries)


def test_the_health_page_costs_the_same_queries_for_5_or_60_members_and_8_or_40_meetings(
    world, client, traveller, django_assert_max_num_queries
):
    small = _history(world, traveller, people=5, weeks=8)
    traveller.move_to(START)
    large = _history(world, traveller, people=60, weeks=40)
    for a_group in (small, large):
        services.membership_set_preferences(
            user=a_group.people[-1], space=a_group.space, remind_day_before=True, remind_hour_before=False,
            peer_check_in_ok=True,
        )  # fmt: skip
    assert Attendance.objects.filter(meeting__space=large.space).count() == 40 * 40
    client.force_login(world.people["coordinator"])
    baseline = _page_queries(client, small)
    # The small group is below critical mass (one more query, for similar spaces); the large one is not.
    with django_assert_max_num_queries(baseline):
        assert client.get(health_url(large)).status_code == 200


def test_the_check_in_list_costs_the_same_queries_for_1_or_12_requests(
    world, client, group, django_assert_max_num_queries
):
    services.check_in_request_create(actor=group.organiser, membership=group.membership(group.people[0]))
    client.force_login(world.people["coordinator"])
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("check_in_list"))
    for person in members(group.space, 11, prefix="more"):
        agree_to_check_in(group, person)
        services.check_in_request_create(actor=group.organiser, membership=group.membership(person))
    with django_assert_max_num_queries(len(one)):
        html = client.get(reverse("check_in_list")).content.decode()
    assert html.count('data-member="') == 12


# --- In a browser ----------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_health_and_check_in_pages_have_no_serious_accessibility_violations(axe_page):
    from peerpath.spaces.tests.helpers import schedule, space
    from peerpath.testing.browser import axe_violations, describe, sign_in, staff_sign_in
    from peerpath.testing.personas import PERSONA_PASSWORD, STAFF_PERSONAS, make_world

    world = make_world()
    a_space = space(world)
    organiser = world.people["coordinator"]
    a_schedule = schedule(organiser, a_space, starts_on=(datetime.now(UTC) - timedelta(weeks=10)).date())
    meetings.meetings_materialise(schedule=a_schedule, since=datetime.now(UTC) - timedelta(weeks=10))
    people = members(a_space, 3, prefix="axe")
    Membership.objects.filter(space=a_space).update(joined_at=datetime.now(UTC) - timedelta(weeks=11))
    held = list(Meeting.objects.filter(space=a_space, starts_at__lt=datetime.now(UTC)).order_by("starts_at"))
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, user=person, method=Attendance.Method.MARKED)
        for meeting in held[:-2]
        for person in people
    )
    services.membership_set_preferences(
        user=people[0], space=a_space, remind_day_before=True, remind_hour_before=False, peer_check_in_ok=True
    )
    services.check_in_request_create(actor=organiser, membership=Membership.objects.get(space=a_space, user=people[0]))
    for persona, path in (
        ("coordinator", reverse("space_health", kwargs={"space_id": a_space.pk})),
        ("admin", reverse("check_in_list")),
        ("peer_supporter", reverse("programmes_caseload")),
    ):
        axe_page.context.clear_cookies()
        if persona in STAFF_PERSONAS:
            staff_sign_in(axe_page, world.people[persona])
        else:
            sign_in(axe_page, world.people[persona].email, PERSONA_PASSWORD)
        axe_page.goto(path)
        assert axe_page.locator("h1").count() == 1
        violations = axe_violations(axe_page)
        assert not violations, f"{path}:\n{describe(violations)}"
