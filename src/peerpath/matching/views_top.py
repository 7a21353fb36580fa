"""A new member's instant top five, for the coordinator (issue 17 point 2): the five best mentors with places left,
each with why and the score's parts, and "Propose" to offer one of them to both at once.

    /matching/<programme id>/pool/<profile id>/candidates/      the top five (GET); propose one (POST mentor)
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from peerpath.audit.services import record
from peerpath.core.errors import DomainError
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.matching import engine
from peerpath.matching.access import access_pool_profile, access_pool_programme
from peerpath.matching.explain import FIELD_LABELS
from peerpath.matching.models import MatchProfile
from peerpath.matching.pool import busy_mentees, load_pool, to_person
from peerpath.matching.proposals import proposal_propose
from peerpath.matching.settings import matching_settings, weights_of
from peerpath.matching.vocabulary import Role

TOP = 5


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def candidates_page(request: AuthenticatedHttpRequest, programme_id: str, profile_id: str) -> HttpResponse:
    programme = access_pool_programme(request.user, programme_id)
    mentee = access_pool_profile(request.user, programme, profile_id, role=Role.MENTEE, purpose="find a buddy")
    if request.method == "POST":
        mentor = access_pool_profile(request.user, programme, request.POST.get("mentor", ""), role=Role.MENTOR,
                                     purpose="propose a buddy")  # fmt: skip
        try:
            proposal_propose(actor=request.user, mentee=mentee, mentor=mentor)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("matching_candidates", programme_id=programme.pk, profile_id=mentee.pk)
        messages.success(request, _("Proposed to both %(member)s and %(mentor)s: each can now accept or decline.")
                         % {"member": mentee.user.handle, "mentor": mentor.user.handle})  # fmt: skip
        return redirect("matching_pool", programme_id=programme.pk)
    _mentees, mentors = load_pool(programme, role=Role.MENTOR)
    profiles = MatchProfile.objects.filter(pk__in=[mentee.pk, *(mentor.id for mentor in mentors)])
    loaded = {
        profile.pk: profile for profile in profiles.select_related("user").prefetch_related("conditions__condition")
    }
    names = {entry.condition.slug: entry.condition.name for profile in loaded.values()
             for entry in profile.conditions.all()}  # fmt: skip
    weights = weights_of(matching_settings(programme))
    top = engine.top_candidates(to_person(loaded[mentee.pk], capacity=1), mentors, weights, k=TOP,
                                condition_names=names)  # fmt: skip
    record(action="matching.candidates_viewed", actor=request.user, organisation=programme.organisation,
           target=mentee, details={"programme": str(programme.pk), "candidates": len(top)})  # fmt: skip
    rows = [{"candidate": candidate, "profile": loaded[candidate.mentor.id]} for candidate in top]
    context = {"programme": programme, "mentee": mentee, "rows": rows, "labels": FIELD_LABELS,
               "busy": mentee.pk in busy_mentees(programme)}  # fmt: skip
    return render(request, "matching/manage/candidates.html", context)


urlpatterns: list[URLPattern] = [
    path(
        "matching/<uuid:programme_id>/pool/<uuid:profile_id>/candidates/", candidates_page, name="matching_candidates"
    ),
]
