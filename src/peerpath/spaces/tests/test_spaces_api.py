"""The spaces API: my spaces, a space's meetings, RSVP and check-in; other people's spaces are 404 problems."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from peerpath.api.services import token_create
from peerpath.api.tests.conftest import bearer
from peerpath.prescriptions.models import Participation
from peerpath.prescriptions.tests.helpers import accepted, group
from peerpath.spaces import meetings, services
from peerpath.spaces.models import Attendance, Meeting, Membership, Rsvp, Space
from peerpath.spaces.tests.helpers import JOIN_URL, join, members, next_meeting, schedule, space, weekly_space
from peerpath.testing.matrix import check_matrix

pytestmark = pytest.mark.django_db

SIGNED_IN: dict[str, int | str] = {
    "anonymous": 401,
    "member": 200,
    "carer": 200,
    "peer_supporter": 200,
    "moderator": 200,
    "clinician": 200,
    "coordinator": 200,
    "admin": 200,
    "outsider": 200,
}
# The member persona has joined; the coordinator founded the space (organiser) and, with the admin, manages its host.
MEMBERS_ONLY: dict[str, int | str] = {
    "anonymous": 401,
    "member": 200,
    "carer": 404,
    "peer_supporter": 404,
    "moderator": 404,
    "clinician": 404,
    "coordinator": 200,
    "admin": 200,
    "outsider": 404,
}


def put(client: Any, url: str, body: dict[str, Any], **extra: Any) -> Any:
    return client.put(url, data=json.dumps(body), content_type="application/json", **extra)


def post(client: Any, url: str, body: dict[str, Any], **extra: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


# --- My spaces -------------------------------------------------------------------------------------------------


def test_my_spaces_answers_everyone_signed_in(client, world):
    check_matrix(client, world, url="/api/v1/spaces", expect=SIGNED_IN)


def test_my_spaces_lists_mine_with_my_role_and_the_next_meeting(client, world):
    a_space, _ = weekly_space(world)
    asking = space(world, "Long COVID Thursday Group", join_policy=Space.JoinPolicy.REQUEST)
    services.membership_join(user=world.people["member"], space=asking, reason="New diagnosis")
    space(world, "Not mine at all")
    client.force_login(world.people["member"])
    body = client.get("/api/v1/spaces").json()
    assert [(row["name"], row["role"], row["status"]) for row in body] == [
        ("Fibromyalgia Tuesday Circle", "member", "active"),
        ("Long COVID Thursday Group", "member", "requested"),
    ]
    assert body[0]["id"] == str(a_space.pk)
    assert body[0]["next_meeting_starts_at"] is not None
    client.force_login(world.people["outsider"])
    assert client.get("/api/v1/spaces").json() == []


# --- A space's meetings ----------------------------------------------------------------------------------------


def test_a_spaces_meetings_are_for_its_members_and_the_hosts_managers_only(client, world):
    a_space, _ = weekly_space(world)
    check_matrix(client, world, url=f"/api/v1/spaces/{a_space.pk}/meetings", expect=MEMBERS_ONLY)


def test_a_missing_space_and_someone_elses_space_get_the_same_404_problem(client, world):
    a_space, _ = weekly_space(world)
    client.force_login(world.people["outsider"])
    theirs = client.get(f"/api/v1/spaces/{a_space.pk}/meetings")
    missing = client.get("/api/v1/spaces/00000000-0000-4000-8000-000000000000/meetings")
    assert assert_problem(theirs, 404) == assert_problem(missing, 404)


def test_the_meetings_show_seats_my_answer_and_no_join_link_until_shortly_before(client, world):
    a_space, _ = weekly_space(world, join_policy=Space.JoinPolicy.OPEN)
    member = world.people["member"]
    meeting = next_meeting(a_space)
    meetings.rsvp_set(user=member, meeting=meeting, answer="going")
    with time_machine.travel(meeting.starts_at - timedelta(minutes=16), tick=False):
        client.force_login(member)
        first = client.get(f"/api/v1/spaces/{a_space.pk}/meetings").json()[0]
    assert first["id"] == str(meeting.pk)
    assert first["going"] == 1 and first["waiting"] == 0
    assert first["my_rsvp"] == {"answer": "going", "state": "confirmed"}
    assert first["timezone"] == "Europe/London"
    assert first["join_url"] is None
    with time_machine.travel(meeting.starts_at - timedelta(minutes=14), tick=False):
        client.force_login(member)
        first = client.get(f"/api/v1/spaces/{a_space.pk}/meetings").json()[0]
    assert first["join_url"] == JOIN_URL


def test_the_meeting_list_takes_the_same_queries_for_few_meetings_or_many(client, world):
    a_space, _ = weekly_space(world)
    client.force_login(world.people["member"])
    url = f"/api/v1/spaces/{a_space.pk}/meetings"
    client.get(url)  # warm up: the session's first request does its own bookkeeping

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), len(response.json())

    few, some = count()
    schedule(world.people["coordinator"], a_space, rrule="FREQ=WEEKLY;BYDAY=SA", title="Saturday walk")
    many, more = count()
    assert more > some
    assert few == many


# --- RSVP ------------------------------------------------------------------------------------------------------


def test_going_takes_a_seat_then_the_waiting_list_then_a_freed_seat_promotes(client, world):
    a_space, _ = weekly_space(world)
    meeting = next_meeting(a_space)
    Meeting.objects.filter(pk=meeting.pk).update(capacity=1)
    first, second, third = members(a_space, 3)
    url = f"/api/v1/meetings/{meeting.pk}/rsvp"
    answers = []
    for person in (first, second, third):
        client.force_login(person)
        answers.append(put(client, url, {"answer": "going"}).json())
    assert [(a["state"], a["waiting_position"]) for a in answers] == [
        ("confirmed", None),
        ("waiting", 1),
        ("waiting", 2),
    ]
    client.force_login(first)
    assert put(client, url, {"answer": "not_going"}).json() == {
        "meeting_id": str(meeting.pk), "answer": "not_going", "state": "", "waiting_position": None,
    }  # fmt: skip
    client.force_login(third)
    assert put(client, url, {"answer": "going"}).json()["waiting_position"] == 1
    assert Rsvp.objects.get(meeting=meeting, user=second).state == Rsvp.State.CONFIRMED


def test_rsvp_refuses_a_bad_answer_a_cancelled_meeting_and_a_non_member(client, world):
    a_space, _ = weekly_space(world)
    meeting = next_meeting(a_space)
    url = f"/api/v1/meetings/{meeting.pk}/rsvp"
    client.force_login(world.people["member"])
    assert put(client, url, {"answer": "going"}).status_code == 200
    body = assert_problem(put(client, url, {"answer": "probably"}), 422)
    assert body["errors"][0]["location"][-1] == "answer"
    meetings.meeting_cancel(actor=world.people["coordinator"], meeting=meeting, message="Bank holiday")
    assert "cancelled" in assert_problem(put(client, url, {"answer": "maybe"}), 409)["detail"]
    # The space is public, but only members answer; to anyone else the meeting is simply not there.
    for persona in ("carer", "clinician", "outsider", "admin"):
        client.force_login(world.people[persona])
        assert_problem(put(client, url, {"answer": "going"}), 404)
    client.logout()
    assert_problem(put(client, url, {"answer": "going"}), 401)


def test_rsvp_with_a_read_only_token_is_refused_and_with_a_write_token_works(client, world):
    a_space, _ = weekly_space(world)
    url = f"/api/v1/meetings/{next_meeting(a_space).pk}/rsvp"
    _, read = token_create(user=world.people["member"], name="calendar script", scope="read")
    _, write = token_create(user=world.people["member"], name="rsvp script", scope="write")
    assert_problem(put(client, url, {"answer": "going"}, **bearer(read)), 403)
    assert put(client, url, {"answer": "going"}, **bearer(write)).json()["state"] == "confirmed"


def test_a_listener_may_answer_too(client, world):
    a_space, _ = weekly_space(world)
    listener = members(a_space, 1, prefix="listener")[0]
    organiser = world.people["coordinator"]
    services.membership_set_role(
        actor=organiser, membership=Membership.objects.get(space=a_space, user=listener), role="listener"
    )
    client.force_login(listener)
    assert put(client, f"/api/v1/meetings/{next_meeting(a_space).pk}/rsvp", {"answer": "maybe"}).status_code == 200


# --- Check-in --------------------------------------------------------------------------------------------------


def test_checking_in_with_the_code_records_attendance_and_counts_for_a_prescription(client, world):
    listing = group(world, "Fibromyalgia Tuesday Circle")
    prescription = accepted(world, listing=listing, activity="meeting", per="week")  # for the member persona
    organiser = world.people["coordinator"]
    a_space = services.space_create(
        actor=organiser, organisation=world.home, listing=listing,
        data=services.SpaceData(name=listing.name, join_policy=Space.JoinPolicy.OPEN),
    )  # fmt: skip
    schedule(organiser, a_space)
    join(world.people["member"], a_space)
    meeting = next_meeting(a_space)
    with time_machine.travel(meeting.starts_at + timedelta(minutes=5), tick=False):
        client.force_login(world.people["member"])  # sessions idle out: sign in at that time
        code = meetings.check_in_code(meeting)
        body = post(client, f"/api/v1/meetings/{meeting.pk}/check-in", {"code": code.lower()}).json()
    assert body["attended"] is True and body["method"] == "check_in"
    assert Attendance.objects.filter(meeting=meeting, user=world.people["member"]).exists()
    counted = Participation.objects.filter(patient=prescription.patient, source=Participation.Source.ATTENDANCE)
    assert counted.count() == 1


def test_check_in_refuses_a_wrong_code_another_meetings_code_and_outside_the_window(client, world):
    a_space, _ = weekly_space(world)
    this, following = Meeting.objects.filter(space=a_space, starts_at__gt=meetings.now()).order_by("starts_at")[:2]
    url = f"/api/v1/meetings/{this.pk}/check-in"
    with time_machine.travel(this.starts_at + timedelta(minutes=5), tick=False):
        client.force_login(world.people["member"])  # sessions idle out: sign in at that time
        wrong = assert_problem(post(client, url, {"code": "AAAAAA"}), 400)
        assert wrong["errors"][0]["location"] == ["body", "code"]
        assert_problem(post(client, url, {"code": meetings.check_in_code(following)}), 400)
        assert_problem(post(client, url, {"code": ""}), 422)
    with time_machine.travel(this.starts_at - timedelta(hours=1), tick=False):
        client.force_login(world.people["member"])  # sessions idle out: sign in at that time
        assert "15 minutes" in assert_problem(post(client, url, {"code": meetings.check_in_code(this)}), 409)["detail"]
    with time_machine.travel(this.ends_at + timedelta(minutes=31), tick=False):
        client.force_login(world.people["member"])  # sessions idle out: sign in at that time
        assert "closed" in assert_problem(post(client, url, {"code": meetings.check_in_code(this)}), 409)["detail"]
    assert not Attendance.objects.filter(meeting=this).exists()


def test_check_in_is_404_for_someone_who_is_not_a_member(client, world):
    a_space, _ = weekly_space(world)
    meeting = next_meeting(a_space)
    with time_machine.travel(meeting.starts_at + timedelta(minutes=5), tick=False):
        client.force_login(world.people["outsider"])  # a staff session idles out in 30 minutes: sign in then
        assert_problem(
            post(client, f"/api/v1/meetings/{meeting.pk}/check-in", {"code": meetings.check_in_code(meeting)}), 404
        )
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_guessing_check_in_codes_is_stopped_with_429(client, world, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "check_in_code": "3/15m/user"}
    a_space, _ = weekly_space(world)
    meeting = next_meeting(a_space)
    url = f"/api/v1/meetings/{meeting.pk}/check-in"
    with time_machine.travel(meeting.starts_at + timedelta(minutes=5), tick=False):
        client.force_login(world.people["member"])  # sessions idle out: sign in at that time
        statuses = [post(client, url, {"code": f"WRONG{n}"}).status_code for n in range(3)]
        assert statuses == [400, 400, 400]
        assert_problem(post(client, url, {"code": meetings.check_in_code(meeting)}), 429)


# --- The OpenAPI document ----------------------------------------------------------------------------------------


def test_the_openapi_document_describes_the_spaces_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/spaces"]
    assert "get" in paths["/api/v1/spaces/{space_id}/meetings"]
    assert "put" in paths["/api/v1/meetings/{meeting_id}/rsvp"]
    check_in = paths["/api/v1/meetings/{meeting_id}/check-in"]["post"]
    assert "application/problem+json" in check_in["responses"]["404"]["content"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=60),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["answer", "code", "x"]), inner),
    max_leaves=6,
)


def test_any_json_body_is_answered_with_a_problem_never_a_server_error(client, world):
    a_space, _ = weekly_space(world)
    meeting = next_meeting(a_space)
    client.force_login(world.people["member"])

    @hypothesis_settings(max_examples=60, deadline=None)
    @given(body=JSON)
    def answer(body: Any) -> None:
        for response in (
            put(client, f"/api/v1/meetings/{meeting.pk}/rsvp", body),
            post(client, f"/api/v1/meetings/{meeting.pk}/check-in", body),
        ):
            assert response.status_code < 500
            if response.status_code != 200:
                assert_problem(response, response.status_code)

    answer()
