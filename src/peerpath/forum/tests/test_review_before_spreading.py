"""Posts flagged as misinformation or medical instructions stay out of public search, the knowledge pages and "has
this been asked before?" until a moderator has looked (issue 15 point 9); members of the space still read them in
the thread and find them in their own search. On SQLite here, on PostgreSQL in CI (the same tests, the other
engine)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from peerpath.forum import services
from peerpath.forum.models import Thread
from peerpath.forum.search import ForumQuery, search_forum, unreviewed_documents
from peerpath.forum.tests.helpers import forum_space, reply, settle
from peerpath.forum.tests.safety import MEDICAL_TEXT, MYTH_TEXT, fake_screening  # noqa: F401 (fixture)
from peerpath.moderation import actions
from peerpath.moderation.models import QueueItem, SpacePolicy
from peerpath.moderation.rules import DEFAULT_TEMPLATES
from peerpath.spaces.models import Space

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_screening")]


@pytest.fixture
def space(world) -> Space:
    """A public forum about fibromyalgia that publishes medical instructions with a flag (its choice)."""
    a_space = forum_space(world, name="Fibro Sugar Circle", conditions=("fibromyalgia",))
    settle(a_space)
    services.forum_settings_update(actor=world.people["coordinator"], space=a_space, public=True)
    SpacePolicy.objects.create(
        space=a_space, rule_templates=list(DEFAULT_TEMPLATES), decisions={"medical_instructions": "flag"}
    )
    return a_space


def _found(user, words: str) -> list[str]:
    return [hit.title for hit in search_forum(ForumQuery(text=words), user=user).hits]


def _approve(world, thread: Thread, post_id) -> None:
    item = QueueItem.objects.get(post_id=post_id, status=QueueItem.Status.OPEN)
    actions.item_approve(actor=world.people["coordinator"], item=item)


def test_a_flagged_myth_stays_out_of_public_search_until_a_moderator_approves(world, client, space):
    outcome = services.thread_create(author=world.people["member"], space=space, title="Cinnamon", body=MYTH_TEXT)
    assert outcome.published and not outcome.held  # published with a flag: the space's default for misinformation
    anonymous = AnonymousUser()
    assert _found(anonymous, "cinnamon") == []
    assert "Cinnamon" not in client.get(reverse("forum_search"), {"q": "cinnamon"}).content.decode()
    # Members of the space still find it, and read it in its thread.
    assert _found(world.people["member"], "cinnamon") == ["Cinnamon"]
    assert _found(world.people["outsider"], "cinnamon") == []
    thread_url = reverse("thread_detail", kwargs={"space_id": space.pk, "thread_id": outcome.post.thread_id})
    assert client.get(thread_url).status_code == 200  # a public thread: the post itself stays readable

    _approve(world, outcome.post.thread, outcome.post.pk)
    assert _found(anonymous, "cinnamon") == ["Cinnamon"]
    assert "Cinnamon" in client.get(reverse("forum_search"), {"q": "cinnamon"}).content.decode()


def test_a_flagged_reply_leaves_public_search_alone_while_the_question_stays(world, space):
    question = services.thread_create(
        author=world.people["member"], space=space, title="Metformin and pacing", body="Does anyone pace with it?"
    ).post.thread
    flagged = services.post_reply(author=world.people["coordinator"], thread=question, body=MEDICAL_TEXT).post
    assert flagged.status == "published"
    assert _found(AnonymousUser(), "metformin") == ["Metformin and pacing"]  # the question only
    assert len(unreviewed_documents()) == 1
    _approve(world, question, flagged.pk)
    assert unreviewed_documents() == []
    assert _found(AnonymousUser(), "metformin") == ["Metformin and pacing", "Metformin and pacing"]


def test_a_thread_whose_answer_waits_for_review_is_not_on_the_knowledge_page(world, client, space):
    question = services.thread_create(
        author=world.people["member"], space=space, title="Stopping metformin", body="Has anyone stopped it?"
    ).post.thread
    answer = services.post_reply(author=world.people["coordinator"], thread=question, body=MEDICAL_TEXT).post
    services.answer_mark(actor=world.people["member"], thread=question, post=answer)
    page = reverse("knowledge", kwargs={"condition_slug": "fibromyalgia"})
    assert "Stopping metformin" not in client.get(page).content.decode()
    client.force_login(world.people["member"])
    similar = reverse("similar_threads", kwargs={"space_id": space.pk})
    assert "Stopping metformin" not in client.post(similar, {"title": "stopping metformin"}).content.decode()
    _approve(world, question, answer.pk)
    assert "Stopping metformin" in client.get(page).content.decode()
    assert "Stopping metformin" in client.post(similar, {"title": "stopping metformin"}).content.decode()


def test_similar_threads_leave_out_a_question_waiting_for_review(world, client, space):
    question = services.thread_create(
        author=world.people["member"], space=space, title="Cinnamon for sugar", body=MYTH_TEXT
    ).post.thread
    services.answer_mark(
        actor=world.people["member"], thread=question, post=reply(world.people["coordinator"], question, "Not so.")
    )
    client.force_login(world.people["member"])
    url = reverse("similar_threads", kwargs={"space_id": space.pk})
    assert "Cinnamon for sugar" not in client.post(url, {"title": "cinnamon sugar"}).content.decode()
    knowledge = reverse("knowledge", kwargs={"condition_slug": "fibromyalgia"})
    assert "Cinnamon for sugar" not in client.get(knowledge).content.decode()
    _approve(world, question, question.posts.get(is_opening=True).pk)
    assert "Cinnamon for sugar" in client.post(url, {"title": "cinnamon sugar"}).content.decode()
    assert "Cinnamon for sugar" in client.get(knowledge).content.decode()
