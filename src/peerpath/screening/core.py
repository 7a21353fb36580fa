"""Screening of every new post and edit before it is published (issue 6 point 8): a pluggable set of detectors,
each giving findings (a category, a confidence and the matched evidence), and the space's decision per category.

A detector is any object with a `name`, a `category` and `detect(text, context) -> list[Finding]`; the list in
`screening/detectors/__init__.py` (ALL) is what runs. Detectors are pure: no database, no network, so screening one
post stays within the 20 ms the issue allows (bench/forum_search.py measures it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from peerpath.screening.categories import DEFAULT_DECISIONS, Category, Decision

# Below this confidence a finding is kept for the record but does not decide anything.
DECIDING_CONFIDENCE = 0.5
# The order in which decisions win: refusing beats holding beats publishing with a flag.
_STRENGTH = {Decision.PUBLISH_AND_FLAG: 1, Decision.HOLD: 2, Decision.REFUSE: 3}


@dataclass(frozen=True)
class Finding:
    category: str
    confidence: float
    evidence: str
    detector: str
    # For misinformation: the claim's correction and source, shown to moderators and used for a fact note.
    detail: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {"category": self.category, "confidence": round(self.confidence, 3), "evidence": self.evidence[:200],
                "detector": self.detector, **({"detail": self.detail} if self.detail else {})}  # fmt: skip


@dataclass(frozen=True)
class ClaimRule:
    """A known false claim as the misinformation detector reads it (from MisinformationClaim rows)."""

    claim_id: str
    claim: str
    phrases: tuple[str, ...]
    correction: str
    source_url: str
    condition_slugs: frozenset[str] = frozenset()  # empty: any condition


@dataclass(frozen=True)
class Context:
    """What a detector may know besides the text: the space's conditions, the curated claims, the author's own
    handle (not personal data of others)."""

    conditions: frozenset[str] = frozenset()
    claims: tuple[ClaimRule, ...] = ()
    author_handle: str = ""
    member_handles: frozenset[str] = frozenset()
    # For promotion (issue 15 point 4): the websites of the organisation's vetted listings (host names, "www."
    # removed), which are never promotion; and whether the author is new, with the links they posted lately.
    allowed_hosts: frozenset[str] = frozenset()
    author_is_new: bool = False
    author_recent_links: int = 0


class Detector(Protocol):
    name: str
    category: str

    def detect(self, text: str, context: Context) -> list[Finding]: ...


@dataclass
class Result:
    findings: list[Finding]
    decision: str  # a Decision, or "" when nothing deciding was found
    categories: list[str]  # the deciding categories, strongest first
    elapsed_ms: float

    @property
    def is_crisis(self) -> bool:
        return Category.CRISIS in self.categories

    @property
    def refused(self) -> bool:
        return self.decision == Decision.REFUSE

    @property
    def held(self) -> bool:
        return self.decision == Decision.HOLD


def decide(findings: list[Finding], decisions: dict[str, str]) -> tuple[str, list[str]]:
    """The space's decision for these findings: the strongest among the deciding categories. A crisis is never
    refused or silently held: at worst it is published and flagged urgent (issue 6 point 9)."""
    deciding = sorted(
        {finding.category for finding in findings if finding.confidence >= DECIDING_CONFIDENCE},
        key=lambda category: list(Category.values).index(category) if category in Category.values else 99,
    )
    if not deciding:
        return "", []
    chosen = ""
    for category in deciding:
        decision = decisions.get(category) or DEFAULT_DECISIONS.get(category, Decision.HOLD)
        if category == Category.CRISIS:
            decision = Decision.PUBLISH_AND_FLAG if decision == Decision.REFUSE else decision
        if not chosen or _STRENGTH[Decision(decision)] > _STRENGTH[Decision(chosen)]:
            chosen = decision
    if Category.CRISIS in deciding and chosen == Decision.REFUSE:
        chosen = Decision.HOLD  # another category may hold a crisis post for a moderator, never refuse it unseen
    return chosen, deciding


def screen(text: str, context: Context, decisions: dict[str, str] | None = None) -> Result:
    """Run every detector over the text and decide."""
    from peerpath.screening.detectors import ALL

    started = time.perf_counter()
    findings: list[Finding] = []
    for detector in ALL:
        findings.extend(detector.detect(text, context))
    decision, categories = decide(findings, decisions or {})
    return Result(findings, decision, categories, (time.perf_counter() - started) * 1000)
