"""Personal API token pages under account settings: thin, through the gate, the selector and the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from peerpath.api import services
from peerpath.api.access import access_api_token
from peerpath.api.forms import TokenCreateForm
from peerpath.api.selectors import tokens_of
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    new_token = None
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            new_token, secret = services.token_create(
                user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=form.expires_at(),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            # Rendered, not redirected: the token appears in this one answer (no-store) and in no URL,
            # message store or session.
            form = TokenCreateForm()
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens_of(request.user), "new_token": new_token, "secret": secret},
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    token = access_api_token(request.user, token_id)
    try:
        services.token_revoke(user=request.user, token=token)  # type: ignore[arg-type]
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("api_tokens")
