"""The coordinator's side of matching (issue 17): a programme's matching settings, runs of the matcher followed as
they go, reviewing the proposals a run made, a mentor's limit on buddies, and the queue of reports from matches for
the people who deal with them. Thin: gates, services, render.

    /matching/<programme id>/settings/                          weights, review, days to answer (GET, POST)
    /matching/<programme id>/runs/                              the runs (GET); start one (POST)
    /matching/<programme id>/runs/<run id>/                     a run: its progress, figures and proposals
    /matching/<programme id>/runs/<run id>/progress/            the progress alone, polled by htmx while it runs
    /matching/<programme id>/proposals/<proposal id>/review/    send a proposal to both, or do not (POST)
    /matching/<programme id>/review-all/                        send those waiting for review on a page (POST)
    /matching/<programme id>/pool/<profile id>/cap/             a mentor's limit on buddies (POST)
    /matching/reports/                                          reports from matches (moderators, coordinators)
    /matching/reports/<report id>/resolve/                      deal with a report (POST)

The programme's pages are for its coordinators and admins (access_pool_programme); anyone else gets 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerpath.accounts.models import Organisation
from peerpath.audit.services import record, record_denied
from peerpath.core.errors import Conflict, DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.matching.access import (
    access_managed_proposal,
    access_pool_mentor,
    access_pool_programme,
    access_report,
    access_run,
    report_organisations,
)
from peerpath.matching.engine import SCALE, Weights
from peerpath.matching.explain import FIELD_LABELS
from peerpath.matching.forms_manage import MentorCapForm, ResolveForm, ReviewAllForm, ReviewForm, SettingsForm
from peerpath.matching.matches import report_resolve
from peerpath.matching.models import RUN_LIVE, MatchingSettings, MatchReport, MatchRun, Proposal
from peerpath.matching.proposals import proposal_review, proposals_review_all, reasons_for
from peerpath.matching.runs import run_start
from peerpath.matching.settings import matching_settings, mentor_cap_set, settings_save, weights_of
from peerpath.programmes.models import Programme

PAGE_SIZE = 25
# A run's stage (runs.RUN_STAGES) in the coordinator's words.
STAGE_WORDS = {
    "": _l("Waiting to start"),
    "loading": _l("Reading the matching pool"),
    "pairs": _l("Scoring every pair that may be matched"),
    "solving": _l("Finding the best set of pairs"),
    "assigning": _l("Sharing out the mentors' places"),
    "saving": _l("Saving the proposals"),
    "done": _l("Finished"),
}
# Proposals of a run, best first; the review-all button acts on the same page of the same order.
PROPOSAL_ORDER = ("-points", "pk")


# ---------------------------------------------------------------------------------------------------- settings


def _render_settings(request: AuthenticatedHttpRequest, programme: Programme, current: MatchingSettings,
                     form: SettingsForm, status: int = 200) -> HttpResponse:  # fmt: skip
    context = {"programme": programme, "current": current, "saved": not current._state.adding, "form": form}
    return render(request, "matching/manage/settings.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    programme = access_pool_programme(request.user, programme_id)
    current = matching_settings(programme)
    weights = weights_of(current)
    if request.method == "GET":
        return _render_settings(request, programme, current, SettingsForm(settings=current, weights=weights))
    form = SettingsForm(request.POST, settings=current, weights=weights)
    if not form.is_valid():
        return _render_settings(request, programme, current, form, status=400)
    try:
        settings_save(actor=request.user, programme=programme, weights=form.weights(),
                      review_required=form.cleaned_data["review_required"],
                      offer_days=form.cleaned_data["offer_days"])  # fmt: skip
    except DomainError as error:
        add_domain_error(form, error)
        return _render_settings(request, programme, current, form, status=error.status)
    messages.success(request, _("The matching settings are saved. The next run uses them."))
    return redirect("matching_settings", programme_id=programme.pk)


# ---------------------------------------------------------------------------------------------------- runs


def _run_proposals(run: MatchRun) -> QuerySet[Proposal]:
    return Proposal.objects.filter(run=run).order_by(*PROPOSAL_ORDER)


def _stage(run: MatchRun) -> str:
    if run.status == MatchRun.Status.FAILED:
        return run.error or _("The run failed.")  # runs.py words its errors for the coordinator
    if run.status == MatchRun.Status.QUEUED:
        return str(STAGE_WORDS[""])
    return str(STAGE_WORDS.get(run.stage, run.stage))


def _seen(run: MatchRun) -> str:
    """What the progress fragment last showed: polling again with it answers 204 (nothing to swap) until it moves,
    so a screen reader hears the live region only when the stage or the bar changes."""
    return f"{run.status}:{run.stage}:{run.progress}"


def _progress_context(programme: Programme, run: MatchRun, *, polled: bool) -> dict[str, Any]:
    return {"programme": programme, "run": run, "stage": _stage(run), "seen": _seen(run), "polled": polled}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def runs_page(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    programme = access_pool_programme(request.user, programme_id)
    if request.method == "POST":
        try:
            run = run_start(actor=request.user, programme=programme)
        except DomainError as error:  # Conflict: one is already under way
            messages.error(request, error.message)
            return redirect("matching_runs", programme_id=programme.pk)
        messages.success(request, _("The run has started. This page follows it."))
        return redirect("matching_run", programme_id=programme.pk, run_id=run.pk)
    runs = MatchRun.objects.filter(programme=programme).select_related("started_by").order_by("-created_at")
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    live = MatchRun.objects.filter(programme=programme, status__in=RUN_LIVE).first()
    return render(request, "matching/manage/runs.html", {"programme": programme, "page": page, "live": live})


@dataclass(frozen=True)
class PartRow:
    label: str
    weight: int
    raw: float
    points: float  # weight * raw: the part's share of the score


@dataclass(frozen=True)
class ProposalRow:
    """A proposal as the coordinator reads it: both handles, the reasons in words and the score's parts."""

    proposal: Proposal
    matched: list[str]
    unmatched: list[str]
    parts: list[PartRow]
    points: float  # when proposed
    points_now: float  # from the profiles and settings as they are now
    most: int  # the most a pair can score: the sum of the weights


