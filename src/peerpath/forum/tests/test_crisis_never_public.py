"""A thread with a post from someone who may be in crisis is never public (issue 15 point 7, the forum's side): a
moderator cannot open it to everyone, and in a forum readable by anyone it stays out of the list, the thread page,
search, the sitemap and the knowledge pages for everyone but the space's members and moderators."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from peerpath.core.errors import Conflict
from peerpath.forum import services
from peerpath.forum.search import ForumQuery, search_forum
from peerpath.forum.tests.helpers import forum_space, reply, settle
from peerpath.forum.tests.safety import CRISIS_TEXT, fake_screening  # noqa: F401 (fixture)
from peerpath.spaces.models import Space

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_screening")]


@pytest.fixture
def space(world) -> Space:
    a_space = forum_space(world, name="Open Fibro Forum", conditions=("fibromyalgia",))
    settle(a_space)
    return a_space


def test_a_moderator_cannot_make_a_crisis_thread_public(world, client, space):
    thread = services.thread_create(author=world.people["member"], space=space, title="Tonight", body=CRISIS_TEXT)
    thread = thread.post.thread
    with pytest.raises(Conflict):
        services.thread_set_public(actor=world.people["coordinator"], thread=thread, public=True)
    thread.refresh_from_db()
    assert not thread.is_public
    client.force_login(world.people["coordinator"])
    url = reverse("thread_public", kwargs={"space_id": space.pk, "thread_id": thread.pk})
    response = client.post(url, {"on": "1"})
    assert response.status_code == 409 and "members only" in response.content.decode()


def test_a_crisis_reply_takes_its_thread_out_of_a_public_forum(world, client, space):
    services.forum_settings_update(actor=world.people["coordinator"], space=space, public=True)
    thread = services.thread_create(
        author=world.people["coordinator"], space=space, title="Evening pacing",
        body="How do you pace your evenings?",
    ).post.thread  # fmt: skip
    answer = reply(world.people["member"], thread, "Short walks help me.")
    services.answer_mark(actor=world.people["coordinator"], thread=thread, post=answer)
    thread_url = reverse("thread_detail", kwargs={"space_id": space.pk, "thread_id": thread.pk})
    assert client.get(thread_url).status_code == 200
    assert search_forum(ForumQuery(text="pacing"), user=AnonymousUser()).total == 1

    services.post_reply(author=world.people["member"], thread=thread, body=CRISIS_TEXT)
    assert client.get(thread_url).status_code == 404
    assert "Evening pacing" not in client.get(reverse("forum_index", kwargs={"space_id": space.pk})).content.decode()
    assert search_forum(ForumQuery(text="pacing"), user=AnonymousUser()).total == 0
    assert (
        "Evening pacing"
        not in client.get(reverse("knowledge", kwargs={"condition_slug": "fibromyalgia"})).content.decode()
    )
    assert thread_url not in client.get("/sitemap.xml").content.decode()
    # The space's members still read it and find it; the page does not say anyone can read it.
    client.force_login(world.people["member"])
    page = client.get(thread_url).content.decode()
    assert "Anyone can read this thread" not in page and "Evening pacing" in page
    assert search_forum(ForumQuery(text="pacing"), user=world.people["member"]).total >= 1
