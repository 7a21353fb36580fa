"""Fact notes (issue 6 point 11; seed 003: groups correct misinformation in the open): a moderator of the space or a
clinician of the host adds a visible correction under a post instead of deleting it; the author is told; everyone
who can see the post sees the note."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.core.errors import DomainError, PermissionDenied
from peerpath.forum.models import Notification, Post
from peerpath.moderation import actions
from peerpath.moderation.models import Action, FactNote, QueueItem
from peerpath.moderation.tests.test_actions import (  # noqa: F401 (fake_detectors: autouse)
    MYTH_DETAIL,
    MYTH_TEXT,
    Group,
    fake_detectors,
    make_group,
)
from peerpath.testing.matrix import LOGIN, check_matrix

pytestmark = pytest.mark.django_db

NOTE = {
    "what_is_wrong": "Cinnamon does not cure diabetes.",
    "what_is_known": "No food cures type 2 diabetes. Keep taking your treatment and talk to your team.",
    "source_url": "https://www.nhs.uk/conditions/type-2-diabetes/",
    "source_title": "NHS: Type 2 diabetes",
}


@pytest.fixture
def group(world) -> Group:
    return make_group(world)


@pytest.fixture
def myth(group) -> Post:
    return group.post(author=group.peers[0], body=MYTH_TEXT)


def note_url(post: Post) -> str:
    return reverse("post_fact_note", kwargs={"post_id": post.pk})


def thread_url(post: Post) -> str:
    return reverse("thread_detail", kwargs={"space_id": post.thread.space_id, "thread_id": post.thread_id})


NOTE_FORM = {
    "anonymous": LOGIN,
    "member": 404,
    "listener": 404,
    "carer": 404,
    "peer_supporter": 404,
    "outsider": 404,
    "clinician": 404,  # a clinician of the host, before a moderator escalates the post
    "space_moderator": 200,
    "moderator": 200,
    "coordinator": 200,
    "admin": 200,
}


def test_fact_note_form_permission_matrix(world, client, group, myth):
    check_matrix(client, world, url=note_url(myth), expect=NOTE_FORM)


def test_once_escalated_the_hosts_clinician_reaches_the_form(world, client, group, myth):
    actions.item_escalate(actor=group.space_moderator, item=group.item(myth), reason="Please look")
    check_matrix(client, world, url=note_url(myth), expect={**NOTE_FORM, "clinician": 200})


def test_a_moderator_adds_a_note_that_everyone_who_sees_the_post_sees(client, group, myth):
    client.force_login(group.space_moderator)
    form = client.get(note_url(myth)).content.decode()
    assert MYTH_DETAIL["correction"] in form  # screening's correction, to start from

    refused = client.post(note_url(myth), {**NOTE, "source_url": "http://example.org/cinnamon"})
    assert refused.status_code == 400
    assert "Give the source as an https:// address." in refused.content.decode()
    assert not FactNote.objects.exists()

    response = client.post(note_url(myth), NOTE)
    assert response.status_code == 302 and response["Location"] == thread_url(myth)
    note = FactNote.objects.get(post=myth)
    assert note.author_role == "moderator"
    told = Notification.objects.get(user=group.peers[0], kind=Notification.Kind.FACT_NOTE)
    assert told.post == myth
    assert Action.objects.filter(post=myth, kind=Action.Kind.FACT_NOTE).exists()

    client.force_login(group.peers[1])
    html = client.get(thread_url(myth)).content.decode()
    assert "Cinnamon does not cure diabetes." in html and NOTE["source_url"] in html
    assert f"Moderator {group.space_moderator.handle}" in html
    assert MYTH_TEXT in html  # corrected in the open, not deleted


def test_a_clinician_adds_a_note_to_an_escalated_post_and_it_leaves_their_list(world, client, group, myth):
    clinician = world.people["clinician"]
    escalated = actions.item_escalate(actor=group.space_moderator, item=group.item(myth), reason="Please look")
    client.force_login(clinician)
    response = client.post(note_url(myth), NOTE)
    assert response.status_code == 302 and response["Location"] == reverse("escalated_posts")
    note = FactNote.objects.get(post=myth)
    assert note.author_role == "clinician" and note.author == clinician
    escalated.refresh_from_db()
    assert escalated.status == QueueItem.Status.RESOLVED and escalated.first_action_at is not None
    assert MYTH_TEXT not in client.get(reverse("escalated_posts")).content.decode()

    client.force_login(group.member)
    assert f"Clinician {clinician.handle}" in client.get(thread_url(myth)).content.decode()


def test_the_service_refuses_people_who_neither_moderate_nor_are_the_hosts_clinicians(world, group, myth):
    data = actions.FactNoteData(**NOTE)
    for person in (group.peers[1], group.listener, world.people["outsider"], world.people["peer_supporter"]):
        with pytest.raises(PermissionDenied):
            actions.fact_note_add(actor=person, post=myth, data=data)
    with pytest.raises(DomainError, match="what is known"):
        actions.fact_note_add(
            actor=group.organiser, post=myth, data=actions.FactNoteData(**{**NOTE, "what_is_known": ""})
        )
    assert actions.fact_note_add(actor=group.organiser, post=myth, data=data).author_role == "moderator"


def test_a_fact_note_on_a_hidden_post_is_seen_only_by_those_who_see_the_post(client, group, myth):
    actions.fact_note_add(actor=group.organiser, post=myth, data=actions.FactNoteData(**NOTE))
    actions.item_hide(actor=group.organiser, item=group.item(myth), reason="False claim")
    client.force_login(group.peers[1])
    assert "Cinnamon does not cure diabetes." not in client.get(thread_url(myth)).content.decode()
    client.force_login(group.peers[0])  # the author still sees their post and the note on it
    assert "Cinnamon does not cure diabetes." in client.get(thread_url(myth)).content.decode()
