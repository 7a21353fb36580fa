"""Time helpers: everything stored in UTC, always timezone aware."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def to_utc_iso(moment: datetime) -> str:
    if timezone.is_naive(moment):
        raise ValueError("naive datetime: PeerPath stores aware times only")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
