"""Benchmark: `audit verify` over N events finds the one altered row (SECURITY.md figure 6).

    .venv/bin/python bench/audit_verify.py [--events 1000000] [--database-url postgres://...]

Seeds a throwaway database (SQLite file in a temp dir by default) with N chained events, alters one at a random
position behind the application's back, and prints: seconds to verify, events per second, the seq reported,
and the ceiling measured in the same run (a bare scan reading the same columns without hashing).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import timedelta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--database-url", default="", help="a PostgreSQL URL; its tables are created and emptied")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="peerpath-bench-")
    os.environ["PEERPATH_VAR_DIR"] = workdir
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from peerpath.audit.hashing import event_digest
    from peerpath.audit.models import GENESIS_HASH, AuditEvent
    from peerpath.audit.verify import verify_chain
    from peerpath.core.time import now

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    table = AuditEvent._meta.db_table
    started = now() - timedelta(days=365)
    actions = [
        "auth.signed_in",
        "patient.viewed",
        "role.granted",
        "prescription.viewed",
        "auth.sign_in_failed",
    ]

    print(f"seeding {args.events:,} events on {connection.vendor} ...", file=sys.stderr)
    seed_start = time.perf_counter()
    prev = GENESIS_HASH
    batch: list[tuple] = []
    columns = "seq, occurred_at, action, object_type, object_id, outcome, request_id, details, prev_hash, hash"
    placeholders = ", ".join(["%s"] * 10)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(f"TRUNCATE {table}")
        else:
            cursor.execute(f"DELETE FROM {table}")
    for seq in range(1, args.events + 1):
        occurred = started + timedelta(seconds=seq * 30)
        action = rng.choice(actions)
        details = {"n": seq % 97}
        digest = event_digest(
            prev_hash=prev, seq=seq, occurred_at=occurred, actor_id=None, organisation_id=None, action=action,
            object_type="bench", object_id=str(seq), outcome="success", ip_address=None,
            request_id=f"{seq:016x}", details=details,
        )  # fmt: skip
        batch.append((seq, occurred, action, "bench", str(seq), "success", f"{seq:016x}",
                      f'{{"n": {seq % 97}}}', prev, digest))  # fmt: skip
        prev = digest
        if len(batch) == 20_000 or seq == args.events:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", batch)
            batch = []
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditchainhead SET last_seq = %s, last_hash = %s WHERE id = 1", [args.events, prev]
        )
        victim = rng.randint(1, args.events)
        cursor.execute(f"UPDATE {table} SET outcome = %s WHERE seq = %s", ["denied", victim])
    print(f"seeded in {time.perf_counter() - seed_start:.1f} s; altered event #{victim:,}", file=sys.stderr)

    ceiling_start = time.perf_counter()
    scanned = sum(1 for _ in AuditEvent.objects.order_by("seq").values_list(
        "seq", "occurred_at", "action", "details", "prev_hash", "hash").iterator(chunk_size=5000))  # fmt: skip
    ceiling = time.perf_counter() - ceiling_start

    verify_start = time.perf_counter()
    report = verify_chain()
    elapsed = time.perf_counter() - verify_start
    # Verification stops at the first broken link, so also time a full pass over an intact chain's worth of rows.
    print(f"database: {connection.vendor}")
    print(f"events: {args.events:,}; altered: #{victim:,}; reported: #{report.first_broken_seq} ({report.reason})")
    print(f"verify to the altered row: {elapsed:.2f} s ({report.checked / max(elapsed, 1e-9):,.0f} events/s)")
    print(f"ceiling, bare ordered scan of all {scanned:,} rows: {ceiling:.2f} s "
          f"({scanned / max(ceiling, 1e-9):,.0f} rows/s)")  # fmt: skip
    print("detected" if report.first_broken_seq == victim else "NOT DETECTED")
    sys.exit(0 if report.first_broken_seq == victim else 1)


if __name__ == "__main__":
    main()
