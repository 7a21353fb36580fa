"""Programmes: the supporter's caseload, the coordinator's programmes and the patient's own contacts. Each views
module lists its own routes."""

from peerpath.programmes.views import caseload, manage, patient

urlpatterns = [
    *caseload.urlpatterns,
    *manage.urlpatterns,
    *patient.urlpatterns,
]
