"""Prescriptions: the clinician's pages, the patient's pages, and the print-outs. Each module lists its own routes."""

from peerpath.prescriptions.views import clinician, patient, printing

urlpatterns = [*clinician.urlpatterns, *patient.urlpatterns, *printing.urlpatterns]
