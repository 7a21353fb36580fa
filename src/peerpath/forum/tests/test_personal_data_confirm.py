"""Personal data in a new post: the writer is asked before anything is published (issue 15 point 5). The composer
comes back with the text intact, names what was found, and offers to edit or to publish anyway (which then follows
the space's decision for personal data: held for review by default). Nothing is saved until they choose."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.audit.models import AuditEvent
from peerpath.forum import services
from peerpath.forum.models import Post, Thread
from peerpath.forum.tests.helpers import forum_space, thread
from peerpath.forum.tests.safety import CRISIS_TEXT, EMAIL_TEXT, HELPLINE_TEXT, PHONE_TEXT, FakeDetector
from peerpath.spaces.models import Space

pytestmark = pytest.mark.django_db

ASKED = 'data-testid="personal-data-check"'


@pytest.fixture
def space(world) -> Space:
    return forum_space(world)


@pytest.fixture
def fake(monkeypatch) -> None:
    monkeypatch.setattr("peerpath.screening.detectors.ALL", [FakeDetector()])


def _compose(client, space: Space, body: str, **extra: str):
    return client.post(
        reverse("thread_create", kwargs={"space_id": space.pk}), {"title": "Evenings", "body": body, **extra}
    )


@pytest.mark.usefixtures("fake")
def test_a_phone_number_is_named_and_nothing_is_saved_before_the_writer_chooses(world, client, space):
    client.force_login(world.people["member"])
    posts, events = Post.objects.count(), AuditEvent.objects.count()
    response = _compose(client, space, PHONE_TEXT)
    html = response.content.decode()
    assert response.status_code == 200 and ASKED in html
    assert "a phone number" in html and "Publish anyway" in html and "Edit my post" in html
    assert "07700 900123" in html  # the text intact, in the form
    assert html.count("07700 900123") == 1  # …and nowhere else on the page (the message names the kind only)
    assert Post.objects.count() == posts and not Thread.objects.filter(title="Evenings").exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.usefixtures("fake")
def test_an_email_address_is_named(world, client, space):
    client.force_login(world.people["member"])
    html = _compose(client, space, EMAIL_TEXT).content.decode()
    assert ASKED in html and "an e-mail address" in html


@pytest.mark.usefixtures("fake")
def test_publish_anyway_follows_the_spaces_decision_for_personal_data(world, client, space):
    client.force_login(world.people["member"])
    response = _compose(client, space, PHONE_TEXT, confirm_personal_data="1")
    html = response.content.decode()
    assert response.status_code == 200 and ASKED not in html
    post = Post.objects.get(thread__title="Evenings")
    assert post.status == Post.Status.HELD and post.body == PHONE_TEXT  # held for review: the default
    assert "It seems to contain a phone number" in html


@pytest.mark.usefixtures("fake")
def test_editing_it_out_publishes_the_edited_post(world, client, space):
    client.force_login(world.people["member"])
    assert ASKED in _compose(client, space, PHONE_TEXT).content.decode()
    response = _compose(client, space, "Message me here any evening and we can talk.")
    assert response.status_code == 302
    assert Post.objects.get(thread__title="Evenings").status == Post.Status.PUBLISHED


@pytest.mark.usefixtures("fake")
def test_a_reply_is_asked_the_same(world, client, space):
    a_thread = thread(world.people["coordinator"], space)
    client.force_login(world.people["member"])
    url = reverse("thread_detail", kwargs={"space_id": space.pk, "thread_id": a_thread.pk})
    replies = a_thread.posts.count()
    html = client.post(url, {"body": EMAIL_TEXT}).content.decode()
    assert ASKED in html and "an e-mail address" in html and a_thread.posts.count() == replies
    assert client.post(url, {"body": EMAIL_TEXT, "confirm_personal_data": "1"}).status_code == 200
    assert a_thread.posts.filter(author=world.people["member"], status=Post.Status.HELD).count() == 1


@pytest.mark.usefixtures("fake")
def test_a_crisis_post_is_never_delayed_by_the_question(world, client, space):
    client.force_login(world.people["member"])
    html = _compose(client, space, f"{CRISIS_TEXT} {PHONE_TEXT}").content.decode()
    assert ASKED not in html and "tel:116123" in html


@pytest.mark.usefixtures("fake")
def test_the_service_refuses_to_save_without_the_confirmation(world, space):
    with pytest.raises(services.PersonalDataFound) as found:
        services.thread_create(author=world.people["member"], space=space, title="Evenings", body=PHONE_TEXT)
    assert found.value.kinds == ["a phone number"] and "07700" not in found.value.message
    assert not Thread.objects.filter(title="Evenings").exists()


def test_help_line_numbers_never_ask_with_the_real_detectors(world, client, space):
    client.force_login(world.people["member"])
    for text in (HELPLINE_TEXT, "In the US you can call or text 988 any time.", "Shout: text SHOUT to 85258."):
        response = _compose(client, space, text)
        assert ASKED not in response.content.decode(), text
        Thread.objects.filter(title="Evenings").delete()
