"""Loading a fact-check list (`peerpath moderation load-fact-checks`), and a post that restates a statement rated
false flagged after publication, never making its writer wait (issue 15 point 3)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from peerpath.audit.models import AuditEvent
from peerpath.forum import services as forum
from peerpath.forum.models import Post
from peerpath.forum.search import awaiting_review
from peerpath.forum.tests.helpers import forum_space
from peerpath.moderation.claims import FactCheckFileError, FactCheckRow, load_fact_checks, read_fact_checks
from peerpath.moderation.models import FactCheck, QueueItem, Screening, SpacePolicy
from peerpath.moderation.rules import DEFAULT_TEMPLATES
from peerpath.moderation.selectors import fact_check_index
from peerpath.screening import fact_checks
from peerpath.screening.tests import fact_check_list as data

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not fact_checks.available(), reason="the sentence transformer is not installed"),
]


def write_list(tmp_path, lines: list[object], name: str = "checks.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines), encoding="utf-8")
    return path


def load_test_list() -> None:
    rows = [FactCheckRow(text, True) for text in data.FALSE] + [FactCheckRow(text, False) for text in data.TRUE]
    load_fact_checks(rows, source=data.SOURCE, source_url=data.SOURCE_URL)


# --- Loading ------------------------------------------------------------------------------------------------------


def test_the_command_loads_both_line_formats_once_with_vectors_and_an_audit_event(tmp_path):
    path = write_list(tmp_path, [
        {"statement": data.FALSE[0], "rating": "false"},
        {"text": data.TRUE[0], "label": "none"},
        {"text": data.FALSE[1], "label": "misinformation"},
        "",
        {"statement": "  " + data.FALSE[0].upper() + "  ", "rating": "FALSE"},  # the same statement again
    ])  # fmt: skip
    out = StringIO()
    call_command("moderation", "load-fact-checks", str(path), "--source", data.SOURCE, stdout=out)
    assert "Loaded 3 fact-checked statements; 1 were already there." in out.getvalue()
    assert FactCheck.objects.count() == 3
    assert sorted(FactCheck.objects.values_list("rated_false", flat=True)) == [False, True, True]
    row = FactCheck.objects.get(statement=data.TRUE[0])
    assert row.model == fact_checks.MODEL and len(bytes(row.vector)) == 4 * fact_checks.DIMENSIONS
    assert AuditEvent.objects.filter(action="moderation.fact_checks_loaded").count() == 1

    call_command("moderation", "load-fact-checks", str(path), "--source", data.SOURCE, stdout=out)
    assert FactCheck.objects.count() == 3
    index = fact_check_index()
    assert index is not None and len(index) == 3 and list(index.false) == [True, False, True]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"statement": "x", "rating": "false"}', "{not json"], "line 2 is not JSON"),
        ([{"statement": "Garlic cures it", "rating": "mostly false"}], "rating 'mostly false' is not one of"),
        ([{"rating": "false"}], "line 1 has no statement"),
        ([{"text": "   ", "label": "none"}], "line 1 has no statement"),
        (["[1, 2]"], "line 1 is not a JSON object"),
    ],
)
def test_a_bad_list_names_its_line_and_saves_nothing(tmp_path, lines, message):
    path = write_list(tmp_path, lines)
    with pytest.raises(FactCheckFileError, match=message):
        read_fact_checks(path)
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("moderation", "load-fact-checks", str(path), "--source", data.SOURCE)
    assert not FactCheck.objects.exists()


def test_a_missing_file_or_a_bad_source_address_saves_nothing(tmp_path):
    good = write_list(tmp_path, [{"statement": data.FALSE[0], "rating": "false"}])
    with pytest.raises(CommandError, match="no such file"):
        call_command("moderation", "load-fact-checks", str(good), str(tmp_path / "gone.jsonl"), "--source", "S")
    with pytest.raises(CommandError, match="https://"):
        call_command("moderation", "load-fact-checks", str(good), "--source", "S", "--source-url", "javascript:x")
    with pytest.raises(CommandError, match="source"):
        call_command("moderation", "load-fact-checks", str(good), "--source", "  ")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("moderation", "load-fact-checks", str(binary), "--source", "S")
    assert not FactCheck.objects.exists()


def test_without_the_transformer_nothing_is_loaded(monkeypatch):
    monkeypatch.setattr(fact_checks, "embed", lambda texts: None)
    with pytest.raises(Exception, match="not installed"):
        load_fact_checks([FactCheckRow(data.FALSE[0], True)], source=data.SOURCE)
    assert not FactCheck.objects.exists()


# --- After publication --------------------------------------------------------------------------------------------


@pytest.fixture
def space(world):
    return forum_space(world, name="Long covid circle", conditions=("fibromyalgia",))


def post_now(world, space, body: str, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return forum.thread_create(author=world.people["member"], space=space, title="Heard this", body=body)


def test_a_post_restating_a_false_statement_is_published_then_flagged_for_review(
    world, space, django_capture_on_commit_callbacks
):
    load_test_list()
    outcome = post_now(world, space, data.RESTATES, django_capture_on_commit_callbacks)
    assert outcome.published and outcome.message == "Your post is published."  # the writer did not wait for it
    post = Post.objects.get(pk=outcome.post.pk)
    assert post.status == Post.Status.PUBLISHED
    item = QueueItem.objects.get(post=post, status=QueueItem.Status.OPEN)
    assert item.category == "misinformation" and item.source == QueueItem.Source.SCREENING
    assert awaiting_review().filter(pk=item.pk).exists()  # out of public search until a moderator looks
    later = Screening.objects.filter(post=post).order_by("created_at").last()
    assert later is not None and later.decision == "flag"
    assert later.findings[0]["detector"] == fact_checks.DETECTOR
    assert later.findings[0]["detail"]["claim"] == data.FALSE[0]
    event = AuditEvent.objects.filter(action="moderation.screened", object_id=str(post.pk)).last()
    assert event is not None and event.details["after_publication"] is True


def test_a_space_that_holds_misinformation_holds_the_post_after_the_check(
    world, space, django_capture_on_commit_callbacks
):
    load_test_list()
    SpacePolicy.objects.create(
        space=space, rule_templates=list(DEFAULT_TEMPLATES), decisions={"misinformation": "refuse"}
    )
    outcome = post_now(world, space, data.RESTATES, django_capture_on_commit_callbacks)
    assert outcome.published  # at the time of posting
    post = Post.objects.get(pk=outcome.post.pk)
    assert post.status == Post.Status.HELD and "fact-checkers" in post.moderator_note
    assert QueueItem.objects.filter(post=post, status=QueueItem.Status.OPEN, category="misinformation").exists()


def test_an_ordinary_post_a_question_or_no_list_leaves_the_post_alone(world, space, django_capture_on_commit_callbacks):
    outcome = post_now(world, space, data.RESTATES, django_capture_on_commit_callbacks)  # no list loaded yet
    assert Screening.objects.filter(post=outcome.post).count() == 1
    load_test_list()
    for body in (data.UNRELATED, data.ASKS):
        outcome = post_now(world, space, body, django_capture_on_commit_callbacks)
        assert not QueueItem.objects.filter(post=outcome.post).exists()
        assert Post.objects.get(pk=outcome.post.pk).status == Post.Status.PUBLISHED


def test_a_version_edited_before_the_check_is_not_judged_by_the_old_words(world, space):
    load_test_list()
    outcome = forum.thread_create(author=world.people["member"], space=space, title="Heard this", body=data.RESTATES)
    old_digest = Post.objects.get(pk=outcome.post.pk).body_digest
    forum.post_edit(author=world.people["member"], post=outcome.post, body=data.UNRELATED, title="Heard this")
    assert forum.post_fact_check(post_id=str(outcome.post.pk), digest=old_digest) is False
    assert not QueueItem.objects.filter(post=outcome.post).exists()
