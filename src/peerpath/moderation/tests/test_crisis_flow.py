"""The crisis flow end to end (issue 6 point 9; hazard: a crisis post nobody sees): a member posts words of crisis →
they see the crisis lines for the organisation's country (or its own lines) at once → every moderator of the space
and coordinator of the host is alerted on the site and by e-mail → the queue lists the post first, marked urgent,
with how long it has waited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from peerpath.core.time import now
from peerpath.forum import services as forum
from peerpath.forum.models import Notification, Post
from peerpath.moderation import actions, detectors
from peerpath.moderation.crisis import Line
from peerpath.moderation.models import QueueItem
from peerpath.moderation.tests.test_actions import (  # noqa: F401 (fake_detectors: autouse)
    CRISIS_TEXT,
    PROMOTION_TEXT,
    Group,
    fake_detectors,
    make_group,
)

pytestmark = pytest.mark.django_db

REAL_DETECTORS = list(detectors.ALL)  # before the fake replaces them


@pytest.fixture
def group(world) -> Group:
    return make_group(world)


def test_a_crisis_post_shows_help_alerts_everyone_and_tops_the_queue(world, client, group,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    start = now()
    with time_machine.travel(start - timedelta(hours=2), tick=False):
        older = group.post(author=group.peers[0], body=PROMOTION_TEXT, title="Magnesium")
    seven_minutes_ago = time_machine.travel(start - timedelta(minutes=7), tick=False)
    with seven_minutes_ago, django_capture_on_commit_callbacks(execute=True):
        outcome = forum.thread_create(author=group.member, space=group.space, title="Tonight", body=CRISIS_TEXT)

    # The writer sees the UK's lines at once, and the post is published (never silently hidden).
    contacts = {line.name: line.contact for line in outcome.crisis_lines}
    assert contacts["Samaritans"] == "116 123" and contacts["NHS 111"] == "111"
    assert contacts["Emergency services"] == "999"
    assert outcome.post.status == Post.Status.PUBLISHED and "not alone" in outcome.message

    # Every moderator of the space and the host's moderators and coordinators: on the site and by e-mail, at once.
    alerted = {world.people["coordinator"], group.space_moderator, world.people["moderator"]}
    notified = set(
        Notification.objects.filter(kind=Notification.Kind.CRISIS, post=outcome.post).values_list("user", flat=True)
    )
    assert notified == {person.pk for person in alerted}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(person.email for person in alerted)
    assert all("URGENT" in message.subject for message in mail.outbox)
    assert all(CRISIS_TEXT not in message.body for message in mail.outbox)

    # The queue: the crisis item first, marked urgent, with its wait; the older ordinary item after it.
    crisis_item = QueueItem.objects.get(post=outcome.post, status="open")
    assert crisis_item.urgent
    client.force_login(group.space_moderator)
    with time_machine.travel(start, tick=False):
        html = client.get(reverse("moderation_queue", kwargs={"space_id": group.space.pk})).content.decode()
        dashboard = client.get(reverse("organisation_queue", kwargs={"organisation_id": world.home.pk}))
    urgent_at = html.index(f'id="item-{crisis_item.pk}"')
    assert urgent_at < html.index(f'id="item-{group.item(older).pk}"')
    card = html[urgent_at : urgent_at + 800]
    assert 'data-urgent="true"' in card and "Urgent" in card and "waiting 7 minutes" in card
    assert dashboard.status_code == 404  # the space moderator is not a coordinator of the host
    client.force_login(world.people["coordinator"])
    with time_machine.travel(start, tick=False):
        board = client.get(reverse("organisation_queue", kwargs={"organisation_id": world.home.pk})).content.decode()
    assert 'data-figure="crisis-waiting">1 (the oldest waiting 7 minutes)</dd>' in board


def test_the_writer_sees_the_crisis_lines_first_on_the_page(client, group):
    client.force_login(group.member)
    response = client.post(
        reverse("thread_create", kwargs={"space_id": group.space.pk}), {"title": "Tonight", "body": CRISIS_TEXT}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "116 123" in html and "999" in html


def test_the_organisations_own_lines_replace_the_country_defaults(world, group):
    actions.crisis_lines_set(
        actor=world.people["coordinator"], organisation=world.home,
        lines=[Line("Riverside crisis team", "0300 123 4567", "Any time", "https://riverside.example.org/crisis")],
    )  # fmt: skip
    outcome = forum.thread_create(author=group.member, space=group.space, title="Tonight", body=CRISIS_TEXT)
    assert [(line.name, line.contact) for line in outcome.crisis_lines] == [("Riverside crisis team", "0300 123 4567")]


def test_a_crisis_report_from_a_member_is_urgent_too(world, group, django_capture_on_commit_callbacks):
    from peerpath.moderation import services as moderation

    post = group.post(author=group.peers[0], body="Not sure I can keep going with all this.")
    with django_capture_on_commit_callbacks(execute=True):
        moderation.report_create(reporter=group.member, post=post, reason="crisis", note="Worried about them")
    item = group.item(post)
    assert item.urgent and item.category == "crisis"
    assert Notification.objects.filter(kind=Notification.Kind.CRISIS, post=post).count() == 3
    assert len(mail.outbox) == 3


@pytest.mark.skipif(not REAL_DETECTORS, reason="the real detectors are not written yet")
def test_the_real_detectors_put_a_crisis_post_at_the_top_of_the_queue(monkeypatch, group):
    monkeypatch.setattr(detectors, "ALL", REAL_DETECTORS)
    outcome = forum.thread_create(
        author=group.member, space=group.space, title="Goodbye",
        body="I have saved up my pills and tonight I am going to take them all. This is my last post.",
    )  # fmt: skip
    assert outcome.is_crisis
    assert QueueItem.objects.get(post=outcome.post, status="open").urgent
