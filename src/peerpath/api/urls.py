from django.urls import path

from peerpath.api import views

urlpatterns = [
    path("settings/tokens/", views.api_tokens, name="api_tokens"),
    path("settings/tokens/<uuid:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
