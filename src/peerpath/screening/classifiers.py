"""Statistical classifiers beside the screening rules (issue 15 points 2, 3 and 6): hashed word and character
n-grams and a logistic regression per category, trained by `peerpath moderation retrain` on public tuning data and
moderators' labelled examples.

Written with numpy alone, not scikit-learn or scipy: those two (and PyTorch) would push the install past the ~300 MB
the issue allows, while a hashed featurizer and a logistic regression are a few dozen lines. A text is featurized in
one vectorised pass (rolling hashes over its code points), so a 20,000-character post is scored in a few
milliseconds; long posts are scored in windows of about 600 characters and the highest window counts, so one crisis
sentence in the middle of a long post is not diluted by the rest.

A model is a compressed npz (read with allow_pickle=False) and a JSON metadata file. Retrained models in
settings.SCREENING_MODELS_DIR/classifiers/ take precedence over the ones shipped in screening/weights/. A missing or
corrupt file is logged once (never any text) and `probability` returns None: the rules then run alone, and
`status()` (read by /healthz and the demo banner) says so.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

logger = logging.getLogger(__name__)

FEATURIZER_VERSION = 1
BITS = 18
DIMENSION = 1 << BITS
# The categories a model is shipped for: a missing one of these means screening runs on rules alone (degraded).
CLASSIFIED: tuple[str, ...] = ("crisis", "promotion")
SHIPPED_DIR = Path(__file__).parent / "weights"

WINDOW = 600  # characters per window; windows overlap by a quarter
TRAINING_LENGTH = 2000
LONG = 800  # a text up to this long is scored whole

_URL = re.compile(r"https?://\S+|www\.\S+")
_DIGITS = re.compile(r"\d")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_SPACES = re.compile(r"\s+")
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(64 - BITS)
_PRIME = np.uint64(1_000_003)


# --- Features ------------------------------------------------------------------------------------------------------


def clean(text: str) -> str:
    """Text safe to featurize whatever was sent: lone surrogates replaced, NUL and control bytes made spaces."""
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    if text.replace("\n", " ").replace("\t", " ").isprintable():
        return text  # the common case, line breaks and all: no character to replace
    return "".join(char if char.isprintable() or char in "\n\t" else " " for char in text)


def normalise(text: str) -> str:
    """Lower case with curly quotes straight, links and digits reduced to their shape, runs of white space one
    space (contractions are left as written: the character n-grams of "dont" and "don't" mostly agree)."""
    text = clean(text).lower()
    if not text.isascii():  # as text.translate(_QUOTES), many times quicker on a long text
        text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = _URL.sub(" httplink ", text)
    text = _DIGITS.sub("0", text)
    return _SPACES.sub(" ", text).strip()


@dataclass
class Hashed:
    """A normalised text's feature ids in text order: chars[n - 3][i] is the n-gram starting at character i, words
    the word 1- and 2-grams with the position each starts at (for slicing into windows)."""

    text: str
    chars: list[NDArray[np.int64]]
    word_ids: NDArray[np.int64]
    word_pos: NDArray[np.int64]


def _bucket(values: NDArray[np.uint64], salt: int) -> NDArray[np.int64]:
    mixed = (values ^ np.uint64(salt)) * _MIX
    mixed ^= mixed >> np.uint64(31)
    return ((mixed * _MIX) >> _SHIFT).astype(np.int64)


_INVERSE = np.uint64(pow(int(_PRIME), -1, 1 << 64))
_APOSTROPHE, _ZERO, _NINE, _A, _Z = (ord(char) for char in "'09az")


def hashed(text: str) -> Hashed:
    """Character 3-5-grams (over the text padded with spaces) and word 1-2-grams, hashed into DIMENSION buckets in
    one vectorised pass: a word's hash is a polynomial over its code points, read off prefix sums."""
    norm = " " + normalise(text) + " "
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    size = len(codes)
    chars = []
    with np.errstate(over="ignore"):
        for n in (3, 4, 5):
            rolling = np.zeros(max(size - n + 1, 0), dtype=np.uint64)
            for k in range(n):
                rolling = rolling * _PRIME + codes[k : size - n + 1 + k]
            chars.append(_bucket(rolling, n))
        # Words: runs of letters, digits and apostrophes (any character beyond ASCII counts as a letter).
        inside = ((codes >= _A) & (codes <= _Z)) | ((codes >= _ZERO) & (codes <= _NINE)) | (codes == _APOSTROPHE)
        inside |= codes > 127
        edges = np.diff(np.concatenate([[False], inside, [False]]).astype(np.int8))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        powers = np.cumprod(np.full(size, _PRIME, dtype=np.uint64))
        inverses = np.cumprod(np.full(size, _INVERSE, dtype=np.uint64))
        prefix = np.concatenate([[np.uint64(0)], np.cumsum(codes * powers, dtype=np.uint64)])
        words = (prefix[ends] - prefix[starts]) * inverses[starts] if len(starts) else np.zeros(0, np.uint64)
        pairs = words[:-1] * _MIX + words[1:]
        word_ids = np.concatenate([_bucket(words, 101), _bucket(pairs, 102)])
    word_pos = np.concatenate([starts, starts[:-1]]).astype(np.int64)
    return Hashed(norm, chars, word_ids, word_pos)


