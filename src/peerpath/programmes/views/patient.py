"""The patient's own page of their peer support programmes (issue 16 point 7): every contact their supporter logged,
and, per programme, their choice to share those contacts with their clinic's health record and how their supporter
can reach them (a private message in PeerPath, and the phone and e-mail they choose to share). Thin: the selector, the
gate and the service are the app's own (selectors, access, services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.programmes.access import access_own_enrolment
from peerpath.programmes.forms import ReachForm, SharingForm
from peerpath.programmes.models import Enrolment
from peerpath.programmes.selectors import own_contacts
from peerpath.programmes.services import enrolment_reach_set, enrolment_sharing_set


def _page(
    request: AuthenticatedHttpRequest, *, failed: Enrolment | None = None, form: SharingForm | None = None,
    reach_form: ReachForm | None = None, status: int = 200,
) -> HttpResponse:  # fmt: skip
    sections = []
    for item in own_contacts(request.user):
        enrolment = item.enrolment
        mine = failed is not None and enrolment.pk == failed.pk
        sharing = form if mine and form is not None else SharingForm(enrolment=enrolment)
        # How the supporter can reach them: for a running enrolment that a supporter holds, or to stop sharing what
        # is still shared.
        running = enrolment.status == Enrolment.Status.ACTIVE and enrolment.supporter is not None
        reach = None
        if running or enrolment.contact_phone or enrolment.contact_email:
            reach = reach_form if mine and reach_form is not None else ReachForm(enrolment=enrolment)
        sections.append((enrolment, item.contacts, sharing, reach))
    return render(request, "programmes/patient_contacts.html", {"sections": sections}, status=status)


@never_cache
@login_required
@require_GET
def my_peer_supporter(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request)


@never_cache
@login_required
@require_POST
def my_peer_supporter_sharing(request: AuthenticatedHttpRequest, enrolment_id: str) -> HttpResponse:
    enrolment = access_own_enrolment(request.user, enrolment_id, purpose="change sharing")
    form = SharingForm(request.POST, enrolment=enrolment)
    if not form.is_valid():
        return _page(request, failed=enrolment, form=form, status=400)
    share = form.cleaned_data["share"]
    try:
        enrolment_sharing_set(user=request.user, enrolment=enrolment, share=share)
    except DomainError as error:
        add_domain_error(form, error)
        return _page(request, failed=enrolment, form=form, status=error.status)
    if share:
        messages.success(request, _("Your contacts in %(programme)s are shared with your clinic's health record.")
                         % {"programme": enrolment.programme.name})  # fmt: skip
    else:
        messages.success(request, _("Your contacts in %(programme)s are not shared with your clinic's health record.")
                         % {"programme": enrolment.programme.name})  # fmt: skip
    return redirect("my_peer_supporter")


@never_cache
@login_required
@require_POST
def my_peer_supporter_reach(request: AuthenticatedHttpRequest, enrolment_id: str) -> HttpResponse:
    """The patient shares a phone and e-mail with their supporter, changes them, or stops sharing them."""
    enrolment = access_own_enrolment(request.user, enrolment_id, purpose="change how the supporter reaches them")
    form = ReachForm(request.POST, enrolment=enrolment)
    stop = bool(request.POST.get("stop"))
    if not stop and not form.is_valid():
        return _page(request, failed=enrolment, reach_form=form, status=400)
    phone, email = ("", "") if stop else (form.cleaned_data["phone"], form.cleaned_data["email"])
    try:
        enrolment_reach_set(user=request.user, enrolment=enrolment, phone=phone, email=email)
    except DomainError as error:
        form.is_valid()  # a form to show the refusal on, even after "stop"
        add_domain_error(form, error)
        return _page(request, failed=enrolment, reach_form=form, status=error.status)
    if phone or email:
        messages.success(request, _("Saved. Your peer supporter in %(programme)s can reach you the ways you chose.")
                         % {"programme": enrolment.programme.name})  # fmt: skip
    else:
        messages.success(request, _("Your peer supporter in %(programme)s can now reach you only by a private "
                                    "message in PeerPath.") % {"programme": enrolment.programme.name})  # fmt: skip
    return redirect("my_peer_supporter")


urlpatterns: list[URLPattern] = [
    path("my/peer-supporter/", my_peer_supporter, name="my_peer_supporter"),
    path("my/peer-supporter/<uuid:enrolment_id>/sharing/", my_peer_supporter_sharing, name="my_peer_supporter_sharing"),
    path("my/peer-supporter/<uuid:enrolment_id>/reach/", my_peer_supporter_reach, name="my_peer_supporter_reach"),
]
