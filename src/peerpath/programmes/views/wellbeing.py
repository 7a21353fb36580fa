"""Supporters are looked after too: the supporter's fortnightly wellbeing check-in and the coordinator's team
wellbeing board of a programme. Thin: gates, selectors, services.

    /programmes/wellbeing/                                       the supporter's own check-in (GET the form, POST it)
    /programmes/<id>/wellbeing/                                  the team's wellbeing board (coordinators and admins)
    /programmes/<id>/wellbeing/alerts/<alert_id>/resolve/        mark an alert as followed up (POST)
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from peerpath.audit.services import record
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.programmes import services
from peerpath.programmes.access import access_programme, access_wellbeing_alert
from peerpath.programmes.forms import WellbeingCheckInForm
from peerpath.programmes.models import WELLBEING_SCALE, Programme
from peerpath.programmes.selectors import OwnWellbeing, own_wellbeing, supporters_of, team_wellbeing


def _render_check_in(
    request: AuthenticatedHttpRequest, rows: list[OwnWellbeing], form: WellbeingCheckInForm, status: int = 200
) -> HttpResponse:
    context = {"rows": rows, "form": form, "scale": WELLBEING_SCALE}
    return render(request, "programmes/wellbeing_check_in.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def check_in_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = own_wellbeing(request.user)
    if not rows:
        raise Http404  # not a supporter anywhere: nobody to check in as
    supporters = supporters_of(request.user)
    if request.method == "GET":
        due = next((row.supporter.pk for row in rows if row.status.is_due), rows[0].supporter.pk)
        return _render_check_in(request, rows, WellbeingCheckInForm(supporters=supporters, initial_supporter=due))
    form = WellbeingCheckInForm(request.POST, supporters=supporters)
    if not form.is_valid():
        return _render_check_in(request, rows, form, status=400)
    data = form.cleaned_data
    try:
        check_in = services.wellbeing_check_in(
            actor=request.user, supporter=data["supporter"], strain=data["strain"],
            emotional_load=data["emotional_load"], support_needed=data["support_needed"],
            own_health=data["own_health"], note=data["note"],
        )  # fmt: skip
    except DomainError as error:
        add_domain_error(form, error)
        return _render_check_in(request, rows, form, status=error.status)
    if check_in.asks_for_attention:
        messages.success(request, _("Thank you for telling us. Your supervisor has been asked to get in touch."))
    else:
        messages.success(request, _("Thank you: your check-in is saved."))
    return redirect("programmes_wellbeing")


def _render_board(request: AuthenticatedHttpRequest, programme: Programme, status: int = 200) -> HttpResponse:
    members = team_wellbeing(programme, viewer=request.user)
    alerts = sorted((alert for member in members for alert in member.alerts), key=lambda alert: alert.created_at,
                    reverse=True)  # fmt: skip
    # Supporters' own wellbeing is personal data: the read is an event, without names or answers.
    record(action="programmes.wellbeing_board_viewed", actor=request.user, organisation=programme.organisation,
           details={"programme": str(programme.pk), "supporters": len(members)})  # fmt: skip
    context: dict[str, Any] = {"programme": programme, "members": members, "alerts": alerts,
                               "scale": WELLBEING_SCALE}  # fmt: skip
    return render(request, "programmes/wellbeing_board.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET"])
def board_page(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    return _render_board(request, access_programme(request.user, programme_id))


@never_cache
@login_required
@require_POST
def alert_resolve(request: AuthenticatedHttpRequest, programme_id: str, alert_id: str) -> HttpResponse:
    programme = access_programme(request.user, programme_id)
    alert = access_wellbeing_alert(request.user, programme, alert_id)
    try:
        services.wellbeing_alert_resolve(actor=request.user, alert=alert)
    except DomainError as error:
        messages.error(request, error.message)
        return _render_board(request, programme, status=error.status)
    messages.success(request, _("The alert is marked as followed up."))
    return redirect("programmes_wellbeing_board", programme_id=programme.pk)


urlpatterns: list[URLPattern] = [
    path("programmes/wellbeing/", check_in_page, name="programmes_wellbeing"),
    path("programmes/<uuid:programme_id>/wellbeing/", board_page, name="programmes_wellbeing_board"),
    path("programmes/<uuid:programme_id>/wellbeing/alerts/<uuid:alert_id>/resolve/", alert_resolve,
         name="programmes_wellbeing_alert_resolve"),
]  # fmt: skip
