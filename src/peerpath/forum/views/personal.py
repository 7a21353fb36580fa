"""The person's own forum pages: saved posts and notifications.

/my/bookmarks/       signed in: posts saved for later that they may still see
/my/notifications/   signed in: replies, moderators' decisions, fact notes; crisis alerts first; POST marks read
/my/moderation/      signed in: the review queues of the spaces they moderate, and of the organisations they manage
                     (the menu's Moderation link); an empty list for anyone else
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from peerpath.accounts.selectors import managed_organisations
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.forum import selectors, services
from peerpath.forum.forms import NotificationsReadForm

PAGE_SIZE = 25


@never_cache
@login_required
@require_GET
def my_bookmarks(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.bookmarks_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "forum/my_bookmarks.html", {"page": page})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = NotificationsReadForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("That notification could not be found."))
            return redirect("my_notifications")
        chosen = form.cleaned_data["notification"]
        count = services.notifications_read(user=request.user, ids=[chosen] if chosen else None)
        if chosen is None:
            messages.success(request, _("All notifications are marked as read."))
        elif count:
            messages.success(request, _("Marked as read."))
        return redirect("my_notifications")
    page = Paginator(selectors.notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "forum/my_notifications.html", {"page": page})


@never_cache
@login_required
@require_GET
def my_moderation(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where the menu's Moderation link goes: every queue the person works, urgent (crisis) items first."""
    context = {
        "spaces": list(selectors.moderated_spaces(request.user)),
        "organisations": list(managed_organisations(request.user)),
    }
    return render(request, "forum/my_moderation.html", context)


urlpatterns = [
    path("my/bookmarks/", my_bookmarks, name="my_bookmarks"),
    path("my/notifications/", my_notifications, name="my_notifications"),
    path("my/moderation/", my_moderation, name="my_moderation"),
]
