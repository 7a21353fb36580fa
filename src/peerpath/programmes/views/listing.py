"""The programme's entry in the public directory, for the coordinators and admins of its organisation; everyone else
gets the same 404 (the programme's gate). Thin: the gate, the form, the services of programmes/listing.py.

    /programmes/<id>/listing/            publish the programme in the directory, or update its listing
    /programmes/<id>/listing/withdraw/   take it out of the directory (asks first)
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
from django.views.decorators.http import require_http_methods

from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.programmes import listing as services
from peerpath.programmes.access import access_programme
from peerpath.programmes.forms_manage import ProgrammeListingForm
from peerpath.programmes.models import Programme


def listing_context(programme: Programme) -> dict[str, Any]:
    """The "Directory listing" section of the programme page: where it stands, and the form to publish it."""
    section = services.listing_section(programme)
    form = ProgrammeListingForm(initial=ProgrammeListingForm.initial_for(programme)) if section.may_publish else None
    return {"directory": section, "listing_form": form}


def _programme_page(programme: Programme) -> HttpResponse:
    return redirect(reverse("programmes_programme", kwargs={"programme_id": programme.pk}) + "#directory-listing")


def _render_form(
    request: AuthenticatedHttpRequest, programme: Programme, form: ProgrammeListingForm, status: int = 200
) -> HttpResponse:
    context = {"programme": programme, "form": form, "section": services.listing_section(programme)}
    return render(request, "programmes/listing_form.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def listing_edit(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    programme = access_programme(request.user, programme_id)
    publishing = not services.listing_section(programme).in_directory
    if request.method == "GET":
        form = ProgrammeListingForm(initial=ProgrammeListingForm.initial_for(programme))
        return _render_form(request, programme, form)
    form = ProgrammeListingForm(request.POST)
    if not form.is_valid():
        return _render_form(request, programme, form, status=400)
    try:
        if publishing:
            services.programme_listing_publish(actor=request.user, programme=programme, details=form.to_details())
        else:
            update = services.programme_listing_update(actor=request.user, programme=programme,
                                                       details=form.to_details())  # fmt: skip
    except DomainError as error:
        add_domain_error(form, error)
        return _render_form(request, programme, form, status=error.status)
    if publishing:
        messages.success(request, _("Sent to the directory's curators. It is public once they have vetted it."))
    elif update.resubmitted:
        messages.success(request, _("Listing updated and sent back for vetting: it is out of the public directory "
                                    "until a curator has vetted it again."))  # fmt: skip
    else:
        messages.success(request, _("Listing updated.") if update.changed else _("Nothing had changed."))
    return _programme_page(programme)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def listing_withdraw(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    programme = access_programme(request.user, programme_id)
    section = services.listing_section(programme)
    if request.method == "GET":
        if not section.in_directory:
            messages.info(request, _("The programme is not in the directory."))
            return _programme_page(programme)
        return render(request, "programmes/listing_withdraw.html", {"programme": programme, "section": section})
    try:
        services.programme_listing_withdraw(actor=request.user, programme=programme)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Withdrawn: it no longer appears in the directory. You can publish it again."))
    return _programme_page(programme)


urlpatterns: list[URLPattern] = [
    path("programmes/<uuid:programme_id>/listing/", listing_edit, name="programmes_listing"),
    path("programmes/<uuid:programme_id>/listing/withdraw/", listing_withdraw, name="programmes_listing_withdraw"),
]
