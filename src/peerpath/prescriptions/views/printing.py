"""The printed prescription (issue 4 point 7): a print-friendly page and a one-page PDF, for the clinic's staff.

    GET /prescriptions/<id>/print/     prescription_print   the page, with the invitation's QR code
    GET /prescriptions/<id>/print.pdf  prescription_pdf     the same sheet as an A4 PDF

Who: the owning organisation's clinicians, coordinators and admins (access_prescription); everyone else gets 404.
The invitation's link and code are printed only while the prescription waits for the patient's answer.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from peerpath.prescriptions import printing
from peerpath.prescriptions.access import access_prescription


@login_required
@require_GET
def prescription_print(request: HttpRequest, prescription_id: str) -> HttpResponse:
    prescription = access_prescription(request.user, prescription_id, purpose="print")
    sheet = printing.sheet_for(prescription)
    qr = printing.qr_svg(sheet.invitation.url) if sheet.invitation else ""
    return render(
        request, "prescriptions/print/prescription.html", {"prescription": prescription, "sheet": sheet, "qr": qr}
    )


@login_required
@require_GET
def prescription_pdf(request: HttpRequest, prescription_id: str) -> HttpResponse:
    prescription = access_prescription(request.user, prescription_id, purpose="print")
    response = HttpResponse(printing.pdf_bytes(printing.sheet_for(prescription)), content_type="application/pdf")
    # A fixed name: the patient's name never goes into a URL or a file name (SECURITY.md Data protection).
    response["Content-Disposition"] = 'inline; filename="prescription.pdf"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("prescriptions/<uuid:prescription_id>/print/", prescription_print, name="prescription_print"),
    path("prescriptions/<uuid:prescription_id>/print.pdf", prescription_pdf, name="prescription_pdf"),
]
