"""GET /api/v1/forum/search: the search page's results as JSON (issue 6 point 3)."""

from __future__ import annotations

import pytest

from peerpath.api.services import token_create
from peerpath.forum.tests.search_scene import Scene, scene
from peerpath.testing.matrix import check_matrix
from peerpath.testing.personas import PERSONAS

URL = "/api/v1/forum/search"


@pytest.fixture
def forums(world) -> Scene:
    return scene(world)


def titles(response) -> set[str]:
    return {item["title"] for item in response.json()["items"]}


def test_matrix(client, world, forums):
    check_matrix(client, world, url=f"{URL}?q=pacing", expect=dict.fromkeys(PERSONAS, 200))


def test_anonymous_finds_public_threads_only(client, world, forums):
    response = client.get(URL, {"q": "pacing"})
    assert response.status_code == 200
    assert titles(response) == {"Pacing at school with POTS"}
    assert response["Cache-Control"] == "no-store"


def test_member_finds_what_the_page_finds(client, world, forums):
    client.force_login(world.people["member"])
    body = client.get(URL, {"q": "pacing"}).json()
    assert {"Pacing on work days", "Pacing at school with POTS"} <= {item["title"] for item in body["items"]}
    question = forums.public_thread.posts.get(is_opening=True)
    item = next(item for item in body["items"] if item["post_id"] == str(question.pk))
    assert item == {
        "kind": "post",
        "thread_id": str(forums.public_thread.pk),
        "post_id": str(question.pk),
        "space_id": str(forums.public.pk),
        "space_name": "POTS Thursday Group",
        "title": "Pacing at school with POTS",
        "snippet": item["snippet"],
        "url": f"/spaces/{forums.public.pk}/forum/{forums.public_thread.pk}/#post-{question.pk}",
        "answered": True,
        "created_at": item["created_at"],
    }
    assert body["total"] == len(body["items"])
    assert body["total_is_lower_bound"] is False


def test_token_holder_finds_members_only_threads(client, world, forums):
    _token, secret = token_create(user=world.people["member"], name="phone", scope="read")
    response = client.get(URL, {"q": "work"}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert "Pacing on work days" in titles(response)


def test_a_bad_token_is_refused_not_treated_as_anonymous(client, world, forums):
    response = client.get(URL, {"q": "pacing"}, HTTP_AUTHORIZATION="Bearer ppt_not-a-token")
    assert response.status_code == 401


def test_snippet_marks_matches(client, world, forums):
    item = client.get(URL, {"q": "salt"}).json()["items"][0]
    assert "<mark>Salt</mark>" in item["snippet"]


def test_filters(client, world, forums):
    client.force_login(world.people["member"])
    assert titles(client.get(URL, {"q": "pacing", "condition": "pots"})) == {"Pacing at school with POTS"}
    only_space = client.get(URL, {"q": "pacing", "space": str(forums.private.pk), "answered": "1"})
    assert titles(only_space) == {"Pacing on work days"}
    assert client.get(URL, {"q": "pacing", "from": "2999-01-01"}).json()["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "pacing", "condition": "nope"}, "condition"),
        ({"q": "pacing", "from": "yesterday"}, "from"),
        ({"q": "pacing", "to": "2026-13-01"}, "to"),
        ({"q": "pacing", "to": "9999-12-31"}, "to"),  # out of range: a problem, never a server error
        ({"q": "pacing", "from": "9999-12-31"}, "from"),
        ({"q": "pacing", "answered": "perhaps"}, "answered"),
        ({"q": "pacing", "space": "12"}, "space"),
        ({"q": "pacing", "page": "x"}, "page"),
        ({"q": "pacing", "page_size": "1000"}, "page_size"),
        ({"q": "y" * 250}, "q"),
    ],
)
def test_bad_parameters_are_problems(client, world, forums, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400
    assert problem["errors"][0]["location"][-1] == field


def test_a_delisted_space_leaves_anonymous_results_at_once(client, world, forums):
    from peerpath.directory import services as directory_services

    directory_services.listing_delist(
        actor=world.people["coordinator"], listing=forums.public.listing, reason="Re-review"
    )
    body = client.get(URL, {"q": "salt"}).json()
    assert body["items"] == []
    assert body["total"] == 0


def test_a_content_warning_is_the_snippet(client, world, forums):
    from peerpath.forum import services

    services.post_reply(author=world.people["coordinator"], thread=forums.public_thread,
                        body="Salt tablets got me through the weeks after my brother died.",
                        content_warning="bereavement")  # fmt: skip
    items = client.get(URL, {"q": "tablets"}).json()["items"]
    assert [item["snippet"] for item in items] == ["Content warning: bereavement"]


@pytest.mark.parametrize("text", ['"', "*", "NEAR(a b)", "a:b", "-x", "😀", "AND", "((", "\x00"])
def test_search_syntax_never_errors(client, world, forums, text):
    assert client.get(URL, {"q": text}).status_code == 200


def test_the_operation_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    parameters = {parameter["name"] for parameter in paths[URL]["get"]["parameters"]}
    assert {"q", "space", "condition", "answered", "from", "to", "page", "page_size"} <= parameters
