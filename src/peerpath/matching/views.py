"""Matching pages (issue 17): the buddy programmes a person can join, their own profile with the consent to be
matched, withdrawing it, and the coordinator's view of a programme's pool. Thin: gates, selectors, services.

    /matching/                                              the programmes the signed-in person can join for a buddy
    /matching/<programme id>/profile/                       their own profile (GET the form, POST it)
    /matching/<programme id>/profile/withdraw/              withdraw consent to be matched (POST)
    /matching/<programme id>/profile/limit/                 a mentor's own limit on buddies at once (POST)
    /matching/<programme id>/pool/                          the pool (coordinators and admins of the programme)
    /matching/<programme id>/pool/<profile id>/approve/     approve a mentor for young people, or undo it (POST)
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerpath.audit.services import record
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.directory.models import Condition
from peerpath.matching import selectors_pairs, services
from peerpath.matching.access import (
    access_joinable_programme,
    access_pool_mentor,
    access_pool_programme,
    own_profile,
    report_organisations,
)
from peerpath.matching.forms import ApprovalForm, ProfileForm
from peerpath.matching.forms_manage import MentorCapForm
from peerpath.matching.models import MatchProfile
from peerpath.matching.selectors import (
    joinable_programmes,
    managed_buddy_programmes,
    own_profiles,
    pool_listing,
    prescribed_buddies,
)
from peerpath.matching.settings import mentor_cap_set
from peerpath.matching.vocabulary import Role
from peerpath.programmes.models import Programme


@never_cache
@login_required
@require_GET
def home_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    profiles = {(profile.programme_id, profile.role): profile for profile in own_profiles(request.user)}
    rows = []
    for programme, roles in joinable_programmes(request.user):
        role = Role.MENTOR.value if Role.MENTOR in roles else Role.MENTEE.value
        rows.append({"programme": programme, "role": role, "profile": profiles.get((programme.pk, role))})
    context = {"rows": rows, "managed": managed_buddy_programmes(request.user),
               "proposals": selectors_pairs.proposals_waiting(request.user),
               "matches": selectors_pairs.own_matches(request.user),
               "prescribed": _prescribed(request.user, profiles),
               "handles_reports": bool(report_organisations(request.user))}  # fmt: skip
    return render(request, "matching/home.html", context)


def _prescribed(user: Any, profiles: dict[tuple[Any, str], MatchProfile]) -> list[Any]:
    """The person's buddy prescriptions whose programme they have not yet joined the pool of."""
    joined = {programme_id for (programme_id, role), profile in profiles.items()
              if role == Role.MENTEE and profile.consented}  # fmt: skip
    return [item for item in prescribed_buddies(user) if item.programme.pk not in joined]


def _conditions(programme: Programme) -> Any:
    """The programme's own conditions to choose from, or every condition when it names none."""
    own = programme.conditions.all()
    return own if own.exists() else Condition.objects.all()


def _render_profile(request: AuthenticatedHttpRequest, programme: Programme, role: str, profile: MatchProfile | None,
                    form: ProfileForm, status: int = 200) -> HttpResponse:  # fmt: skip
    context = {"programme": programme, "role": role, "profile": profile, "form": form,
               "mentor": role == Role.MENTOR}  # fmt: skip
    return render(request, "matching/profile.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile_page(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    programme, role = access_joinable_programme(request.user, programme_id)
    profile = own_profile(request.user, programme, role)
    conditions = _conditions(programme)
    if request.method == "GET":
        return _render_profile(
            request,
            programme,
            role,
            profile,
            ProfileForm(conditions=conditions, profile=profile, mentor=role == Role.MENTOR),
        )
    form = ProfileForm(request.POST, conditions=conditions, profile=profile, mentor=role == Role.MENTOR)
    if not form.is_valid():
        return _render_profile(request, programme, role, profile, form, status=400)
    try:
        saved = services.profile_save(actor=request.user, programme=programme, role=role, data=form.profile_data(),
                                      give_consent=bool(form.cleaned_data.get("consent")))  # fmt: skip
    except DomainError as error:
        add_domain_error(form, error)
        return _render_profile(request, programme, role, profile, form, status=error.status)
    if saved.consented:
        messages.success(request, _("Your profile is saved and you are in the matching pool."))
    else:
        messages.success(request, _("Your profile is saved. You are not in the matching pool until you agree to be "
                                    "matched."))  # fmt: skip
    return redirect("matching_profile", programme_id=programme.pk)


@never_cache
@login_required
@require_POST
def withdraw(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    programme, role = access_joinable_programme(request.user, programme_id)
    profile = own_profile(request.user, programme, role)
    if profile is None:
        messages.error(request, _("You are not in the matching pool of this programme."))
        return redirect("matching_profile", programme_id=programme.pk)
    try:
        services.profile_withdraw_consent(actor=request.user, profile=profile)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You have left the matching pool. Nobody will be suggested to you, and your "
                                    "profile is not suggested to anyone."))  # fmt: skip
    return redirect("matching_profile", programme_id=programme.pk)


