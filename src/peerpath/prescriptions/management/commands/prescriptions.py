"""`peerpath prescriptions`: import patients from a FHIR Patient or Bundle file (Synthea's bundles included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.accounts.models import Organisation, User
from peerpath.core.errors import DomainError
from peerpath.fhir.importer import import_patients, parse_json
from peerpath.prescriptions.selectors import staff_organisations

MAX_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = "Patients and prescriptions: import-fhir FILE."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, metavar="{import-fhir}")
        load = commands.add_parser(
            "import-fhir", help="Import patients from a FHIR R4 Patient or Bundle; matching identifiers update."
        )
        load.add_argument("file", help="A FHIR JSON file: a Patient, or a Bundle holding Patients.")
        load.add_argument("--organisation", help="The slug of the clinic whose list they join.")
        load.add_argument("--actor", help="The e-mail of the clinician, coordinator or admin doing the import.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB; split it into smaller files.")
        actor = self._actor(options.get("actor"))
        organisation = self._organisation(actor, options.get("organisation"))
        try:
            report = import_patients(actor=actor, organisation=organisation, document=parse_json(path.read_bytes()))
        except DomainError as error:
            raise CommandError(f"{path} was refused, nothing was saved: {error.message}") from None
        self.stdout.write(
            f"{organisation.name}: created {len(report.created)}, updated {len(report.updated)}, "
            f"unchanged {len(report.unchanged)}."
        )
        for label, patients in (("created", report.created), ("updated", report.updated)):
            for patient in patients:
                self.stdout.write(f"  {label}  {patient.pk}")

    def _actor(self, email: str | None) -> User:
        if not email:
            raise CommandError("Say who is importing: --actor EMAIL (a clinician, coordinator or admin).")
        actor = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if actor is None:
            raise CommandError(f"No active account with the e-mail {email}.")
        return actor

    def _organisation(self, actor: User, slug: str | None) -> Organisation:
        organisations = list(staff_organisations(actor))
        if slug:
            chosen = [item for item in organisations if item.slug == slug]
            if not chosen:
                raise CommandError(f"{actor.email} is not clinical staff of an organisation {slug!r}.")
            return chosen[0]
        if len(organisations) != 1:
            raise CommandError("Say which organisation: --organisation SLUG.")
        return organisations[0]