def window_ids(features: Hashed, start: int = 0, end: int | None = None) -> tuple[NDArray[np.int64], ...]:
    """The character and word feature ids of the characters start:end of the normalised text."""
    end = len(features.text) if end is None else min(end, len(features.text))
    chars = np.concatenate([block[start : max(end - n + 1, start)] for n, block in enumerate(features.chars, 3)])
    words = features.word_ids[(features.word_pos >= start) & (features.word_pos < end)]
    return chars, words


def vectors(features: Hashed, spans: Sequence[tuple[int, int]]) -> Matrix:
    """One row per span: sublinear term frequencies, the character and the word blocks each normalised to length
    1/sqrt(2) (so words and characters weigh alike), all spans in one vectorised pass."""
    keys = []  # (row * 2 + block) * DIMENSION + id, sorted as 32-bit integers when they fit (twice as fast)
    kind = np.int32 if len(spans) * 2 * DIMENSION < 2**31 else np.int64
    for row, (start, end) in enumerate(spans):
        for block, ids in enumerate(window_ids(features, start, end)):
            keys.append((ids + (row * 2 + block) * DIMENSION).astype(kind))
    unique, counts = np.unique(np.concatenate(keys) if keys else np.zeros(0, kind), return_counts=True)
    unique = unique.astype(np.int64)
    groups = unique // DIMENSION
    values = 1.0 + np.log(counts)
    norms = np.sqrt(np.bincount(groups, weights=values * values)) * math.sqrt(2)
    values = (values / norms[groups]).astype(np.float32)
    return Matrix(groups // 2, unique % DIMENSION, values, len(spans))


def windows(text: str) -> list[tuple[int, int]]:
    """The spans a text is scored in: the whole of a short text; overlapping windows of a long one, cut at spaces."""
    if len(text) <= LONG:
        return [(0, len(text))]
    spans, start = [], 0
    while start < len(text):
        end = min(start + WINDOW, len(text))
        if end < len(text):
            space = text.rfind(" ", start + WINDOW // 2, end)
            end = space if space > 0 else end
        spans.append((start, end))
        if end >= len(text):
            break
        next_start = text.find(" ", start + (end - start) * 3 // 4)
        start = next_start + 1 if 0 < next_start < end else end
    return spans


# --- The model -----------------------------------------------------------------------------------------------------


@dataclass
class Model:
    category: str
    weights: NDArray[np.float32]
    bias: float
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict)

    def window_scores(self, text: str) -> list[tuple[float, tuple[int, int]]]:
        """Each window's probability, with its span in the normalised text."""
        spans, rows = scored_windows(text)
        logits = rows.dot(self.weights) + self.bias
        return [(_sigmoid(float(logit)), span) for logit, span in zip(logits, spans, strict=True)]

    def probability(self, text: str) -> float:
        """The highest window's probability."""
        return max(score for score, _ in self.window_scores(text))


_last: tuple[str, list[tuple[int, int]], Matrix] | None = None


def forget_last() -> None:
    """Drop the last text's windows (a benchmark times each text from scratch)."""
    global _last
    _last = None


def scored_windows(text: str) -> tuple[list[tuple[int, int]], Matrix]:
    """A text's windows and their vectors; the last text's are kept, since every classifier reads the same text."""
    global _last
    last = _last
    if last is not None and last[0] is text:
        return last[1], last[2]
    features = hashed(text)
    spans = windows(features.text)
    rows = vectors(features, spans)
    _last = (text, spans, rows)
    return spans, rows


def window_text(text: str, start: int, end: int) -> str:
    """A window's words as the classifier read them (lower case, links and digits reduced), for a finding."""
    return (" " + normalise(text) + " ")[start:end].strip()


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(value, 40.0), -40.0)))


