"""FHIR R4 at /fhir/r4 (being built: see issue 4)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
