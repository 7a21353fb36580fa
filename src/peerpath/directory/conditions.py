"""The shipped value set of conditions (data/conditions.json): loading it, and mapping record codes to conditions."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Q, QuerySet

from peerpath.directory.models import SNOMED_SYSTEM, Condition, ConditionCode

VALUE_SET = Path(__file__).resolve().parent / "data" / "conditions.json"


@cache
def value_set() -> dict[str, Any]:
    with VALUE_SET.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def load_value_set(condition_model: Any = Condition, code_model: Any = ConditionCode) -> tuple[int, int]:
    """Create or update every condition of the value set and its codes; returns (conditions, codes) written.

    Takes the model classes so the data migration can pass its historical models.
    """
    conditions = codes = 0
    for entry in value_set()["conditions"]:
        condition, _ = condition_model.objects.update_or_create(
            slug=entry["slug"],
            defaults={
                "name": entry["name"],
                "snomed_code": entry["snomed"],
                "icd10_code": entry.get("icd10", ""),
                "synonyms": list(entry.get("synonyms", [])),
            },
        )
        conditions += 1
        wanted = [{"code": entry["snomed"], "display": entry["name"]}, *entry.get("related_codes", [])]
        for item in wanted:
            code_model.objects.update_or_create(
                condition=condition, system=SNOMED_SYSTEM, code=item["code"], defaults={"display": item["display"]}
            )
            codes += 1
    return conditions, codes


def conditions_for_codes(codes: Iterable[str], *, system: str = SNOMED_SYSTEM) -> QuerySet[Condition]:
    """The conditions that codes found in a record map to: a child code (diabetic nephropathy) maps to its parent."""
    return Condition.objects.filter(codes__system=system, codes__code__in=list(codes)).distinct()


def conditions_matching(text: str) -> QuerySet[Condition]:
    """Conditions whose name, slug or a synonym is exactly this text (case-insensitive): "POTS", "T1D", "sugar"."""
    words = text.strip()
    if not words:
        return Condition.objects.none()
    by_synonym = [c.pk for c in Condition.objects.all() if words.lower() in {s.lower() for s in c.synonyms}]
    return Condition.objects.filter(Q(name__iexact=words) | Q(slug__iexact=words) | Q(pk__in=by_synonym))
