"""The crisis flow end to end (issue 6 point 9; hazard: a crisis post nobody sees): a member posts words of crisis →
they see the crisis lines for the country they live in (else the organisation's), then the organisation's own lines
for that country, at once → every moderator of the space and of the host, and the host's coordinators, are alerted
on the site and by e-mail, and every link in the alert opens for them, whatever the space's listing status → the
queue lists the post first, marked urgent, with how long it has waited."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from peerpath.core.time import now
from peerpath.directory.models import Listing
from peerpath.forum import services as forum
from peerpath.forum.models import Notification, Post
from peerpath.moderation import actions, reports
from peerpath.moderation.crisis import DEFAULTS, FALLBACK, Line, country_of, lines_for
from peerpath.moderation.models import CrisisResource, QueueItem
from peerpath.moderation.services import moderators_of
from peerpath.moderation.tests.test_actions import (  # noqa: F401 (fake_detectors: autouse)
    CRISIS_TEXT,
    PROMOTION_TEXT,
    Group,
    fake_detectors,
    make_group,
)
from peerpath.screening import detectors
from peerpath.spaces import services as spaces
from peerpath.testing.matrix import LOGIN, check_matrix

pytestmark = pytest.mark.django_db

REAL_DETECTORS = list(detectors.ALL)  # before the fake replaces them


@pytest.fixture
def group(world) -> Group:
    return make_group(world)


def test_a_crisis_post_shows_help_alerts_everyone_and_tops_the_queue(world, client, group,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    start = now()
    with time_machine.travel(start - timedelta(hours=2), tick=False):
        older = group.post(author=group.peers[0], body=PROMOTION_TEXT, title="Magnesium")
    seven_minutes_ago = time_machine.travel(start - timedelta(minutes=7), tick=False)
    with seven_minutes_ago, django_capture_on_commit_callbacks(execute=True):
        outcome = forum.thread_create(author=group.member, space=group.space, title="Tonight", body=CRISIS_TEXT)

    # The writer sees the UK's lines at once, and the post is published (never silently hidden).
    contacts = {line.name: line.contact for line in outcome.crisis_lines}
    assert contacts["Samaritans"] == "116 123" and contacts["NHS 111"] == "111"
    assert contacts["Emergency services"] == "999"
    assert outcome.post.status == Post.Status.PUBLISHED and "not alone" in outcome.message

    # Every moderator of the space and the host's moderators and coordinators: on the site and by e-mail, at once.
    alerted = {world.people["coordinator"], group.space_moderator, world.people["moderator"]}
    notified = set(
        Notification.objects.filter(kind=Notification.Kind.CRISIS, post=outcome.post).values_list("user", flat=True)
    )
    assert notified == {person.pk for person in alerted}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(person.email for person in alerted)
    assert all("URGENT" in message.subject for message in mail.outbox)
    assert all(CRISIS_TEXT not in message.body for message in mail.outbox)

    # The queue: the crisis item first, marked urgent, with its wait; the older ordinary item after it.
    crisis_item = QueueItem.objects.get(post=outcome.post, status="open")
    assert crisis_item.urgent
    client.force_login(group.space_moderator)
    with time_machine.travel(start, tick=False):
        html = client.get(reverse("moderation_queue", kwargs={"space_id": group.space.pk})).content.decode()
        dashboard = client.get(reverse("organisation_queue", kwargs={"organisation_id": world.home.pk}))
    urgent_at = html.index(f'id="item-{crisis_item.pk}"')
    assert urgent_at < html.index(f'id="item-{group.item(older).pk}"')
    card = html[urgent_at : urgent_at + 800]
    assert 'data-urgent="true"' in card and "Urgent" in card and "waiting 7 minutes" in card
    assert dashboard.status_code == 404  # the space moderator is not a coordinator of the host
    client.force_login(world.people["coordinator"])
    with time_machine.travel(start, tick=False):
        board = client.get(reverse("organisation_queue", kwargs={"organisation_id": world.home.pk})).content.decode()
    assert 'data-figure="crisis-waiting">1 (the oldest waiting 7 minutes)</dd>' in board


def test_the_writer_sees_the_crisis_lines_first_on_the_page(client, group):
    client.force_login(group.member)
    response = client.post(
        reverse("thread_create", kwargs={"space_id": group.space.pk}), {"title": "Tonight", "body": CRISIS_TEXT}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "116 123" in html and "999" in html


RIVERSIDE_LINE = Line("Riverside crisis team", "0300 123 4567", "Any time", "https://riverside.example.org/crisis")


def _contacts(lines: list[Line]) -> list[str]:
    return [line.contact for line in lines]


def _lives_in(user, group: Group, zone: str) -> None:
    """The member tells the space where they live (the only place PeerPath learns it)."""
    spaces.membership_set_preferences(user=user, space=group.space, remind_day_before=True, remind_hour_before=False,
                                      peer_check_in_ok=False, timezone=zone)  # fmt: skip


def test_the_organisations_own_lines_come_before_the_country_defaults(world, group):
    actions.crisis_lines_set(actor=world.people["coordinator"], organisation=world.home, lines=[RIVERSIDE_LINE])
    outcome = forum.thread_create(author=group.member, space=group.space, title="Tonight", body=CRISIS_TEXT)
    # The writer gave no time zone: the host's country (GB), the host's own line first, then the defaults.
    assert _contacts(outcome.crisis_lines) == ["0300 123 4567", *_contacts(list(DEFAULTS["GB"]))]


def test_a_writer_sees_the_lines_of_the_country_they_live_in_first(world, group):
    actions.crisis_lines_set(actor=world.people["coordinator"], organisation=world.home, lines=[RIVERSIDE_LINE])
    # An own line for the United States too (the country column), and one repeating a default number.
    CrisisResource.objects.create(
        organisation=world.home, country="US", name="Riverside US desk", contact="1 800 555 0100"
    )
    CrisisResource.objects.create(organisation=world.home, country="US", name="Lifeline", contact="Call or text 988")
    assert world.home.country == "GB"

    _lives_in(group.member, group, "America/New_York")
    assert country_of(group.member) == "US"
    lines = lines_for(world.home, writer=group.member)
    # The host's own US lines first, then the US defaults; never the host's UK-only line, nor a number twice.
    assert _contacts(lines) == ["1 800 555 0100", "Call or text 988", "911", "Text HOME to 741741"]
    assert "0300 123 4567" not in _contacts(lines) and "999" not in _contacts(lines)

    _lives_in(group.member, group, "Europe/London")
    assert _contacts(lines_for(world.home, writer=group.member)) == ["0300 123 4567", *_contacts(list(DEFAULTS["GB"]))]

    # A country without defaults: the international fallback, and nothing of the host's (it has no lines there).
    _lives_in(group.member, group, "Asia/Tbilisi")
    assert [line.name for line in lines_for(world.home, writer=group.member)] == [
        "Local emergency services", "Find a Helpline",
    ]  # fmt: skip


def test_where_the_writer_lives_is_unknown_the_host_country_is_used(world, group):
    assert country_of(group.member) == "" and country_of(None) == ""
    assert _contacts(lines_for(world.home, writer=group.member)) == _contacts(list(DEFAULTS["GB"]))
    # A time zone that is no one country's, and an old link name for a zone, are read as they should be.
    _lives_in(group.member, group, "UTC")
    assert country_of(group.member) == ""
    assert _contacts(lines_for(world.home, writer=group.member)) == _contacts(list(DEFAULTS["GB"]))
    _lives_in(group.member, group, "US/Eastern")
    assert country_of(group.member) == "US"
    # The organisation's country drives the lines when PeerPath knows nothing of the writer.
    world.home.country = "AU"
    assert _contacts(lines_for(world.home)) == _contacts(list(DEFAULTS["AU"]))
    assert lines_for(None) == list(FALLBACK)  # no organisation, no country: the international directory


# --- Every alerted person can open the alert, whatever the listing status -----------------------------------------

UNVETTED = [Listing.Status.SUBMITTED, Listing.Status.IN_REVIEW, Listing.Status.DELISTED]


def _unvet(group: Group, status: str) -> None:
    """The space's listing goes back to review or is delisted (set directly: each status, without its workflow)."""
    Listing.objects.filter(pk=group.space.listing_id).update(status=status)


