"""Validating HSDS 3.1 objects against the schemas shipped beside this file (JSON Schema 2020-12)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
MAX_ERRORS = 50


@cache
def _registry() -> Registry:
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text("utf-8")), default_specification=DRAFT202012))
        for path in sorted(SCHEMA_DIR.glob("*.json"))
    ]
    return Registry().with_resources(resources)


@cache
def validator(object_name: str) -> Draft202012Validator:
    """The validator of one HSDS object ("service", "organization", …); its $refs resolve among the shipped files."""
    schema = json.loads((SCHEMA_DIR / f"{object_name}.json").read_text("utf-8"))
    return Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())


def json_path(prefix: str, parts: Any) -> str:
    path = prefix
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(the document)"


def errors_of(document: Any, object_name: str, *, at: str = "") -> list[str]:
    """Every schema error as "path: message", the path from the file's top (e.g. contents[3].schedules[0].freq)."""
    found = sorted(validator(object_name).iter_errors(document), key=lambda error: list(error.absolute_path))
    return [f"{json_path(at, error.absolute_path)}: {error.message[:300]}" for error in found[:MAX_ERRORS]]
