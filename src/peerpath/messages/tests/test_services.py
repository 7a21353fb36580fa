"""Private conversations through their services: who may write, what is refused, and how a message is screened as
a post is (crisis first: delivered, help lines for the writer, the supporter and coordinators alerted once without
the text; personal data only once confirmed; the rest delivered and flagged for a coordinator)."""

from __future__ import annotations

import contextlib

import pytest
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import DomainError, PermissionDenied
from peerpath.forum.tests.safety import MEDICAL_TEXT, MYTH_TEXT, PROMOTION_TEXT, FakeDetector
from peerpath.messages import notifications, selectors, services
from peerpath.messages.access import access_conversation
from peerpath.messages.models import Conversation, Message, Participant
from peerpath.messages.tests.helpers import CRISIS_TEXT, PHONE_TEXT, PLAIN_TEXT, send, supporter_conversation
from peerpath.moderation.models import MisinformationClaim
from peerpath.testing.personas import PERSONA_ROLES, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(world) -> Conversation:
    return supporter_conversation(world)


def _unread(user) -> dict[str, int]:
    return {str(row.conversation.pk): row.unread for row in selectors.conversations_for(user)}


def test_the_other_participant_sees_new_messages_unread_until_they_read_them(world, conversation):
    supporter, member = world.people["peer_supporter"], world.people["member"]
    send(supporter, conversation, "How did the first week on the new pen go?")
    send(supporter, conversation, "No rush to answer.")
    assert _unread(member) == {str(conversation.pk): 2}
    assert _unread(supporter) == {str(conversation.pk): 0}  # one's own messages are read
    assert services.conversation_read(user=member, conversation=conversation) == 2
    assert _unread(member) == {str(conversation.pk): 0}
    assert AuditEvent.objects.filter(action="conversations.read", actor=member, details__messages=2).exists()
    send(member, conversation, "Better than I feared, thank you.")
    assert _unread(supporter) == {str(conversation.pk): 1} and _unread(member) == {str(conversation.pk): 0}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("", "Write a message first"),
        ("   \n ", "Write a message first"),
        ("x" * 4001, "4,000 characters"),
        ("Hello\x00there", "null character"),
    ],
    ids=["empty", "blank", "too-long", "nul"],
)
def test_bad_text_is_refused_naming_the_body_and_nothing_is_saved(world, conversation, body, words):
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        send(world.people["member"], conversation, body)
    assert refused.value.field == "body" and words in refused.value.message
    assert not Message.objects.exists() and AuditEvent.objects.count() == events
    assert Conversation.objects.get(pk=conversation.pk).last_message_at is None


def test_exactly_4000_characters_is_a_message(world, conversation):
    assert send(world.people["member"], conversation, "y" * 4000).message.body == "y" * 4000


def test_only_a_current_participant_writes(world, conversation):
    for persona in ("carer", "coordinator", "outsider"):
        with pytest.raises(PermissionDenied):
            send(world.people[persona], conversation)
    member = world.people["member"]
    services.participant_leave(actor=member, conversation=conversation, user=member)
    with pytest.raises(PermissionDenied):
        send(member, conversation)
    with pytest.raises(Http404):
        access_conversation(member, conversation.pk)
    assert selectors.conversations_for(member) == [] and not selectors.has_conversations(member)
    assert not Message.objects.exists()


