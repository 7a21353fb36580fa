"""A supporter writes to a patient of their caseload: from the patient's page, the private conversation between
them is opened (started the first time). Thin: the gate, then programmes.messaging decides."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from peerpath.core.errors import DomainError
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.programmes.access import access_enrolment
from peerpath.programmes.messaging import enrolment_conversation


@never_cache
@login_required
@require_POST
def enrolment_message(request: AuthenticatedHttpRequest, enrolment_id: str) -> HttpResponse:
    enrolment = access_enrolment(request.user, enrolment_id, purpose="private message")
    try:
        conversation = enrolment_conversation(actor=request.user, enrolment=enrolment)
    except DomainError as error:
        back = reverse("programmes_enrolment", kwargs={"enrolment_id": enrolment.pk})
        context = {"message": error.message, "back": back}
        return render(request, "programmes/message_refused.html", context, status=error.status)
    return redirect("conversation_detail", conversation_id=conversation.pk)


urlpatterns: list[URLPattern] = [
    path("programmes/caseload/<uuid:enrolment_id>/message/", enrolment_message, name="programmes_enrolment_message"),
]
