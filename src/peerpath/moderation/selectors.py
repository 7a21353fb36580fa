"""Reads for moderation, already filtered to what the asking person may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet

from peerpath.core.time import now
from peerpath.moderation.models import DEFAULT_DECISIONS, MisinformationClaim, Mute, SpacePolicy
from peerpath.moderation.rules import DEFAULT_TEMPLATES
from peerpath.screening.core import ClaimRule


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


# --- The review queue, the moderation log and the dashboard (moderation/views/queue.py) -------------------------


def _with_evidence(items: QuerySet[Any]) -> QuerySet[Any]:
    """Each item with its post, the post's screenings (newest first), reports and appeal: a flat number of
    queries however long the queue."""
    from django.db.models import Prefetch

    from peerpath.moderation.models import Report, Screening

    return items.select_related("post__thread", "post__author", "post__appeal", "space").prefetch_related(
        Prefetch("post__screenings", queryset=Screening.objects.order_by("-created_at")),
        Prefetch("post__reports", queryset=Report.objects.order_by("created_at")),
    )


def open_queue(space: Any) -> QuerySet[Any]:
    """A space's open items: urgent (crisis) first, then the oldest first (issue 6 points 9-10)."""
    from peerpath.moderation.models import QueueItem

    return _with_evidence(
        QueueItem.objects.filter(space=space, status=QueueItem.Status.OPEN).order_by("-urgent", "created_at", "pk")
    )


def organisation_open_queue(organisation: Any) -> QuerySet[Any]:
    """The one queue over all the organisation's spaces, for its coordinators and admins."""
    from peerpath.moderation.models import QueueItem

    return _with_evidence(
        QueueItem.objects.filter(organisation=organisation, status=QueueItem.Status.OPEN).order_by(
            "-urgent", "created_at", "pk"
        )
    )


def escalated_queue(organisation_ids: list[Any]) -> QuerySet[Any]:
    """Posts moderators escalated to the clinicians of these organisations, still waiting."""
    from peerpath.moderation.models import QueueItem

    return _with_evidence(
        QueueItem.objects.filter(
            organisation_id__in=organisation_ids,
            source=QueueItem.Source.ESCALATION,
            status=QueueItem.Status.OPEN,
        ).order_by("-urgent", "created_at", "pk")
    ).select_related("space")


def action_log(space: Any) -> QuerySet[Any]:
    """A space's moderation log, newest first."""
    from peerpath.moderation.models import Action

    return (
        Action.objects.filter(space=space)
        .select_related("moderator", "subject", "post__thread")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class Dashboard:
    """What a coordinator watches (issue 6 point 12)."""

    queue_size: int
    # The median time to first action over the items opened in the last 30 days and every item still waiting for
    # its first action (however old): an item nobody has acted on counts at its wait so far, so an unworked queue
    # reads slow, not fast (see `dashboard_of`).
    median_first_action: timedelta | None
    awaiting_first_action: int  # open items nobody has acted on yet (counted in the median at their wait so far)
    crisis_waiting: int
    longest_wait: timedelta | None
    longest_crisis_wait: timedelta | None


DASHBOARD_WINDOW = timedelta(days=30)


def _median(times: list[timedelta]) -> timedelta | None:
    if not times:
        return None
    ordered, middle = sorted(times), len(times) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def dashboard_of(organisation: Any) -> Dashboard:
    """The organisation's dashboard. Time to first action, honestly: for an item someone acted on, from its opening
    to that first action; for an open item nobody has acted on yet, its wait so far (a lower bound: its first action
    can only come later). Counted over the items opened in the last 30 days, plus every item still waiting for its
    first action however old, so that neither a neglected item nor an unworked queue can make the median look
    fast. Items closed without any action (none today: every resolution is an action) are left out."""
    from django.db.models import Count, Min, Q

    from peerpath.moderation.models import QueueItem

    moment = now()
    items = QueueItem.objects.filter(organisation=organisation)
    waiting = items.filter(status=QueueItem.Status.OPEN).aggregate(
        size=Count("pk"),
        untouched=Count("pk", filter=Q(first_action_at__isnull=True)),
        crisis=Count("pk", filter=Q(urgent=True)),
        oldest=Min("created_at"),
        oldest_crisis=Min("created_at", filter=Q(urgent=True)),
    )
    acted = Q(created_at__gte=moment - DASHBOARD_WINDOW, first_action_at__isnull=False)
    untouched = Q(status=QueueItem.Status.OPEN, first_action_at__isnull=True)
    times: list[timedelta] = [
        (first or moment) - opened
        for opened, first in items.filter(acted | untouched).values_list("created_at", "first_action_at")
    ]
    return Dashboard(
        queue_size=waiting["size"],
        median_first_action=_median(times),
        awaiting_first_action=waiting["untouched"],
        crisis_waiting=waiting["crisis"],
        longest_wait=moment - waiting["oldest"] if waiting["oldest"] else None,
        longest_crisis_wait=moment - waiting["oldest_crisis"] if waiting["oldest_crisis"] else None,
    )
