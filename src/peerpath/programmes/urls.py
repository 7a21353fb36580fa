"""Programmes: the supporter's caseload and the coordinator's programmes. Each views module lists its own routes."""

from peerpath.programmes import views

urlpatterns = [
    *views.urlpatterns,
]
