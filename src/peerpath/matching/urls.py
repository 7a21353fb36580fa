"""Matching: profiles, consent to be matched and the coordinator's pool (views.py lists the routes)."""

from peerpath.matching.views import urlpatterns

__all__ = ["urlpatterns"]
