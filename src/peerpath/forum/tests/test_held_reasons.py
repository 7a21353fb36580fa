"""A held post tells its writer why it waits, in words (issue 15 point 9): "a harmless first post is held with no
reason given" no more. On the page after posting and on the writer's own thread, never to anyone else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.forum import services
from peerpath.forum.models import Post
from peerpath.forum.reasons import held_reasons, personal_data_kinds
from peerpath.forum.tests.helpers import forum_space
from peerpath.forum.tests.safety import HARMLESS_TEXT, LINK_TEXT, PROMOTION_TEXT, fake_screening  # noqa: F401
from peerpath.moderation.models import SpacePolicy
from peerpath.moderation.rules import DEFAULT_TEMPLATES
from peerpath.spaces.models import Space
from peerpath.spaces.tests.helpers import join
from peerpath.testing.personas import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_screening")]

FIRST_POST = "It is your first post in this group"
NOT_YOU = "It is not because of anything you wrote."
LINK = "It has a link to a website the group does not know yet."
PROMOTION = "Some of its words read like promotion or selling"


@pytest.fixture
def space(world) -> Space:
    return forum_space(world)


def _holds_first_posts(space: Space) -> None:
    SpacePolicy.objects.create(space=space, rule_templates=list(DEFAULT_TEMPLATES), hold_first_posts=True)


def _compose(client, space: Space, body: str, title: str = "Hello") -> str:
    response = client.post(reverse("thread_create", kwargs={"space_id": space.pk}), {"title": title, "body": body})
    assert response.status_code == 200
    return response.content.decode()


def _thread_page(client, post: Post) -> str:
    url = reverse("thread_detail", kwargs={"space_id": post.thread.space_id, "thread_id": post.thread_id})
    return client.get(url).content.decode()


def test_a_harmless_first_post_says_it_waits_because_it_is_the_first(world, client, space):
    _holds_first_posts(space)
    newcomer = make_user("newcomer")
    join(newcomer, space, organiser=world.people["coordinator"])
    client.force_login(newcomer)
    html = _compose(client, space, HARMLESS_TEXT)
    assert 'data-testid="held-reasons"' in html and FIRST_POST in html and NOT_YOU in html
    post = Post.objects.get(author=newcomer)
    assert post.status == Post.Status.HELD
    page = _thread_page(client, post)
    assert FIRST_POST in page and NOT_YOU in page and "Waiting for a moderator" in page


def test_a_post_held_for_a_link_says_so(world, client, space):
    client.force_login(world.people["member"])
    html = _compose(client, space, LINK_TEXT)
    assert LINK in html and FIRST_POST not in html
    assert LINK in _thread_page(client, Post.objects.get(author=world.people["member"]))


def test_a_post_held_as_promotion_says_so_in_kind_words(world, client, space):
    client.force_login(world.people["member"])
    html = _compose(client, space, PROMOTION_TEXT)
    assert PROMOTION in html and LINK not in html
    assert PROMOTION in _thread_page(client, Post.objects.get(author=world.people["member"]))


def test_nobody_else_reads_why_a_post_waits(world, client, space):
    outcome = services.thread_create(author=world.people["member"], space=space, title="Deals", body=PROMOTION_TEXT)
    assert outcome.held and outcome.held_reasons
    # The space's organiser sees the held post (a moderator) but not the words meant for its writer.
    client.force_login(world.people["coordinator"])
    page = _thread_page(client, outcome.post)
    assert "Waiting for a moderator" in page and 'data-testid="held-reasons"' not in page


def test_reasons_in_words_for_each_category():
    def finding(category: str, evidence: str = "") -> dict[str, object]:
        return {"category": category, "confidence": 0.9, "evidence": evidence, "detector": "x"}

    assert held_reasons([], first_post=True)[0].endswith(NOT_YOU)
    both = held_reasons([finding("promotion", "www.shop.example.com")], first_post=True)
    assert len(both) == 2 and NOT_YOU not in both[0] and LINK in both[1]
    assert "treatment or dose" in held_reasons([finding("medical_instructions")], first_post=False)[0]
    assert "known to be wrong" in held_reasons([finding("misinformation")], first_post=False)[0]
    assert (
        "a phone number and an e-mail address"
        in held_reasons(
            [finding("personal_data", "07700 900123"), finding("personal_data", "jo@example.com")], first_post=False
        )[0]
    )
    # Below the deciding confidence, nothing is claimed.
    assert held_reasons([{"category": "promotion", "confidence": 0.2, "evidence": "x"}], first_post=False) == []
    assert personal_data_kinds([finding("personal_data", "SW1A 1AA")]) == ["a home address or postcode"]
    # The detector's own name for what it found comes first.
    named = {**finding("personal_data", "943 476 5919"), "detail": {"kind": "NHS number"}}
    assert personal_data_kinds([named]) == ["an NHS number"]
