"""The vetting queue and reviews: coordinators and admins of the curating organisation (issue 3, point 3)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerpath.accounts.models import Organisation, User
from peerpath.accounts.selectors import managed_organisations
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.directory import services
from peerpath.directory.access import access_edit_suggestion, access_listing_for_review
from peerpath.directory.forms import DelistForm, ListingForm, StartReviewForm, SuggestionResolveForm, VettingForm
from peerpath.directory.models import GRACE_AFTER_DUE, HostOrganisation, Listing
from peerpath.directory.public_state import listing_state
from peerpath.directory.selectors import open_suggestions_of, today, vetting_queue, vettings_of


def _organisations(request: AuthenticatedHttpRequest) -> list[Organisation]:
    organisations = list(managed_organisations(request.user))
    if not organisations:
        raise Http404  # not a coordinator or admin anywhere: nothing here for them
    return organisations


def _host(form: ListingForm, actor: User) -> HostOrganisation | None:
    if form.cleaned_data.get("host_name"):
        return services.host_get_or_create(
            actor=actor,
            name=form.cleaned_data["host_name"],
            kind=form.cleaned_data["host_kind"],
        )
    host: HostOrganisation | None = form.cleaned_data.get("host")
    return host


@login_required
@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    _organisations(request)
    day = today()
    context = {"queue": vetting_queue(request.user), "today": day, "hidden_cutoff": day - GRACE_AFTER_DUE}
    return render(request, "directory/vetting/queue.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def listing_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = _organisations(request)
    form = ListingForm(request.POST or None)
    start = StartReviewForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid() and start.is_valid():
        try:
            listing = services.listing_submit(
                actor=request.user, data=form.to_listing_data(_host(form, request.user)), via="coordinator"
            )
            services.review_start(
                actor=request.user,
                listing=listing,
                organisation=start.organisations[start.cleaned_data["organisation"]],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The listing is in review: vet it when you have checked it."))
            return redirect("directory_review", listing_id=listing.pk)
    return render(request, "directory/vetting/listing_form.html", {"form": form, "start": start, "listing": None})


@login_required
@require_GET
def review(request: AuthenticatedHttpRequest, listing_id: str) -> HttpResponse:
    listing = access_listing_for_review(request.user, listing_id)
    organisations = list(managed_organisations(request.user))
    context = {
        "listing": listing,
        "state": listing_state(listing),
        "vettings": vettings_of(listing),
        "suggestions": open_suggestions_of(listing),
        "start": StartReviewForm(organisations=organisations) if listing.status == Listing.Status.SUBMITTED else None,
    }
    return render(request, "directory/vetting/review.html", context)


@login_required
@require_POST
def review_start(request: AuthenticatedHttpRequest, listing_id: str) -> HttpResponse:
    listing = access_listing_for_review(request.user, listing_id)
    form = StartReviewForm(request.POST, organisations=list(managed_organisations(request.user)))
    if not form.is_valid():
        messages.error(request, _("Choose the organisation that reviews this listing."))
        return redirect("directory_review", listing_id=listing.pk)
    try:
        services.review_start(
            actor=request.user, listing=listing, organisation=form.organisations[form.cleaned_data["organisation"]]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You are reviewing this listing."))
    return redirect("directory_review", listing_id=listing.pk)


@login_required
@require_http_methods(["GET", "POST"])
def listing_edit(request: AuthenticatedHttpRequest, listing_id: str) -> HttpResponse:
    listing = access_listing_for_review(request.user, listing_id)
    form = ListingForm(request.POST or None, initial=ListingForm.initial_from(listing))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.listing_update(
                actor=request.user, listing=listing, data=form.to_listing_data(_host(form, request.user))
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Saved.") if changed else _("Nothing had changed."))
            return redirect("directory_review", listing_id=listing.pk)
    return render(request, "directory/vetting/listing_form.html", {"form": form, "listing": listing})


@login_required
@require_http_methods(["GET", "POST"])
def vet(request: AuthenticatedHttpRequest, listing_id: str) -> HttpResponse:
    listing = access_listing_for_review(request.user, listing_id)
    form = VettingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                vetting = services.vetting_record(
                    actor=request.user,
                    listing=listing,
                    checks=form.checks(),
                    notes=form.cleaned_data["notes"],
                    reviewed_on=form.cleaned_data["reviewed_on"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                if vetting.outcome == vetting.Outcome.VETTED:
                    messages.success(request, _("Vetted: the listing is public until its re-review falls due."))
                else:
                    messages.error(request, _("Not vetted: the listing is delisted with the unmet criteria."))
                return redirect("directory_review", listing_id=listing.pk)
        status = 400
    return render(request, "directory/vetting/vet.html", {"listing": listing, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def delist(request: AuthenticatedHttpRequest, listing_id: str) -> HttpResponse:
    listing = access_listing_for_review(request.user, listing_id)
    form = DelistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.listing_delist(actor=request.user, listing=listing, reason=form.cleaned_data["reason"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Delisted: it no longer appears in the directory."))
            return redirect("directory_review", listing_id=listing.pk)
    return render(request, "directory/vetting/delist.html", {"listing": listing, "form": form})


@login_required
@require_POST
def relist(request: AuthenticatedHttpRequest, listing_id: str) -> HttpResponse:
    listing = access_listing_for_review(request.user, listing_id)
    try:
        services.listing_relist(actor=request.user, listing=listing)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Back in review: vet it again to publish it."))
    return redirect("directory_review", listing_id=listing.pk)


@login_required
@require_POST
def suggestion_resolve(request: AuthenticatedHttpRequest, suggestion_id: str) -> HttpResponse:
    suggestion = access_edit_suggestion(request.user, suggestion_id)
    form = SuggestionResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether the suggestion was applied or dismissed."))
    else:
        try:
            services.edit_suggestion_resolve(
                actor=request.user, suggestion=suggestion, status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )  # fmt: skip
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The suggestion is closed."))
    return redirect("directory_review", listing_id=suggestion.listing_id)
