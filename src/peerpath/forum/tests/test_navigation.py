"""Ways into the forum's pages: a space's forum links to its own search."""

from __future__ import annotations

from django.urls import reverse

from peerpath.forum.tests.helpers import forum_space


def test_a_forum_links_to_the_search_of_its_own_space(client, world):
    a_space = forum_space(world)
    client.force_login(world.people["member"])
    page = client.get(reverse("forum_index", kwargs={"space_id": a_space.pk})).content.decode()
    assert f'href="{reverse("space_forum_search", kwargs={"space_id": a_space.pk})}"' in page
    assert "Search this forum" in page
