"""Group health for organisers and the host's coordinators, and check-ins for the host's peer supporters
(issue 5 point 6).

    /spaces/<id>/health/                          the figures, warnings with their sources, the attendance chart
                                                  and who missed their last two meetings (organisers, moderators,
                                                  the host's coordinators and admins)
    /spaces/<id>/health/members/<membership id>/  POST: send "we missed you" or ask a peer supporter to check in
                                                  (organisers and the host's managers only)
    /spaces/check-ins/                            the open check-in requests of the person's organisations, with
                                                  the ways to reach each member that they agreed to (coordinators,
                                                  admins; a person who is only a peer supporter is sent to the
                                                  check-ins section of their caseload)
    /spaces/check-ins/<request id>/               POST: done, or cancel
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.accounts.selectors import roles_of
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.spaces import services
from peerpath.spaces.access import (
    SpaceViewer,
    access_check_in_request,
    access_membership_to_manage,
    access_space_health,
    read_check_in_rows,
)
from peerpath.spaces.forms import CheckInCloseForm
from peerpath.spaces.health import GroupHealth, HeldMeeting, Missed, group_health
from peerpath.spaces.notifications import local_time
from peerpath.spaces.selectors import check_in_requests_for

CHECK_IN_ROLES = frozenset({Role.PEER_SUPPORTER, *ORG_MANAGER_ROLES})


class HealthActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("missed_you", gettext_lazy("Send a “we missed you” message")),
            ("check_in", gettext_lazy("Ask a peer supporter to check in")),
        ],
        error_messages={
            "required": gettext_lazy("Choose what to do."),
            "invalid_choice": gettext_lazy("Choose what to do."),
        },
    )


# --- The attendance chart: an inline SVG drawn on the server (no script), with a data table beside it -------------

CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_LEFT = 640, 220, 20, 36


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    held: HeldMeeting
    label: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    peak: int
    summary: str
    baseline: float
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT

    @property
    def first_label(self) -> str:
        return self.bars[0].label if self.bars else ""

    @property
    def last_label(self) -> str:
        return self.bars[-1].label if self.bars else ""

    @property
    def label_y(self) -> int:
        return self.height - 4


def _date_label(held: HeldMeeting) -> str:
    local = local_time(held.meeting)
    return f"{local.day} {local:%b %Y}"


def chart_of(health: GroupHealth) -> Chart:
    """Bars for the held meetings, oldest on the left, scaled to the best-attended one."""
    held = health.meetings
    peak = max(health.peak, 1)
    plot_height = CHART_HEIGHT - CHART_TOP - 24
    baseline = CHART_TOP + plot_height
    slot = (CHART_WIDTH - CHART_LEFT) / max(len(held), 1)
    bars = []
    for index, item in enumerate(held):
        height = plot_height * item.attended / peak
        bars.append(
            Bar(
                x=round(CHART_LEFT + index * slot + slot * 0.15, 1),
                y=round(baseline - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                held=item,
                label=_date_label(item),
            )
        )
    if held:
        summary = _(
            "Attendance at the last %(count)s meetings, from %(first)s to %(last)s: lowest %(low)s, highest %(high)s."
        ) % {
            "count": len(held),
            "first": bars[0].label,
            "last": bars[-1].label,
            "low": min(item.attended for item in held),
            "high": health.peak,
        }
    else:
        summary = _("No meetings have been held yet.")
    return Chart(bars=bars, peak=health.peak, summary=summary, baseline=baseline)


# --- Pages ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissedRow:
    item: Missed
    action_url: str


def missed_rows(space_id: Any, missed: list[Missed]) -> list[MissedRow]:
    """Each row's form address, reversed once for the list: a group of hundreds has a long list."""
    placeholder = uuid.UUID(int=0)
    pattern = reverse("space_health_action", kwargs={"space_id": space_id, "membership_id": placeholder})
    return [
        MissedRow(item=item, action_url=pattern.replace(str(placeholder), str(item.membership.pk))) for item in missed
    ]


