from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from peerpath.accounts.access import access_managed_organisation
from peerpath.audit.forms import AuditFilterForm
from peerpath.audit.selectors import organisation_events
from peerpath.audit.services import record
from peerpath.core.http import AuthenticatedHttpRequest


@login_required
@require_GET
def organisation_audit_log(request: AuthenticatedHttpRequest, organisation_id: str) -> HttpResponse:
    organisation = access_managed_organisation(request.user, organisation_id)
    form = AuditFilterForm(request.GET or None)
    events = organisation_events(organisation).none()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        events = organisation_events(
            organisation,
            action=data["action"],
            outcome=data["outcome"],
            actor_handle=data["actor"],
            since=data["since"],
            until=data["until"],
        )
    elif not form.is_bound:
        events = organisation_events(organisation)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    # Reading the audit log is itself a sensitive read.
    record(action="audit.viewed", actor=request.user, organisation=organisation, target=organisation)
    return render(request, "audit/organisation_log.html", {"organisation": organisation, "form": form, "page": page})
