"""`peerpath audit verify`: walk the hash chain and name the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Audit log tools. `verify` checks every event's hash and its link to the one before."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Verify the hash chain of audit events.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            report = verify_chain()
            if not report.intact:
                raise CommandError(
                    f"Audit chain broken at event #{report.first_broken_seq}: {report.reason} "
                    f"({report.checked} events before it are intact)."
                )
            self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} events verified."))
