"""`peerpath directory`: HSDS export and import, and reloading the condition value set."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.directory.conditions import load_value_set, value_set
from peerpath.directory.hsds.export import export_directory
from peerpath.directory.hsds.importer import MAX_BYTES, HsdsRefused, import_hsds


class Command(BaseCommand):
    help = "The directory: export-hsds, import-hsds FILE, load-conditions."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(
            dest="action", required=True, metavar="{export-hsds,import-hsds,load-conditions}"
        )
        export = commands.add_parser("export-hsds", help="Write the public directory as Open Referral HSDS 3.1 JSON.")
        export.add_argument("--output", "-o", help="A file to write (standard output when not given).")
        load = commands.add_parser("import-hsds", help="Import an HSDS file as submissions awaiting vetting.")
        load.add_argument("file", help="An HSDS JSON file: a service, a list of them, or organizations with services.")
        load.add_argument("--dry-run", action="store_true", help="Check and report, save nothing.")
        commands.add_parser("load-conditions", help="Load the condition value set (directory/data/conditions.json).")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "export-hsds":
            self._export(options.get("output"))
        elif action == "import-hsds":
            self._import(Path(options["file"]), dry_run=options["dry_run"])
        else:
            conditions, codes = load_value_set()
            self.stdout.write(f"Loaded {conditions} conditions and {codes} codes (value set {value_set()['version']}).")

    def _export(self, output: str | None) -> None:
        document = export_directory()
        text = json.dumps(document, indent=2, ensure_ascii=False, default=str)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote {document['total_items']} services to {output}.")
        else:
            sys.stdout.write(text + "\n")

    def _import(self, path: Path, *, dry_run: bool) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB; split it into smaller files.")
        try:
            report = import_hsds(path.read_bytes(), dry_run=dry_run)
        except HsdsRefused as refused:
            for error in refused.errors:
                self.stderr.write(f"  {error}")
            raise CommandError(f"{path} was refused ({len(refused.errors)} errors above); nothing was saved.") from None
        write = self.stdout.write
        write(("Dry run: nothing was saved. " if dry_run else "") + f"Created {len(report.created)}, "
              f"updated {len(report.updated)}, skipped {len(report.skipped)}.")  # fmt: skip
        for label in report.created:
            write(f"  created  {label}")
        for label in report.updated:
            write(f"  updated  {label}")
        for label, reason in report.skipped:
            write(f"  skipped  {label}: {reason}")
        if report.created and not dry_run:
            write("New listings wait in the vetting queue: /directory/vetting/")
