"""A moderator teaches screening a known false claim from a post in their queue (issue 15 point 3): "this restates
claim X" adds the post's words to X's phrases, "new claim" adds one; either keeps the post as a labelled example of
misinformation and is audited. The space's moderators reach it; everyone else gets the queue's 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.audit.models import AuditEvent
from peerpath.moderation.models import LabelledExample, MisinformationClaim, QueueItem
from peerpath.moderation.selectors import claim_rules
from peerpath.moderation.tests.test_actions import (  # noqa: F401 (fake_detectors: autouse)
    MYTH_TEXT,
    Group,
    fake_detectors,
    make_group,
)
from peerpath.moderation.tests.test_queue_pages import SPACE_MODERATORS
from peerpath.screening.core import Context
from peerpath.screening.detectors import misinformation
from peerpath.testing.matrix import check_matrix

LATER_POST = "My aunt swears a teaspoon of okra water every morning cures diabetes for good."


@pytest.fixture
def group(world) -> Group:
    return make_group(world)


@pytest.fixture
def item(group) -> QueueItem:
    return group.item(group.post(body=MYTH_TEXT))


@pytest.fixture
def okra(db) -> MisinformationClaim:
    return MisinformationClaim.objects.create(
        claim="Okra cures diabetes", phrases=["okra cures diabetes"],
        correction="No food cures diabetes.", source_url="https://www.diabetes.org.uk/",
    )  # fmt: skip


def url(group: Group, item: QueueItem) -> str:
    return reverse("claim_from_item", kwargs={"space_id": group.space.pk, "item_id": item.pk})


def matches(text: str) -> list[str]:
    findings = misinformation.DETECTOR.detect(text, Context(claims=claim_rules()))
    return [finding.detail.get("claim", "") for finding in findings if finding.confidence >= 0.5]


def test_claim_from_item_permission_matrix(world, client, group, item):
    check_matrix(client, world, url=url(group, item), expect=SPACE_MODERATORS)
    # A choice the forms refuse: those who pass the gate get 400 and nothing changes.
    expect = {persona: 400 if outcome == 200 else outcome for persona, outcome in SPACE_MODERATORS.items()}
    before = MisinformationClaim.objects.count()
    check_matrix(client, world, url=url(group, item), method="post", data={"action": "restates"}, expect=expect)
    assert MisinformationClaim.objects.count() == before and not LabelledExample.objects.exists()


def test_the_page_offers_the_words_screening_matched_else_the_first_sentence(client, group, item):
    client.force_login(group.space_moderator)
    page = client.get(url(group, item)).content.decode()
    assert 'name="phrase" value="cinnamon cures"' in page  # the misinformation finding's evidence
    assert "It restates a claim on the list" in page and "It is a new claim" in page

    other = group.item(group.post(body="My shop sells magnesium. Use discount code PAIN20!", title="Shop"))
    page = client.get(url(group, other)).content.decode()
    assert 'name="phrase" value="my shop sells magnesium"' in page


def test_this_restates_claim_x_adds_the_words_and_screening_matches_them(client, group, item, okra):
    assert matches(LATER_POST) == []
    client.force_login(group.space_moderator)

    response = client.post(url(group, item), {"action": "restates", "claim": okra.pk,
                                              "phrase": "okra water every morning cures diabetes"})  # fmt: skip

    assert response.status_code == 302
    okra.refresh_from_db()
    assert okra.phrases == ["okra cures diabetes", "okra water every morning cures diabetes"]
    assert matches(LATER_POST) == ["Okra cures diabetes"]
    assert LabelledExample.objects.get(post=item.post).label == "misinformation"
    event = AuditEvent.objects.get(action="moderation.claim_phrase_added")
    assert event.actor == group.space_moderator and event.details["phrase"] == "okra water every morning cures diabetes"
    item.refresh_from_db()
    assert item.status == QueueItem.Status.OPEN  # the post still waits for the moderator's decision


def test_a_new_claim_from_the_post_is_on_the_list_at_once(client, group, item):
    client.force_login(group.space_moderator)
    response = client.post(url(group, item), {
        "action": "new", "new-claim": "Garlic cures high blood pressure",
        "new-phrases": "garlic cures high blood pressure\ngarlic instead of blood pressure tablets",
        "new-correction": "Garlic does not replace blood pressure medicines.",
        "new-source_url": "https://www.nhs.uk/conditions/high-blood-pressure-hypertension/",
    })  # fmt: skip

    assert response.status_code == 302
    claim = MisinformationClaim.objects.get(claim="Garlic cures high blood pressure")
    assert claim.active and claim.updated_by == group.space_moderator
    assert "Garlic cures high blood pressure" in matches("My neighbour said garlic cures high blood pressure.")
    assert AuditEvent.objects.filter(action="moderation.claim_created", object_id=str(claim.pk)).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "restates", "claim": "", "phrase": "okra cures"},
        {"action": "restates", "claim": "okra", "phrase": "x" * 101},
        {"action": "restates", "claim": "okra", "phrase": "okra cures diabetes"},  # already one of its phrases
        {"action": "new", "new-claim": "Garlic cures", "new-phrases": "garlic cures", "new-correction": "",
         "new-source_url": "https://www.nhs.uk/"},
        {"action": "shout"},
    ],
)  # fmt: skip
def test_bad_input_is_a_form_error_and_changes_nothing(client, group, item, okra, data):
    data = {key: (str(okra.pk) if value == "okra" else value) for key, value in data.items()}
    client.force_login(group.space_moderator)
    response = client.post(url(group, item), data)
    assert response.status_code == 400
    okra.refresh_from_db()
    assert okra.phrases == ["okra cures diabetes"] and MisinformationClaim.objects.count() == 1
    assert not LabelledExample.objects.exists()


def test_a_deactivated_claim_cannot_take_phrases(client, group, item, okra):
    MisinformationClaim.objects.filter(pk=okra.pk).update(active=False)
    client.force_login(group.space_moderator)
    response = client.post(url(group, item), {"action": "restates", "claim": okra.pk, "phrase": "okra water"})
    assert response.status_code == 400


def test_the_queue_item_links_to_it(client, group, item):
    client.force_login(group.space_moderator)
    page = client.get(reverse("moderation_item", kwargs={"space_id": group.space.pk, "item_id": item.pk}))
    assert url(group, item) in page.content.decode()
