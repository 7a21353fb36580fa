"""Project URL wiring only: each app owns its own urls.py."""

from django.urls import include, path

from peerpath.api.api import api

urlpatterns = [
    path("", include("peerpath.core.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("peerpath.accounts.urls")),
    path("", include("peerpath.api.urls")),
    path("", include("peerpath.audit.urls")),
    path("", include("peerpath.directory.urls")),
    path("", include("peerpath.prescriptions.urls")),
    path("", include("peerpath.spaces.urls")),
    path("", include("peerpath.forum.urls")),
    path("", include("peerpath.moderation.urls")),
    path("", include("peerpath.programmes.urls")),
    path("", include("peerpath.messages.urls")),
    path("", include("peerpath.matching.urls")),
    path("fhir/r4/", include("peerpath.fhir.urls")),
    path("api/v1/", api.urls),
]

handler400 = "peerpath.core.views.bad_request"
handler403 = "peerpath.core.views.permission_denied"
handler404 = "peerpath.core.views.page_not_found"
handler500 = "peerpath.core.views.server_error"
