"""Spaces: hosted groups, their meetings, calendars, group health and clinician sessions. Each views module lists
its own routes."""

from peerpath.spaces.views import calendar, health, meetings, sessions, spaces

urlpatterns = [
    *spaces.urlpatterns,
    *meetings.urlpatterns,
    *calendar.urlpatterns,
    *health.urlpatterns,
    *sessions.urlpatterns,
]