@pytest.mark.parametrize("status", UNVETTED)
def test_every_person_alerted_to_a_crisis_can_open_the_alert_whatever_the_listing_status(
    world, client, group, status, django_capture_on_commit_callbacks
):
    _unvet(group, status)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = forum.thread_create(author=group.member, space=group.space, title="Tonight", body=CRISIS_TEXT)
    recipients = [person for person in moderators_of(group.space) if person.pk != group.member.pk]
    # The host's moderator is the one a listing that is not vetted used to lock out.
    assert {world.people["moderator"], world.people["coordinator"], group.space_moderator} <= set(recipients)
    mails = {message.to[0]: message.body for message in mail.outbox}
    assert set(mails) == {person.email for person in recipients}
    for person in recipients:
        client.force_login(person)
        # The alert on the site: every link of it goes through the alert's own address (followed below to the
        # crisis item), none straight to the thread (issue 15 point 9).
        page = client.get(reverse("my_notifications")).content.decode()
        alerts = Notification.objects.filter(user=person, post=outcome.post, kind=Notification.Kind.CRISIS)
        assert alerts.exists(), person.handle
        for alert in alerts:
            assert reverse("crisis_alert_open", kwargs={"notification_id": alert.pk}) in page, person.handle
        assert f"#post-{outcome.post.pk}" not in page, person.handle
        # The alert by e-mail opens the crisis item itself (issue 15 point 9), not the thread or the queue.
        crisis_item = QueueItem.objects.get(post=outcome.post, status="open")
        [address] = re.findall(r"https?://\S+/moderation/crisis/\S+/", mails[person.email])
        assert urlsplit(address).path == reverse("crisis_item", kwargs={"item_id": crisis_item.pk})
        opened = client.get(urlsplit(address).path)
        assert opened.status_code == 200, (person.handle, address)
        assert "Record what happened" in opened.content.decode()
        # The alert on the site opens the crisis item too, through its own address.
        for alert in Notification.objects.filter(user=person, post=outcome.post, kind=Notification.Kind.CRISIS):
            landed = client.get(reverse("crisis_alert_open", kwargs={"notification_id": alert.pk}), follow=True)
            assert landed.status_code == 200 and landed.redirect_chain[-1][0] == urlsplit(address).path


