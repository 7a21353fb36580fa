"""Moderation: the queues and their actions, a space's rules and screening choices, crisis lines, the curated
misinformation list. Each views module lists its own routes."""

from peerpath.moderation.views import claims, crisis, queue, settings

urlpatterns = [*queue.urlpatterns, *crisis.urlpatterns, *settings.urlpatterns, *claims.urlpatterns]
