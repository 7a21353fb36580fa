"""Calendars (issue 5 point 3): a member's personal feed behind a revocable token URL, a public space's calendar, and
"add to calendar" for one meeting.

The personal feed URL is a bearer secret: it is answered without signing in (calendar clients cannot sign in), looked
up by its hash in one indexed query, never cached by anyone, sent with no Referer, and it never holds a join link.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.core.time import now
from peerpath.spaces import ical, selectors, services
from peerpath.spaces.access import access_meeting

# A public space's calendar is the same for everyone: shared caches may keep it this long.
PUBLIC_MAX_AGE = 900


def _ics(body: bytes, *, cache_control: str, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(body, content_type=ical.CONTENT_TYPE)
    response["Cache-Control"] = cache_control
    if filename is not None:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- The member's personal feed --------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed_manage(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The member's feed address, how to subscribe to it, and "revoke and make a new link"."""
    if request.method == "POST":
        services.calendar_feed_revoke(user=request.user)
        messages.success(
            request,
            _("The old link no longer works. Subscribe to the new link below in your calendar app."),
        )
        return redirect("calendar_feed_manage")
    feed = services.calendar_feed_for(user=request.user)
    url = services.feed_url(feed)
    context: dict[str, Any] = {
        "feed": feed,
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[-1],
        "spaces": selectors.my_memberships(request.user).filter(status="active"),
    }
    return render(request, "spaces/calendar_feed.html", context)


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed calendar clients subscribe to: the member's spaces' meetings, no sign-in, no join links."""
    feed = services.calendar_feed_open(token)
    if feed is None:
        raise Http404
    moment = now()
    meetings = selectors.feed_meetings(feed.user, moment=moment)
    cal = ical.calendar(ical.calendar_name(), meetings, stamp=moment)
    response = _ics(ical.to_ical(cal), cache_control="private, no-store")
    # The token is in the path: nothing this answer leads to may carry it on in a Referer.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Public and one-meeting calendars --------------------------------------------------------------------------


@require_safe
def space_calendar_public(request: HttpRequest, space_id: UUID) -> HttpResponse:
    """A public space's meeting times and titles, for anyone to subscribe to (never join links or places)."""
    space = selectors.public_spaces().filter(pk=space_id, is_public=True).first()
    if space is None:
        raise Http404
    moment = now()
    cal = ical.calendar(
        ical.calendar_name(space.name), selectors.public_feed_meetings(space, moment=moment), stamp=moment, public=True
    )
    return _ics(ical.to_ical(cal), cache_control=f"public, max-age={PUBLIC_MAX_AGE}")


@require_safe
def meeting_ics(request: HttpRequest, space_id: UUID, meeting_id: UUID) -> HttpResponse:
    """ "Add to calendar" for one meeting: whoever may see the meeting; members also get where and the page link."""
    found = access_meeting(request.user, space_id, meeting_id)
    meeting = found.meeting
    cal = ical.calendar(meeting.space.name, [meeting], stamp=now(), public=not found.sees_members_content)
    return _ics(
        ical.to_ical(cal), cache_control="private, no-store", filename=f"meeting-{meeting.starts_at:%Y-%m-%d}.ics"
    )


urlpatterns = [
    path("calendar/", calendar_feed_manage, name="calendar_feed_manage"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar_feed"),
    path("spaces/<uuid:space_id>/calendar.ics", space_calendar_public, name="space_calendar_public"),
    path("spaces/<uuid:space_id>/meetings/<uuid:meeting_id>/calendar.ics", meeting_ics, name="meeting_ics"),
]
