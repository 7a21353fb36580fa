"""Account settings and organisation team pages: thin, through gates, selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from peerpath.accounts import services
from peerpath.accounts.access import access_managed_organisation, access_role_assignment
from peerpath.accounts.forms import DeletionRequestForm, ProfileForm, RoleGrantForm
from peerpath.accounts.models import DeletionRequest
from peerpath.accounts.selectors import organisation_team, roles_by_organisation
from peerpath.api.selectors import tokens_of
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest


@login_required
@require_http_methods(["GET", "POST"])
def settings_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    initial = {
        "handle": user.handle,
        "legal_name": user.legal_name,
        "show_legal_name_to_peers": user.show_legal_name_to_peers,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("settings")
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "memberships": roles_by_organisation(user),
            "tokens": tokens_of(user),
            "deletion_requested": DeletionRequest.objects.filter(user=user).exists(),
        },
    )


@login_required
@require_POST
def sign_out_everywhere(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.sessions_end_everywhere(user=request.user)
    logout(request)
    messages.success(request, _("You are signed out on every device."))
    return redirect("account_login")


@login_required
@require_http_methods(["GET", "POST"])
def request_deletion(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DeletionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.deletion_request_create(user=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("We have your request. Your account will be erased within 30 days; we will e-mail you."),
            )
            return redirect("settings")
    return render(request, "accounts/request_deletion.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_staff(request: AuthenticatedHttpRequest, organisation_id: str) -> HttpResponse:
    organisation = access_managed_organisation(request.user, organisation_id)
    form = RoleGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_grant_by_email(
                actor=request.user,
                email=form.cleaned_data["email"],
                organisation=organisation,
                role=form.cleaned_data["role"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The role was granted."))
            return redirect("organisation_staff", organisation_id=organisation.pk)
    return render(
        request,
        "accounts/organisation_staff.html",
        {"organisation": organisation, "team": organisation_team(organisation), "form": form},
    )


@login_required
@require_POST
def role_revoke(request: AuthenticatedHttpRequest, assignment_id: str) -> HttpResponse:
    assignment = access_role_assignment(request.user, assignment_id)
    organisation_id = assignment.organisation_id
    try:
        services.role_revoke(actor=request.user, assignment=assignment)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The role was removed."))
    return redirect("organisation_staff", organisation_id=organisation_id)