def _row(proposal: Proposal, weights: Weights) -> ProposalRow:
    reasons = reasons_for(proposal, weights)
    parts = [PartRow(str(FIELD_LABELS.get(part.name, part.name)), part.weight, part.raw, part.points / SCALE)
             for part in reasons.score.parts]  # fmt: skip
    return ProposalRow(proposal, reasons.explanation.matched, reasons.explanation.unmatched, parts,
                       points=proposal.points / SCALE, points_now=reasons.score.total,
                       most=sum(part.weight for part in reasons.score.parts))  # fmt: skip


def _proposal_page(run: MatchRun, number: Any) -> Page[Proposal]:
    detailed = (
        _run_proposals(run)
        .select_related("programme", "mentee__user", "mentor__user")
        .prefetch_related("mentee__conditions__condition", "mentor__conditions__condition")
    )
    return Paginator(detailed, PAGE_SIZE).get_page(number)


@never_cache
@login_required
@require_GET
def run_page(request: AuthenticatedHttpRequest, programme_id: str, run_id: str) -> HttpResponse:
    programme = access_pool_programme(request.user, programme_id)
    run = access_run(request.user, programme, run_id)
    context: dict[str, Any] = {**_progress_context(programme, run, polled=False), "page": None, "rows": []}
    if run.status == MatchRun.Status.DONE:
        page = _proposal_page(run, request.GET.get("page"))
        weights = Weights(dict(run.weights)) if run.weights else weights_of(matching_settings(programme))
        rows = [_row(proposal, weights) for proposal in page]  # the explanations of this page only
        # The proposals name both people and why they fit: personal data, so the read is an event (counts only).
        record(action="matching.run_viewed", actor=request.user, organisation=programme.organisation, target=run,
               details={"page": page.number, "proposals": len(rows)})  # fmt: skip
        waiting = sum(row.proposal.status == Proposal.Status.REVIEW for row in rows)
        context.update(page=page, rows=rows, waiting=waiting, total_points=run.total_points / SCALE)
    return render(request, "matching/manage/run.html", context)


