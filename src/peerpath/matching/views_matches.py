"""The pair's pages (issue 17): the intro card of a proposed buddy with the answer to it, and the match that follows
with its check-ins, its ending and reporting or blocking. Thin: gates, selectors, services.

    /matching/proposals/<proposal id>/          the intro card (either side, once offered); POST accept or decline
    /matching/matches/<match id>/               the match: the pair, or the programme's coordinators (read only)
    /matching/matches/<match id>/check-in/      "is this working?" for a week they were asked (POST)
    /matching/matches/<match id>/end/           end the match, with optional feedback (POST)
    /matching/matches/<match id>/report/        report the other person, or block them (POST)

Before both accept, nothing identifying is shown to the other side: the card gives a pseudonym, the role, the
programme and the reasons (proposals.pseudonym, proposals.reasons_for). Once both accept, the match page shows the
other's handle and what their profile form says a buddy sees (selectors_pairs.buddy_details).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.core.time import now
from peerpath.matching import selectors_pairs
from peerpath.matching.access import access_match, access_proposal
from peerpath.matching.forms_matches import AnswerForm, CheckInForm, ContactForm, EndForm, ReportForm
from peerpath.matching.matches import (
    check_in_answer,
    match_contact_set,
    match_end,
    match_report,
    shared_contact,
    side_in,
)
from peerpath.matching.models import Answer, Match, Proposal, Rating
from peerpath.matching.proposals import proposal_answer, pseudonym, reasons_for, side_of
from peerpath.matching.vocabulary import Role
from peerpath.moderation.crisis import lines_for

# Field ids on a page that holds several forms with the same field names.
ANSWER_IDS = "answer_%s"
END_IDS = "end_%s"
REPORT_IDS = "report_%s"
CONTACT_IDS = "contact_%s"


def _check_in_ids(week: int) -> str:
    return f"check_in_{week}_%s"


def _card_state(proposal: Proposal, side: str) -> str:
    """Where the proposal stands for this side: open, answered (waiting for the other), accepted, you_declined,
    declined, expired or withdrawn. An offered proposal past its deadline reads as expired before the sweep runs."""
    mine = getattr(proposal, f"{side}_answer")
    if proposal.status == Proposal.Status.OFFERED:
        if proposal.expires_at is not None and proposal.expires_at <= now():
            return Proposal.Status.EXPIRED.value
        return "answered" if mine else "open"
    if proposal.status == Proposal.Status.DECLINED and mine == Answer.DECLINE:
        return "you_declined"
    return str(proposal.status)


def _render_card(request: AuthenticatedHttpRequest, proposal: Proposal, form: AnswerForm,
                 status: int = 200) -> HttpResponse:  # fmt: skip
    side = side_of(proposal, request.user) or Role.MENTEE.value  # the gate let only a side through
    other = Role.MENTOR.value if side == Role.MENTEE else Role.MENTEE.value
    context = {
        "proposal": proposal,
        "programme": proposal.programme,
        "state": _card_state(proposal, side),
        "other_name": pseudonym(proposal, other),
        "own_name": pseudonym(proposal, side),
        "other_is_mentor": other == Role.MENTOR,
        "explanation": reasons_for(proposal).explanation,
        "match": selectors_pairs.match_of(proposal),
        "form": form,
    }
    return render(request, "matching/pair/proposal.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def proposal_page(request: AuthenticatedHttpRequest, proposal_id: str) -> HttpResponse:
    if request.method == "GET":
        proposal = access_proposal(request.user, proposal_id, purpose="read the intro card")
        return _render_card(request, proposal, AnswerForm(auto_id=ANSWER_IDS))
    proposal = access_proposal(request.user, proposal_id, purpose="answer the proposal")
    form = AnswerForm(request.POST, auto_id=ANSWER_IDS)
    if not form.is_valid():
        return _render_card(request, proposal, form, status=400)
    try:
        answered = proposal_answer(actor=request.user, proposal=proposal, accept=form.accepted,
                                   reason=form.cleaned_data["reason"])  # fmt: skip
    except DomainError as error:
        add_domain_error(form, error)
        return _render_card(request, proposal, form, status=error.status)
    if answered.status == Proposal.Status.ACCEPTED:
        messages.success(request, _("You both accepted. Your private conversation is open: a short hello is a good "
                                    "start."))  # fmt: skip
        return redirect("matching_match", match_id=answered.match.pk)
    if form.accepted:
        messages.success(request, _("Thank you: you accepted. Nothing about you is shared until the other person "
                                    "accepts too. We will e-mail you if they do."))  # fmt: skip
    else:
        messages.success(request, _("You declined. Nothing about you was shared. You may be suggested someone else "
                                    "at the next round of matching."))  # fmt: skip
    return redirect("matching_proposal", proposal_id=proposal.pk)


def _render_match(request: AuthenticatedHttpRequest, match: Match, *, bound: forms.Form | None = None,
                  status: int = 200) -> HttpResponse:  # fmt: skip
    """The match page; `bound` is a posted form with its errors, shown in place of its empty twin."""
    side = side_in(match, request.user)
    context: dict[str, Any] = {"match": match, "programme": match.programme, "side": side, "bound": bound}
    if side is None:  # a coordinator of the programme: read only
        context["feedback"] = selectors_pairs.feedback_of(match)
        return render(request, "matching/pair/match.html", context, status=status)
    other = match.mentor if side == Role.MENTEE else match.mentee
    posted_week = bound.data.get("week") if isinstance(bound, CheckInForm) else None
    check_ins = [
        (week, bound if posted_week == str(week) else CheckInForm(initial={"week": week}, auto_id=_check_in_ids(week)))
        for week in selectors_pairs.open_check_ins(match, request.user)
    ]
    context.update({
        "other": other,
        "other_is_mentor": other.role == Role.MENTOR,
        "details": selectors_pairs.buddy_details(other),
        "check_ins": check_ins,
        "end_form": bound if isinstance(bound, EndForm) else EndForm(auto_id=END_IDS),
        "report_form": bound if isinstance(bound, ReportForm) else ReportForm(auto_id=REPORT_IDS),
        "ended_by_me": match.ended_by_id == request.user.pk,
        "contact_form": bound if isinstance(bound, ContactForm) else ContactForm(
            initial={"phone": getattr(match, f"{side}_phone"), "email": getattr(match, f"{side}_email")},
            auto_id=CONTACT_IDS),
        "shared": shared_contact(match, request.user),
        "crisis_lines": lines_for(match.programme.organisation, writer=request.user),
    })  # fmt: skip
    return render(request, "matching/pair/match.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET"])
def match_page(request: AuthenticatedHttpRequest, match_id: str) -> HttpResponse:
    match = access_match(request.user, match_id, purpose="read the match")
    return _render_match(request, match)


@never_cache
@login_required
@require_POST
def check_in(request: AuthenticatedHttpRequest, match_id: str) -> HttpResponse:
    match = access_match(request.user, match_id, purpose="answer a check-in")
    form = CheckInForm(request.POST, auto_id=_check_in_ids(_week_of(request.POST.get("week"))))
    if not form.is_valid():
        return _render_match(request, match, bound=form, status=400)
    try:
        check_in_answer(actor=request.user, match=match, week=form.cleaned_data["week"],
                        rating=form.cleaned_data["rating"], note=form.cleaned_data["note"])  # fmt: skip
    except DomainError as error:
        add_domain_error(form, error)
        return _render_match(request, match, bound=form, status=error.status)
    if form.cleaned_data["rating"] == Rating.NOT_WORKING:
        # A poor check-in: the coordinator is told, and the way to someone else is one step away.
        messages.success(request, _("Thank you for telling us. Your coordinator has been told. If you would like "
                                    "someone else, end this match below and choose someone else."))  # fmt: skip
        return redirect(f"{reverse('matching_match', kwargs={'match_id': match.pk})}#end-heading")
    messages.success(request, _("Thank you for telling us how it is going."))
    return redirect("matching_match", match_id=match.pk)


@never_cache
@login_required
@require_POST
def contact(request: AuthenticatedHttpRequest, match_id: str) -> HttpResponse:
    """Give the buddy a phone and/or e-mail, or stop (both empty)."""
    match = access_match(request.user, match_id, purpose="share a phone or e-mail")
    form = ContactForm(request.POST, auto_id=CONTACT_IDS)
    if not form.is_valid():
        return _render_match(request, match, bound=form, status=400)
    try:
        saved = match_contact_set(actor=request.user, match=match, phone=form.cleaned_data["phone"],
                                  email=form.cleaned_data["email"])  # fmt: skip
    except DomainError as error:
        add_domain_error(form, error)
        return _render_match(request, match, bound=form, status=error.status)
    if form.cleaned_data["phone"] or form.cleaned_data["email"]:
        text = (_("Saved. Your buddy sees it too.") if shared_contact(saved, request.user)
                else _("Saved. Your buddy sees it only once they share theirs with you too."))  # fmt: skip
    else:
        text = _("You no longer share a phone or e-mail with your buddy.")
    messages.success(request, text)
    return redirect(f"{reverse('matching_match', kwargs={'match_id': match.pk})}#contact-heading")


def _week_of(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@never_cache
@login_required
@require_POST
def end(request: AuthenticatedHttpRequest, match_id: str) -> HttpResponse:
    match = access_match(request.user, match_id, purpose="end the match")
    form = EndForm(request.POST, auto_id=END_IDS)
    if not form.is_valid():
        return _render_match(request, match, bound=form, status=400)
    try:
        match_end(actor=request.user, match=match, reason=form.cleaned_data["reason"],
                  rating=form.cleaned_data["rating"], note=form.cleaned_data["note"])  # fmt: skip
    except DomainError as error:
        add_domain_error(form, error)
        return _render_match(request, match, bound=form, status=error.status)
    side = side_in(match, request.user)
    if form.cleaned_data["reason"] != Match.EndReason.REMATCH or side is None:
        messages.success(request, _("The match has ended. You can still read your conversation."))
    elif side == Role.MENTEE:
        messages.success(request, _("The match has ended. You are back in the matching pool: we will suggest "
                                    "someone new at the next round of matching."))  # fmt: skip
    else:
        messages.success(request, _("The match has ended. Your place is free again: you may be suggested a new "
                                    "buddy at the next round of matching."))  # fmt: skip
    return redirect("matching_match", match_id=match.pk)


@never_cache
@login_required
@require_POST
def report(request: AuthenticatedHttpRequest, match_id: str) -> HttpResponse:
    match = access_match(request.user, match_id, purpose="report the other person")
    form = ReportForm(request.POST, auto_id=REPORT_IDS)
    if not form.is_valid():
        return _render_match(request, match, bound=form, status=400)
    try:
        match_report(actor=request.user, match=match, reason=form.cleaned_data["reason"],
                     note=form.cleaned_data["note"], block=form.cleaned_data["block"])  # fmt: skip
    except DomainError as error:
        add_domain_error(form, error)
        return _render_match(request, match, bound=form, status=error.status)
    if form.cleaned_data["block"]:
        messages.success(request, _("Thank you for telling us. You have blocked them: the match has ended and your "
                                    "conversation is closed. A moderator will look at your report."))  # fmt: skip
    else:
        messages.success(request, _("Thank you for telling us. A moderator will look at your report."))
    return redirect("matching_match", match_id=match.pk)


urlpatterns: list[URLPattern] = [
    path("matching/proposals/<uuid:proposal_id>/", proposal_page, name="matching_proposal"),
    path("matching/matches/<uuid:match_id>/", match_page, name="matching_match"),
    path("matching/matches/<uuid:match_id>/check-in/", check_in, name="matching_check_in"),
    path("matching/matches/<uuid:match_id>/end/", end, name="matching_end"),
    path("matching/matches/<uuid:match_id>/contact/", contact, name="matching_contact"),
    path("matching/matches/<uuid:match_id>/report/", report, name="matching_report"),
]
