"""Matching texts against fact-checked statements by meaning, with the full sentence transformer (issue 15 point 3):
a re-worded restatement of a false statement is found, a question about it is kept below deciding, a sentence near a
true statement or about something else is not, and a missing model means no match, never a crash."""

from __future__ import annotations

import numpy as np
import pytest

from peerpath.screening import encoder, fact_checks
from peerpath.screening.categories import Category
from peerpath.screening.core import DECIDING_CONFIDENCE
from peerpath.screening.tests import fact_check_list as data

pytestmark = pytest.mark.skipif(not fact_checks.available(), reason="the sentence transformer is not installed")


@pytest.fixture(scope="module")
def index() -> fact_checks.Index:
    texts = [*data.FALSE, *data.TRUE]
    statements = tuple(
        fact_checks.Statement(str(number), text, number < len(data.FALSE), data.SOURCE, data.SOURCE_URL)
        for number, text in enumerate(texts)
    )
    vectors = fact_checks.embed(texts)
    assert vectors is not None
    return fact_checks.Index(statements, vectors)


def deciding(text: str, index: fact_checks.Index) -> list[str]:
    return [f.detail["claim"] for f in fact_checks.match(text, index) if f.confidence >= DECIDING_CONFIDENCE]


def test_embeddings_are_unit_length_and_paraphrases_are_nearer_than_other_topics():
    vectors = fact_checks.embed([data.FALSE[0], data.RESTATES, data.UNRELATED])
    assert vectors is not None and vectors.shape == (3, fact_checks.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > fact_checks.FLOOR > vectors[0] @ vectors[2]


def test_a_reworded_restatement_of_a_false_statement_is_found_with_its_source(index):
    findings = fact_checks.match(data.RESTATES, index)
    assert len(findings) == 1
    finding = findings[0]
    assert finding.category == Category.MISINFORMATION and finding.detector == fact_checks.DETECTOR
    assert finding.confidence >= DECIDING_CONFIDENCE
    assert finding.detail["claim"] == data.FALSE[0]
    assert finding.detail["correction"] == f"Rated false by {data.SOURCE}."
    assert finding.detail["source_url"] == data.SOURCE_URL
    assert deciding("The new 5G towers are what is really spreading covid.", index) == [data.FALSE[1]]


def test_a_question_about_it_is_kept_below_deciding(index):
    findings = fact_checks.match(data.ASKS, index)
    assert findings and all(finding.confidence < DECIDING_CONFIDENCE for finding in findings)


def test_near_a_true_statement_or_off_topic_nothing_is_found(index):
    assert fact_checks.match(data.RESTATES_TRUE, index) == []
    assert fact_checks.match(data.UNRELATED, index) == []
    assert fact_checks.match("", index) == []
    assert fact_checks.match("ok 👍", index) == []


def test_a_long_text_is_read_sentence_by_sentence_up_to_the_limit(index):
    filler = "We went to the park and fed the ducks by the pond. " * 40
    assert deciding(filler + data.RESTATES, index) == []  # beyond MAX_SENTENCES: not read
    assert deciding(data.RESTATES + " " + filler, index) == [data.FALSE[0]]
    assert len(fact_checks.candidates(filler + data.RESTATES)) == fact_checks.MAX_SENTENCES


def test_quotes_are_someone_elses_words(index):
    assert fact_checks.match("> " + data.RESTATES + "\nThat is nonsense, please ignore it", index) == []


def test_without_a_list_nothing_is_matched():
    assert fact_checks.match(data.RESTATES, None) == []
    empty = fact_checks.Index((), np.zeros((0, fact_checks.DIMENSIONS), dtype=np.float32))
    assert fact_checks.match(data.RESTATES, empty) == []


def test_vectors_must_fit_the_statements():
    statement = fact_checks.Statement("1", "x", True, "s", "")
    with pytest.raises(ValueError):
        fact_checks.Index((statement,), np.zeros((2, fact_checks.DIMENSIONS), dtype=np.float32))


def test_a_missing_model_means_no_match_and_no_crash(monkeypatch, index, caplog):
    fact_checks.reset()
    monkeypatch.setattr(encoder, "source_dir", lambda: None)
    try:
        assert fact_checks.embed(["anything"]) is None
        assert fact_checks.match(data.RESTATES, index) == []
        assert not fact_checks.available()
        assert "Fact-check matching is unavailable" in caplog.text
    finally:
        monkeypatch.undo()
        fact_checks.reset()
    assert fact_checks.available()


def test_the_evaluation_counts_what_the_after_publication_match_finds(index):
    from peerpath.screening.core import Context
    from peerpath.screening.evaluation import Item, screen_items

    items = [Item(data.RESTATES, "misinformation", "t", 1), Item(data.UNRELATED, "none", "t", 2)]
    without = screen_items(items, Context(), {})
    assert [outcome.predicted for outcome in without] == [(), ()]
    with_list = screen_items(items, Context(), {}, fact_checks=index)
    assert [outcome.predicted for outcome in with_list] == [("misinformation",), ()]
