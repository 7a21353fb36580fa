"""Writing audit events. Every read of patient data and every change calls `record` or `record_access`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from peerpath.audit.hashing import event_digest
from peerpath.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from peerpath.core.middleware import current_client_ip, current_request_id
from peerpath.core.time import now

if TYPE_CHECKING:
    from peerpath.accounts.models import Organisation, User

# Details describe what happened, never who it happened to: these keys would carry personal data.
_FORBIDDEN_DETAIL_KEYS = frozenset(
    {"email", "e-mail", "name", "legal_name", "password", "phone", "address", "dob", "date_of_birth", "token"}
)
_ALLOWED_SCALARS = (str, int, bool, type(None))


def _check_details(details: dict[str, Any]) -> dict[str, Any]:
    for key, value in details.items():
        if key.lower() in _FORBIDDEN_DETAIL_KEYS:
            raise ValueError(f"audit details must not carry personal data ({key!r})")
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(item, _ALLOWED_SCALARS) for item in values):
            raise ValueError(f"audit detail {key!r} must be a string, integer, boolean, null or a list of them")
    return details


def record(
    *,
    action: str,
    actor: User | None = None,
    organisation: Organisation | None = None,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    outcome: str = AuditEvent.Outcome.SUCCESS,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction when there is one."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
    clean = _check_details(dict(details or {}))
    actor_obj = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        # The UPDATE takes the head's row lock (PostgreSQL) or the write lock (SQLite) first, so concurrent
        # appends queue here and each sees the true previous hash.
        updated = AuditChainHead.objects.filter(pk=1).update(last_seq=models.F("last_seq") + 1)
        if not updated:
            AuditChainHead.objects.get_or_create(pk=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH})
            AuditChainHead.objects.filter(pk=1).update(last_seq=models.F("last_seq") + 1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            seq=head.last_seq,
            occurred_at=now(),
            actor=actor_obj,
            organisation=organisation,
            action=action,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
            ip_address=current_client_ip(),
            request_id=current_request_id(),
            details=clean,
            prev_hash=head.last_hash,
        )
        event.hash = event_digest(
            prev_hash=event.prev_hash,
            seq=event.seq,
            occurred_at=event.occurred_at,
            actor_id=event.actor_id,
            organisation_id=event.organisation_id,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            outcome=event.outcome,
            ip_address=event.ip_address,
            request_id=event.request_id,
            details=event.details,
        )
        event.save()
        AuditChainHead.objects.filter(pk=1).update(last_hash=event.hash)
    return event


def record_access(
    *,
    actor: User,
    target: models.Model,
    organisation: Organisation | None = None,
    purpose: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record a read of patient data: later apps call this from every gate or view that shows it."""
    extra = dict(details or {})
    if purpose:
        extra["purpose"] = purpose
    return record(
        action=f"{target._meta.model_name}.viewed",
        actor=actor,
        organisation=organisation,
        target=target,
        details=extra,
    )


def record_denied(
    *, actor: User | None, object_type: str, object_id: str, details: dict[str, Any] | None = None
) -> None:
    """A gate refused: recorded for every failed authorization (SECURITY.md Audit; ASVS 16.3.2)."""
    record(
        action="access.denied",
        actor=actor,
        object_type=object_type,
        object_id=object_id[:80],
        outcome=AuditEvent.Outcome.DENIED,
        details=details,
    )