def save(model: Model, directory: Path) -> None:
    """Write the model's npz and JSON atomically (a temporary file, then os.replace)."""
    directory.mkdir(parents=True, exist_ok=True)
    meta = {**model.meta, "version": FEATURIZER_VERSION, "category": model.category, "threshold": model.threshold,
            "bits": BITS}  # fmt: skip
    for suffix, write in (
        (".npz", lambda handle: np.savez_compressed(
            handle, weights=model.weights.astype(np.float16), bias=np.array([model.bias], dtype=np.float64),
        )),
        (".json", lambda handle: handle.write(json.dumps(meta, indent=1, sort_keys=True).encode())),
    ):  # fmt: skip
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{model.category}", suffix=suffix)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                write(handle)
            os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the model from a web server of another user
            os.replace(temporary, directory / f"{model.category}{suffix}")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class CorruptModel(Exception):
    pass


def load(category: str, directory: Path) -> Model:
    """Read a model, checking everything it claims; CorruptModel says why not, FileNotFoundError when absent."""
    npz, meta_path = directory / f"{category}.npz", directory / f"{category}.json"
    if not npz.exists() and not meta_path.exists():
        raise FileNotFoundError(npz)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(npz, allow_pickle=False) as arrays:
            weights = arrays["weights"].astype(np.float32)
            bias = float(arrays["bias"][0])
    except FileNotFoundError as error:
        raise CorruptModel(f"{Path(error.filename or '').name or 'a file'} is missing") from None
    except Exception as error:  # a truncated zip, bad JSON, a missing array: all the same to screening
        raise CorruptModel(f"unreadable ({type(error).__name__})") from None
    if not isinstance(meta, dict) or meta.get("version") != FEATURIZER_VERSION or meta.get("bits") != BITS:
        raise CorruptModel("written for another featurizer version")
    if weights.shape != (DIMENSION,):
        raise CorruptModel("arrays of the wrong shape")
    if not (np.isfinite(weights).all() and math.isfinite(bias)):
        raise CorruptModel("arrays hold values that are not numbers")
    threshold = meta.get("threshold")
    if not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        raise CorruptModel("no threshold between 0 and 1")
    return Model(category, weights, bias, float(threshold), meta)


# --- The registry --------------------------------------------------------------------------------------------------


def models_dir() -> Path:
    from django.conf import settings

    return Path(settings.SCREENING_MODELS_DIR) / "classifiers"


_lock = threading.Lock()
_cache: dict[str, tuple[Model | None, str]] = {}
_overrides: dict[str, Model | None] = {}


def _resolve(category: str) -> tuple[Model | None, str]:
    """The model screening uses for a category and its status: a retrained one first, then the shipped one."""
    problems = []
    for directory, label in ((models_dir(), "retrained"), (SHIPPED_DIR, "shipped")):
        try:
            model = load(category, directory)
        except FileNotFoundError:
            continue
        except CorruptModel as error:
            problems.append(f"{label} model {error}")
            logger.error("Screening: the %s %s classifier is corrupt (%s); not used.", label, category, error)
            continue
        if model.category != category or model.meta.get("category") != category:
            problems.append(f"{label} model is for another category")
            continue
        return model, label if not problems else f"{label} (corrupt: {'; '.join(problems)})"
    if problems:
        return None, "corrupt: " + "; ".join(problems)
    if category in CLASSIFIED:
        logger.error("Screening: no %s classifier is installed; the rules run alone.", category)
    return None, "missing"


def model(category: str) -> Model | None:
    if category in _overrides:
        return _overrides[category]
    cached = _cache.get(category)
    if cached is None:
        with _lock:
            cached = _cache.get(category)
            if cached is None:
                cached = _cache[category] = _resolve(category)
    return cached[0]


