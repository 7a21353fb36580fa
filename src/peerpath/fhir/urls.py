"""FHIR R4 at /fhir/r4 (issue 4 point 8; docs/fhir.md). Nothing here is public: every path needs a session or an
API token, and answers only `application/fhir+json`."""

from __future__ import annotations

from django.urls import URLPattern, path

from peerpath.fhir import views

urlpatterns: list[URLPattern] = [
    path("ServiceRequest", views.service_request_search, name="fhir_service_request_search"),
    path("ServiceRequest/<str:resource_id>", views.service_request_read, name="fhir_service_request"),
    path("Task", views.task_search, name="fhir_task_search"),
    path("Task/<str:resource_id>", views.task_read, name="fhir_task"),
    path("Consent", views.consent_search, name="fhir_consent_search"),
    path("Consent/<str:resource_id>", views.consent_read, name="fhir_consent"),
    path("Patient", views.patient_import, name="fhir_patient_import"),
    path("Patient/<str:resource_id>/$everything", views.patient_everything, name="fhir_patient_everything"),
    path("Patient/<str:resource_id>", views.patient_read, name="fhir_patient"),
    path("Communication", views.communication_search, name="fhir_communication_search"),
    path("Communication/<str:resource_id>", views.communication_read, name="fhir_communication"),
    path("Procedure", views.procedure_search, name="fhir_procedure_search"),
    path("Procedure/<str:resource_id>", views.procedure_read, name="fhir_procedure"),
    path("CodeSystem/<str:resource_id>", views.code_system_read, name="fhir_code_system"),
    path("<path:rest>", views.unknown, name="fhir_unknown"),
]
