"""The daily follow digest (issue 6 point 1): one e-mail a day to people who follow threads by e-mail, never quoting
a post, naming only public threads, once per reply; and the scheduler queues it daily."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from peerpath.core.management.commands.run_scheduler import Scheduler
from peerpath.forum import services
from peerpath.forum.digest import send_follow_digests
from peerpath.forum.models import Notification, Thread
from peerpath.forum.tasks import follow_digest
from peerpath.forum.tests.helpers import forum_space, reply, thread
from peerpath.spaces import services as space_services
from peerpath.spaces.models import Space
from peerpath.spaces.tests.helpers import join

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def circle(world) -> Space:
    return forum_space(world)


@pytest.fixture
def pacing(world, circle) -> Thread:
    """The member's thread, followed by the member by e-mail; the organiser replies with private words."""
    a_thread = thread(world.people["member"], circle)
    services.follow_set(user=world.people["member"], thread=a_thread, channel="email")
    reply(world.people["coordinator"], a_thread, body="My private story about my medicines")
    return a_thread


def test_a_follower_by_email_gets_one_digest_without_the_posts_words(world, pacing):
    assert send_follow_digests() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["member@example.org"]
    assert "private story" not in message.body
    assert "A members-only thread in Fibromyalgia Tuesday Circle: 1 new reply" in message.body
    assert pacing.title not in message.body
    assert f"/spaces/{pacing.space_id}/forum/{pacing.pk}/" in message.body
    assert send_follow_digests() == 0  # the same replies are not sent twice
    assert Notification.objects.filter(user=world.people["member"], emailed_at__isnull=False).count() == 1


def test_a_public_thread_is_named_in_the_digest(world, pacing):
    services.thread_set_public(actor=world.people["coordinator"], thread=pacing, public=True)
    send_follow_digests()
    assert f'"{pacing.title}" in Fibromyalgia Tuesday Circle' in mail.outbox[0].body


def test_followers_on_the_site_only_and_read_notifications_get_no_email(world, pacing):
    services.follow_set(user=world.people["member"], thread=pacing, channel="site")
    assert send_follow_digests() == 0
    services.follow_set(user=world.people["member"], thread=pacing, channel="email")
    services.notifications_read(user=world.people["member"])
    assert send_follow_digests() == 0
    assert mail.outbox == []


def test_replies_are_counted_per_thread(world, circle, pacing):
    reply(world.people["coordinator"], pacing, body="And a second reply")
    assert send_follow_digests() == 1
    assert "2 new replies" in mail.outbox[0].body


def test_a_person_who_left_the_space_gets_no_digest_of_it(world, circle, pacing):
    carer = world.people["carer"]
    join(carer, circle)
    services.follow_set(user=carer, thread=pacing, channel="email")
    reply(world.people["member"], pacing, body="A reply the carer would hear of")
    space_services.membership_leave(user=carer, space=circle)
    send_follow_digests()
    assert ["carer@example.org"] not in [message.to for message in mail.outbox]


def test_the_task_sends_the_digest(world, pacing):
    follow_digest.enqueue()
    assert len(mail.outbox) == 1


def test_the_scheduler_queues_the_digest_once_a_day(world, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    names = [name for name, *_rest in Scheduler(at=NOW.time()).plan(NOW)]
    assert "follow_digest" in names
    for hour in (9, 12):
        with time_machine.travel(NOW.replace(hour=hour), tick=False):
            call_command("run_scheduler", "--once", "--at", "08:00", stdout=StringIO())
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        call_command("run_scheduler", "--once", "--at", "08:00", stdout=StringIO())
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths.count(follow_digest.module_path) == 2
