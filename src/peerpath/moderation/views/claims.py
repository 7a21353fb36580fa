"""The curated misinformation list (issue 6 point 8): coordinators and admins of any organisation keep it; everyone
else gets a 404 (moderation/claims.py holds the gate and the changes).

    /moderation/claims/                  the list, filtered by condition (?condition=<slug>)
    /moderation/claims/new/              add a claim
    /moderation/claims/<id>/             edit a claim, deactivate it or bring it back
    /spaces/<id>/moderation/<item>/claim/
                                         from a post in the queue (the space's moderators): "this restates claim X"
                                         adds the post's words to X's phrases, or a new claim (issue 15 point 3)
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
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.directory.models import Condition
from peerpath.moderation import claims as services
from peerpath.moderation.access import access_claim, access_queue_item, check_claims_editor
from peerpath.moderation.models import MisinformationClaim


class ConditionFilterForm(forms.Form):
    condition = forms.ModelChoiceField(
        queryset=Condition.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        label=gettext_lazy("Condition"),
        empty_label=gettext_lazy("All conditions"),
        error_messages={"invalid_choice": gettext_lazy("Choose a condition from the list.")},
    )


class ClaimForm(forms.Form):
    claim = forms.CharField(
        label=gettext_lazy("The claim"),
        max_length=services.CLAIM_LENGTH,
        help_text=gettext_lazy("As people put it, for example “Cinnamon cures diabetes”."),
        error_messages={"required": gettext_lazy("Write the claim, as people put it.")},
    )
    condition = forms.ModelChoiceField(
        queryset=Condition.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        label=gettext_lazy("Condition"),
        empty_label=gettext_lazy("Any condition"),
        help_text=gettext_lazy("Screening looks for it only in groups about this condition. Leave empty for all."),
        error_messages={"invalid_choice": gettext_lazy("Choose a condition from the list.")},
    )
    phrases = forms.CharField(
        label=gettext_lazy("Phrases"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "One a line, up to 20, each 2 to 100 characters. A post matches when it has a phrase's words in order "
            "(a couple of words may stand between them)."
        ),
        error_messages={"required": gettext_lazy("Give at least one phrase that expresses the claim, one a line.")},
    )
    correction = forms.CharField(
        label=gettext_lazy("Correction"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=services.CORRECTION_LENGTH,
        help_text=gettext_lazy("What is known instead, in plain words: moderators use it for a fact note."),
        error_messages={"required": gettext_lazy("Write the correction: what is known instead.")},
    )
    source_url = forms.CharField(
        label=gettext_lazy("Source address"),
        max_length=500,
        help_text=gettext_lazy("A reputable source: the NHS, NICE, the CDC, the WHO or a national charity."),
        error_messages={"required": gettext_lazy("Give the source as a web address starting https://.")},
    )
    source_title = forms.CharField(label=gettext_lazy("Source title"), max_length=200, required=False)
    active = forms.BooleanField(
        label=gettext_lazy("Active: screening looks for this claim"), required=False, initial=True
    )

    def data_for_service(self) -> services.ClaimData:
        data = self.cleaned_data
        return services.ClaimData(
            claim=data["claim"], phrases=data["phrases"], correction=data["correction"],
            source_url=data["source_url"], source_title=data.get("source_title", ""), condition=data.get("condition"),
        )  # fmt: skip


def _initial(claim: MisinformationClaim) -> dict[str, Any]:
    return {
        "claim": claim.claim,
        "condition": claim.condition.slug if claim.condition is not None else "",
        "phrases": "\n".join(claim.phrases),
        "correction": claim.correction,
        "source_url": claim.source_url,
        "source_title": claim.source_title,
        "active": claim.active,
    }


@never_cache
@login_required
@require_GET
def claim_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    check_claims_editor(request.user)
    form = ConditionFilterForm(request.GET or None)
    condition = form.cleaned_data.get("condition") if form.is_valid() else None
    claims = list(services.claims_list(condition=condition))
    context = {"form": form, "claims": claims, "condition": condition}
    return render(request, "moderation/claims.html", context, status=200 if not form.errors else 400)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def claim_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    check_claims_editor(request.user)
    form = ClaimForm(request.POST or None)
    form.fields.pop("active")  # a new claim is active
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                claim = services.claim_create(actor=request.user, data=form.data_for_service())
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The claim is on the list: screening looks for it from now on."))
                return redirect("claim_edit", claim_id=claim.pk)
        else:
            status = 400
    return render(request, "moderation/claims_form.html", {"form": form, "claim": None}, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def claim_edit(request: AuthenticatedHttpRequest, claim_id: str) -> HttpResponse:
    claim = access_claim(request.user, claim_id)
    status = 200
    if request.method == "POST" and request.POST.get("action") in ("deactivate", "activate"):
        active = request.POST["action"] == "activate"
        services.claim_set_active(actor=request.user, claim=claim, active=active)
        messages.success(
            request,
            _("The claim is active again.")
            if active
            else _("The claim is deactivated: screening no longer looks for it."),
        )
        return redirect("claim_edit", claim_id=claim.pk)
    form = ClaimForm(request.POST or None, initial=_initial(claim))
    if request.method == "POST":
        if form.is_valid():
            try:
                services.claim_update(
                    actor=request.user, claim=claim, data=form.data_for_service(), active=form.cleaned_data["active"]
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The claim is saved."))
                return redirect("claim_edit", claim_id=claim.pk)
        else:
            status = 400
    return render(request, "moderation/claims_form.html", {"form": form, "claim": claim}, status=status)


class RestatesForm(forms.Form):
    claim = forms.ModelChoiceField(
        queryset=services.claims_list(include_inactive=False),
        label=gettext_lazy("The known claim it restates"),
        empty_label=gettext_lazy("Choose a claim"),
        error_messages={"required": gettext_lazy("Choose the claim the post restates."),
                        "invalid_choice": gettext_lazy("Choose a claim from the list.")},
    )  # fmt: skip
    phrase = forms.CharField(
        label=gettext_lazy("The post's words to look for"),
        max_length=services.PHRASE_LENGTH[1],
        help_text=gettext_lazy("Screening will match these words in later posts, as one of the claim's phrases."),
        error_messages={"required": gettext_lazy("Give the words of the post that restate the claim.")},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def claim_from_item(request: AuthenticatedHttpRequest, space_id: str, item_id: str) -> HttpResponse:
    viewer, item = access_queue_item(request.user, space_id, item_id)
    phrase = services.suggested_phrase(item)
    action = request.POST.get("action") if request.method == "POST" else None
    restates = RestatesForm(request.POST if action == "restates" else None, initial={"phrase": phrase})
    new = ClaimForm(request.POST if action == "new" else None, initial={"claim": phrase, "phrases": phrase},
                    prefix="new")  # fmt: skip
    new.fields.pop("active")
    status = 200
    if request.method == "POST":
        form: forms.Form = restates if action == "restates" else new
        status = 400
        if action in ("restates", "new") and form.is_valid():
            try:
                if action == "restates":
                    claim = services.claim_phrase_add(actor=request.user, item=item,
                                                      claim=restates.cleaned_data["claim"],
                                                      phrase=restates.cleaned_data["phrase"])  # fmt: skip
                    done = _("The post's words are now one of the phrases of “%(claim)s”.") % {"claim": claim.claim}
                else:
                    claim = services.claim_create_from_item(actor=request.user, item=item,
                                                            data=new.data_for_service())  # fmt: skip
                    done = _("The claim is on the list: screening looks for it from now on.")
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, done)
                return redirect("moderation_item", space_id=viewer.space.pk, item_id=item.pk)
    context = {"space": viewer.space, "item": item, "restates": restates, "new": new}
    return render(request, "moderation/claim_from_item.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("moderation/claims/", claim_list, name="claim_list"),
    path("moderation/claims/new/", claim_create, name="claim_create"),
    path("moderation/claims/<uuid:claim_id>/", claim_edit, name="claim_edit"),
    path("spaces/<uuid:space_id>/moderation/<uuid:item_id>/claim/", claim_from_item, name="claim_from_item"),
]
