from django.urls import path

from peerpath.audit import views

urlpatterns = [
    path("organisations/<uuid:organisation_id>/audit/", views.organisation_audit_log, name="organisation_audit"),
]
