"""The shipped condition value set (directory/data/conditions.json) as plain data: no Django, no database."""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

VALUE_SET = Path(__file__).resolve().parents[1] / "data" / "conditions.json"
# The shared reference data sits beside the repository: <repo>/../shared (parents[4] is the repository root).
FOCUS_CODES = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "synthea" / "focus_condition_codes.csv"

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SNOMED_ID = re.compile(r"^\d{6,18}$")
ICD10 = re.compile(r"^([A-Z]\d{2}(\.\d{1,2})?)?$")

# The words people type that must find a condition (in its synonyms or its name, case-insensitively).
REQUIRED_TERMS = ["POTS", "T1D", "sugar", "ME", "CFS", "long covid", "COPD", "emphysema", "fibro", "MS", "HIV"]


# Verhoeff check digits: every SNOMED CT identifier ends in one. The tables are built rather than typed in, so a
# transcription slip cannot hide here: _D is the multiplication table of the dihedral group D5 (0-4 rotations,
# 5-9 reflections) and _P the powers of the permutation (1 5 7 6 2 8 3 0 9 4).
def _dihedral(j: int, k: int) -> int:
    if j < 5:
        return (j + k) % 5 if k < 5 else (j + k) % 5 + 5
    return (j - k) % 5 + 5 if k < 5 else (j - k) % 5


_D = [[_dihedral(j, k) for k in range(10)] for j in range(10)]
_P = [list(range(10)), [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]]
while len(_P) < 8:
    _P.append([_P[-1][_P[1][j]] for j in range(10)])


def verhoeff_valid(number: str) -> bool:
    check = 0
    for position, digit in enumerate(reversed(number)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


@cache
def value_set() -> dict[str, Any]:
    with VALUE_SET.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def conditions() -> list[dict[str, Any]]:
    return value_set()["conditions"]


def all_codes() -> list[tuple[str, str]]:
    """(slug, code) for every main and related SNOMED code."""
    pairs = []
    for entry in conditions():
        pairs.append((entry["slug"], entry["snomed"]))
        pairs.extend((entry["slug"], item["code"]) for item in entry["related_codes"])
    return pairs


def test_verhoeff_helper_knows_good_and_bad_ids() -> None:
    assert verhoeff_valid("46635009")
    assert verhoeff_valid("1119303003")
    assert verhoeff_valid("368581000119106")
    assert not verhoeff_valid("46635008")  # last digit wrong
    assert not verhoeff_valid("46653009")  # two digits swapped


def test_file_parses_with_the_expected_shape() -> None:
    data = value_set()
    assert isinstance(data, dict)
    assert data["version"] == "2026-11"
    assert "http://snomed.info/sct" in data["source"]
    assert "ICD-10" in data["source"]
    assert isinstance(data["conditions"], list)
    for entry in conditions():
        assert set(entry) >= {"slug", "name", "snomed", "icd10", "synonyms", "related_codes"}, entry.get("slug")
        assert isinstance(entry["name"], str) and entry["name"].strip(), entry["slug"]
        assert isinstance(entry["synonyms"], list), entry["slug"]
        assert all(isinstance(term, str) and term.strip() == term and term for term in entry["synonyms"]), entry["slug"]
        assert len(entry["synonyms"]) == len(set(entry["synonyms"])), f"repeated synonym in {entry['slug']}"
        assert ICD10.match(entry["icd10"]), f"{entry['slug']}: ICD-10 {entry['icd10']!r}"
        for item in entry["related_codes"]:
            assert set(item) == {"code", "display"}, entry["slug"]
            assert isinstance(item["display"], str) and item["display"].strip(), entry["slug"]


def test_at_least_45_conditions() -> None:
    assert len(conditions()) >= 45


def test_slugs_are_unique_and_well_formed() -> None:
    slugs = [entry["slug"] for entry in conditions()]
    assert len(slugs) == len(set(slugs))
    bad = [slug for slug in slugs if not SLUG.match(slug)]
    assert not bad, bad


def test_main_snomed_codes_are_digit_strings_and_unique() -> None:
    codes = [entry["snomed"] for entry in conditions()]
    bad = [code for code in codes if not isinstance(code, str) or not SNOMED_ID.match(code)]
    assert not bad, bad
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    assert not duplicates, duplicates


def test_related_codes_are_digit_strings() -> None:
    bad = [(slug, code) for slug, code in all_codes() if not isinstance(code, str) or not SNOMED_ID.match(code)]
    assert not bad, bad


def test_every_snomed_code_passes_the_verhoeff_check() -> None:
    bad = [(slug, code) for slug, code in all_codes() if not verhoeff_valid(code)]
    assert not bad, f"check digit wrong (typo?): {bad}"


def test_every_focus_code_from_the_synthea_records_is_mapped() -> None:
    if not FOCUS_CODES.is_file():
        pytest.skip(f"shared reference data not found at {FOCUS_CODES}")
    with FOCUS_CODES.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["group"] != "pregnancy"]
    assert rows
    known = {code for _, code in all_codes()}
    missing = sorted(
        {(row["group"], row["code"], row["display_as_in_bundles"]) for row in rows if row["code"] not in known}
    )
    assert not missing, missing


@pytest.mark.parametrize("term", REQUIRED_TERMS)
def test_required_search_terms_find_a_condition(term: str) -> None:
    wanted = term.lower()
    found = [
        entry["slug"]
        for entry in conditions()
        if wanted == entry["name"].lower() or wanted in {synonym.lower() for synonym in entry["synonyms"]}
    ]
    assert found, f"no condition is called {term!r}"


def test_no_synonym_repeats_its_own_condition_name() -> None:
    bad = [
        (entry["slug"], synonym)
        for entry in conditions()
        for synonym in entry["synonyms"]
        if synonym.lower() == entry["name"].lower()
    ]
    assert not bad, bad
