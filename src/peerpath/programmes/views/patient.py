"""The patient's own page of their peer support programmes (issue 16 point 7): every contact their supporter logged,
and, per programme, their choice to share those contacts with their clinic's health record. Thin: the selector, the
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
from peerpath.programmes.forms import SharingForm
from peerpath.programmes.models import Enrolment
from peerpath.programmes.selectors import own_contacts
from peerpath.programmes.services import enrolment_sharing_set


def _page(
    request: AuthenticatedHttpRequest, *, failed: Enrolment | None = None, form: SharingForm | None = None,
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    sections = [
        (
            item.enrolment,
            item.contacts,
            form if failed is not None and item.enrolment.pk == failed.pk else SharingForm(enrolment=item.enrolment),
        )
        for item in own_contacts(request.user)
    ]
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


urlpatterns: list[URLPattern] = [
    path("my/peer-supporter/", my_peer_supporter, name="my_peer_supporter"),
    path("my/peer-supporter/<uuid:enrolment_id>/sharing/", my_peer_supporter_sharing, name="my_peer_supporter_sharing"),
]