@never_cache
@login_required
@require_GET
def pool_page(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    programme = access_pool_programme(request.user, programme_id)
    profiles = pool_listing(programme)
    mentors = [profile for profile in profiles if profile.role == Role.MENTOR]
    mentees = [profile for profile in profiles if profile.role == Role.MENTEE]
    # Who is in a programme's pool is personal data: the read is an event, with counts and no names.
    record(action="matching.pool_viewed", actor=request.user, organisation=programme.organisation,
           details={"programme": str(programme.pk), "mentees": len(mentees), "mentors": len(mentors)})  # fmt: skip
    context = {"programme": programme, "mentors": mentors, "mentees": mentees}
    return render(request, "matching/pool.html", context)


@never_cache
@login_required
@require_POST
def approve(request: AuthenticatedHttpRequest, programme_id: str, profile_id: str) -> HttpResponse:
    programme = access_pool_programme(request.user, programme_id)
    profile = access_pool_mentor(request.user, programme, profile_id, purpose="approve for young people")
    form = ApprovalForm(request.POST)
    approved = form.is_valid() and bool(form.cleaned_data["approved"])
    try:
        services.mentor_approve_for_adolescents(actor=request.user, profile=profile, approved=approved)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if approved:
            messages.success(request, _("%(handle)s may now be matched with members under 18.")
                             % {"handle": profile.user.handle})  # fmt: skip
        else:
            messages.success(request, _("%(handle)s will no longer be matched with members under 18.")
                             % {"handle": profile.user.handle})  # fmt: skip
    return redirect("matching_pool", programme_id=programme.pk)


@never_cache
@login_required
@require_POST
def own_limit(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    """A mentor sets how many buddies they take at once in the programme (1 to its cap; empty: up to the cap)."""
    programme, role = access_joinable_programme(request.user, programme_id)
    profile = own_profile(request.user, programme, role) if role == Role.MENTOR else None
    form = MentorCapForm(request.POST)
    if profile is None:
        messages.error(request, _("Save your mentor profile first."))
    elif not form.is_valid():
        messages.error(request, _("Give the number of buddies as a whole number, or leave it empty."))
    else:
        try:
            mentor_cap_set(actor=request.user, profile=profile, max_matches=form.cleaned_data["max_matches"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your limit is saved."))
    return redirect("matching_profile", programme_id=programme.pk)


urlpatterns: list[URLPattern] = [
    path("matching/", home_page, name="matching_home"),
    path("matching/<uuid:programme_id>/profile/", profile_page, name="matching_profile"),
    path("matching/<uuid:programme_id>/profile/withdraw/", withdraw, name="matching_withdraw"),
    path("matching/<uuid:programme_id>/profile/limit/", own_limit, name="matching_own_limit"),
    path("matching/<uuid:programme_id>/pool/", pool_page, name="matching_pool"),
    path("matching/<uuid:programme_id>/pool/<uuid:profile_id>/approve/", approve, name="matching_approve"),
]