def _render_health(
    request: AuthenticatedHttpRequest, viewer: SpaceViewer, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    health = group_health(viewer.space)
    context: dict[str, Any] = {
        "space": viewer.space,
        "viewer": viewer,
        "health": health,
        "chart": chart_of(health),
        "missed": missed_rows(viewer.space.pk, health.missed),
        "form": form,
    }
    return render(request, "spaces/health.html", context, status=status)


@never_cache
@login_required
@require_GET
def space_health(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    viewer = access_space_health(request.user, space_id)
    return _render_health(request, viewer)


@never_cache
@login_required
@require_POST
def space_health_action(request: AuthenticatedHttpRequest, space_id: str, membership_id: str) -> HttpResponse:
    viewer, membership = access_membership_to_manage(request.user, space_id, membership_id)
    form = HealthActionForm(request.POST)
    if not form.is_valid():
        return _render_health(request, viewer, form=form, status=400)
    handle = membership.user.handle
    try:
        if form.cleaned_data["action"] == "missed_you":
            services.missed_you_send(actor=request.user, membership=membership)
            messages.success(request, _("A “we missed you” message is on its way to %(handle)s.") % {"handle": handle})
        else:
            services.check_in_request_create(actor=request.user, membership=membership)
            messages.success(
                request, _("The host's peer supporters are asked to check in on %(handle)s.") % {"handle": handle}
            )
    except DomainError as error:
        add_domain_error(form, error)
        return _render_health(request, viewer, form=form, status=error.status)
    return redirect("space_health", space_id=viewer.space.pk)


def _check_in_staff(request: AuthenticatedHttpRequest) -> None:
    if not CHECK_IN_ROLES & roles_of(request.user):
        raise Http404  # not a peer supporter, coordinator or admin anywhere: nothing here for them


def _only_peer_supporter(request: AuthenticatedHttpRequest) -> bool:
    """A peer supporter who runs no organisation: their check-ins are a section of their caseload."""
    return not ORG_MANAGER_ROLES & roles_of(request.user)


CASELOAD_CHECK_INS = "#check-ins"


def _render_check_ins(
    request: AuthenticatedHttpRequest, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    context = {"requests": read_check_in_rows(request.user, check_in_requests_for(request.user)), "form": form}
    return render(request, "spaces/check_ins.html", context, status=status)


@never_cache
@login_required
@require_GET
def check_in_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _check_in_staff(request)
    if _only_peer_supporter(request):
        return redirect(reverse("programmes_caseload") + CASELOAD_CHECK_INS)
    return _render_check_ins(request)


@never_cache
@login_required
@require_POST
def check_in_close(request: AuthenticatedHttpRequest, request_id: str) -> HttpResponse:
    check_in = access_check_in_request(request.user, request_id)
    form = CheckInCloseForm(request.POST)
    if not form.is_valid():
        return _render_check_ins(request, form=form, status=400)
    done = form.cleaned_data["outcome"] == "done"
    try:
        services.check_in_request_close(actor=request.user, request=check_in, done=done)
    except DomainError as error:
        add_domain_error(form, error)
        return _render_check_ins(request, form=form, status=error.status)
    handle = check_in.membership.user.handle
    if done:
        messages.success(request, _("Recorded: you checked in on %(handle)s. Thank you.") % {"handle": handle})
    else:
        messages.success(request, _("The check-in for %(handle)s is cancelled.") % {"handle": handle})
    if _only_peer_supporter(request):
        return redirect(reverse("programmes_caseload") + CASELOAD_CHECK_INS)
    return redirect("check_in_list")


urlpatterns: list[URLPattern] = [
    path("spaces/<uuid:space_id>/health/", space_health, name="space_health"),
    path(
        "spaces/<uuid:space_id>/health/members/<uuid:membership_id>/",
        space_health_action,
        name="space_health_action",
    ),
    path("spaces/check-ins/", check_in_list, name="check_in_list"),
    path("spaces/check-ins/<uuid:request_id>/", check_in_close, name="check_in_close"),
]
