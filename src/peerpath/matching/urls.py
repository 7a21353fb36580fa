"""Matching: profiles and consent (views.py), the coordinator's settings, runs and review (views_runs.py), and the
pair's side: proposals, matches, check-ins and reports (views_matches.py)."""

from peerpath.matching import views, views_matches, views_runs, views_top

urlpatterns = [*views.urlpatterns, *views_runs.urlpatterns, *views_matches.urlpatterns, *views_top.urlpatterns]
