"""The evaluation harness's arithmetic and its reading of datasets (issue 15 point 1): exact values on a small
hand-made table, never that a score is reached."""

from __future__ import annotations

from pathlib import Path

import pytest

from peerpath.screening.evaluation import (
    DatasetError,
    confusion,
    dataset_files,
    figure,
    read_dataset,
    render_scores,
    scores,
)

# (gold label, deciding categories strongest first), worked out by hand below.
TABLE: list[tuple[str, list[str]]] = [
    ("crisis", ["crisis"]),
    ("crisis", ["crisis", "promotion"]),
    ("crisis", []),
    ("none", ["crisis"]),
    ("none", []),
    ("none", []),
    ("promotion", ["promotion"]),
    ("none", ["promotion"]),
]


def test_precision_recall_f1_and_false_positive_rate_per_category() -> None:
    table = scores(TABLE)
    crisis, promotion = table["crisis"], table["promotion"]
    assert (crisis.tp, crisis.fp, crisis.fn, crisis.tn, crisis.support) == (2, 1, 1, 4, 3)
    assert crisis.precision == pytest.approx(2 / 3)
    assert crisis.recall == pytest.approx(2 / 3)
    assert crisis.f1 == pytest.approx(2 / 3)
    assert crisis.false_positive_rate == pytest.approx(1 / 5)
    assert (promotion.tp, promotion.fp, promotion.fn, promotion.tn) == (1, 2, 0, 5)
    assert promotion.precision == pytest.approx(1 / 3)
    assert promotion.recall == 1.0
    assert promotion.f1 == pytest.approx(0.5)
    assert promotion.false_positive_rate == pytest.approx(2 / 7)


def test_a_ratio_over_nothing_is_no_figure_not_a_perfect_one() -> None:
    medical = scores(TABLE)["medical_instructions"]
    assert (medical.tp, medical.fp, medical.fn, medical.tn) == (0, 0, 0, 8)
    assert medical.precision is None and medical.recall is None and medical.f1 is None
    assert medical.false_positive_rate == 0.0
    assert figure(medical.precision) == "—"
    row = next(line for line in render_scores(scores(TABLE)) if line.startswith("medical_instructions"))
    assert row.split()[-4:] == ["—", "—", "—", "0.000"]
    assert scores([])["crisis"].false_positive_rate is None


def test_the_confusion_table_counts_each_text_once_in_its_strongest_category() -> None:
    table = confusion(TABLE)
    assert table["crisis"] == {**dict.fromkeys(table, 0), "crisis": 2, "none": 1}
    assert table["none"] == {**dict.fromkeys(table, 0), "crisis": 1, "promotion": 1, "none": 2}
    assert table["promotion"]["promotion"] == 1
    assert sum(sum(row.values()) for row in table.values()) == len(TABLE)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "fine", "label": "none"}\n{"text": "oops", "label": "spam"}\n', "bad.jsonl:2: unknown label 'spam'"),
        ('{"text": "fine", "label": "none"}\n{"text": "broken\n', "bad.jsonl:2: not a JSON object"),
        ('{"label": "crisis"}\n', 'bad.jsonl:1: no "text"'),
        ('{"text": "   ", "label": "crisis"}\n', 'bad.jsonl:1: no "text"'),
        ('["a list"]\n', "bad.jsonl:1: not a JSON object"),
        ("", "bad.jsonl: empty"),
        ("\n\n", "bad.jsonl: empty"),
    ],
)
def test_a_bad_dataset_names_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=message.replace("(", r"\(")):
        read_dataset(path)


def test_a_line_separator_inside_a_text_is_not_a_new_line(tmp_path: Path) -> None:
    path = tmp_path / "ok.jsonl"
    path.write_text('{"text": "one\u2028two", "label": "none"}\n{"text": "three", "label": "crisis"}\n', "utf-8")
    assert [(item.text, item.label, item.line) for item in read_dataset(path)] == [
        ("one\u2028two", "none", 1),
        ("three", "crisis", 2),
    ]


def test_binary_and_missing_files_are_named(tmp_path: Path) -> None:
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b'{"text": "a", "label": "none"}\n\xff\xfe\x00')
    with pytest.raises(DatasetError, match=r"binary\.jsonl:2: not UTF-8"):
        read_dataset(binary)
    with pytest.raises(DatasetError, match="no such file"):
        dataset_files([tmp_path / "absent.jsonl"])
    with pytest.raises(DatasetError, match=r"no \*.heldout.jsonl files"):
        dataset_files([tmp_path])
    (tmp_path / "a.heldout.jsonl").write_text('{"text": "a", "label": "none"}\n', encoding="utf-8")
    (tmp_path / "a.tune.jsonl").write_text('{"text": "a", "label": "none"}\n', encoding="utf-8")
    assert [path.name for path in dataset_files([tmp_path])] == ["a.heldout.jsonl"]
