"""The dashboard's list as CSV, for a clinic's own records: audited, never cached, safe to open in a spreadsheet.

Patient names and identifiers are in it because a clinician acts on it and a name alone is ambiguous (the hazard
"a prescription on the wrong patient"). Adherence is in it only while the patient shares it (SECURITY.md Consent).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.http import HttpResponse

from peerpath.accounts.models import Organisation
from peerpath.core.time import now
from peerpath.prescriptions.access import record_list_read
from peerpath.prescriptions.models import Prescription
from peerpath.prescriptions.selectors import clinician_views

HEADER = (
    "prescription_id",
    "status",
    "written_on",
    "sent_on",
    "patient",
    "patient_identifiers",
    "prescribed",
    "dose",
    "start_date",
    "end_date",
    "clinician",
    "sharing",
    "adherence",
)
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell as text, with a leading quote when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _row(prescription: Prescription, sharing: str, adherence: str) -> list[str]:
    identifiers = "; ".join(
        f"{identifier.get_kind_display()} {identifier.value}" for identifier in prescription.patient.identifiers.all()
    )
    clinician = prescription.clinician.legal_name or prescription.clinician.handle
    values: list[Any] = [
        prescription.pk,
        prescription.get_status_display(),
        prescription.created_at.date().isoformat(),
        prescription.sent_at.date().isoformat() if prescription.sent_at else "",
        prescription.patient.name,
        identifiers,
        prescription.what,
        prescription.dose_sentence,
        prescription.start_date.isoformat(),
        prescription.end_date.isoformat(),
        clinician,
        sharing,
        adherence,
    ]
    return [safe_cell(value) for value in values]


def rows(prescriptions: Sequence[Prescription]) -> Iterable[list[str]]:
    views = clinician_views(prescriptions, now().date())
    for prescription in prescriptions:
        view = views[prescription.pk]
        yield _row(prescription, view.sharing_label, view.adherence.summary if view.adherence is not None else "")


def export_response(
    *,
    actor: Any,
    prescriptions: Sequence[Prescription],
    organisations: Iterable[Organisation],
    filters: Mapping[str, str],
) -> HttpResponse:
    """The CSV file, and one `prescription.exported` audit event per organisation whose prescriptions it holds."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows(prescriptions))
    per_organisation = Counter(item.organisation_id for item in prescriptions)
    for organisation in organisations:
        record_list_read(
            actor, [organisation], action="prescription.exported",
            count=per_organisation.get(organisation.pk, 0), format="csv", **filters,
        )  # fmt: skip
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="prescriptions-{now().date().isoformat()}.csv"'
    response["Cache-Control"] = "no-store"
    return response
