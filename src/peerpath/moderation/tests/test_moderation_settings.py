"""A space's rules and screening choices (issue 6 points 7-8, 10), shown on joining and on the space's page; an
organisation's crisis lines (point 9)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.audit.models import AuditEvent
from peerpath.forum.models import Post
from peerpath.moderation.crisis import lines_for
from peerpath.moderation.models import CrisisResource, QueueItem, SpacePolicy
from peerpath.moderation.tests.test_actions import (  # noqa: F401 (fake_detectors: autouse)
    CRISIS_TEXT,
    MYTH_TEXT,
    Group,
    fake_detectors,
    make_group,
)
from peerpath.spaces.tests.helpers import join
from peerpath.testing.matrix import LOGIN, ORG_MANAGERS_ONLY, check_matrix
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(world) -> Group:
    return make_group(world)


def settings_url(group: Group) -> str:
    return reverse("moderation_settings", kwargs={"space_id": group.space.pk})


def lines_url(world) -> str:
    return reverse("crisis_lines", kwargs={"organisation_id": world.home.pk})


SETTINGS = {
    "decision_crisis": "flag",
    "decision_medical_instructions": "hold",
    "decision_promotion": "refuse",
    "decision_misinformation": "hold",
    "decision_personal_data": "hold",
    "rule_templates": ["no_medical_advice", "be_kind"],
    "own_rules": "No photos of prescriptions.\nUse content warnings for self-harm.",
}


def test_settings_permission_matrix(world, client, group):
    expect = {
        "anonymous": LOGIN, "member": 404, "listener": 404, "carer": 404, "peer_supporter": 404, "clinician": 404,
        "outsider": 404, "space_moderator": 200, "moderator": 200, "coordinator": 200, "admin": 200,
    }  # fmt: skip
    check_matrix(client, world, url=settings_url(group), expect=expect)
    post_expect = {persona: 400 if outcome == 200 else outcome for persona, outcome in expect.items()}
    check_matrix(client, world, url=settings_url(group), method="post", data={**SETTINGS, "decision_crisis": "x"},
                 expect=post_expect)  # fmt: skip
    assert not SpacePolicy.objects.exists()


def test_crisis_lines_permission_matrix(world, client, group):
    check_matrix(client, world, url=lines_url(world), expect={**ORG_MANAGERS_ONLY, "listener": 404,
                                                              "space_moderator": 404})  # fmt: skip


def test_a_moderator_chooses_rules_and_decisions_and_they_apply(client, group):
    client.force_login(group.space_moderator)
    response = client.post(settings_url(group), SETTINGS)
    assert response.status_code == 302
    policy = SpacePolicy.objects.get(space=group.space)
    assert policy.rule_templates == ["no_medical_advice", "be_kind"]
    assert policy.decisions["promotion"] == "refuse" and policy.decisions["misinformation"] == "hold"
    assert AuditEvent.objects.filter(action="moderation.policy_changed", actor=group.space_moderator).exists()

    held = group.post(author=group.peers[0], body=MYTH_TEXT)
    assert held.status == Post.Status.HELD  # misinformation is now held, not published and flagged
    page = client.get(settings_url(group)).content.decode()
    assert "No photos of prescriptions." in page


def test_crisis_cannot_be_set_to_refuse_and_the_form_says_why(client, group):
    client.force_login(group.organiser)
    page = client.get(settings_url(group)).content.decode()
    assert "never refused or hidden unseen" in page
    assert 'name="decision_crisis" value="refuse"' not in page
    refused = client.post(settings_url(group), {**SETTINGS, "decision_crisis": "refuse"})
    assert refused.status_code == 400
    assert "A post that may be from someone in crisis is never refused" in refused.content.decode()
    assert not SpacePolicy.objects.exists()


def test_holding_first_posts_puts_a_new_members_first_post_in_the_queue(client, group):
    client.force_login(group.organiser)
    client.post(settings_url(group), {**SETTINGS, "hold_first_posts": "on"})
    newcomer = make_user("newcomer")
    join(newcomer, group.space)
    from peerpath.forum.tests.helpers import settle

    settle(group.space)
    post = group.post(author=newcomer, body="Hello everyone, glad to be here.")
    assert post.status == Post.Status.HELD
    assert QueueItem.objects.get(post=post, status="open").source == QueueItem.Source.FIRST_POST


def test_the_published_rules_show_on_the_join_page_and_the_space_page(client, group):
    client.force_login(group.organiser)
    client.post(settings_url(group), SETTINGS)
    outsider = make_user("visitor")
    client.force_login(outsider)
    for name in ("space_join", "space_detail"):
        html = client.get(reverse(name, kwargs={"space_id": group.space.pk})).content.decode()
        assert "No medical advice." in html and "Be kind, no pile-ons." in html, name
        assert "Use content warnings for self-harm." in html
        assert "No product promotion or sales." not in html


def test_a_coordinator_sets_the_organisations_crisis_lines_and_can_go_back_to_the_defaults(world, client, group):
    client.force_login(world.people["coordinator"])
    page = client.get(lines_url(world)).content.decode()
    assert "Samaritans" in page and "116 123" in page
    form = {
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "10",
        "lines-0-name": "Riverside crisis team", "lines-0-contact": "0300 123 4567", "lines-0-detail": "Any time",
        "lines-0-url": "https://riverside.example.org/crisis", "lines-1-name": "", "lines-1-contact": "",
    }  # fmt: skip
    half = {**form, "lines-1-name": "No number"}
    refused = client.post(lines_url(world), half)
    assert refused.status_code == 400 and "both a name and a number" in refused.content.decode()
    assert not CrisisResource.objects.filter(organisation=world.home).exists()

    assert client.post(lines_url(world), form).status_code == 302
    # The writers of its country see the organisation's own line first, then the country's defaults (issue 15).
    assert [line.contact for line in lines_for(world.home)] == ["0300 123 4567", "999", "116 123", "111",
                                                                "Text SHOUT to 85258"]  # fmt: skip
    page = client.get(lines_url(world)).content.decode()
    assert "Riverside crisis team" in page and "before the defaults" in page

    cleared = {**form, "lines-0-name": "", "lines-0-contact": "", "lines-0-detail": "", "lines-0-url": ""}
    assert client.post(lines_url(world), cleared).status_code == 302
    assert "116 123" in [line.contact for line in lines_for(world.home)]
    assert "0300 123 4567" not in [line.contact for line in lines_for(world.home)]


def test_crisis_text_still_shows_default_lines_without_own_lines(group):
    from peerpath.forum import services as forum

    outcome = forum.thread_create(author=group.member, space=group.space, title="Tonight", body=CRISIS_TEXT)
    assert "Samaritans" in [line.name for line in outcome.crisis_lines]
