"""Programmes: the supporter's caseload, the coordinator's programmes and the patient's own contacts. Each views
module lists its own routes."""

from peerpath.programmes.views import caseload, listing, manage, messaging, patient, report, wellbeing

urlpatterns = [
    *caseload.urlpatterns,
    *manage.urlpatterns,
    *patient.urlpatterns,
    *report.urlpatterns,
    *messaging.urlpatterns,
    *wellbeing.urlpatterns,
    *listing.urlpatterns,
]