def test_a_crisis_message_is_delivered_with_help_lines_and_alerts_the_supporter_and_coordinator_once(
    world, conversation, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = send(world.people["member"], conversation, CRISIS_TEXT)
    message = Message.objects.get()
    assert outcome.is_crisis and message.crisis and not message.held and message.flagged
    assert message.categories == ["crisis"] and message.decision == "flag"
    assert outcome.crisis_lines and outcome.someone_told and message.alert_recipients == 2
    assert any(link.href.startswith("tel:") for line in outcome.crisis_lines for link in line.links)
    recipients = sorted(address for mail in mailoutbox for address in mail.to)
    assert recipients == sorted([world.people["peer_supporter"].email, world.people["coordinator"].email])
    for mail in mailoutbox:
        assert mail.subject.startswith("[PeerPath] URGENT")
        assert "end it all" not in mail.body and "tonight" not in mail.body and "Diabetes coaching" not in mail.body
    to_supporter = next(mail for mail in mailoutbox if mail.to == [world.people["peer_supporter"].email])
    assert f"/messages/{conversation.pk}/" in to_supporter.body
    to_coordinator = next(mail for mail in mailoutbox if mail.to == [world.people["coordinator"].email])
    assert "peer-supporter" in to_coordinator.body and "/messages/" not in to_coordinator.body
    # Once: the task run again (a retry) sends nothing more.
    assert notifications.crisis_alert(str(message.pk)) == 0 and len(mailoutbox) == 2
    assert AuditEvent.objects.filter(action="conversations.crisis_alerted", details__people=2).exists()
    assert AuditEvent.objects.filter(action="notification.sent", details__kind="message_crisis_alert",
                                     details__count=2).exists()  # fmt: skip
    assert _unread(world.people["peer_supporter"]) == {str(conversation.pk): 1}  # delivered


def test_a_supporter_in_crisis_is_not_alerted_about_themselves(
    world, conversation, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(world.people["peer_supporter"], conversation, CRISIS_TEXT)
    assert [mail.to for mail in mailoutbox] == [[world.people["coordinator"].email]]


def test_a_crisis_message_is_not_delayed_by_the_personal_data_question(
    world, conversation, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = send(world.people["member"], conversation, f"{CRISIS_TEXT} {PHONE_TEXT}")
    assert outcome.is_crisis and not outcome.message.held
    assert outcome.message.categories[0] == "crisis" and "personal_data" in outcome.message.categories
    assert len(mailoutbox) == 2


def test_a_crisis_message_cannot_be_held_even_by_hand(world, conversation):
    message = send(world.people["member"], conversation, CRISIS_TEXT).message
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.filter(pk=message.pk).update(held=True)


def test_personal_data_asks_first_and_is_sent_once_the_writer_confirms(world, conversation):
    member = world.people["member"]
    with pytest.raises(services.PersonalDataFound) as asked:
        send(member, conversation, PHONE_TEXT)
    assert asked.value.kinds == ["a phone number"] and asked.value.field == "body"
    assert "07700" not in asked.value.message
    assert not Message.objects.exists()
    message = send(member, conversation, PHONE_TEXT, confirm_personal_data=True).message
    assert message.categories == ["personal_data"] and not message.held and not message.flagged


@pytest.mark.parametrize(
    ("body", "category"),
    [(PROMOTION_TEXT, "promotion"), (MYTH_TEXT, "misinformation"), (MEDICAL_TEXT, "medical_instructions")],
)
def test_promotion_misinformation_and_medical_instructions_are_delivered_and_flagged(
    world, conversation, monkeypatch, body, category
):
    monkeypatch.setattr("peerpath.screening.detectors.ALL", [FakeDetector()])
    outcome = send(world.people["peer_supporter"], conversation, body)
    message = Message.objects.get()
    assert not outcome.is_crisis and not message.held and message.flagged and message.categories == [category]
    assert _unread(world.people["member"]) == {str(conversation.pk): 1}
    assert AuditEvent.objects.filter(action="conversations.message_sent", details__categories=[category]).exists()


def test_screening_knows_the_curated_claims(world, conversation):
    MisinformationClaim.objects.create(
        claim="Cinnamon cures diabetes", phrases=["cinnamon cures diabetes"], correction="It does not.",
        source_url="https://example.org/cinnamon",
    )  # fmt: skip
    message = send(world.people["member"], conversation, "My aunt swears cinnamon cures diabetes completely.").message
    assert "misinformation" in message.categories and message.flagged


def test_a_plain_message_is_delivered_unflagged_and_audited_without_its_text(world, conversation):
    message = send(world.people["member"], conversation).message
    assert (message.decision, message.categories, message.flagged, message.held) == ("", [], False, False)
    event = AuditEvent.objects.get(action="conversations.message_sent")
    assert PLAIN_TEXT not in str(event.details)


def test_starting_a_conversation_checks_its_people_and_subject(world):
    supporter, member = world.people["peer_supporter"], world.people["member"]
    start = services.conversation_start
    cases = [
        ({"participants": [(supporter, "supporter"), (member, "supporter")]}, "participants"),
        ({"participants": [(supporter, "supporter"), (supporter, "patient")]}, "participants"),
        ({"participants": [(supporter, "supporter")]}, "participants"),
        ({"kind": "group"}, "kind"),
        ({"kind": "buddy"}, "participants"),  # a buddy pair is a member and a mentor, not a supporter and a patient
        ({"subject": "x" * 121}, "subject"),
        ({"subject": "a\x00b"}, "subject"),
    ]
    for change, field in cases:
        arguments = {"actor": supporter, "organisation": world.home, "kind": "supporter", "subject": "",
                     "participants": [(supporter, "supporter"), (member, "patient")], **change}  # fmt: skip
        with pytest.raises(DomainError) as refused:
            start(**arguments)
        assert refused.value.field == field, change
    assert not Conversation.objects.exists()
    made = supporter_conversation(world)
    assert sorted(made.participants.values_list("role", flat=True)) == ["patient", "supporter"]
    assert AuditEvent.objects.filter(action="conversations.started", object_id=str(made.pk), actor=supporter).exists()


def test_the_list_agrees_with_the_gate_for_every_persona(world):
    first = supporter_conversation(world)
    second = supporter_conversation(world, patient=world.people["carer"], subject="")
    make_user("someone-else")
    everyone = [first, second]
    for persona in PERSONA_ROLES:
        user = world.people[persona]
        listed = {row.conversation.pk for row in selectors.conversations_for(user)}
        allowed = set()
        for conversation in everyone:
            with contextlib.suppress(Http404):
                allowed.add(access_conversation(user, conversation.pk).pk)
        assert listed == allowed, persona
    assert {row.conversation.pk for row in selectors.conversations_for(world.people["peer_supporter"])} == {
        first.pk,
        second.pk,
    }


def test_the_list_costs_the_same_however_many_conversations(world, django_assert_num_queries):
    supporter = world.people["peer_supporter"]
    conversation = supporter_conversation(world)
    send(world.people["member"], conversation)
    with CaptureQueriesContext(connection) as one:
        assert len(selectors.conversations_for(supporter)) == 1
    for index in range(4):
        other = supporter_conversation(world, patient=make_user(f"patient-{index}"), subject="")
        send(other.participants.get(role=Participant.Role.PATIENT).user, other)
    with django_assert_num_queries(len(one.captured_queries)):
        rows = selectors.conversations_for(supporter)
        assert [row.unread for row in rows] == [1] * 5
        assert all(len(row.others) == 1 and row.others[0].user.handle for row in rows)