@never_cache
@login_required
@require_GET
def run_progress(request: AuthenticatedHttpRequest, programme_id: str, run_id: str) -> HttpResponse:
    programme = access_pool_programme(request.user, programme_id)
    run = access_run(request.user, programme, run_id)
    if run.live and request.GET.get("seen") == _seen(run):
        return HttpResponse(status=204)  # htmx swaps nothing and polls on
    return render(request, "matching/manage/run_progress.html", _progress_context(programme, run, polled=True))


# ---------------------------------------------------------------------------------------------------- review


def _back_to_run(programme: Programme, run_id: UUID | None, page: int | None) -> HttpResponse:
    if run_id is None:
        return redirect("matching_runs", programme_id=programme.pk)
    url = reverse("matching_run", kwargs={"programme_id": programme.pk, "run_id": run_id})
    return redirect(f"{url}?page={page}" if page and page > 1 else url)


@never_cache
@login_required
@require_POST
def review(request: AuthenticatedHttpRequest, programme_id: str, proposal_id: str) -> HttpResponse:
    programme = access_pool_programme(request.user, programme_id)
    proposal = access_managed_proposal(request.user, programme, proposal_id, purpose="review")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to send the proposal to both or not."))
        return _back_to_run(programme, proposal.run_id, None)
    approve = form.cleaned_data["decision"] == "approve"
    names = {"mentee": proposal.mentee.user.handle, "mentor": proposal.mentor.user.handle}
    try:
        proposal_review(actor=request.user, proposal=proposal, approve=approve)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if approve:
            messages.success(request, _("The proposal is sent to %(mentee)s and %(mentor)s.") % names)
        else:
            messages.success(request, _("The proposal of %(mentee)s and %(mentor)s is not sent. They will not be "
                                        "proposed to each other again.") % names)  # fmt: skip
    return _back_to_run(programme, proposal.run_id, form.cleaned_data.get("page"))


