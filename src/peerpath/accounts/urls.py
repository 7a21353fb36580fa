from django.urls import path

from peerpath.accounts import views

urlpatterns = [
    path("settings/", views.settings_home, name="settings"),
    path("settings/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("settings/delete-account/", views.request_deletion, name="request_deletion"),
    path("organisations/<uuid:organisation_id>/staff/", views.organisation_staff, name="organisation_staff"),
    path("roles/<uuid:assignment_id>/revoke/", views.role_revoke, name="role_revoke"),
]
