"""Walking the audit chain to find the first event that no longer matches its hash or its predecessor."""

from __future__ import annotations

from dataclasses import dataclass

from peerpath.audit.hashing import event_digest
from peerpath.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_seq: int | None
    reason: str

    @property
    def intact(self) -> bool:
        return self.first_broken_seq is None


_FIELDS = (
    "seq", "occurred_at", "actor_id", "organisation_id", "action", "object_type", "object_id",
    "outcome", "ip_address", "request_id", "details", "prev_hash", "hash",
)  # fmt: skip


def verify_chain(*, chunk_size: int = 5000) -> ChainReport:
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    rows = AuditEvent.objects.order_by("seq").values_list(*_FIELDS).iterator(chunk_size=chunk_size)
    for row in rows:
        record = dict(zip(_FIELDS, row, strict=True))
        seq = record["seq"]
        if seq != expected_seq:
            return ChainReport(checked, expected_seq, f"event #{expected_seq} is missing")
        if record["prev_hash"] != expected_prev:
            return ChainReport(checked, seq, f"event #{seq} does not follow event #{seq - 1}")
        digest = event_digest(
            prev_hash=record["prev_hash"],
            seq=seq,
            occurred_at=record["occurred_at"],
            actor_id=record["actor_id"],
            organisation_id=record["organisation_id"],
            action=record["action"],
            object_type=record["object_type"],
            object_id=record["object_id"],
            outcome=record["outcome"],
            ip_address=record["ip_address"],
            request_id=record["request_id"],
            details=record["details"],
        )
        if digest != record["hash"]:
            return ChainReport(checked, seq, f"event #{seq} was altered after it was written")
        expected_prev = record["hash"]
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
        return ChainReport(checked, checked + 1, f"the chain ends at #{checked} but its head says #{head.last_seq}")
    return ChainReport(checked, None, "intact")
