"""What the matcher reads of a person (engine.py): a plain value, loaded from a consented profile (pool.py), so that
the matcher runs, and is tested and measured, without the database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Person:
    """A member looking for a buddy (role "mentee") or a mentor offering to be one (role "mentor"). Sets hold the
    values of the vocabulary.py choices."""

    id: Any
    role: str  # vocabulary.Role
    languages: frozenset[str]  # BCP 47 codes; at least one
    formats: frozenset[str]  # vocabulary.Format; at least one
    # Where they are (latitude, longitude) and how far they would travel to meet, only when they chose in person.
    place: tuple[float, float] | None = None
    max_km: int | None = None
    conditions: Mapping[str, frozenset[str]] = field(default_factory=dict)  # condition slug -> ConditionStage values
    age_band: str = ""  # vocabulary.AgeBand, "" unsaid
    life_stages: frozenset[str] = frozenset()
    goals: frozenset[str] = frozenset()
    availability: frozenset[str] = frozenset()  # vocabulary.Slot, in their own time zone
    timezone: str = ""  # IANA name, "" unsaid
    interests: frozenset[str] = frozenset()
    gender: str = ""  # vocabulary.Gender, "" unsaid
    wants_gender: frozenset[str] = frozenset()  # honoured preference for the other side's gender; empty: none
    avoid: frozenset[str] = frozenset()  # vocabulary.Avoid
    # Under 18: matched only with mentors the coordinator approved for young people.
    adolescent: bool = False
    approved_for_adolescents: bool = False  # mentors only
    # Mentors: places left under their cap (their caseload and active matches count against it), 0 when paused or
    # untrained. Mentees: 1.
    capacity: int = 1