@pytest.mark.parametrize("status", UNVETTED)
def test_a_space_that_is_not_vetted_stays_closed_to_everyone_else(world, client, group, status):
    post = group.post(body=CRISIS_TEXT)
    _unvet(group, status)
    queue = reverse("moderation_queue", kwargs={"space_id": group.space.pk})
    thread = reverse("thread_detail", kwargs={"space_id": group.space.pk, "thread_id": post.thread_id})
    staff = {"space_moderator": 200, "moderator": 200, "coordinator": 200, "admin": 200}
    others = {"anonymous": LOGIN, "carer": 404, "peer_supporter": 404, "clinician": 404, "outsider": 404}
    check_matrix(client, world, url=queue, expect={**others, **staff, "member": 404, "listener": 404})
    others["anonymous"] = 404  # the forum's pages do not ask a visitor to sign in
    check_matrix(client, world, url=thread, expect={**others, **staff, "member": 200, "listener": 200})


def test_a_crisis_report_from_a_member_is_urgent_too(world, group, django_capture_on_commit_callbacks):

    post = group.post(author=group.peers[0], body="Not sure I can keep going with all this.")
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_create(reporter=group.member, post=post, reason="crisis", note="Worried about them")
    item = group.item(post)
    assert item.urgent and item.category == "crisis"
    assert Notification.objects.filter(kind=Notification.Kind.CRISIS, post=post).count() == 3
    assert len(mail.outbox) == 3


@pytest.mark.skipif(not REAL_DETECTORS, reason="the real detectors are not written yet")
def test_the_real_detectors_put_a_crisis_post_at_the_top_of_the_queue(monkeypatch, group):
    monkeypatch.setattr(detectors, "ALL", REAL_DETECTORS)
    outcome = forum.thread_create(
        author=group.member, space=group.space, title="Goodbye",
        body="I have saved up my pills and tonight I am going to take them all. This is my last post.",
    )  # fmt: skip
    assert outcome.is_crisis
    assert QueueItem.objects.get(post=outcome.post, status="open").urgent


def test_one_refused_address_does_not_keep_the_crisis_alert_from_the_others(
    world, group, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    import smtplib

    from peerpath.moderation import notifications

    real_send = notifications.send_mail
    refused = world.people["coordinator"].email

    def send(*, recipient_list, **kwargs):
        if recipient_list == [refused]:
            raise smtplib.SMTPRecipientsRefused({refused: (550, b"mailbox unavailable")})
        return real_send(recipient_list=recipient_list, **kwargs)

    monkeypatch.setattr(notifications, "send_mail", send)
    with django_capture_on_commit_callbacks(execute=True):
        forum.thread_create(author=group.member, space=group.space, title="Tonight", body=CRISIS_TEXT)
    others = {person.email for person in moderators_of(group.space)} - {refused, group.member.email}
    assert others and {message.to[0] for message in mail.outbox} == others
    assert "SMTPRecipientsRefused" in caplog.text and refused not in caplog.text
