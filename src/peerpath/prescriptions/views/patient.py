"""Pages of the prescriptions app (being built: see issue 4)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
