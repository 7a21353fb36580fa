"""How an audit event is hashed: the previous hash and a canonical JSON of every recorded field."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from peerpath.core.time import to_utc_iso


def event_digest(
    *,
    prev_hash: str,
    seq: int,
    occurred_at: datetime,
    actor_id: Any,
    organisation_id: Any,
    action: str,
    object_type: str,
    object_id: str,
    outcome: str,
    ip_address: str | None,
    request_id: str,
    details: dict[str, Any],
) -> str:
    body = {
        "seq": seq,
        "occurred_at": to_utc_iso(occurred_at),
        "actor": str(actor_id) if actor_id else None,
        "organisation": str(organisation_id) if organisation_id else None,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "outcome": outcome,
        "ip_address": ip_address or None,
        "request_id": request_id,
        "details": details,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + "\n" + canonical).encode("utf-8")).hexdigest()
