"""`peerpath moderation`: loading the curated misinformation list (moderation/data/misinformation.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.core.errors import DomainError
from peerpath.moderation.claims import DATA_FILE, load_claims


class Command(BaseCommand):
    help = "Moderation: load-claims [FILE]."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, metavar="{load-claims}")
        load = commands.add_parser(
            "load-claims", help="Load the starting list of known false claims; claims already there are kept."
        )
        load.add_argument("file", nargs="?", default=str(DATA_FILE), help="A claims JSON file (the shipped list).")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            report = load_claims(path)
        except (ValueError, KeyError, TypeError, DomainError) as error:
            raise CommandError(f"{path} could not be loaded ({error}); nothing was saved.") from None
        self.stdout.write(f"Loaded {report.created} claims; {report.existing} were already there.")
        for label in report.skipped:
            self.stderr.write(f"  skipped  {label}")
