"""Reads of the audit log, filtered to the organisation a coordinator or admin manages."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from peerpath.accounts.models import Organisation, RoleAssignment
from peerpath.audit.models import AuditEvent


def organisation_events(
    organisation: Organisation,
    *,
    action: str = "",
    outcome: str = "",
    actor_handle: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """Events about the organisation, and account events (sign-ins, MFA) of the people who hold roles in it."""
    people = RoleAssignment.objects.filter(organisation=organisation).values("user_id")
    events = AuditEvent.objects.filter(
        Q(organisation=organisation) | Q(organisation__isnull=True, actor_id__in=people)
    ).select_related("actor", "organisation")
    if action:
        events = events.filter(action__startswith=action)
    if outcome:
        events = events.filter(outcome=outcome)
    if actor_handle:
        events = events.filter(actor__handle__iexact=actor_handle)
    if since:
        events = events.filter(occurred_at__gte=timezone.make_aware(datetime.combine(since, time.min)))
    if until:
        events = events.filter(occurred_at__lt=timezone.make_aware(datetime.combine(until, time.max)))
    return events.order_by("-seq")
