"""The review queues and what moderators do from them; members' reports and appeals; fact notes (issue 6 points
9-12).

    /spaces/<id>/moderation/                  the space's queue: urgent crisis items first, with how long each has
                                              waited, then the oldest first (the space's moderators, the host's
                                              moderators, coordinators and admins)
    /spaces/<id>/moderation/<item id>/        one item; POST action=approve|hide|ask_edit|warn|mute|remove|
                                              escalate|restore|uphold|recategorise (a crisis item's page is
                                              /moderation/crisis/<item id>/, views/crisis.py)
    /spaces/<id>/moderation/log/              the moderation log, newest first
    /organisations/<id>/moderation/           the organisation's one queue with its dashboard (coordinators, admins)
    /moderation/escalated/                    posts escalated to the host's clinicians
    /forum/posts/<id>/report/                 a member reports a post (GET form, POST reason + note)
    /forum/posts/<id>/appeal/                 the author of a hidden post appeals once
    /forum/posts/<id>/fact-note/              a moderator or a clinician of the host adds a fact note
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.core.time import now
from peerpath.forum.access import ForumViewer, access_post
from peerpath.forum.models import Post
from peerpath.moderation import actions, reports, selectors
from peerpath.moderation.access import (
    access_organisation_moderation,
    access_own_post,
    access_post_to_note,
    access_queue_item,
    access_space_moderation,
    check_escalated_reader,
)
from peerpath.moderation.forms import AppealForm, FactNoteForm, ItemActionForm, ReportForm
from peerpath.moderation.models import LABEL_CHOICES, Appeal, QueueItem

PAGE_SIZE = 25
# The actions that take a reason, in the order the queue offers them: (action, label, asks for a period).
REASON_ACTIONS = [
    ("hide", _lazy("Hide, with a reason"), False),
    ("ask_edit", _lazy("Ask the author to edit"), False),
    ("warn", _lazy("Warn the author"), False),
    ("mute", _lazy("Mute the author"), True),
    ("remove", _lazy("Remove the author from the space"), False),
    ("escalate", _lazy("Escalate to a clinician"), False),
]
LOG_PAGE_SIZE = 50


def waited(delta: timedelta) -> str:
    """How long an item has waited, in the largest whole unit ("7 minutes", "2 hours", "3 days")."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}


def thread_url(post: Post) -> str:
    try:
        return reverse("thread_detail", kwargs={"space_id": post.thread.space_id, "thread_id": post.thread_id})
    except NoReverseMatch:  # the forum's pages are wired by the forum app
        return reverse("space_detail", kwargs={"space_id": post.thread.space_id})


@dataclass
class Row:
    """One queue item as the page shows it."""

    item: QueueItem
    waited: str
    item_url: str
    thread_url: str
    findings: list[dict[str, Any]] = field(default_factory=list)
    reports: list[Any] = field(default_factory=list)
    appeal: Appeal | None = None
    edited_on_request: bool = False


def row_of(item: QueueItem, moment: datetime) -> Row:
    post = item.post
    screenings = list(post.screenings.all())
    try:
        appeal: Appeal | None = post.appeal
    except Appeal.DoesNotExist:
        appeal = None
    return Row(
        item=item,
        waited=waited(moment - item.created_at),
        item_url=(
            reverse("crisis_item", kwargs={"item_id": item.pk})
            if item.is_crisis
            else reverse("moderation_item", kwargs={"space_id": item.space_id, "item_id": item.pk})
        ),
        thread_url=thread_url(post),
        findings=list(screenings[0].findings) if screenings else [],
        reports=list(post.reports.all()),
        appeal=appeal,
        edited_on_request=bool(
            post.status == Post.Status.HELD
            and post.moderator_note
            and post.edited_at is not None
            and post.edited_at >= item.created_at - timedelta(seconds=5)
        ),
    )


def _page(request: AuthenticatedHttpRequest, items: Any, size: int = PAGE_SIZE) -> Any:
    return Paginator(items, size).get_page(request.GET.get("page"))


# --- A space's queue, one item, the log ---------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def moderation_queue(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    viewer = access_space_moderation(request.user, space_id, purpose="moderation_queue")
    page = _page(request, selectors.open_queue(viewer.space))
    moment = now()
    rows = [row_of(item, moment) for item in page.object_list]
    context = {"space": viewer.space, "viewer": viewer, "page": page, "rows": rows, "reason_actions": REASON_ACTIONS}
    return render(request, "moderation/queue.html", context)


