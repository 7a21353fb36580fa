"""`make run`'s demo: active threads with answers, a public knowledge page and a queue with work (issue 6)."""

from __future__ import annotations

import pytest

from peerpath.accounts.management.commands.demo import load_demo
from peerpath.accounts.models import User
from peerpath.forum.demo import demo_forum_guide
from peerpath.forum.models import Post, Thread
from peerpath.moderation.models import QueueItem
from peerpath.spaces.models import Space

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    load_demo()


def test_the_demo_has_answered_threads_a_knowledge_page_and_a_queue(demo, client):
    pots = Space.objects.get(name="Tuesday Tickers: POTS peer circle")
    assert Thread.objects.filter(space=pots, answer__isnull=False).count() >= 3
    knowledge = client.get("/knowledge/pots/")
    assert knowledge.status_code == 200
    assert "How do you get through a work day without crashing by 3pm?" in knowledge.content.decode()
    open_items = QueueItem.objects.filter(space=pots, status=QueueItem.Status.OPEN)
    assert {item.source for item in open_items} >= {"screening", "reports", "first_post"}
    assert Post.objects.filter(thread__space=pots, status=Post.Status.HELD).count() >= 2
    client.force_login(User.objects.get(email="moderator@peerpath.demo"))
    queue = client.get(f"/spaces/{pots.pk}/moderation/")
    assert queue.status_code == 200 and "SaltRush" in queue.content.decode()
    assert "/knowledge/pots/" in "\n".join(demo_forum_guide("http://127.0.0.1:8000"))


def test_the_demo_has_a_crisis_thread_whose_writer_sees_the_help_lines(demo, client):
    from peerpath.forum.demo import DEMO_CRISIS_TITLE

    crisis = Thread.objects.get(title=DEMO_CRISIS_TITLE)
    url = f"/spaces/{crisis.space_id}/forum/{crisis.pk}/"
    client.force_login(User.objects.get(email="member@peerpath.demo"))
    page = client.get(url).content.decode()
    assert 'data-testid="crisis-support"' in page and 'href="tel:116123"' in page
    assert "A moderator has been asked to look at your post" in page
    guide = "\n".join(demo_forum_guide("http://127.0.0.1:8000"))
    assert url in guide and "a crisis post waiting" in guide  # the moderator's way in, from the moderation demo
    client.force_login(User.objects.get(email="moderator@peerpath.demo"))
    assert 'data-testid="crisis-support"' not in client.get(url).content.decode()
