"""'Has this been asked before?' while typing a title, and the knowledge pages per condition (issue 6 point 4)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerpath.directory.models import Listing
from peerpath.forum import services
from peerpath.forum.models import Post
from peerpath.forum.tests.helpers import forum_space, reply, settle, thread
from peerpath.forum.tests.search_scene import Scene, scene
from peerpath.spaces.tests.helpers import members
from peerpath.testing.matrix import check_matrix
from peerpath.testing.personas import PERSONAS

EVERYONE_200 = dict.fromkeys(PERSONAS, 200)


@pytest.fixture
def forums(world) -> Scene:
    return scene(world)


@pytest.fixture
def fibro_friends(world, forums):
    """A second fibromyalgia space with a public forum and an answered thread about pacing."""
    coordinator, member = world.people["coordinator"], world.people["member"]
    friends = forum_space(world, name="Fibro Friends Online", conditions=("fibromyalgia",))
    settle(friends)
    services.forum_settings_update(actor=coordinator, space=friends, public=True)
    question = thread(member, friends, "Pacing tips for housework", "How do you split chores up?")
    services.answer_mark(actor=member, thread=question, post=reply(coordinator, question, "One room a day."))
    thread(member, friends, "Pacing and gardening", "Nobody has answered this yet.")
    return friends


def similar(client, space, title: str):
    return client.post(reverse("similar_threads", kwargs={"space_id": space.pk}), {"title": title})


def test_member_sees_answered_threads_of_this_space_first_then_of_spaces_sharing_a_condition(
    client, world, forums, fibro_friends
):
    client.force_login(world.people["member"])
    content = similar(client, forums.private, "pacing at work").content.decode()
    assert content.index("Pacing on work days") < content.index("Pacing tips for housework")
    assert "Fibro Friends Online" in content  # the other space is named
    assert "Pacing at school with POTS" not in content  # no condition in common
    assert "Pacing and gardening" not in content  # not answered


def test_non_member_sees_public_answers_only(client, world, forums, fibro_friends):
    client.force_login(world.people["outsider"])
    content = similar(client, forums.private, "pacing at work").content.decode()
    assert "Pacing on work days" not in content
    assert "Pacing tips for housework" in content


def test_members_only_threads_of_other_spaces_never_show(client, world, forums, fibro_friends):
    services.forum_settings_update(actor=world.people["coordinator"], space=fibro_friends, public=False)
    client.force_login(world.people["member"])  # a member of both: still only public threads from elsewhere
    assert "Pacing tips for housework" not in similar(client, forums.private, "pacing housework").content.decode()


@pytest.mark.parametrize("title", ["", "pa", "  a ", "the and of"])
def test_short_or_empty_titles_give_an_empty_fragment(client, world, forums, title):
    client.force_login(world.people["member"])
    response = similar(client, forums.private, title)
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


@pytest.mark.parametrize("title", ['"pacing', "pacing*", "NEAR(pacing work)", "-pacing", "😀😀😀", "x" * 5000, ":::"])
def test_hostile_titles_never_error(client, world, forums, title):
    client.force_login(world.people["member"])
    assert similar(client, forums.private, title).status_code == 200


def test_at_most_five_threads(client, world, forums):
    member, coordinator = world.people["member"], world.people["coordinator"]
    settle(forums.private, days=30)
    for index in range(7):
        question = thread(coordinator, forums.private, f"Pacing question {index}", f"Body {index}")
        services.answer_mark(actor=coordinator, thread=question, post=reply(member, question, f"Answer {index}"))
    client.force_login(member)
    assert similar(client, forums.private, "pacing question").content.decode().count("<li>") == 5


def test_similar_matrix_for_a_space_anyone_may_find(client, world, forums):
    check_matrix(
        client,
        world,
        url=reverse("similar_threads", kwargs={"space_id": forums.private.pk}),
        method="post",
        data={"title": "pacing"},
        expect=EVERYONE_200,
    )


def test_similar_matrix_for_a_space_out_of_the_directory(client, world, forums):
    Listing.objects.filter(pk=forums.private.listing_id).update(status=Listing.Status.DELISTED)
    expect = {**dict.fromkeys(PERSONAS, 404), "member": 200, "carer": 200, "moderator": 200, "coordinator": 200,
              "admin": 200}  # fmt: skip
    url = reverse("similar_threads", kwargs={"space_id": forums.private.pk})
    check_matrix(client, world, url=url, method="post", data={"title": "pacing"}, expect=expect)


def test_the_title_being_typed_is_never_sent_in_a_url(client, world, forums, fibro_friends):
    """A title is often about someone's health: a GET would put it in access logs and the browser's history."""
    client.force_login(world.people["member"])
    url = reverse("similar_threads", kwargs={"space_id": forums.private.pk})
    assert client.get(url, {"title": "pacing at work"}).status_code == 405
    assert "Pacing on work days" in similar(client, forums.private, "pacing at work").content.decode()


def test_similar_needs_the_forms_csrf_token(world, forums):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.people["member"])
    url = reverse("similar_threads", kwargs={"space_id": forums.private.pk})
    assert strict.post(url, {"title": "pacing at work"}).status_code == 403
    composer = strict.get(reverse("thread_create", kwargs={"space_id": forums.private.pk})).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', composer)
    assert token is not None
    response = strict.post(url, {"title": "pacing at work", "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 200
    assert "Pacing on work days" in response.content.decode()


# --- Knowledge ---------------------------------------------------------------------------------------------------


def test_knowledge_page_lists_answered_public_threads_of_the_condition(client, world, forums, fibro_friends):
    response = client.get(reverse("knowledge", kwargs={"condition_slug": "fibromyalgia"}))
    content = response.content.decode()
    assert "Pacing tips for housework" in content
    assert "Pacing on work days" not in content  # members only
    assert "Pacing and gardening" not in content  # not answered
    assert "Pacing at school with POTS" not in content  # another condition
    assert '<link rel="canonical" href="http://testserver/knowledge/fibromyalgia/">' in content
    assert 'name="robots"' not in content


def test_knowledge_orders_by_helpful_reactions_then_recency(client, world, forums, fibro_friends):
    coordinator, member = world.people["coordinator"], world.people["member"]
    question = thread(coordinator, fibro_friends, "Sleep and fibro fog", "What helps you sleep?")
    answer = reply(member, question, "A wind-down hour with no screens.")
    services.answer_mark(actor=coordinator, thread=question, post=answer)
    # The newer thread is first by recency; helpful reactions on the older answer lift it above.
    content = client.get(reverse("knowledge", kwargs={"condition_slug": "fibromyalgia"})).content.decode()
    assert content.index("Sleep and fibro fog") < content.index("Pacing tips for housework")
    older = fibro_friends.threads.get(title="Pacing tips for housework")
    for person in members(fibro_friends, 2):
        services.reaction_set(user=person, post=older.answer, kind="helpful", on=True)
    content = client.get(reverse("knowledge", kwargs={"condition_slug": "fibromyalgia"})).content.decode()
    assert content.index("Pacing tips for housework") < content.index("Sleep and fibro fog")
    assert "2 found this helpful" in content


def test_hidden_answer_leaves_the_knowledge_page(client, world, forums, fibro_friends):
    question = fibro_friends.threads.get(title="Pacing tips for housework")
    services.post_unpublish(post=question.answer, status="hidden", note="Checking")
    content = client.get(reverse("knowledge", kwargs={"condition_slug": "fibromyalgia"})).content.decode()
    assert "Pacing tips for housework" not in content


@pytest.mark.parametrize("status", [Post.Status.HELD, Post.Status.HIDDEN])
def test_a_held_or_hidden_question_leaves_the_knowledge_pages(client, world, forums, fibro_friends, status):
    question = fibro_friends.threads.get(title="Pacing tips for housework")
    services.post_unpublish(post=question.posts.get(is_opening=True), status=status, note="Checking")
    content = client.get(reverse("knowledge", kwargs={"condition_slug": "fibromyalgia"})).content.decode()
    assert "Pacing tips for housework" not in content
    assert "One room a day." not in content
    index = client.get(reverse("knowledge_index")).content.decode()
    assert reverse("knowledge", kwargs={"condition_slug": "fibromyalgia"}) not in index


def test_a_held_question_is_never_offered_as_asked_before(client, world, forums, fibro_friends):
    question = fibro_friends.threads.get(title="Pacing tips for housework")
    services.post_unpublish(post=question.posts.get(is_opening=True), status=Post.Status.HELD, note="Checking")
    for persona in ("member", "outsider"):
        client.force_login(world.people[persona])
        assert "Pacing tips for housework" not in similar(client, forums.private, "pacing housework").content.decode()


def test_knowledge_shows_the_answers_content_warning_instead_of_its_words(client, world, forums, fibro_friends):
    coordinator, member = world.people["coordinator"], world.people["member"]
    question = thread(
        member, fibro_friends, "Getting through a bad night", "What helps when you cannot sleep after a loss?"
    )
    body = "Since my brother died I ring my sister, and we talk until I can sleep."
    answer = services.post_reply(author=coordinator, thread=question, content_warning="bereavement", body=body).post
    services.answer_mark(actor=member, thread=question, post=answer)
    content = client.get(reverse("knowledge", kwargs={"condition_slug": "fibromyalgia"})).content.decode()
    assert "Getting through a bad night" in content
    assert "Content warning: bereavement" in content
    assert "brother" not in content


def test_unknown_condition_is_404(client, world):
    assert client.get(reverse("knowledge", kwargs={"condition_slug": "not-a-condition"})).status_code == 404


def test_knowledge_index_lists_conditions_with_public_answers(client, world, forums, fibro_friends):
    content = client.get(reverse("knowledge_index")).content.decode()
    assert reverse("knowledge", kwargs={"condition_slug": "pots"}) in content
    assert reverse("knowledge", kwargs={"condition_slug": "fibromyalgia"}) in content
    assert reverse("knowledge", kwargs={"condition_slug": "diabetes"}) not in content
    assert "1 answered question" in content


def test_knowledge_index_without_public_answers(client, world, forums):
    services.forum_settings_update(actor=world.people["coordinator"], space=forums.public, public=False)
    assert "No public forum has an answered question yet." in client.get(reverse("knowledge_index")).content.decode()


def test_knowledge_matrix(client, world, forums):
    check_matrix(client, world, url=reverse("knowledge", kwargs={"condition_slug": "pots"}), expect=EVERYONE_200)
    check_matrix(client, world, url=reverse("knowledge_index"), expect=EVERYONE_200)


def test_knowledge_query_count_is_flat(client, world, forums, fibro_friends):
    url = reverse("knowledge", kwargs={"condition_slug": "fibromyalgia"})
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    coordinator, member = world.people["coordinator"], world.people["member"]
    settle(fibro_friends, days=30)
    for index in range(6):
        question = thread(coordinator, fibro_friends, f"Question {index}", f"Body {index}")
        services.answer_mark(actor=coordinator, thread=question, post=reply(member, question, f"Answer {index}"))
    with CaptureQueriesContext(connection) as many:
        content = client.get(url).content.decode()
    assert "Question 5" in content
    assert len(many) == len(few)