def _render_item(
    request: AuthenticatedHttpRequest, viewer: ForumViewer, item: QueueItem, *, form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    context = {"space": viewer.space, "viewer": viewer, "row": row_of(item, now()), "form": form,
               "revisions": list(item.post.revisions.all()[:5]), "reason_actions": REASON_ACTIONS,
               "label_choices": LABEL_CHOICES}  # fmt: skip
    return render(request, "moderation/item.html", context, status=status)


DONE = {
    "approve": _lazy("Approved."),
    "hide": _lazy("Hidden: the author is told why and may appeal once."),
    "ask_edit": _lazy("The author is asked to edit the post; it comes back to the queue when they do."),
    "warn": _lazy("The author is warned."),
    "mute": _lazy("The author is muted."),
    "remove": _lazy("The author is removed from the space."),
    "escalate": _lazy("Escalated: the host's clinicians are told."),
    "restore": _lazy("The post is restored."),
    "uphold": _lazy("The hide is upheld."),
    "recategorise": _lazy("The category is corrected: screening will learn from it."),
}


def _act(actor: Any, item: QueueItem, data: dict[str, Any]) -> None:
    action, reason = data["action"], data.get("reason") or ""
    if action == "approve":
        actions.item_approve(actor=actor, item=item)
    elif action == "hide":
        actions.item_hide(actor=actor, item=item, reason=reason)
    elif action == "ask_edit":
        actions.item_ask_edit(actor=actor, item=item, reason=reason)
    elif action == "warn":
        actions.item_warn(actor=actor, item=item, reason=reason)
    elif action == "mute":
        actions.item_mute(actor=actor, item=item, period=data.get("period") or "", reason=reason)
    elif action == "remove":
        actions.item_remove(actor=actor, item=item, reason=reason)
    elif action == "escalate":
        actions.item_escalate(actor=actor, item=item, reason=reason)
    elif action == "recategorise":
        actions.item_correct_category(actor=actor, item=item, category=data.get("category") or "")
    else:
        actions.appeal_decide(actor=actor, item=item, restore=action == "restore", note=reason)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def moderation_item(request: AuthenticatedHttpRequest, space_id: str, item_id: str) -> HttpResponse:
    viewer, item = access_queue_item(request.user, space_id, item_id)
    if request.method == "GET" and item.is_crisis:
        return redirect("crisis_item", item_id=item.pk)  # crisis work has its own page and actions
    if request.method == "GET":
        return _render_item(request, viewer, item)
    form = ItemActionForm(request.POST)
    if not form.is_valid():
        return _render_item(request, viewer, item, form=form, status=400)
    try:
        _act(request.user, item, form.cleaned_data)
    except DomainError as error:
        add_domain_error(form, error)
        return _render_item(request, viewer, item, form=form, status=error.status)
    messages.success(request, str(DONE[form.cleaned_data["action"]]))
    return redirect("moderation_queue", space_id=viewer.space.pk)


@never_cache
@login_required
@require_GET
def moderation_log(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    viewer = access_space_moderation(request.user, space_id, purpose="moderation_log")
    page = _page(request, selectors.action_log(viewer.space), LOG_PAGE_SIZE)
    return render(request, "moderation/log.html", {"space": viewer.space, "viewer": viewer, "page": page})


# --- The organisation's queue and dashboard; the clinicians' escalated list ---------------------------------------


def _duration(delta: timedelta | None) -> str:
    return waited(delta) if delta is not None else ""


@never_cache
@login_required
@require_GET
def organisation_queue(request: AuthenticatedHttpRequest, organisation_id: str) -> HttpResponse:
    organisation = access_organisation_moderation(request.user, organisation_id)
    page = _page(request, selectors.organisation_open_queue(organisation))
    moment = now()
    dashboard = selectors.dashboard_of(organisation)
    context = {
        "organisation": organisation,
        "page": page,
        "rows": [row_of(item, moment) for item in page.object_list],
        "dashboard": dashboard,
        "median_first_action": _duration(dashboard.median_first_action),
        "longest_wait": _duration(dashboard.longest_wait),
        "longest_crisis_wait": _duration(dashboard.longest_crisis_wait),
        "crisis_median_first_action": _duration(dashboard.crisis_median_first_action),
        "slowest_open_crisis": _duration(dashboard.slowest_open_crisis),
    }
    return render(request, "moderation/organisation_queue.html", context)


@never_cache
@login_required
@require_GET
def escalated_posts(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = check_escalated_reader(request.user)
    page = _page(request, selectors.escalated_queue(organisations))
    moment = now()
    rows = [row_of(item, moment) for item in page.object_list]
    crisis_rows = [
        CrisisRow(item=item, latest=outcomes[-1] if outcomes else None, is_open=item.status == QueueItem.Status.OPEN)
        for item in selectors.escalated_crisis_items(organisations)[:PAGE_SIZE]
        for outcomes in [list(item.crisis_outcomes.all())]
    ]
    return render(request, "moderation/escalated.html", {"page": page, "rows": rows, "crisis_rows": crisis_rows})


@dataclass
class CrisisRow:
    """A crisis item passed to the clinicians, as their list shows it."""

    item: QueueItem
    latest: Any
    is_open: bool


# --- Reports, appeals, fact notes ---------------------------------------------------------------------------------


def _render_post_form(
    request: AuthenticatedHttpRequest, template: str, post: Post, form: forms.Form, *, status: int = 200,
    **extra: Any,
) -> HttpResponse:  # fmt: skip
    context = {"post": post, "thread": post.thread, "space": post.thread.space, "form": form,
               "thread_url": thread_url(post), **extra}  # fmt: skip
    return render(request, template, context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def post_report(request: AuthenticatedHttpRequest, post_id: str) -> HttpResponse:
    _viewer, post = access_post(request.user, post_id)
    if request.method == "GET":
        return _render_post_form(request, "moderation/report.html", post, ReportForm())
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _render_post_form(request, "moderation/report.html", post, form, status=400)
    try:
        reports.report_create(
            reporter=request.user, post=post, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"]
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _render_post_form(request, "moderation/report.html", post, form, status=error.status)
    messages.success(request, _("Thank you: the moderators will look at it."))
    return redirect(thread_url(post))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def post_appeal(request: AuthenticatedHttpRequest, post_id: str) -> HttpResponse:
    post = access_own_post(request.user, post_id)
    form = AppealForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        return _render_post_form(request, "moderation/appeal.html", post, form,
                                 status=400 if request.method == "POST" else 200)  # fmt: skip
    try:
        actions.appeal_create(author=request.user, post=post, text=form.cleaned_data["text"])
    except DomainError as error:
        add_domain_error(form, error)
        return _render_post_form(request, "moderation/appeal.html", post, form, status=error.status)
    messages.success(request, _("Your appeal is sent: a different moderator will decide, and you will be told."))
    return redirect(thread_url(post))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def post_fact_note(request: AuthenticatedHttpRequest, post_id: str) -> HttpResponse:
    viewer, post = access_post_to_note(request.user, post_id)
    findings = [
        finding for screening in post.screenings.all()[:1] for finding in screening.findings
        if finding.get("category") == "misinformation" and finding.get("detail")
    ]  # fmt: skip
    form = FactNoteForm(request.POST if request.method == "POST" else None)
    extra = {"viewer": viewer, "findings": findings}
    if request.method == "GET" or not form.is_valid():
        return _render_post_form(request, "moderation/fact_note.html", post, form,
                                 status=400 if request.method == "POST" else 200, **extra)  # fmt: skip
    data = actions.FactNoteData(**form.cleaned_data)
    try:
        actions.fact_note_add(actor=request.user, post=post, data=data)
    except DomainError as error:
        add_domain_error(form, error)
        return _render_post_form(request, "moderation/fact_note.html", post, form, status=error.status, **extra)
    messages.success(request, _("The fact note is added under the post, and the author is told."))
    if viewer.is_moderator or viewer.reads_everything:
        return redirect(thread_url(post))
    return redirect("escalated_posts")


urlpatterns: list[URLPattern] = [
    path("spaces/<uuid:space_id>/moderation/", moderation_queue, name="moderation_queue"),
    path("spaces/<uuid:space_id>/moderation/log/", moderation_log, name="moderation_log"),
    path("spaces/<uuid:space_id>/moderation/<uuid:item_id>/", moderation_item, name="moderation_item"),
    path("organisations/<uuid:organisation_id>/moderation/", organisation_queue, name="organisation_queue"),
    path("moderation/escalated/", escalated_posts, name="escalated_posts"),
    path("forum/posts/<uuid:post_id>/report/", post_report, name="post_report"),
    path("forum/posts/<uuid:post_id>/appeal/", post_appeal, name="post_appeal"),
    path("forum/posts/<uuid:post_id>/fact-note/", post_fact_note, name="post_fact_note"),
]
