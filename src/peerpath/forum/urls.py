"""Forums: threads and posts, the person's own notifications and bookmarks, search. Each views module lists its own
routes."""

from peerpath.forum.views import forum, personal, search

urlpatterns = [*forum.urlpatterns, *personal.urlpatterns, *search.urlpatterns]
