"""The writer is never left alone (issue 15 point 8): the writer of a post screened as a crisis sees the help lines on
their thread each time they come back, for a set period, as tap-to-call links for the country they live in, the
organisation's own lines first, and is told a moderator was asked to look only when one was. Nobody else sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from peerpath.core.time import now
from peerpath.forum import services
from peerpath.forum.models import Notification, Thread
from peerpath.forum.tests.helpers import forum_space, reply
from peerpath.forum.tests.safety import CRISIS_TEXT, fake_screening  # noqa: F401 (fixture)
from peerpath.moderation.crisis import Line, dial_links, lines_for
from peerpath.moderation.models import CrisisResource
from peerpath.spaces import services as spaces
from peerpath.spaces.models import Space
from peerpath.spaces.tests.helpers import join

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_screening")]

TOLD = "A moderator has been asked to look at your post"


@pytest.fixture
def space(world) -> Space:
    return forum_space(world)


def _crisis_thread(world, space: Space) -> Thread:
    return services.thread_create(
        author=world.people["member"], space=space, title="Tonight", body=CRISIS_TEXT
    ).post.thread


def _page(client, user, thread: Thread) -> str:
    client.force_login(user)
    response = client.get(reverse("thread_detail", kwargs={"space_id": thread.space_id, "thread_id": thread.pk}))
    assert response.status_code == 200
    return response.content.decode()


def _lives_in(user, space: Space, zone: str) -> None:
    spaces.membership_set_preferences(user=user, space=space, remind_day_before=True, remind_hour_before=False,
                                      peer_check_in_ok=False, timezone=zone)  # fmt: skip


def test_the_writer_sees_the_uk_lines_as_tap_to_call_links_when_they_come_back(world, client, space):
    thread = _crisis_thread(world, space)
    html = _page(client, world.people["member"], thread)
    assert 'data-testid="crisis-support"' in html
    assert 'href="tel:116123"' in html and 'href="tel:999"' in html
    assert 'href="sms:85258?body=SHOUT"' in html
    assert "Call Samaritans on 116 123" in html
    assert TOLD in html


def test_a_writer_in_the_united_states_sees_988(world, client, space):
    _lives_in(world.people["member"], space, "America/Chicago")
    thread = _crisis_thread(world, space)
    html = _page(client, world.people["member"], thread)
    assert 'href="tel:988"' in html and 'href="sms:988"' in html and 'href="tel:911"' in html
    assert 'href="tel:116123"' not in html and 'href="tel:999"' not in html


def test_a_writer_in_a_country_without_defaults_gets_the_international_directory(world, client, space):
    _lives_in(world.people["member"], space, "Asia/Tbilisi")
    thread = _crisis_thread(world, space)
    html = _page(client, world.people["member"], thread)
    assert "https://findahelpline.com/" in html and 'href="tel:999"' not in html


def test_other_members_and_moderators_never_see_the_writers_help_lines(world, client, space):
    thread = _crisis_thread(world, space)
    reply(world.people["coordinator"], thread, "We are here with you.")
    join(world.people["carer"], space, organiser=world.people["coordinator"])
    for name in ("coordinator", "moderator", "carer"):
        html = _page(client, world.people[name], thread)
        assert 'data-testid="crisis-support"' not in html and "tel:116123" not in html, name


def test_the_lines_go_after_the_period_and_the_period_is_a_setting(world, client, space, settings):
    thread = _crisis_thread(world, space)
    writer = world.people["member"]
    with time_machine.travel(now() + timedelta(days=13), tick=False):
        assert 'data-testid="crisis-support"' in _page(client, writer, thread)
    with time_machine.travel(now() + timedelta(days=15), tick=False):
        assert 'data-testid="crisis-support"' not in _page(client, writer, thread)
    settings.PEERPATH_CRISIS_LINES_DAYS = 3
    with time_machine.travel(now() + timedelta(days=4), tick=False):
        assert 'data-testid="crisis-support"' not in _page(client, writer, thread)


def test_the_period_counts_from_the_last_crisis_post_in_the_thread(world, client, space):
    thread = _crisis_thread(world, space)
    writer = world.people["member"]
    with time_machine.travel(now() + timedelta(days=10), tick=False):
        services.post_reply(author=writer, thread=thread, body=f"Still here. {CRISIS_TEXT}")
    with time_machine.travel(now() + timedelta(days=20), tick=False):
        assert 'data-testid="crisis-support"' in _page(client, writer, thread)


def test_the_organisations_own_lines_come_first(world, client, space):
    CrisisResource.objects.create(organisation=world.home, country="GB", name="Riverside crisis team",
                                  contact="0300 123 4567")  # fmt: skip
    thread = _crisis_thread(world, space)
    html = _page(client, world.people["member"], thread)
    assert html.index("Riverside crisis team") < html.index("Samaritans")
    assert 'href="tel:+443001234567"' in html or 'href="tel:03001234567"' in html
    assert next(line.name for line in lines_for(world.home)) == "Riverside crisis team"


def test_a_moderator_is_said_to_look_only_when_an_alert_exists(world, client, space):
    thread = _crisis_thread(world, space)
    Notification.objects.filter(kind=Notification.Kind.CRISIS).delete()
    html = _page(client, world.people["member"], thread)
    assert 'data-testid="crisis-support"' in html and TOLD not in html


def test_right_after_posting_the_writer_sees_the_same_links(world, client, space):
    client.force_login(world.people["member"])
    response = client.post(
        reverse("thread_create", kwargs={"space_id": space.pk}), {"title": "Tonight", "body": CRISIS_TEXT}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="tel:116123"' in html and 'href="sms:85258?body=SHOUT"' in html and TOLD in html


def test_an_ordinary_thread_shows_no_help_lines_to_its_writer(world, client, space):
    thread = services.thread_create(
        author=world.people["member"], space=space, title="Pacing", body="How do you pace on work days?"
    ).post.thread
    assert 'data-testid="crisis-support"' not in _page(client, world.people["member"], thread)


@pytest.mark.parametrize(
    ("contact", "country", "hrefs"),
    [
        ("116 123", "GB", ["tel:116123"]),
        ("Call or text 988", "US", ["tel:988", "sms:988"]),
        ("Text SHOUT to 85258", "GB", ["sms:85258?body=SHOUT"]),
        ("112 or 999", "IE", ["tel:112", "tel:999"]),
        ("03-5774-0992", "JP", ["tel:+81357740992"]),
        ("0800 111 0 111", "DE", ["tel:08001110111"]),  # freephone: national digits, it has no reach from abroad
        ("+44 20 7946 0018", "", ["tel:+442079460018"]),
        ("findahelpline.com", "", []),
    ],
)
def test_contacts_become_links_a_phone_can_act_on(contact, country, hrefs):
    assert [link.href for link in dial_links(contact, country)] == hrefs
    assert [link.href for link in Line("x", contact, country=country).links] == hrefs


def test_a_crisis_notification_opens_the_crisis_item(world, client, space):
    thread = _crisis_thread(world, space)
    client.force_login(world.people["moderator"])
    page = client.get(reverse("my_notifications")).content.decode()
    alert = Notification.objects.get(user=world.people["moderator"], kind=Notification.Kind.CRISIS)
    opener = reverse("crisis_alert_open", kwargs={"notification_id": alert.pk})
    assert f'href="{opener}"' in page and "Open the crisis item" in page
    landed = client.get(opener)
    assert landed.status_code == 302 and "/moderation/crisis/" in landed["Location"]
    # Every link of the alert opens the crisis item: none goes straight to the thread.
    thread_url = reverse("thread_detail", kwargs={"space_id": space.pk, "thread_id": thread.pk})
    assert page.count(f'href="{opener}"') == 2 and thread_url not in page