def probability(category: str, text: str) -> float | None:
    """The classifier's probability that the text belongs to the category (its highest window), or None when no
    model is installed or it could not be read: the caller's rules then decide alone."""
    found = model(category)
    if found is None:
        return None
    return found.probability(text)


def threshold(category: str) -> float | None:
    found = model(category)
    return None if found is None else found.threshold


def status() -> dict[str, str]:
    """Per category: "shipped", "retrained", "missing" or "corrupt: …" (a model found corrupt is never used); while
    `using` replaces models: "override" or "switched off"."""
    categories = sorted(set(CLASSIFIED) | {path.stem for path in SHIPPED_DIR.glob("*.npz")}
                        | {path.stem for path in models_dir().glob("*.npz")})  # fmt: skip
    report = {}
    for category in categories:
        if category in _overrides:
            report[category] = "override" if _overrides[category] is not None else "switched off"
            continue
        model(category)
        report[category] = _cache[category][1]
    return report


def degraded() -> list[str]:
    """The classified categories screening reads with rules alone, with the reason."""
    return [f"{category}: {state}" for category, state in status().items()
            if state == "missing" or state.startswith("corrupt")]  # fmt: skip


def reset() -> None:
    """Forget the loaded models (after retrain installs new ones, and in tests)."""
    with _lock:
        _cache.clear()


@contextmanager
def using(models: dict[str, Model | None]) -> Iterator[None]:
    """Screen with these models in place of the installed ones (retrain's before/after, tests)."""
    saved = dict(_overrides)
    _overrides.update(models)
    try:
        yield
    finally:
        _overrides.clear()
        _overrides.update(saved)


# --- Training ------------------------------------------------------------------------------------------------------


