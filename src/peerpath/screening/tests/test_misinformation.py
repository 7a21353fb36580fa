"""Misinformation by meaning (issue 15 point 3): a known claim re-worded, inside a longer sentence or partly negated
is matched; a correction or a denial is not. Needs the built encoder (`peerpath screening build-encoder`, run by
`make install`); skipped without it, when only the phrases run."""

from __future__ import annotations

import pytest

from peerpath.screening import encoder
from peerpath.screening.core import DECIDING_CONFIDENCE, Context
from peerpath.screening.detectors import misinformation
from peerpath.screening.tests.test_corpus import corpus_context

pytestmark = pytest.mark.skipif(not encoder.available(), reason="the sentence encoder is not built")


@pytest.fixture(scope="module")
def context() -> Context:
    return corpus_context()


def claims_found(text: str, context: Context) -> list[str]:
    findings = misinformation.DETECTOR.detect(text, context)
    return [finding.detail["claim"] for finding in findings if finding.confidence >= DECIDING_CONFIDENCE]


@pytest.mark.parametrize(
    ("text", "claim"),
    [
        ("Honestly my nephew got autism from his MMR jab, vaccines cause autism and nobody admits it.",
         "Vaccines cause autism"),
        ("They say vaccines are safe but they cause autism.", "Vaccines cause autism"),
        ("You can cure cancer with bicarbonate of soda, my aunt did.", "Baking soda cures cancer"),
        ("Eating apricot kernels every day cured her cancer.", "Apricot kernels (laetrile, vitamin B17) cure cancer"),
        ("Chloroquine can 100% cure COVID-19.", "Hydroxychloroquine cures COVID-19"),
        ("Drinking alcohol will kill the coronavirus in your throat.",
         "Drinking bleach, alcohol or hot water kills the coronavirus"),
    ],
)  # fmt: skip
def test_a_claim_in_other_words_is_matched(text: str, claim: str, context: Context) -> None:
    assert claim in claims_found(text, context)


@pytest.mark.parametrize(
    "text",
    [
        "Vaccines do NOT cause autism, the study that said so was retracted.",
        "It's a myth that baking soda cures cancer.",
        "Is it true that chloroquine cures covid?",
        "My son is autistic and had all his vaccines, the two are not linked.",
        "I had my flu jab and my covid booster on the same day, sore arm only.",
        "The oncologist explained how my chemo works and what the side effects are.",
    ],
)
def test_denials_questions_and_ordinary_posts_are_not_claims(text: str, context: Context) -> None:
    assert claims_found(text, context) == []


def test_a_long_post_embeds_at_most_the_capped_number_of_sentences(context: Context, monkeypatch) -> None:
    # What keeps a 20,000-character post fast (bench/screening.py measures the time): only the sentences that share
    # most with a claim, MAX_SENTENCES at most, reach the encoder.
    text = "I had my covid vaccine and my flu jab this week and I feel fine. " * 300  # about 20,000 characters
    misinformation.DETECTOR.detect(text, context)  # the claims' own embeddings are made and kept on first use
    batches: list[int] = []
    real = encoder.encode

    def counting(texts):
        batches.append(len(texts))
        return real(texts)

    monkeypatch.setattr(encoder, "encode", counting)
    misinformation.DETECTOR.detect(text, context)
    assert batches == [misinformation.MAX_SENTENCES]
