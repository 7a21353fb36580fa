"""Posting limits (issue 6 point 6, Discourse's defaults), at the service and on the page (429): a new member waits
30 s between posts and starts 3 threads on their first day; everyone starts at most 20 threads a day; an identical
post within 5 minutes is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from peerpath.core.errors import Conflict
from peerpath.core.time import now
from peerpath.forum import services
from peerpath.forum.models import Thread
from peerpath.forum.tests.helpers import forum_space, settle, thread
from peerpath.spaces.models import Space
from peerpath.spaces.tests.helpers import join

pytestmark = pytest.mark.django_db


@pytest.fixture
def circle(world) -> Space:
    return forum_space(world)


@pytest.fixture
def newcomer(world, circle):
    """The carer, who joined the space just now."""
    join(world.people["carer"], circle)
    return world.people["carer"]


def test_a_new_member_waits_30_seconds_between_posts(world, circle, newcomer):
    start = now()
    with time_machine.travel(start, tick=False):
        a_thread = thread(newcomer, circle, title="Hello", body="I am new here")
    with time_machine.travel(start + timedelta(seconds=10), tick=False), pytest.raises(Conflict) as refused:
        services.post_reply(author=newcomer, thread=a_thread, body="And another thing")
    assert refused.value.status == 429
    assert "try again in 20 seconds" in refused.value.message
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        assert services.post_reply(author=newcomer, thread=a_thread, body="And another thing").published


def test_a_settled_member_does_not_wait(world, circle):
    member = world.people["member"]
    start = now()
    with time_machine.travel(start, tick=False):
        a_thread = thread(member, circle)
    with time_machine.travel(start + timedelta(seconds=2), tick=False):
        assert services.post_reply(author=member, thread=a_thread, body="Adding a detail").published


def test_a_new_member_starts_three_threads_on_their_first_day(world, circle, newcomer):
    start = now()
    for index in range(3):
        with time_machine.travel(start + timedelta(minutes=index), tick=False):
            thread(newcomer, circle, title=f"Question {index}", body=f"Body {index}")
    with (
        time_machine.travel(start + timedelta(minutes=5), tick=False),
        pytest.raises(Conflict, match="3 threads on their first day"),
    ):
        thread(newcomer, circle, title="Question 4", body="Body 4")
    with time_machine.travel(start + timedelta(days=1, minutes=5), tick=False):
        assert thread(newcomer, circle, title="Question 4", body="Body 4").title == "Question 4"


def test_everyone_starts_at_most_20_threads_a_day(world, circle):
    member = world.people["member"]
    start = now()
    for index in range(20):
        with time_machine.travel(start + timedelta(minutes=index), tick=False):
            thread(member, circle, title=f"Topic {index}", body=f"Text {index}")
    with (
        time_machine.travel(start + timedelta(minutes=30), tick=False),
        pytest.raises(Conflict, match="20 threads today"),
    ):
        thread(member, circle, title="Topic 21", body="Text 21")
    with time_machine.travel(start + timedelta(days=1, minutes=30), tick=False):
        assert thread(member, circle, title="Topic 21", body="Text 21")


def test_an_identical_post_within_5_minutes_is_refused(world, circle):
    member = world.people["member"]
    start = now()
    with time_machine.travel(start, tick=False):
        a_thread = thread(member, circle, body="Same words")
    with time_machine.travel(start + timedelta(minutes=4), tick=False), pytest.raises(Conflict, match="exactly this"):
        services.post_reply(author=member, thread=a_thread, body="  same   WORDS ")
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert services.post_reply(author=member, thread=a_thread, body="Same words").published


def test_the_page_answers_429_with_the_reason_and_keeps_the_text(client, world, circle, newcomer):
    client.force_login(newcomer)
    start = now()
    with time_machine.travel(start, tick=False):
        assert client.post(f"/spaces/{circle.pk}/forum/new/", {"title": "Hi", "body": "First words"}).status_code == 302
    a_thread = Thread.objects.get(space=circle)
    with time_machine.travel(start + timedelta(seconds=5), tick=False):
        response = client.post(f"/spaces/{circle.pk}/forum/{a_thread.pk}/", {"body": "Second words"})
    assert response.status_code == 429
    page = response.content.decode()
    assert "New members wait 30 seconds between posts" in page
    assert "Second words" in page


def test_the_composer_answers_429_for_a_duplicate(client, world, circle):
    settle(circle)
    client.force_login(world.people["member"])
    start = now()
    with time_machine.travel(start, tick=False):
        client.post(f"/spaces/{circle.pk}/forum/new/", {"title": "Once", "body": "Exactly these words"})
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        response = client.post(f"/spaces/{circle.pk}/forum/new/", {"title": "Twice", "body": "Exactly these words"})
    assert response.status_code == 429
    assert "You posted exactly this a moment ago." in response.content.decode()
    assert Thread.objects.filter(space=circle).count() == 1