@never_cache
@login_required
@require_POST
def review_all(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    programme = access_pool_programme(request.user, programme_id)
    form = ReviewAllForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Open the run again and send its proposals from there."))
        return redirect("matching_runs", programme_id=programme.pk)
    run = access_run(request.user, programme, form.cleaned_data["run"])
    page = Paginator(_run_proposals(run), PAGE_SIZE).get_page(form.cleaned_data["page"])
    waiting = [proposal for proposal in page if proposal.status == Proposal.Status.REVIEW]
    try:
        sent = proposals_review_all(actor=request.user, proposals=waiting)
    except DomainError as error:
        messages.error(request, error.message)
        return _back_to_run(programme, run.pk, page.number)
    sent_words = ngettext("%(count)d proposal is sent to both people.", "%(count)d proposals are sent to both people.",
                          sent)  # fmt: skip
    messages.success(request, sent_words % {"count": sent})
    if sent < len(waiting):
        left = len(waiting) - sent
        messages.error(request, ngettext(
            "%(count)d proposal was not sent: it changed since the page was shown, or one of the two left the pool.",
            "%(count)d proposals were not sent: they changed since the page was shown, or one of the two left the "
            "pool.", left) % {"count": left})  # fmt: skip
    return _back_to_run(programme, run.pk, page.number)


# ---------------------------------------------------------------------------------------------------- pool


@never_cache
@login_required
@require_POST
def mentor_cap(request: AuthenticatedHttpRequest, programme_id: str, profile_id: str) -> HttpResponse:
    programme = access_pool_programme(request.user, programme_id)
    profile = access_pool_mentor(request.user, programme, profile_id, purpose="set limit on buddies")
    form = MentorCapForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the number of buddies as a whole number, or leave it empty."))
        return redirect("matching_pool", programme_id=programme.pk)
    try:
        saved = mentor_cap_set(actor=request.user, profile=profile, max_matches=form.cleaned_data["max_matches"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if saved.max_matches is None:
            messages.success(request, _("%(handle)s takes up to the programme's cap of %(cap)d buddies at once.")
                             % {"handle": profile.user.handle, "cap": programme.caseload_cap})  # fmt: skip
        else:
            messages.success(request, ngettext("%(handle)s takes up to %(count)d buddy at once.",
                                               "%(handle)s takes up to %(count)d buddies at once.", saved.max_matches)
                             % {"handle": profile.user.handle, "count": saved.max_matches})  # fmt: skip
    return redirect("matching_pool", programme_id=programme.pk)


# ---------------------------------------------------------------------------------------------------- reports


def _render_reports(request: AuthenticatedHttpRequest, *, page_number: Any = None, failed: ResolveForm | None = None,
                    failed_id: UUID | None = None, status: int = 200) -> HttpResponse:  # fmt: skip
    organisations = report_organisations(request.user)
    if not organisations:
        record_denied(actor=request.user, object_type="matching.matchreport", object_id="queue")
        raise Http404
    reports = (
        MatchReport.objects.filter(programme__organisation_id__in=organisations)
        .select_related("programme__organisation", "match", "reporter", "reported", "resolved_by")
        .annotate(done=Case(When(status=MatchReport.Status.OPEN, then=Value(0)), default=Value(1),
                            output_field=IntegerField()))
        .order_by("done", "created_at")
    )  # fmt: skip
    page = Paginator(reports, PAGE_SIZE).get_page(page_number)
    rows = []
    for report in page:
        form = None
        if report.status == MatchReport.Status.OPEN:
            form = failed if failed is not None and report.pk == failed_id else _resolve_form(report)
        rows.append((report, form))
    # Reports name both people and say what happened: reading the queue is an event, per organisation, counts only.
    shown: dict[UUID, tuple[Organisation, int]] = {}
    for report in page:
        organisation = report.programme.organisation
        shown[organisation.pk] = (organisation, shown.get(organisation.pk, (organisation, 0))[1] + 1)
    for organisation, count in shown.values():
        record(action="matching.reports_viewed", actor=request.user, organisation=organisation,
               details={"reports": count, "page": page.number})  # fmt: skip
    context = {"page": page, "rows": rows, "failed": failed}
    return render(request, "matching/manage/reports.html", context, status=status)


def _resolve_form(report: MatchReport, data: Any = None) -> ResolveForm:
    return ResolveForm(data, auto_id=f"report-{report.pk}-%s")


@never_cache
@login_required
@require_GET
def reports_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _render_reports(request, page_number=request.GET.get("page"))


@never_cache
@login_required
@require_POST
def resolve(request: AuthenticatedHttpRequest, report_id: str) -> HttpResponse:
    report = access_report(request.user, report_id)
    form = _resolve_form(report, request.POST)
    page_number = request.POST.get("page")
    if not form.is_valid():
        return _render_reports(request, page_number=page_number, failed=form, failed_id=report.pk, status=400)
    try:
        report_resolve(actor=request.user, report=report, resolution=form.cleaned_data["resolution"],
                       end_match=form.cleaned_data["end_match"])  # fmt: skip
    except Conflict as error:  # dealt with meanwhile: the list shows how
        messages.error(request, error.message)
    except DomainError as error:
        add_domain_error(form, error)
        return _render_reports(request, page_number=page_number, failed=form, failed_id=report.pk,
                               status=error.status)  # fmt: skip
    else:
        if form.cleaned_data["end_match"]:
            messages.success(request, _("The report is dealt with and the match has ended."))
        else:
            messages.success(request, _("The report is dealt with."))
    return redirect("matching_reports")


urlpatterns: list[URLPattern] = [
    path("matching/<uuid:programme_id>/settings/", settings_page, name="matching_settings"),
    path("matching/<uuid:programme_id>/runs/", runs_page, name="matching_runs"),
    path("matching/<uuid:programme_id>/runs/<uuid:run_id>/", run_page, name="matching_run"),
    path("matching/<uuid:programme_id>/runs/<uuid:run_id>/progress/", run_progress, name="matching_run_progress"),
    path("matching/<uuid:programme_id>/proposals/<uuid:proposal_id>/review/", review, name="matching_review"),
    path("matching/<uuid:programme_id>/review-all/", review_all, name="matching_review_all"),
    path("matching/<uuid:programme_id>/pool/<uuid:profile_id>/cap/", mentor_cap, name="matching_mentor_cap"),
    path("matching/reports/", reports_page, name="matching_reports"),
    path("matching/reports/<uuid:report_id>/resolve/", resolve, name="matching_report_resolve"),
]
