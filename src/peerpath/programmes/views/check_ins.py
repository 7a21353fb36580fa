"""Check-ins that group organisers asked the host's peer supporters for, inside the supporter's caseload (issue 5
point 6 meets issue 16): reach the member the way they agreed to, then record it. Thin: the spaces gates and the
close service, the programmes selector and messaging.

    /programmes/caseload/check-ins/<request id>/message/   POST: open (or start) a private message with the member
    /programmes/caseload/check-ins/<request id>/close/     POST: mark as checked in, or cancel; back to the caseload
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from peerpath.core.errors import DomainError
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.programmes.messaging import check_in_conversation
from peerpath.programmes.selectors import caseload_check_ins
from peerpath.spaces import services as spaces
from peerpath.spaces.access import access_check_in_request, access_check_in_to_reach, read_check_in_rows
from peerpath.spaces.forms import CheckInCloseForm
from peerpath.spaces.selectors import CheckInRow

SECTION = "#check-ins"


def check_in_rows(user: Any) -> list[CheckInRow]:
    """The caseload's check-ins with the ways to reach each member (an audited read)."""
    return read_check_in_rows(user, caseload_check_ins(user))


def _caseload_section() -> str:
    return reverse("programmes_caseload") + SECTION


def _refused(request: AuthenticatedHttpRequest, message: str, status: int) -> HttpResponse:
    context = {"message": message, "back": _caseload_section()}
    return render(request, "programmes/check_in_refused.html", context, status=status)


@never_cache
@login_required
@require_POST
def check_in_message(request: AuthenticatedHttpRequest, request_id: str) -> HttpResponse:
    check_in = access_check_in_to_reach(request.user, request_id, purpose="private message for a check-in")
    try:
        conversation = check_in_conversation(actor=request.user, request=check_in)
    except DomainError as error:
        return _refused(request, error.message, error.status)
    return redirect("conversation_detail", conversation_id=conversation.pk)


@never_cache
@login_required
@require_POST
def check_in_close(request: AuthenticatedHttpRequest, request_id: str) -> HttpResponse:
    check_in = access_check_in_request(request.user, request_id)
    form = CheckInCloseForm(request.POST)
    if not form.is_valid():
        return _refused(request, _("Choose Done or Cancel."), 400)
    done = form.cleaned_data["outcome"] == "done"
    try:
        spaces.check_in_request_close(actor=request.user, request=check_in, done=done)
    except DomainError as error:
        return _refused(request, error.message, error.status)
    handle = check_in.membership.user.handle
    if done:
        messages.success(request, _("Recorded: you checked in on %(handle)s. Thank you.") % {"handle": handle})
    else:
        messages.success(request, _("The check-in for %(handle)s is cancelled.") % {"handle": handle})
    return redirect(_caseload_section())


urlpatterns: list[URLPattern] = [
    path("programmes/caseload/check-ins/<uuid:request_id>/message/", check_in_message,
         name="programmes_check_in_message"),
    path("programmes/caseload/check-ins/<uuid:request_id>/close/", check_in_close, name="programmes_check_in_close"),
]  # fmt: skip
