"""Programmes: the supporter's caseload and the coordinator's programmes."""

from peerpath.programmes.views import urlpatterns

__all__ = ["urlpatterns"]
