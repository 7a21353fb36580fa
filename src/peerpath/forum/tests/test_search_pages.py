"""The forum search pages: /search/ and a space's /forum/search/ (issue 6 point 3)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerpath.directory.models import Listing
from peerpath.forum.tests.helpers import reply
from peerpath.forum.tests.search_scene import Scene, scene
from peerpath.testing.matrix import check_matrix

EVERYONE_200 = {
    persona: 200
    for persona in (
        "anonymous", "member", "carer", "peer_supporter", "moderator", "clinician", "coordinator", "admin", "outsider"
    )
}  # fmt: skip


@pytest.fixture
def forums(world) -> Scene:
    return scene(world)


def search_url(**params: str) -> str:
    from urllib.parse import urlencode

    return f"{reverse('forum_search')}?{urlencode(params)}"


def test_search_page_matrix(client, world, forums):
    check_matrix(client, world, url=search_url(q="pacing"), expect=EVERYONE_200)


def test_space_search_page_matrix_for_a_space_anyone_may_find(client, world, forums):
    url = reverse("space_forum_search", kwargs={"space_id": forums.private.pk}) + "?q=pacing"
    check_matrix(client, world, url=url, expect=EVERYONE_200)


def test_space_search_page_matrix_for_a_space_out_of_the_directory(client, world, forums):
    Listing.objects.filter(pk=forums.private.listing_id).update(status=Listing.Status.DELISTED)
    url = reverse("space_forum_search", kwargs={"space_id": forums.private.pk}) + "?q=pacing"
    check_matrix(
        client,
        world,
        url=url,
        expect={
            "anonymous": 404,
            "member": 200,
            "carer": 200,  # a listener
            "peer_supporter": 404,
            "moderator": 200,  # the host's moderators reach every space of the host, listed or not
            "clinician": 404,
            "coordinator": 200,
            "admin": 200,
            "outsider": 404,
        },
    )


def test_signed_out_page_shows_public_threads_only_and_may_be_indexed(client, world, forums):
    response = client.get(search_url(q="pacing"))
    content = response.content.decode()
    assert "Pacing at school with POTS" in content
    assert "Pacing on work days" not in content
    assert 'name="robots"' not in content


def test_signed_in_page_shows_members_only_results_never_indexed_nor_cached(client, world, forums):
    client.force_login(world.people["member"])
    response = client.get(search_url(q="pacing"))
    content = response.content.decode()
    assert "Pacing on work days" in content
    assert "Pacing at school with POTS" in content
    assert '<meta name="robots" content="noindex">' in content
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]


def test_space_search_page_keeps_to_its_space(client, world, forums):
    client.force_login(world.people["member"])
    url = reverse("space_forum_search", kwargs={"space_id": forums.public.pk})
    content = client.get(url, {"q": "pacing"}).content.decode()
    assert "Pacing at school with POTS" in content
    assert "Pacing on work days" not in content


def test_non_member_of_a_members_only_forum_finds_nothing_there(client, world, forums):
    client.force_login(world.people["outsider"])
    url = reverse("space_forum_search", kwargs={"space_id": forums.private.pk})
    content = client.get(url, {"q": "pacing"}).content.decode()
    assert "Pacing on work days" not in content
    assert "0 results" in content


def test_filters_on_the_page(client, world, forums):
    client.force_login(world.people["member"])
    content = client.get(search_url(q="pacing", condition="pots", answered="1")).content.decode()
    assert "Pacing at school with POTS" in content
    assert "Pacing on work days" not in content


def test_highlighted_snippet_on_the_page(client, world, forums):
    content = client.get(search_url(q="salt")).content.decode()
    assert "<mark>Salt</mark>" in content


@pytest.mark.parametrize(
    "params",
    [{"q": "pacing", "condition": "nope"}, {"q": "pacing", "from": "yesterday"}, {"q": "x" * 300}],
)
def test_bad_parameters_show_the_problem_on_the_page(client, world, forums, params):
    response = client.get(search_url(**params))
    assert response.status_code == 400
    assert "There is a problem with your search" in response.content.decode()


@pytest.mark.parametrize(("name", "day"), [("to", "9999-12-31"), ("from", "9999-12-31"), ("to", "0001-01-01")])
def test_a_date_out_of_range_is_a_problem_on_the_page_not_a_server_error(client, world, forums, name, day):
    response = client.get(search_url(q="pacing", **{name: day}))
    assert response.status_code == 400
    content = response.content.decode()
    assert "There is a problem with your search" in content
    assert "must be between 1900-01-01 and 2999-12-31" in content
    assert f'id="field-{name}-error"' in content


@pytest.mark.parametrize(("name", "day"), [("to", "9999-12-31"), ("from", "9999-12-31")])
def test_a_date_out_of_range_is_a_problem_on_the_space_search_page(client, world, forums, name, day):
    client.force_login(world.people["member"])
    url = reverse("space_forum_search", kwargs={"space_id": forums.private.pk})
    response = client.get(url, {"q": "pacing", name: day})
    assert response.status_code == 400
    assert f'id="field-{name}-error"' in response.content.decode()


def test_a_delisted_space_leaves_the_signed_out_page_at_once(client, world, forums):
    from peerpath.directory import services as directory_services

    assert "Pacing at school with POTS" in client.get(search_url(q="salt")).content.decode()
    directory_services.listing_delist(
        actor=world.people["coordinator"], listing=forums.public.listing, reason="Re-review"
    )
    content = client.get(search_url(q="salt")).content.decode()
    assert "Pacing at school with POTS" not in content
    assert "<mark>Salt</mark>" not in content
    assert "0 results" in content


def test_a_held_question_leaves_the_page_with_its_replies(client, world, forums):
    from peerpath.forum import services
    from peerpath.forum.models import Post

    services.post_unpublish(post=forums.public_thread.posts.get(is_opening=True), status=Post.Status.HELD, note="x")
    client.force_login(world.people["outsider"])
    content = client.get(search_url(q="salt")).content.decode()
    assert "Pacing at school with POTS" not in content
    assert "0 results" in content


def test_the_page_shows_a_content_warning_instead_of_the_words(client, world, forums):
    from peerpath.forum import services

    services.post_reply(author=world.people["coordinator"], thread=forums.public_thread,
                        body="Salt tablets got me through the weeks after my brother died.",
                        content_warning="bereavement")  # fmt: skip
    content = client.get(search_url(q="tablets")).content.decode()
    assert "Content warning: bereavement" in content
    assert "brother" not in content


@pytest.mark.parametrize("text", ['"', "NEAR(", "pac*", "-", "title:x", "😀", "x" * 400, "AND OR NOT"])
def test_search_syntax_on_the_page_never_errors(client, world, forums, text):
    assert client.get(search_url(q=text)).status_code in (200, 400)


def test_empty_search_invites_words(client, world, forums):
    content = client.get(reverse("forum_search")).content.decode()
    assert "Type a few words" in content


def test_pages_link_onwards(client, world, forums):
    member = world.people["member"]
    for index in range(25):
        reply(member, forums.private_thread, f"Diary entry {index}: pacing went fine.")
    client.force_login(member)
    content = client.get(search_url(q="diary")).content.decode()
    assert "Page 2 of 2" in content
    assert "page=2" in content


def test_query_count_is_flat_in_the_number_of_results(client, world, forums):
    member = world.people["member"]
    client.force_login(member)
    client.get(search_url(q="journal"))  # warm: session, caches
    reply(member, forums.private_thread, "My journal helps.")
    with CaptureQueriesContext(connection) as few:
        response = client.get(search_url(q="journal"))
    assert response.content.decode().count("<mark>") == 1
    for index in range(19):
        reply(member, forums.public_thread, f"Journal page {index} of my pacing.")
    with CaptureQueriesContext(connection) as many:
        response = client.get(search_url(q="journal"))
    assert response.content.decode().count("pp-results") == 1
    assert len(many) == len(few)


def test_search_page_query_budget(client, world, forums, django_assert_max_num_queries):
    client.force_login(world.people["member"])
    # 18, and two since issue 15: the documents waiting for review (read once per search) and the menu's
    # Moderation link (one query per page); and one for the menu's Messages link (one query per page). All
    # constant, however many results.
    with django_assert_max_num_queries(21):
        client.get(search_url(q="pacing", condition="pots", answered="1"))


def test_every_page_links_to_the_answers_search_and_staff_to_their_moderation(client, world):
    home = client.get("/").content.decode()
    assert 'href="/search/"' in home
    client.force_login(world.people["coordinator"])
    page = client.get("/").content.decode()
    assert f'href="/organisations/{world.home.pk}/moderation/"' in page
    client.force_login(world.people["clinician"])
    assert 'href="/moderation/escalated/"' in client.get("/").content.decode()
