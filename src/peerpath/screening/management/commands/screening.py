"""`peerpath screening build-encoder`: distil the static sentence encoder (screening/encoder.py) into
SCREENING_MODELS_DIR/encoder/. Run by `make install`; about a minute on one core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.screening import encoder


class Command(BaseCommand):
    help = "Screening: build-encoder [--output DIR]."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, metavar="{build-encoder}")
        build = commands.add_parser(
            "build-encoder", help="Distil all-MiniLM-L6-v2 into the static sentence encoder misinformation uses."
        )
        build.add_argument("--output", help=f"The folder to write (default {encoder.encoder_dir()}).")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["output"]) if options.get("output") else None
        try:
            report = encoder.build(target)
        except (FileNotFoundError, OSError, ValueError, KeyError) as error:
            raise CommandError(
                f"The encoder could not be built ({error}); the previous one, if any, is kept."
            ) from None
        self.stdout.write(
            f"Built the sentence encoder in {report.folder}: {report.tokens} tokens x {report.dims} dimensions, "
            f"{report.seconds:.0f} s."
        )
