"""A space's rules and screening choices, and an organisation's crisis lines (issue 6 points 7-9).

/spaces/<id>/moderation/settings/          which rule templates the space publishes, its own rules, what
                                           screening does per category, holding new members' first posts
                                           (the space's moderators, the host's moderators, coordinators, admins)
/organisations/<id>/crisis-lines/          the organisation's own crisis lines, shown after the country's defaults
                                           to writers in its country (its coordinators and admins)
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.moderation import actions, crisis
from peerpath.moderation.access import access_organisation_moderation, access_space_moderation
from peerpath.moderation.forms import CrisisLineFormSet, PolicyForm
from peerpath.moderation.models import Category, CrisisResource
from peerpath.moderation.selectors import decisions_of, policy_of


def _policy_initial(space: Any) -> dict[str, Any]:
    policy = policy_of(space)
    initial: dict[str, Any] = {
        "rule_templates": list(policy.rule_templates),
        "own_rules": policy.own_rules,
        "hold_first_posts": policy.hold_first_posts,
    }
    for category, decision in decisions_of(policy).items():
        initial[f"decision_{category}"] = decision
    return initial


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def moderation_settings(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    viewer = access_space_moderation(request.user, space_id, purpose="moderation_settings")
    space = viewer.space
    if request.method == "GET":
        form = PolicyForm(initial=_policy_initial(space))
        return render(request, "moderation/settings.html", {"space": space, "form": form, "categories": Category})
    form = PolicyForm(request.POST)
    status = 400
    if form.is_valid():
        data = actions.PolicyData(
            rule_templates=form.cleaned_data["rule_templates"],
            own_rules=form.cleaned_data["own_rules"],
            decisions=form.decisions(),
            hold_first_posts=form.cleaned_data["hold_first_posts"],
        )
        try:
            actions.policy_update(actor=request.user, space=space, data=data)
        except DomainError as error:
            field = f"decision_{error.field}" if error.field in Category.values else error.field
            add_domain_error(form, DomainError(error.message, field=field))
            status = error.status
        else:
            messages.success(request, _("The space's rules and screening choices are saved."))
            return redirect("moderation_settings", space_id=space.pk)
    return render(request, "moderation/settings.html", {"space": space, "form": form}, status=status)


def _render_lines(
    request: AuthenticatedHttpRequest, organisation: Any, formset: forms.BaseFormSet, *, error: str = "",
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    own = CrisisResource.objects.filter(organisation=organisation).exists()
    defaults = crisis.DEFAULTS.get(organisation.country.upper(), crisis.FALLBACK)
    context = {"organisation": organisation, "formset": formset, "error": error, "own": own, "defaults": defaults}
    return render(request, "moderation/crisis_lines.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def crisis_lines(request: AuthenticatedHttpRequest, organisation_id: str) -> HttpResponse:
    organisation = access_organisation_moderation(request.user, organisation_id)
    if request.method == "GET":
        rows = CrisisResource.objects.filter(organisation=organisation).order_by("order")
        initial = [{"name": row.name, "contact": row.contact, "detail": row.detail, "url": row.url} for row in rows]
        return _render_lines(request, organisation, CrisisLineFormSet(initial=initial, prefix="lines"))
    formset = CrisisLineFormSet(request.POST, prefix="lines")
    if not formset.is_valid():
        return _render_lines(request, organisation, formset, status=400)
    lines = [
        crisis.Line(data["name"], data["contact"], data.get("detail") or "", data.get("url") or "")
        for data in formset.cleaned_data
        if data and (data.get("name") or "").strip()
    ]
    try:
        actions.crisis_lines_set(actor=request.user, organisation=organisation, lines=lines)
    except DomainError as error:
        return _render_lines(request, organisation, formset, error=error.message, status=error.status)
    if lines:
        messages.success(
            request, _("Your crisis lines are saved: writers in your country see them after its defaults.")
        )
    else:
        messages.success(request, _("Your spaces show the country's default crisis lines alone again."))
    return redirect("crisis_lines", organisation_id=organisation.pk)


urlpatterns: list[URLPattern] = [
    path("spaces/<uuid:space_id>/moderation/settings/", moderation_settings, name="moderation_settings"),
    path("organisations/<uuid:organisation_id>/crisis-lines/", crisis_lines, name="crisis_lines"),
]
