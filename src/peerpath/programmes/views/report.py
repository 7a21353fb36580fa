"""The coordinator's report of a programme (issue 16 point 8): its figures on a page, and its contacts of a chosen
date range as CSV for a funder's report. For the organisation's coordinators and admins (the programme gate);
everyone else gets the same 404. Thin: the gate, the reads in `programmes.reports`, render.

    /programmes/<id>/report/                supporters' caseloads, contacts per week, follow-up figures
    /programmes/<id>/report/contacts.csv    one coded row per contact of a date range (audited, never cached)
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from peerpath.audit.services import record
from peerpath.core.forms import IsoDateInput
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.prescriptions.csv_export import safe_cell
from peerpath.programmes import reports
from peerpath.programmes.access import access_programme
from peerpath.programmes.models import Programme
from peerpath.programmes.selectors import SILENT_DAYS, TRIES_FOR_REVIEW

# The longest range one file may hold: a funder's reporting year, and the one before to compare with.
MAX_YEARS = 2

_DATE_ERRORS = {"required": _("Enter a date."), "invalid": _("Enter a real date, as year-month-day.")}


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year that has none
        return date(day.year + years, 3, 1)


class ContactsRangeForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=IsoDateInput(), input_formats=["%Y-%m-%d"],
                            error_messages=_DATE_ERRORS)  # fmt: skip
    end = forms.DateField(label=_("To"), widget=IsoDateInput(), input_formats=["%Y-%m-%d"],
                          error_messages=_DATE_ERRORS)  # fmt: skip

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return data
        if end > timezone.localdate():
            self.add_error("end", _("Choose an end date no later than today."))
        elif end < start:
            self.add_error("end", _("The end date is before the start date."))
        elif end > _years_after(start, MAX_YEARS):
            self.add_error("end", _("Choose a range of two years or less."))
        return data

    def period(self) -> reports.Period:
        return reports.Period(self.cleaned_data["start"], self.cleaned_data["end"])


def _render(
    request: AuthenticatedHttpRequest, programme: Programme, form: ContactsRangeForm, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "programme": programme,
        "loads": reports.supporter_loads(programme),
        "weekly": reports.weekly_contacts(programme, reports.last_weeks(today)),
        "follow_ups": reports.follow_up_figures(programme, today),
        "tries": TRIES_FOR_REVIEW,
        "silent_days": SILENT_DAYS,
        "form": form,
    }
    return render(request, "programmes/report.html", context, status=status)


def _default_form() -> ContactsRangeForm:
    period = reports.last_weeks(timezone.localdate())
    return ContactsRangeForm(initial={"start": period.start, "end": period.end})


@never_cache
@login_required
@require_GET
def report_page(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    programme = access_programme(request.user, programme_id)
    return _render(request, programme, _default_form())


@never_cache
@login_required
@require_GET
def contacts_csv(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    programme = access_programme(request.user, programme_id)
    if "start" in request.GET or "end" in request.GET:
        form = ContactsRangeForm(request.GET)
        if not form.is_valid():
            return _render(request, programme, form, status=400)
        period = form.period()
    else:
        period = reports.last_weeks(timezone.localdate())
    rows = reports.contact_rows(programme, period)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(reports.CONTACT_COLUMNS)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    # Coded contacts of patients, without names: a read of patient-related data all the same, recorded once.
    record(action="programmes.contacts_exported", actor=request.user, organisation=programme.organisation,
           target=programme, details={"programme": str(programme.pk), "start": period.start.isoformat(),
                                      "end": period.end.isoformat(), "count": len(rows), "format": "csv"})  # fmt: skip
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"programme-contacts-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns: list[URLPattern] = [
    path("programmes/<uuid:programme_id>/report/", report_page, name="programmes_report"),
    path("programmes/<uuid:programme_id>/report/contacts.csv", contacts_csv, name="programmes_report_csv"),
]
