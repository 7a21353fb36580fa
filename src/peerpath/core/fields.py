"""Model fields every app may use."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q


class CodeListField(models.CharField):
    """A short list of codes ("en", "cy") kept as ",en,cy," so that `codes_contain` filters it on any database.

    JSON lists cannot be filtered by element on SQLite; a delimited string can, with a plain LIKE.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> list[str]:
        return self.to_python(value)

    def to_python(self, value: Any) -> list[str]:
        if value is None or value == "":
            return []
        if isinstance(value, list | tuple):
            return [str(item) for item in value if str(item)]
        return [item for item in str(value).split(",") if item]

    def get_prep_value(self, value: Any) -> str:
        codes = self.to_python(value)
        return f",{','.join(codes)}," if codes else ""

    def value_to_string(self, obj: models.Model) -> str:
        return self.get_prep_value(self.value_from_object(obj))


def codes_contain(field_name: str, code: str) -> Q:
    """Rows whose CodeListField holds this code."""
    return Q(**{f"{field_name}__contains": f",{code},"})
