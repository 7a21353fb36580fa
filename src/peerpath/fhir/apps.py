from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "peerpath.fhir"
    label = "fhir"
    verbose_name = "FHIR R4"
