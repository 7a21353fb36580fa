"""The PeerPath API at /api/v1: each app's router assembled into one OpenAPI document."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="PeerPath API", version="1.0.0", urls_namespace="api")
