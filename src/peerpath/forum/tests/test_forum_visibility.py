"""Who reads what (issue 6 point 2): members-only by default, a public forum or chosen public threads readable by
anyone, members-only content never in the sitemap or public search documents; and every list agrees with the gates
(SECURITY.md figure 3)."""

from __future__ import annotations

import pytest
from django.http import Http404

from peerpath.directory import services as directory_services
from peerpath.forum import services
from peerpath.forum.access import access_forum, access_thread
from peerpath.forum.models import Post, SearchDocument, Thread
from peerpath.forum.selectors import bookmarks_of, opening_visible, public_threads, readable_threads, threads_for
from peerpath.forum.tests.helpers import forum_space, reply, settle, thread
from peerpath.spaces.models import Space
from peerpath.spaces.tests.helpers import join, space
from peerpath.testing.personas import PERSONAS

pytestmark = pytest.mark.django_db

PROMOTION_TEXT = "Buy my supplements at https://shop.example.com and use code SAVE20, DM me"


@pytest.fixture
def spaces(world) -> dict[str, Space]:
    """Three spaces of the home organisation: members-only forum, public forum, and one delisted."""
    closed = forum_space(world)
    public = space(world, "Open Long Covid Forum", conditions=("long-covid",))
    join(world.people["member"], public)
    services.forum_settings_update(actor=world.people["coordinator"], space=public, public=True)
    delisted = space(world, "Re-reviewed Group", conditions=("fibromyalgia",))
    join(world.people["member"], delisted)
    settle(public)
    settle(delisted)
    return {"closed": closed, "public": public, "delisted": delisted}


@pytest.fixture
def threads(world, spaces) -> dict[str, Thread]:
    member, coordinator = world.people["member"], world.people["coordinator"]
    made = {
        "members_only": thread(member, spaces["closed"], title="Members only", body="Just for us"),
        "made_public": thread(member, spaces["closed"], title="Made public", body="For everyone"),
        "public_forum": thread(member, spaces["public"], title="In a public forum", body="Open to all"),
        "held": services.thread_create(author=member, space=spaces["closed"], title="Offer",
                                       body=PROMOTION_TEXT).post.thread,
        "delisted_public": thread(member, spaces["delisted"], title="Delisted", body="Was public"),
    }  # fmt: skip
    services.thread_set_public(actor=coordinator, thread=made["made_public"], public=True)
    services.thread_set_public(actor=coordinator, thread=made["delisted_public"], public=True)
    directory_services.listing_delist(actor=coordinator, listing=spaces["delisted"].listing, reason="Re-review")
    reply(coordinator, made["public_forum"])
    return made


def _gate_allows(user, a_thread: Thread) -> bool:
    try:
        viewer, found = access_thread(user, a_thread.space_id, a_thread.pk)
    except Http404:
        return False
    return opening_visible(viewer, found, user)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_of_readable_threads_agrees_with_the_gate(world, threads, persona):
    user = world[persona]
    listed = set(readable_threads(user).values_list("pk", flat=True))
    allowed = {a_thread.pk for a_thread in Thread.objects.all() if _gate_allows(user, a_thread)}
    assert listed == allowed


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_forum_page_lists_what_the_gate_allows(world, spaces, threads, persona):
    user = world[persona]
    for a_space in spaces.values():
        try:
            viewer = access_forum(user, a_space.pk)
        except Http404:
            continue
        listed = set(threads_for(viewer, user).values_list("pk", flat=True))
        allowed = {t.pk for t in Thread.objects.filter(space=a_space) if _gate_allows(user, t)}
        assert listed == allowed, a_space.name


def test_anyone_reads_public_threads_and_nothing_else(client, world, threads):
    assert set(public_threads().values_list("pk", flat=True)) == {threads["made_public"].pk, threads["public_forum"].pk}
    for name, a_thread in threads.items():
        status = client.get(f"/spaces/{a_thread.space_id}/forum/{a_thread.pk}/").status_code
        assert status == (200 if name in ("made_public", "public_forum") else 404), name


def test_members_only_posts_are_never_public_search_documents(world, threads):
    public = set(SearchDocument.objects.filter(is_public=True).values_list("thread_id", flat=True))
    assert {threads["made_public"].pk, threads["public_forum"].pk} <= public
    assert threads["members_only"].pk not in public
    assert threads["held"].pk not in public
    assert not SearchDocument.objects.filter(post__status=Post.Status.HELD).exists()


def test_making_a_public_forum_members_only_again_hides_it(client, world, spaces, threads):
    url = f"/spaces/{spaces['public'].pk}/forum/{threads['public_forum'].pk}/"
    assert client.get(url).status_code == 200
    services.forum_settings_update(actor=world.people["coordinator"], space=spaces["public"], public=False)
    assert client.get(url).status_code == 404
    assert not SearchDocument.objects.filter(thread=threads["public_forum"], is_public=True).exists()
    assert url not in client.get("/sitemap.xml").content.decode()


def test_members_only_pages_carry_noindex_and_public_ones_do_not(client, world, spaces, threads):
    client.force_login(world.people["member"])
    closed = client.get(f"/spaces/{spaces['closed'].pk}/forum/{threads['members_only'].pk}/").content.decode()
    assert '<meta name="robots" content="noindex">' in closed
    public = client.get(f"/spaces/{spaces['public'].pk}/forum/{threads['public_forum'].pk}/").content.decode()
    assert "noindex" not in public
    assert 'rel="canonical"' in public


def test_a_member_who_leaves_loses_the_members_only_threads_and_their_bookmarks(world, spaces, threads):
    from peerpath.spaces import services as space_services

    carer = world.people["carer"]
    join(carer, spaces["closed"])
    post = threads["members_only"].posts.get(is_opening=True)
    services.bookmark_set(user=carer, post=post, on=True)
    assert threads["members_only"].pk in set(readable_threads(carer).values_list("pk", flat=True))
    assert bookmarks_of(carer).count() == 1
    space_services.membership_leave(user=carer, space=spaces["closed"])
    assert threads["members_only"].pk not in set(readable_threads(carer).values_list("pk", flat=True))
    assert bookmarks_of(carer).count() == 0