@dataclass
class Matrix:
    """Rows of sparse vectors as flat arrays (what scipy.sparse.csr_matrix would hold)."""

    rows: NDArray[np.int64]
    ids: NDArray[np.int64]
    values: NDArray[np.float32]
    count: int

    def dot(self, weights: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
        return np.bincount(self.rows, weights=self.values * weights[self.ids], minlength=self.count).astype(float)

    def transpose_dot(self, residuals: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
        return np.bincount(self.ids, weights=self.values * residuals[self.rows], minlength=DIMENSION).astype(float)

    def take(self, selected: NDArray[np.int64]) -> Matrix:
        position = np.full(self.count, -1, dtype=np.int64)
        position[selected] = np.arange(len(selected))
        keep = position[self.rows] >= 0
        return Matrix(position[self.rows[keep]], self.ids[keep], self.values[keep], len(selected))


def matrix(texts: Sequence[Hashed]) -> Matrix:
    """Each training text as one row (a very long text cut at TRAINING_LENGTH characters)."""
    rows = [vectors(features, [(0, TRAINING_LENGTH)]) for features in texts]
    return Matrix(
        np.concatenate([np.full(len(row.ids), index, dtype=np.int64) for index, row in enumerate(rows)]),
        np.concatenate([row.ids for row in rows]),
        np.concatenate([row.values for row in rows]),
        len(rows),
    )


def fit(
    data: Matrix, labels: NDArray[np.float64], *, alpha: float = 1e-5, iterations: int = 100
) -> tuple[NDArray[np.float64], float]:
    """A class-weighted, L2-regularised logistic regression minimised by L-BFGS (deterministic: no sampling)."""
    positives = float(labels.sum())
    negatives = len(labels) - positives
    sample = np.where(labels > 0, len(labels) / (2 * max(positives, 1)), len(labels) / (2 * max(negatives, 1)))
    sample /= len(labels)
    used = np.unique(data.ids)  # only the buckets the data touches move; the others stay 0

    def loss_and_gradient(params: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        weights = np.zeros(DIMENSION)
        weights[used] = params[:-1]
        logits = data.dot(weights) + params[-1]
        probabilities = 1 / (1 + np.exp(-np.clip(logits, -40, 40)))
        losses = np.logaddexp(0, -logits) * labels + np.logaddexp(0, logits) * (1 - labels)
        residuals = (probabilities - labels) * sample
        gradient = np.empty_like(params)
        gradient[:-1] = data.transpose_dot(residuals)[used] + alpha * params[:-1]
        gradient[-1] = residuals.sum()
        return float((losses * sample).sum() + alpha / 2 * np.dot(params[:-1], params[:-1])), gradient

    params = _lbfgs(loss_and_gradient, np.zeros(len(used) + 1), iterations)
    weights = np.zeros(DIMENSION)
    weights[used] = params[:-1]
    return weights, float(params[-1])


def _lbfgs(function: Any, start: NDArray[np.float64], iterations: int, memory: int = 10) -> NDArray[np.float64]:
    """Limited-memory BFGS with a backtracking (Armijo) line search: what scipy.optimize would do here."""
    point = start
    value, gradient = function(point)
    steps: list[tuple[NDArray[np.float64], NDArray[np.float64], float]] = []
    for _ in range(iterations):
        direction = -gradient
        alphas = []
        for step, change, rho in reversed(steps):
            alpha = rho * np.dot(step, direction)
            direction = direction - alpha * change
            alphas.append(alpha)
        if steps:
            step, change, _ = steps[-1]
            direction *= np.dot(step, change) / np.dot(change, change)
        for (step, change, rho), alpha in zip(steps, reversed(alphas), strict=True):
            beta = rho * np.dot(change, direction)
            direction = direction + step * (alpha - beta)
        slope = float(np.dot(gradient, direction))
        if slope >= 0:
            direction, slope, steps = -gradient, -float(np.dot(gradient, gradient)), []
        size = 1.0 if steps else min(1.0, 1.0 / max(float(np.abs(gradient).sum()), 1e-12))
        for _ in range(30):
            candidate = point + size * direction
            new_value, new_gradient = function(candidate)
            if new_value <= value + 1e-4 * size * slope:
                break
            size /= 2
        else:
            break
        step, change = candidate - point, new_gradient - gradient
        curvature = float(np.dot(step, change))
        if curvature > 1e-12:
            steps = [*steps[-(memory - 1) :], (step, change, 1.0 / curvature)]
        converged = abs(value - new_value) < 1e-9 * max(1.0, abs(value))
        point, value, gradient = candidate, new_value, new_gradient
        if converged or float(np.abs(gradient).max()) < 1e-7:
            break
    return point


def train(
    category: str, texts: Sequence[str], labels: Sequence[bool], *, threshold: float = 0.5,
    meta: dict[str, Any] | None = None, alpha: float = 1e-5,
) -> Model:  # fmt: skip
    return train_hashed(category, [hashed(text) for text in texts], labels, threshold=threshold, meta=meta, alpha=alpha)


def train_hashed(
    category: str, features: Sequence[Hashed], labels: Sequence[bool], *, threshold: float = 0.5,
    meta: dict[str, Any] | None = None, alpha: float = 1e-5,
) -> Model:  # fmt: skip
    weights, bias = fit(matrix(features), np.array(labels, dtype=np.float64), alpha=alpha)
    return Model(category, weights.astype(np.float32), bias, threshold, dict(meta or {}))


def folds(count: int, k: int = 5, seed: int = 15) -> list[NDArray[np.int64]]:
    """k disjoint folds of the indices, shuffled with a fixed seed."""
    order = np.random.default_rng(seed).permutation(count)
    return [np.sort(order[fold::k]) for fold in range(k)]


def out_of_fold(
    category: str, texts: Sequence[str], labels: Sequence[bool], *, k: int = 5, alpha: float = 1e-5
) -> NDArray[np.float64]:
    """Each text's probability from a model trained without its fold, scored as screening scores (in windows)."""
    features = [hashed(text) for text in texts]
    scores = np.zeros(len(texts))
    for held in folds(len(texts), k):
        mask = np.ones(len(texts), dtype=bool)
        mask[held] = False
        model = train_hashed(category, [f for f, m in zip(features, mask, strict=True) if m],
                             [y for y, m in zip(labels, mask, strict=True) if m], alpha=alpha)  # fmt: skip
        for index in held:
            spans = windows(features[index].text)
            scores[index] = _sigmoid(float(vectors(features[index], spans).dot(model.weights).max()) + model.bias)
    return scores
