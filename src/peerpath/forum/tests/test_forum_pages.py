"""The forum pages as people use them: every page's permission matrix, the composer's outcomes (published, held,
crisis, refused), the thread with its answer, reactions, tombstones and content warnings, the personal pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from peerpath.core.time import now
from peerpath.forum import services
from peerpath.forum.models import Bookmark, Follow, ForumSettings, Notification, Post, Reaction, Thread
from peerpath.forum.tests.helpers import forum_space, reply, thread
from peerpath.moderation.models import Mute, SpacePolicy
from peerpath.spaces import services as space_services
from peerpath.spaces.models import Membership, Space
from peerpath.spaces.tests.helpers import join
from peerpath.testing.matrix import LOGIN, check_matrix

pytestmark = pytest.mark.django_db

CRISIS_TEXT = "I want to end my life tonight. Goodbye everyone."
PROMOTION_TEXT = "Buy my supplements at https://shop.example.com and use code SAVE20, DM me"

EVERYONE = dict.fromkeys(
    ["anonymous", "member", "carer", "peer_supporter", "moderator", "clinician", "coordinator", "admin", "outsider"],
    200,
)
# Who reads a members-only forum's threads: its members (the member; the coordinator organises it) and the host's
# moderators, coordinators and admins.
READERS = {**dict.fromkeys(EVERYONE, 404), "member": 200, "moderator": 200, "coordinator": 200, "admin": 200}
SIGNED_IN = {**EVERYONE, "anonymous": LOGIN}


@pytest.fixture
def circle(world) -> Space:
    return forum_space(world)


@pytest.fixture
def pacing(world, circle) -> Thread:
    """The member's question, with the organiser's reply."""
    a_thread = thread(world.people["member"], circle)
    reply(world.people["coordinator"], a_thread)
    a_thread.refresh_from_db()
    return a_thread


def _reply_of(a_thread: Thread) -> Post:
    return a_thread.posts.filter(is_opening=False).earliest("created_at")


def _forum(a_space: Space, suffix: str = "") -> str:
    return f"/spaces/{a_space.pk}/forum/{suffix}"


def _thread(a_thread: Thread, suffix: str = "") -> str:
    return f"/spaces/{a_thread.space_id}/forum/{a_thread.pk}/{suffix}"


def _post(post: Post, action: str) -> str:
    return f"/forum/posts/{post.pk}/{action}/"


def _text(response) -> str:
    return response.content.decode()


# --- Permission matrices, one per page ---------------------------------------------------------------------------


def test_forum_index_matrix(client, world, circle, pacing):
    # Anyone who may find the space sees its forum page; what it lists is decided per thread (below).
    check_matrix(client, world, url=_forum(circle), expect=EVERYONE)


def test_forum_settings_matrix(client, world, circle):
    moderators = {**dict.fromkeys(EVERYONE, 404), "anonymous": LOGIN, "moderator": 302, "coordinator": 302}
    check_matrix(
        client, world, url=_forum(circle), method="post", data={"visibility": "members"},
        expect={**moderators, "admin": 302},
    )  # fmt: skip


def test_thread_detail_matrix_of_a_members_only_forum(client, world, pacing):
    check_matrix(client, world, url=_thread(pacing), expect=READERS)


def test_thread_detail_matrix_of_a_public_forum(client, world, circle, pacing):
    services.forum_settings_update(actor=world.people["coordinator"], space=circle, public=True)
    check_matrix(client, world, url=_thread(pacing), expect=EVERYONE)


def test_thread_create_matrix(client, world, circle):
    # Posting needs a voice in the space: the host's staff who are not members read but do not post.
    expect = {**dict.fromkeys(EVERYONE, 403), "anonymous": LOGIN, "member": 200, "coordinator": 200}
    check_matrix(client, world, url=_forum(circle, "new/"), expect=expect)


@pytest.mark.parametrize("state", ["listener", "muted", "removed", "not_member"])
def test_the_carer_cannot_start_a_thread_while(client, world, circle, state):
    carer, coordinator = world.people["carer"], world.people["coordinator"]
    membership = join(carer, circle, organiser=coordinator)
    Membership.objects.filter(pk=membership.pk).update(joined_at=now() - timedelta(days=2))
    if state == "listener":
        space_services.membership_set_role(actor=coordinator, membership=membership, role=Membership.Role.LISTENER)
    elif state == "muted":
        Mute.objects.create(space=circle, user=carer, until=now() + timedelta(days=3), reason="Cooling off", by=None)
    elif state == "removed":
        space_services.membership_remove(actor=coordinator, membership=membership, reason="Broke the rules")
    elif state == "not_member":
        space_services.membership_leave(user=carer, space=circle)
    client.force_login(carer)
    data = {"title": "A question", "body": "Has anyone tried pacing apps?"}
    response = client.post(_forum(circle, "new/"), data)
    assert response.status_code == 403
    assert not Thread.objects.filter(space=circle).exists()
    expected = {
        "listener": "Listeners read the forum but do not post.",
        "muted": "A moderator muted you in this space until",
        "removed": "Only members of this space can post here.",
        "not_member": "Only members of this space can post here.",
    }[state]
    assert expected in _text(response)


def test_a_listener_reads_the_thread_but_has_no_reply_form(client, world, circle, pacing):
    carer, coordinator = world.people["carer"], world.people["coordinator"]
    membership = join(carer, circle, organiser=coordinator)
    space_services.membership_set_role(actor=coordinator, membership=membership, role=Membership.Role.LISTENER)
    client.force_login(carer)
    page = client.get(_thread(pacing))
    assert page.status_code == 200
    assert "Listeners read the forum but do not post." in _text(page)
    assert 'name="body"' not in _text(page)
    refused = client.post(_thread(pacing), {"body": "Me too, I pace."})
    assert refused.status_code == 403
    assert pacing.posts.count() == 2


def test_post_edit_and_delete_matrix(client, world, pacing):
    opening = pacing.posts.get(is_opening=True)
    only_the_author = {**dict.fromkeys(EVERYONE, 404), "anonymous": LOGIN, "member": 200}
    check_matrix(client, world, url=_post(opening, "edit"), expect=only_the_author)
    check_matrix(client, world, url=_post(opening, "delete"), expect=only_the_author)


def test_post_history_matrix(client, world, pacing):
    opening = pacing.posts.get(is_opening=True)
    expect = {**dict.fromkeys(EVERYONE, 404), "anonymous": LOGIN, "moderator": 200, "coordinator": 200, "admin": 200}
    check_matrix(client, world, url=_post(opening, "history"), expect=expect)


def test_post_quote_matrix(client, world, pacing):
    # Readers who may not post (the host's moderator and admin) are told why; others get the same 404.
    expect = {**READERS, "anonymous": LOGIN, "moderator": 403, "admin": 403}
    check_matrix(client, world, url=_post(_reply_of(pacing), "quote"), expect=expect)


def test_post_react_matrix(client, world, pacing):
    expect = {**READERS, "anonymous": LOGIN, "member": 302, "coordinator": 302, "moderator": 403, "admin": 403}
    check_matrix(
        client, world, url=_post(_reply_of(pacing), "react"), method="post", data={"kind": "thank_you", "on": "1"},
        expect=expect,
    )  # fmt: skip


def test_post_bookmark_matrix(client, world, pacing):
    expect = {**READERS, "anonymous": LOGIN, "member": 302, "moderator": 302, "coordinator": 302, "admin": 302}
    check_matrix(
        client, world, url=_post(_reply_of(pacing), "bookmark"), method="post", data={"on": "1"}, expect=expect
    )


def test_post_answer_matrix(client, world, pacing):
    # The thread's author (the member) and the moderators mark the answer.
    expect = {**READERS, "anonymous": LOGIN, "member": 302, "moderator": 302, "coordinator": 302, "admin": 302}
    check_matrix(client, world, url=_post(_reply_of(pacing), "answer"), method="post", data={"on": "1"}, expect=expect)


def test_thread_follow_matrix(client, world, pacing):
    expect = {**READERS, "anonymous": LOGIN, "member": 302, "moderator": 302, "coordinator": 302, "admin": 302}
    check_matrix(client, world, url=_thread(pacing, "follow/"), method="post", data={"channel": "site"}, expect=expect)


@pytest.mark.parametrize("action", ["public/", "lock/"])
def test_thread_moderation_matrix(client, world, pacing, action):
    expect = {**READERS, "anonymous": LOGIN, "member": 403, "moderator": 302, "coordinator": 302, "admin": 302}
    check_matrix(client, world, url=_thread(pacing, action), method="post", data={"on": "0"}, expect=expect)


def test_personal_pages_matrix(client, world, pacing):
    check_matrix(client, world, url="/my/bookmarks/", expect=SIGNED_IN)
    check_matrix(client, world, url="/my/notifications/", expect=SIGNED_IN)


def test_sitemap_matrix(client, world, pacing):
    check_matrix(client, world, url="/sitemap.xml", expect=EVERYONE)


def test_another_organisations_coordinator_cannot_see_a_members_only_thread_of_a_delisted_space(
    client, world, circle, pacing
):
    from peerpath.directory import services as directory_services

    directory_services.listing_delist(actor=world.people["coordinator"], listing=circle.listing, reason="Re-review")
    expect = READERS  # the host's moderators answer for every space it hosts, listed or not
    check_matrix(client, world, url=_thread(pacing), expect=expect)
    check_matrix(client, world, url=_forum(circle), expect={**expect, "member": 200, "coordinator": 200})


# --- The forum page ------------------------------------------------------------------------------------------------


def test_a_non_member_of_a_members_only_forum_is_told_it_is_for_members(client, world, circle, pacing):
    client.force_login(world.people["carer"])
    page = _text(client.get(_forum(circle)))
    assert "This forum is for members." in page
    assert pacing.title not in page
    assert f'href="/spaces/{circle.pk}/"' in page


def test_a_non_member_sees_the_threads_made_public_only(client, world, circle, pacing):
    secret = thread(world.people["member"], circle, title="Members only worries", body="Only for us here")
    services.thread_set_public(actor=world.people["coordinator"], thread=pacing, public=True)
    page = _text(client.get(_forum(circle)))
    assert pacing.title in page
    assert secret.title not in page
    assert client.get(_thread(secret)).status_code == 404


def test_the_forum_lists_threads_with_replies_and_the_answered_tag(client, world, circle, pacing):
    services.answer_mark(actor=world.people["member"], thread=pacing, post=_reply_of(pacing))
    client.force_login(world.people["member"])
    page = _text(client.get(_forum(circle)))
    assert pacing.title in page
    assert "Answered" in page
    assert "by member" in page
    assert "Start a thread" in page
    assert 'content="noindex"' in page


def test_a_public_forum_has_a_canonical_link_and_no_noindex(client, world, circle, pacing):
    services.forum_settings_update(actor=world.people["coordinator"], space=circle, public=True)
    page = _text(client.get(_forum(circle)))
    assert f'<link rel="canonical" href="http://testserver/spaces/{circle.pk}/forum/">' in page
    assert "noindex" not in page
    thread_page = _text(client.get(_thread(pacing)))
    assert f'<link rel="canonical" href="http://testserver{_thread(pacing)}">' in thread_page


def test_a_moderator_makes_the_forum_public_from_its_page(client, world, circle):
    client.force_login(world.people["coordinator"])
    assert "Forum settings" in _text(client.get(_forum(circle)))
    response = client.post(_forum(circle), {"visibility": "public"})
    assert response.status_code == 302
    assert ForumSettings.objects.get(space=circle).public is True
    client.force_login(world.people["member"])
    assert "Forum settings" not in _text(client.get(_forum(circle)))


def test_the_forum_page_pages_threads(client, world, circle):
    for index in range(27):
        Thread.objects.create(space=circle, author=world.people["member"], title=f"Thread {index}",
                              last_activity_at=now() - timedelta(minutes=index))  # fmt: skip
        Post.objects.create(thread=Thread.objects.get(title=f"Thread {index}"), author=world.people["member"],
                            is_opening=True, body="x y", body_html="<p>x y</p>", body_digest=str(index))  # fmt: skip
    client.force_login(world.people["member"])
    first = _text(client.get(_forum(circle)))
    assert "Thread 0<" in first and "Thread 26<" not in first
    assert "Thread 26<" in _text(client.get(_forum(circle) + "?page=2"))


def test_the_forum_page_makes_a_fixed_number_of_queries(client, world, circle, django_assert_max_num_queries):
    for index in range(3):
        thread(world.people["member"], circle, title=f"Question {index}", body=f"Body number {index}")
    client.force_login(world.people["member"])
    client.get(_forum(circle))
    with django_assert_max_num_queries(40) as few:
        client.get(_forum(circle))
    for index in range(20):
        thread(world.people["coordinator"], circle, title=f"Topic {index}", body=f"Another body {index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(_forum(circle))
    assert "Topic 19" in _text(page)


# --- The composer ----------------------------------------------------------------------------------------------------


def test_the_composer_shows_the_rules_and_the_markdown_help(client, world, circle):
    SpacePolicy.objects.create(space=circle, rule_templates=["no_medical_advice"], own_rules="Be on time.")
    client.force_login(world.people["member"])
    page = _text(client.get(_forum(circle, "new/")))
    assert "No medical advice" in page
    assert "No product promotion" not in page
    assert "Be on time." in page
    assert "Markdown" in page
    assert 'name="content_warning"' in page


def test_posting_a_thread_shows_it(client, world, circle):
    client.force_login(world.people["member"])
    response = client.post(_forum(circle, "new/"), {"title": "Sleep and pain", "body": "What helps you *sleep*?"})
    created = Thread.objects.get(space=circle)
    assert response.status_code == 302
    assert response["Location"].startswith(_thread(created))
    page = _text(client.get(_thread(created)))
    assert "Sleep and pain" in page
    assert "<em>sleep</em>" in page


def test_a_held_post_gets_a_page_saying_it_waits_for_a_moderator(client, world, circle):
    client.force_login(world.people["member"])
    response = client.post(_forum(circle, "new/"), {"title": "Great offer", "body": PROMOTION_TEXT})
    assert response.status_code == 200
    assert "Your post waits for a moderator" in _text(response)
    held = Post.objects.get(thread__space=circle)
    assert held.status == Post.Status.HELD
    # Nobody else sees the thread while it waits; the author and the moderators do.
    client.force_login(world.people["carer"])
    assert client.get(_thread(held.thread)).status_code == 404
    client.force_login(world.people["coordinator"])
    assert "Waiting for a moderator" in _text(client.get(_thread(held.thread)))
    join(world.people["carer"], circle)
    client.force_login(world.people["carer"])
    assert "Great offer" not in _text(client.get(_forum(circle)))
    assert client.get(_thread(held.thread)).status_code == 404


def test_a_crisis_post_shows_the_crisis_lines_first(client, world, circle, pacing):
    client.force_login(world.people["member"])
    response = client.post(_thread(pacing), {"body": CRISIS_TEXT})
    page = _text(response)
    assert response.status_code == 200
    assert "Samaritans" in page and "116 123" in page
    main = page[page.index('id="maincontent"') :]
    assert main.index("116 123") < main.index("You are not alone")
    assert 'role="alert"' in main


def test_a_refused_post_keeps_the_text_and_explains(client, world, circle):
    SpacePolicy.objects.create(space=circle, decisions={"promotion": "refuse"})
    client.force_login(world.people["member"])
    response = client.post(_forum(circle, "new/"), {"title": "Offer", "body": PROMOTION_TEXT})
    assert response.status_code == 422
    page = _text(response)
    assert "This group&#x27;s rules do not allow this post." in page
    assert "SAVE20" in page
    assert not Thread.objects.filter(space=circle).exists()


def test_bad_input_on_the_composer_is_a_clear_message(client, world, circle):
    client.force_login(world.people["member"])
    response = client.post(_forum(circle, "new/"), {"title": "x" * 151, "body": ""})
    assert response.status_code == 400
    page = _text(response)
    assert "Keep the title under 150 characters." in page
    assert "Write something first." in page


def test_the_composer_asks_for_similar_threads_only_when_the_endpoint_exists(client, world, circle):
    from django.urls import NoReverseMatch, reverse

    client.force_login(world.people["member"])
    page = _text(client.get(_forum(circle, "new/")))
    try:
        similar = reverse("similar_threads", kwargs={"space_id": circle.pk})
    except NoReverseMatch:
        assert "hx-post" not in page
    else:
        # POSTed with the form's CSRF token and nothing else of the form: the title never goes in a URL.
        assert f'hx-post="{similar}"' in page
        assert 'hx-params="title,csrfmiddlewaretoken"' in page
        assert "hx-get" not in page
        assert 'hx-trigger="keyup changed delay:400ms"' in page
        assert 'hx-target="#similar"' in page


# --- The thread ------------------------------------------------------------------------------------------------------


def test_the_answer_is_shown_under_the_question_and_marked_in_place(client, world, circle, pacing):
    answer = reply(world.people["coordinator"], pacing, body="Rest before you are tired, every time.")
    reply(world.people["member"], pacing, body="Thanks, trying it this week.")
    client.force_login(world.people["member"])
    response = client.post(_post(answer, "answer"), {"on": "1"})
    assert response.status_code == 302
    page = _text(client.get(_thread(pacing)))
    assert page.index("The answer") < page.index("Thanks, trying it this week.")
    assert page.count("Rest before you are tired") == 2
    assert "Marked as the answer" in page


def test_a_reply_quotes_a_post(client, world, circle, pacing):
    quoted = _reply_of(pacing)
    client.force_login(world.people["member"])
    form = _text(client.get(_post(quoted, "quote")))
    assert "&gt; **coordinator** wrote:" in form
    response = client.post(_thread(pacing), {"body": "> I plan rest breaks\n\nGood idea!", "quoted": str(quoted.pk)})
    assert response.status_code == 302
    new = pacing.posts.order_by("-created_at").first()
    assert new.quoted_id == quoted.pk
    assert f'href="{_thread(pacing)}#post-{quoted.pk}"' in _text(client.get(_thread(pacing)))


def test_quoting_a_post_behind_a_content_warning_keeps_the_warning(client, world, circle, pacing):
    hidden = services.post_reply(
        author=world.people["coordinator"], thread=pacing, body="The worst night of the flare.",
        content_warning="A hospital stay",
    ).post  # fmt: skip
    client.force_login(world.people["member"])
    form = _text(client.get(_post(hidden, "quote")))
    assert 'value="A hospital stay"' in form


def test_quoting_a_post_of_another_thread_is_refused(client, world, circle, pacing):
    other = thread(world.people["coordinator"], circle, title="Other", body="Other body here")
    client.force_login(world.people["member"])
    response = client.post(_thread(pacing), {"body": "Quoting elsewhere", "quoted": str(other.posts.get().pk)})
    assert response.status_code == 400
    assert "You can quote a published post of this thread only." in _text(response)


def test_reactions_toggle_and_show_counts(client, world, circle, pacing):
    post = _reply_of(pacing)
    client.force_login(world.people["member"])
    client.post(_post(post, "react"), {"kind": "helpful", "on": "1"})
    page = _text(client.get(_thread(pacing)))
    assert 'aria-pressed="true"' in page
    assert Reaction.objects.filter(post=post, kind="helpful").count() == 1
    client.post(_post(post, "react"), {"kind": "helpful", "on": "0"})
    assert not Reaction.objects.filter(post=post).exists()


def test_an_unknown_reaction_is_a_clear_refusal(client, world, pacing):
    client.force_login(world.people["member"])
    response = client.post(_post(_reply_of(pacing), "react"), {"kind": "angry", "on": "1"})
    assert response.status_code == 400
    assert "Unknown reaction." in _text(response)


def test_a_reaction_on_a_held_post_of_someone_else_is_a_404(client, world, circle, pacing):
    held = services.post_reply(author=world.people["coordinator"], thread=pacing, body=PROMOTION_TEXT).post
    assert held.status == Post.Status.HELD
    client.force_login(world.people["member"])
    assert client.post(_post(held, "react"), {"kind": "thank_you", "on": "1"}).status_code == 404
    assert not Reaction.objects.filter(post=held).exists()


def test_a_deleted_post_leaves_a_tombstone(client, world, circle, pacing):
    mine = reply(world.people["member"], pacing, body="Something I regret saying")
    client.force_login(world.people["member"])
    assert "Delete your post?" in _text(client.get(_post(mine, "delete")))
    response = client.post(_post(mine, "delete"))
    assert response.status_code == 302
    page = _text(client.get(_thread(pacing)))
    assert "Deleted by its author" in page
    assert "Something I regret saying" not in page


def test_a_content_warning_hides_the_passage_until_opened(client, world, circle, pacing):
    services.post_reply(author=world.people["coordinator"], thread=pacing, body="My story of a hard year.",
                        content_warning="loss")  # fmt: skip
    client.force_login(world.people["member"])
    page = _text(client.get(_thread(pacing)))
    assert "<summary" in page and "Content warning: loss" in page
    start = page.index("Content warning: loss")
    details = page[start : page.index("</details>", start)]
    assert "My story of a hard year." in details
    assert page.rfind("<details", 0, start) > page.rfind("</details>", 0, start)


def test_editing_marks_the_post_and_moderators_see_the_history(client, world, circle, pacing):
    opening = pacing.posts.get(is_opening=True)
    client.force_login(world.people["member"])
    response = client.post(_post(opening, "edit"), {"title": "Pacing at work", "body": "How do you pace at work?"})
    assert response.status_code == 302
    page = _text(client.get(_thread(pacing)))
    assert "Pacing at work" in page and "edited" in page
    assert "/history/" not in page
    client.force_login(world.people["coordinator"])
    assert f'href="{_post(opening, "history")}"' in _text(client.get(_thread(pacing)))
    history = _text(client.get(_post(opening, "history")))
    assert "How do you pace?" in history and "Pacing on work days" in history


def test_a_hidden_post_shows_the_moderators_note_to_its_author_only(client, world, circle, pacing):
    post = reply(world.people["member"], pacing, body="A post that breaks a rule")
    services.post_unpublish(post=post, status=Post.Status.HIDDEN, note="Please remove the brand name.")
    client.force_login(world.people["member"])
    page = _text(client.get(_thread(pacing)))
    assert "Please remove the brand name." in page and "A post that breaks a rule" in page
    carer = world.people["carer"]
    join(carer, circle)
    client.force_login(carer)
    page = _text(client.get(_thread(pacing)))
    assert "A post that breaks a rule" not in page


def test_following_by_email_and_stopping(client, world, pacing):
    client.force_login(world.people["coordinator"])
    client.post(_thread(pacing, "follow/"), {"channel": "email"})
    assert Follow.objects.get(user=world.people["coordinator"], thread=pacing).channel == "email"
    page = _text(client.get(_thread(pacing)))
    assert "You follow this thread" in page
    client.post(_thread(pacing, "follow/"), {"channel": "stop"})
    assert not Follow.objects.filter(user=world.people["coordinator"], thread=pacing).exists()
    assert client.post(_thread(pacing, "follow/"), {"channel": "pigeon"}).status_code == 400


def test_a_moderator_locks_a_thread_and_replies_stop(client, world, pacing):
    client.force_login(world.people["coordinator"])
    client.post(_thread(pacing, "lock/"), {"on": "1"})
    client.force_login(world.people["member"])
    page = _text(client.get(_thread(pacing)))
    assert "This thread is locked: no more replies." in page
    response = client.post(_thread(pacing), {"body": "One more thing"})
    assert response.status_code == 409


def test_the_thread_page_includes_the_moderation_points_when_they_exist(client, world, pacing, settings, tmp_path):
    folder = tmp_path / "moderation" / "includes"
    folder.mkdir(parents=True)
    (folder / "post_tools.html").write_text("TOOLS for {{ post.pk }} in {{ thread.pk }}")
    (folder / "fact_notes.html").write_text("NOTES {{ post.fact_notes.all|length }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    client.force_login(world.people["coordinator"])
    page = _text(client.get(_thread(pacing)))
    assert f"TOOLS for {_reply_of(pacing).pk} in {pacing.pk}" in page
    assert "NOTES 0" in page


def test_the_thread_page_makes_a_fixed_number_of_queries(client, world, circle, pacing, django_assert_max_num_queries):
    people = [world.people["member"], world.people["coordinator"]]
    for index in range(3):
        post = reply(people[index % 2], pacing, body=f"Reply number {index}")
        services.reaction_set(user=people[(index + 1) % 2], post=post, kind="thank_you", on=True)
    client.force_login(world.people["member"])
    client.get(_thread(pacing))
    with django_assert_max_num_queries(60) as few:
        client.get(_thread(pacing))
    quoted = _reply_of(pacing)
    for index in range(35):
        post = services.post_reply(
            author=people[index % 2], thread=pacing, body=f"Another reply {index}", quoted=quoted
        ).post
        services.reaction_set(user=people[(index + 1) % 2], post=post, kind="me_too", on=True)
        services.bookmark_set(user=world.people["member"], post=post, on=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(_thread(pacing))
    assert "Another reply 34" in _text(page)


def test_a_script_in_a_post_is_never_run(client, world, circle, pacing):
    reply(world.people["coordinator"], pacing, body="<script>alert(1)</script> [x](javascript:alert(1))")
    client.force_login(world.people["member"])
    page = _text(client.get(_thread(pacing)))
    assert "<script>alert(1)" not in page
    assert 'href="javascript:' not in page


# --- The person's own pages -----------------------------------------------------------------------------------------


def test_saved_posts_are_listed_and_can_be_removed(client, world, pacing):
    post = _reply_of(pacing)
    client.force_login(world.people["member"])
    client.post(_post(post, "bookmark"), {"on": "1"})
    page = _text(client.get("/my/bookmarks/"))
    assert pacing.title in page
    response = client.post(_post(post, "bookmark"), {"on": "0", "next": "/my/bookmarks/"})
    assert response["Location"] == "/my/bookmarks/"
    assert not Bookmark.objects.exists()
    assert client.post(_post(post, "bookmark"), {"on": "1", "next": "https://evil.example/"})["Location"].startswith(
        _thread(pacing)
    )


def test_a_saved_post_that_was_hidden_drops_out_of_the_list(client, world, pacing):
    post = _reply_of(pacing)
    services.bookmark_set(user=world.people["member"], post=post, on=True)
    services.post_unpublish(post=post, status=Post.Status.HIDDEN, note="Off topic")
    client.force_login(world.people["member"])
    assert pacing.title not in _text(client.get("/my/bookmarks/"))


def test_unread_notifications_show_in_the_header_and_are_marked_read(client, world, pacing):
    reply(world.people["coordinator"], pacing, body="A second reply to tell about")
    member = world.people["member"]
    unread = Notification.objects.filter(user=member, read_at__isnull=True).count()
    assert unread >= 1
    client.force_login(member)
    assert f"Notifications ({unread})" in _text(client.get(_forum(pacing.space)))
    one = Notification.objects.filter(user=member).first()
    client.post("/my/notifications/", {"notification": str(one.pk)})
    one.refresh_from_db()
    assert one.read_at is not None
    client.post("/my/notifications/", {})
    assert "Notifications (" not in _text(client.get(_forum(pacing.space)))
    assert client.post("/my/notifications/", {"notification": "not-a-uuid"}).status_code == 302


def test_crisis_alerts_come_first_for_moderators(client, world, pacing):
    coordinator = world.people["coordinator"]
    old = Notification.objects.create(user=coordinator, kind=Notification.Kind.CRISIS, thread=pacing)
    Notification.objects.filter(pk=old.pk).update(created_at=now() - timedelta(days=1))
    Notification.objects.create(user=coordinator, kind=Notification.Kind.REPLY, thread=pacing, text="newer")
    client.force_login(coordinator)
    page = _text(client.get("/my/notifications/"))
    assert page.index("Urgent: a post may be from someone in crisis") < page.index("A reply in a thread you follow")


def test_the_space_page_links_to_its_forum(client, world, circle):
    assert f'href="/spaces/{circle.pk}/forum/"' in _text(client.get(f"/spaces/{circle.pk}/"))
    client.force_login(world.people["member"])
    assert f'href="/spaces/{circle.pk}/forum/"' in _text(client.get(f"/spaces/{circle.pk}/"))


def test_the_sitemap_lists_public_threads_only(client, world, circle, pacing):
    secret = thread(world.people["member"], circle, title="Members only", body="Just for us")
    assert _thread(pacing) not in _text(client.get("/sitemap.xml"))
    services.thread_set_public(actor=world.people["coordinator"], thread=pacing, public=True)
    xml = _text(client.get("/sitemap.xml"))
    assert _thread(pacing) in xml
    assert _thread(secret) not in xml


# --- In a real browser: axe-core and the keyboard -------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_forum_pages_pass_axe_and_a_reply_works_by_keyboard(axe_page):
    from peerpath.testing.browser import axe_violations, describe, sign_in
    from peerpath.testing.personas import PERSONA_PASSWORD, make_world

    world = make_world()
    a_space = forum_space(world)
    a_thread = thread(world.people["member"], a_space)
    answer = reply(world.people["coordinator"], a_thread)
    services.post_reply(author=world.people["coordinator"], thread=a_thread, body="A hard story.",
                        content_warning="loss")  # fmt: skip
    services.answer_mark(actor=world.people["member"], thread=a_thread, post=answer)
    page = axe_page
    sign_in(page, world.people["member"].email, PERSONA_PASSWORD)
    for url in (_forum(a_space), _forum(a_space, "new/"), _thread(a_thread), "/my/bookmarks/", "/my/notifications/",
                _post(answer, "quote"), _post(a_thread.posts.get(is_opening=True), "edit")):  # fmt: skip
        page.goto(url)
        violations = axe_violations(page)
        assert not violations, f"{url}\n{describe(violations)}"

    # A reply typed and sent with the keyboard alone.
    page.goto(_thread(a_thread))
    body = page.get_by_label("Your reply")
    for _ in range(200):
        page.keyboard.press("Tab")
        if body.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the reply box")
    page.keyboard.type("Thank you, pacing helped me too.")
    page.keyboard.press("Tab")  # the content warning
    page.keyboard.press("Tab")  # the button
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Thank you, pacing helped me too.").is_visible()

    # The crisis page: the help lines first, and accessible.
    page.goto(_thread(a_thread))
    page.get_by_label("Your reply").fill(CRISIS_TEXT)
    with page.expect_navigation():
        page.get_by_role("button", name="Post reply").click()
    assert page.get_by_role("alert").first.is_visible()
    violations = axe_violations(page)
    assert not violations, describe(violations)
