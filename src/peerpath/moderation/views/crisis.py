"""The crisis workflow's pages (issue 15 point 7).

/moderation/crisis/<item id>/          a crisis item: the post in its thread, the writer, the time since posting,
                                       what was recorded; POST an outcome (the space's moderators; the host's
                                       clinicians once it was passed to them)
/moderation/alerts/<notification id>/  a crisis alert or escalation on the site opens its crisis item (the
                                       notification's own person only)
/moderation/messages/                  the kind messages moderators sent you (signed-in people, their own)
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.core.time import now
from peerpath.moderation import crisis_work, selectors
from peerpath.moderation.access import access_crisis_item, access_own_notification
from peerpath.moderation.forms import CrisisOutcomeForm
from peerpath.moderation.models import CrisisOutcome, QueueItem
from peerpath.moderation.views.queue import thread_url, waited

DONE = {
    CrisisOutcome.Kind.REACHED_OUT: _lazy("Your message is sent to the writer, privately. The item stays open."),
    CrisisOutcome.Kind.SAFE: _lazy("Recorded: the person says they are safe. The item is dealt with."),
    CrisisOutcome.Kind.PASSED_TO_CLINICIAN: _lazy("Passed to the host's clinicians: they are told now."),
    CrisisOutcome.Kind.EMERGENCY_SERVICES: _lazy("Recorded: emergency services were called. The item is dealt with."),
    CrisisOutcome.Kind.NO_RISK: _lazy("Recorded: no risk on review. The item is dealt with."),
}


def _render(
    request: AuthenticatedHttpRequest, item: QueueItem, role: str, *, form: CrisisOutcomeForm | None = None,
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    post = item.post
    outcomes = list(item.crisis_outcomes.select_related("actor"))
    offered = [
        (value, label) for value, label in CrisisOutcome.Kind.choices
        if role == "moderator" or value != CrisisOutcome.Kind.PASSED_TO_CLINICIAN
    ]  # fmt: skip
    if form is None:
        form = CrisisOutcomeForm(initial={"message": crisis_work.kind_message(item)})
    form.fields["outcome"].choices = offered  # type: ignore[attr-defined]
    context = {
        "item": item,
        "post": post,
        "role": role,
        "space": item.space,
        "context_posts": selectors.thread_context(post),
        "thread_url": thread_url(post) if role == "moderator" else "",
        "since_posting": waited(now() - post.created_at),
        "outcomes": outcomes,
        "patient": selectors.shared_patient_record(request.user, post.author) if role == "clinician" else None,
        "form": form,
        "is_open": item.status == QueueItem.Status.OPEN,
        "resolution_label": dict(CrisisOutcome.Kind.choices).get(item.resolution, item.resolution),
    }
    return render(request, "moderation/crisis_item.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def crisis_item(request: AuthenticatedHttpRequest, item_id: str) -> HttpResponse:
    item, role = access_crisis_item(request.user, item_id)
    if request.method == "GET":
        return _render(request, item, role)
    form = CrisisOutcomeForm(request.POST)
    if not form.is_valid():
        return _render(request, item, role, form=form, status=400)
    data = form.cleaned_data
    try:
        crisis_work.crisis_record_outcome(
            item=item, actor=request.user, outcome=data["outcome"], note=data["note"], message=data.get("message")
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _render(request, item, role, form=form, status=error.status)
    messages.success(request, str(DONE[data["outcome"]]))
    return redirect("crisis_item", item_id=item.pk)


@never_cache
@login_required
@require_GET
def alert_open(request: AuthenticatedHttpRequest, notification_id: str) -> HttpResponse:
    """A crisis alert (or a crisis passed to a clinician) opens the crisis item; any other notification its post."""
    notification = access_own_notification(request.user, notification_id)
    item = (
        selectors.crisis_items().filter(post_id=notification.post_id).order_by("status", "-created_at").first()
        if notification.post_id
        else None
    )
    if item is not None:
        return redirect("crisis_item", item_id=item.pk)
    if notification.thread is not None:
        return redirect(_thread_anchor(notification))
    return redirect("my_notifications")


def _thread_anchor(notification: Any) -> str:
    url = reverse(
        "thread_detail", kwargs={"space_id": notification.thread.space_id, "thread_id": notification.thread_id}
    )
    return f"{url}#post-{notification.post_id}" if notification.post_id else url


@never_cache
@login_required
@require_GET
def support_messages(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = list(crisis_work.support_messages_of(request.user)[:50])
    unread = {row.pk for row in rows if row.read_at is None}
    crisis_work.support_messages_seen(user=request.user)
    return render(request, "moderation/support_messages.html", {"rows": rows, "unread": unread})


urlpatterns: list[URLPattern] = [
    path("moderation/crisis/<uuid:item_id>/", crisis_item, name="crisis_item"),
    path("moderation/alerts/<uuid:notification_id>/", alert_open, name="crisis_alert_open"),
    path("moderation/messages/", support_messages, name="support_messages"),
]
