"""The messages pages: who reaches them (the permission matrix), what a non-participant gets (a 404, audited), and
writing from the page: a reply, a refused one, the personal-data question, and a crisis message with the help lines
at the top for the writer only."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from peerpath.audit.models import AuditEvent
from peerpath.messages.models import Conversation, Message
from peerpath.messages.tests.helpers import CRISIS_TEXT, PHONE_TEXT, send, supporter_conversation
from peerpath.testing.matrix import LOGIN, check_matrix
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db

LIST = "/messages/"
HELP_BOX = 'data-testid="crisis-support"'
ASKED = 'data-testid="personal-data-check"'


@pytest.fixture
def conversation(world) -> Conversation:
    return supporter_conversation(world)


def _url(conversation: Conversation) -> str:
    return reverse("conversation_detail", kwargs={"conversation_id": conversation.pk})


def _page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_list_is_everyones_own(client, world, conversation):
    assert reverse("conversation_list") == LIST
    check_matrix(client, world, url=LIST, expect={
        "anonymous": LOGIN, "member": 200, "carer": 200, "peer_supporter": 200, "moderator": 200, "clinician": 200,
        "coordinator": 200, "admin": 200, "outsider": 200,
    })  # fmt: skip
    assert "Diabetes coaching" in _page(client, world.people["member"], LIST)
    page = _page(client, world.people["coordinator"], LIST)
    assert "Diabetes coaching" not in page and "no private conversations yet" in page


def test_a_conversation_is_for_its_participants_only(client, world, conversation):
    check_matrix(client, world, url=_url(conversation), expect={
        "anonymous": LOGIN, "member": 200, "carer": 404, "peer_supporter": 200, "moderator": 404, "clinician": 404,
        "coordinator": 404, "admin": 404, "outsider": 404,
    })  # fmt: skip
    check_matrix(client, world, url=_url(conversation), method="post", data={"body": "Hello"}, expect={
        "anonymous": LOGIN, "member": 302, "carer": 404, "peer_supporter": 302, "moderator": 404, "clinician": 404,
        "coordinator": 404, "admin": 404, "outsider": 404,
    })  # fmt: skip
    assert Message.objects.count() == 2  # the two participants' replies, no one else's


def test_a_non_participant_gets_the_same_404_as_for_a_missing_conversation_and_it_is_audited(
    client, world, conversation
):
    send(world.people["member"], conversation, "Only for my supporter.")
    coordinator = world.people["coordinator"]
    client.force_login(coordinator)
    refused = client.get(_url(conversation))
    missing = client.get("/messages/00000000-0000-0000-0000-000000000001/")
    assert refused.status_code == missing.status_code == 404
    assert "Only for my supporter." not in refused.content.decode()
    assert AuditEvent.objects.filter(action="access.denied", actor=coordinator, outcome="denied",
                                     object_type="conversations.conversation",
                                     object_id=str(conversation.pk)).exists()  # fmt: skip
    assert not AuditEvent.objects.filter(action="conversation.viewed", actor=coordinator).exists()


def test_reading_a_conversation_with_a_patient_is_recorded_as_a_read_of_patient_data(client, world, conversation):
    _page(client, world.people["peer_supporter"], _url(conversation))
    assert AuditEvent.objects.filter(action="conversation.viewed", actor=world.people["peer_supporter"],
                                     object_id=str(conversation.pk), organisation=world.home).exists()  # fmt: skip


def test_a_reply_is_shown_escaped_and_the_other_side_sees_it_unread(client, world, conversation):
    client.force_login(world.people["member"])
    response = client.post(_url(conversation), {"body": "Thanks!\n<script>alert(1)</script>"})
    message = Message.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#message-{message.pk}")
    raw = client.get(_url(conversation)).content.decode()
    assert "<script>alert(1)</script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "Message sent." in html.unescape(raw)
    listing = _page(client, world.people["peer_supporter"], LIST)
    assert "1 unread" in listing
    _page(client, world.people["peer_supporter"], _url(conversation))  # reading it
    assert "1 unread" not in _page(client, world.people["peer_supporter"], LIST)


@pytest.mark.parametrize(
    ("body", "words"),
    [("", "Write a message first."), ("z" * 4001, "Keep it to 4,000 characters at most."),
     ("a\x00b", "Remove the null character")],
    ids=["empty", "too-long", "nul"],
)  # fmt: skip
def test_a_refused_message_says_why_on_the_page_and_nothing_is_saved(client, world, conversation, body, words):
    client.force_login(world.people["member"])
    response = client.post(_url(conversation), {"body": body})
    page = html.unescape(response.content.decode())
    assert response.status_code == 400 and words in page and 'class="nhsuk-error-summary"' in page
    assert not Message.objects.exists()


def test_personal_data_asks_on_the_page_and_send_anyway_sends_it(client, world, conversation):
    client.force_login(world.people["member"])
    response = client.post(_url(conversation), {"body": PHONE_TEXT})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and ASKED in page and "a phone number" in page and "Send anyway" in page
    assert page.count("07700 900123") == 1  # the text intact in the form, and named only by its kind elsewhere
    assert not Message.objects.exists()
    response = client.post(_url(conversation), {"body": PHONE_TEXT, "confirm_personal_data": "1"})
    assert response.status_code == 302 and Message.objects.get().body == PHONE_TEXT


def test_a_crisis_message_shows_the_writer_the_help_lines_at_the_top_and_alerts_once(
    client, world, conversation, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(world.people["member"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(conversation), {"body": CRISIS_TEXT})
    assert response.status_code == 302 and response["Location"].endswith("#crisis-support")
    page = _page(client, world.people["member"], _url(conversation))
    assert HELP_BOX in page and "tel:" in page and "a person who can help has been asked to look" in page
    assert page.index(HELP_BOX) < page.index("<h2>Messages</h2>")  # at the top, before the conversation
    assert CRISIS_TEXT in page  # delivered: in the conversation
    assert sorted(address for mail in mailoutbox for address in mail.to) == sorted(
        [world.people["peer_supporter"].email, world.people["coordinator"].email]
    )
    assert all(CRISIS_TEXT not in mail.body for mail in mailoutbox)
    supporters_page = _page(client, world.people["peer_supporter"], _url(conversation))
    assert HELP_BOX not in supporters_page and CRISIS_TEXT in supporters_page


def test_the_menu_links_to_messages_for_people_with_a_conversation(client, world, conversation):
    link = f'href="{LIST}"'
    assert link in _page(client, world.people["member"], "/settings/")
    assert link in _page(client, world.people["peer_supporter"], "/settings/")
    assert link not in _page(client, world.people["carer"], "/settings/")


def test_unread_conversations_come_first(client, world, conversation):
    member = world.people["member"]
    other = supporter_conversation(world, supporter=make_user("second-supporter"), subject="Walking group buddy")
    send(world.people["peer_supporter"], conversation, "How are you getting on?")  # unread for the member
    send(member, other, "See you at the walk.")  # more recent, but nothing unread
    page = _page(client, member, LIST)
    assert page.index("Diabetes coaching") < page.index("Walking group buddy")


def test_pages_have_one_main_heading_and_a_labelled_reply_box(client, world, conversation):
    for url in (LIST, _url(conversation)):
        page = _page(client, world.people["member"], url)
        assert len(re.findall(r"<h1[ >]", page)) == 1, url
    page = _page(client, world.people["member"], _url(conversation))
    assert re.search(r'<label class="nhsuk-label" for="id_body">Your message</label>', page)
