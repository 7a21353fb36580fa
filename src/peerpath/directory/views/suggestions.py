"""Anyone, signed in or not, suggests a group or an edit; suggestions wait in the vetting queue (issue 3)."""

from __future__ import annotations

from allauth.core import ratelimit
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.accounts.models import User
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.directory import services
from peerpath.directory.access import access_public_listing
from peerpath.directory.forms import SuggestEditForm, SuggestListingForm

RATE_LIMIT_ACTION = "directory_suggestion"  # settings.ACCOUNT_RATE_LIMITS: 10 an hour per address


def _person(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _over_limit(request: HttpRequest) -> bool:
    return not ratelimit.consume(request, action=RATE_LIMIT_ACTION)


def _thanks(request: HttpRequest, *, edit: bool) -> HttpResponse:
    return render(request, "directory/suggest_thanks.html", {"edit": edit})


@require_http_methods(["GET", "POST"])
def suggest_listing(request: HttpRequest) -> HttpResponse:
    form = SuggestListingForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if form.is_bot:
            return _thanks(request, edit=False)  # the same answer, and nothing saved
        if _over_limit(request):
            form.add_error(None, _("You have sent a lot of suggestions: please try again in an hour."))
            status = 429
        else:
            try:
                host = None
                if form.cleaned_data["host_name"]:
                    host = services.host_get_or_create(
                        actor=_person(request), name=form.cleaned_data["host_name"], kind=form.cleaned_data["host_kind"]
                    )
                services.listing_submit(
                    actor=_person(request),
                    data=form.to_listing_data(host),
                    submitter_contact=form.cleaned_data["submitter_contact"],
                    via="suggestion",
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return _thanks(request, edit=False)
    return render(request, "directory/suggest_listing.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def suggest_edit(request: HttpRequest, listing_id: str) -> HttpResponse:
    listing = access_public_listing(listing_id)
    form = SuggestEditForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if form.is_bot:
            return _thanks(request, edit=True)
        if _over_limit(request):
            form.add_error(None, _("You have sent a lot of suggestions: please try again in an hour."))
            status = 429
        else:
            try:
                services.edit_suggestion_create(
                    actor=_person(request),
                    listing=listing,
                    message=form.cleaned_data["message"],
                    submitter_contact=form.cleaned_data["submitter_contact"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return _thanks(request, edit=True)
    return render(request, "directory/suggest_edit.html", {"form": form, "listing": listing}, status=status)
