"""Reads for moderation, already filtered to what the asking person may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from peerpath.core.time import now
from peerpath.moderation.models import DEFAULT_DECISIONS, MisinformationClaim, Mute, SpacePolicy
from peerpath.moderation.rules import DEFAULT_TEMPLATES
from peerpath.moderation.screening import ClaimRule


def muted_until(user: Any, space: Any) -> datetime | None:
    mute = Mute.objects.filter(space=space, user=user, until__gt=now()).order_by("-until").first()
    return mute.until if mute is not None else None


def policy_of(space: Any) -> SpacePolicy:
    """The space's policy, or the defaults (unsaved) when it has none."""
    policy = SpacePolicy.objects.filter(space=space).first()
    if policy is None:
        policy = SpacePolicy(space=space, rule_templates=list(DEFAULT_TEMPLATES), decisions=dict(DEFAULT_DECISIONS))
    return policy


def decisions_of(policy: SpacePolicy) -> dict[str, str]:
    return {**DEFAULT_DECISIONS, **(policy.decisions or {})}


def claim_rules() -> tuple[ClaimRule, ...]:
    """Every active curated claim, as the misinformation detector reads them."""
    claims: QuerySet[MisinformationClaim] = MisinformationClaim.objects.filter(active=True).select_related("condition")
    return tuple(
        ClaimRule(
            claim_id=str(claim.pk),
            claim=claim.claim,
            phrases=tuple(str(phrase).lower() for phrase in claim.phrases),
            correction=claim.correction,
            source_url=claim.source_url,
            condition_slugs=frozenset({claim.condition.slug}) if claim.condition is not None else frozenset(),
        )
        for claim in claims
    )
