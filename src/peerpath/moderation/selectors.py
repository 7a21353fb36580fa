"""Reads for moderation, already filtered to what the asking person may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db.models import Count, Max, Q, QuerySet

from peerpath.core.time import now
from peerpath.moderation.models import DEFAULT_DECISIONS, FactCheck, MisinformationClaim, Mute, SpacePolicy
from peerpath.moderation.rules import DEFAULT_TEMPLATES
from peerpath.screening import fact_checks
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


_index_cache: dict[str, Any] = {}


def fact_check_index() -> fact_checks.Index | None:
    """Every fact-checked statement of the current sentence transformer with its vector, read again only when the
    list changed (rows are only ever added or removed); None when there are none."""
    rows = FactCheck.objects.filter(model=fact_checks.MODEL)
    key = repr(rows.aggregate(count=Count("pk"), newest=Max("created_at")))
    if _index_cache.get("key") != key:
        values = list(rows.order_by("created_at", "pk").values_list("pk", "statement", "rated_false", "source",
                                                                    "source_url", "vector"))  # fmt: skip
        index = None
        if values:
            statements = tuple(fact_checks.Statement(str(pk), text, false, source, url)
                               for pk, text, false, source, url, _vector in values)  # fmt: skip
            vectors = np.frombuffer(b"".join(bytes(row[-1]) for row in values), dtype=np.float32)
            index = fact_checks.Index(statements, vectors.reshape(len(values), fact_checks.DIMENSIONS))
        _index_cache.update(key=key, index=index)
    return _index_cache["index"]


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
    # Crisis items alone (issue 15 point 7): the median time to first action, counted as the median above, and the
    # slowest open crisis item's time to its first action (its wait so far when nobody has acted yet).
    crisis_median_first_action: timedelta | None = None
    slowest_open_crisis: timedelta | None = None


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
    from django.db.models import Count, Min

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
    rows = list(
        items.filter(acted | untouched | Q(status=QueueItem.Status.OPEN)).values_list(
            "created_at", "first_action_at", "status", "urgent", "category"
        )
    )
    times: list[timedelta] = []
    crisis_times: list[timedelta] = []
    slowest_open_crisis: timedelta | None = None
    for opened, first, status, urgent, category in rows:
        counted = first is None or opened >= moment - DASHBOARD_WINDOW
        taken = (first or moment) - opened
        crisis = urgent or category == "crisis"
        if counted:
            times.append(taken)
            if crisis:
                crisis_times.append(taken)
        if crisis and status == QueueItem.Status.OPEN:
            slowest_open_crisis = max(taken, slowest_open_crisis or taken)
    return Dashboard(
        queue_size=waiting["size"],
        median_first_action=_median(times),
        awaiting_first_action=waiting["untouched"],
        crisis_waiting=waiting["crisis"],
        longest_wait=moment - waiting["oldest"] if waiting["oldest"] else None,
        longest_crisis_wait=moment - waiting["oldest_crisis"] if waiting["oldest_crisis"] else None,
        crisis_median_first_action=_median(crisis_times),
        slowest_open_crisis=slowest_open_crisis,
    )


# --- The crisis workflow (issue 15 point 7) ------------------------------------------------------------------------


def crisis_items() -> QuerySet[Any]:
    """Every crisis item, open or dealt with."""
    from peerpath.moderation.models import QueueItem

    return QueueItem.objects.filter(Q(urgent=True) | Q(category="crisis"))


def has_crisis(thread: Any) -> bool:
    """A thread with a crisis post (now or ever) is never made public (issue 15 point 7); the forum asks this
    before it opens a thread to everyone."""
    return crisis_items().filter(post__thread=thread).exists()


def crisis_threads() -> QuerySet[Any]:
    """The ids of threads with a crisis post, for filters (public forums, search, sitemaps)."""
    return crisis_items().values("post__thread")


ESCALATED_CRISIS_RECENT = timedelta(days=7)


def escalated_crisis_items(organisation_ids: list[Any]) -> QuerySet[Any]:
    """Crisis items passed to the clinicians of these organisations: the open ones first, then those dealt with in
    the last week (so the clinician sees what happened), newest first."""
    from django.db.models import Exists, OuterRef

    from peerpath.moderation.models import CrisisOutcome, QueueItem

    passed = CrisisOutcome.objects.filter(item=OuterRef("pk"), kind=CrisisOutcome.Kind.PASSED_TO_CLINICIAN)
    recent = Q(status=QueueItem.Status.OPEN) | Q(resolved_at__gte=now() - ESCALATED_CRISIS_RECENT)
    return (
        crisis_items()
        .filter(recent, Exists(passed), organisation_id__in=organisation_ids)
        .select_related("post__thread", "post__author", "space")
        .prefetch_related("crisis_outcomes__actor")
        .order_by("-status", "created_at", "pk")
    )


def thread_context(post: Any, *, around: int = 2) -> list[Any]:
    """The crisis post with up to `around` published posts before and after it in its thread, oldest first."""
    from peerpath.forum.models import Post

    published = Post.objects.filter(thread_id=post.thread_id, status=Post.Status.PUBLISHED).select_related("author")
    before = list(published.filter(created_at__lt=post.created_at).order_by("-created_at", "-pk")[:around])
    after = list(published.filter(created_at__gt=post.created_at).order_by("created_at", "pk")[:around])
    return [*reversed(before), post, *after]


def shared_patient_record(clinician: Any, author: Any) -> Any:
    """The author's patient record at the clinician's organisation, when the author is that clinician's patient (a
    prescription written by them) and shares with them now (a standing consent to share). None otherwise: the
    crisis page then shows no link to the record."""
    from peerpath.prescriptions.models import Patient
    from peerpath.prescriptions.selectors import prescriber_organisations

    if author is None or not getattr(clinician, "is_authenticated", False):
        return None
    return (
        Patient.objects.filter(
            user=author,
            organisation__in=prescriber_organisations(clinician),
            prescriptions__clinician=clinician,
            prescriptions__consents__withdrawn_at__isnull=True,
            prescriptions__consents__share_participation=True,
        )
        .distinct()
        .first()
    )
