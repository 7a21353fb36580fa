"""Private conversations: the person's own list, and one conversation for its participants only."""

from django.urls import path

from peerpath.messages import views

urlpatterns = [
    path("messages/", views.conversation_list, name="conversation_list"),
    path("messages/<uuid:conversation_id>/", views.conversation_detail, name="conversation_detail"),
]
