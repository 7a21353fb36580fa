"""The patient's side (issue 4 points 4 and 5): answer an invitation, see progress, control sharing, self-report.

The invitation's secret never stays in the address bar: the link (or the typed code) is exchanged for a session entry
and the browser is sent on to a clean URL, as Django's password reset does, so it is not kept in history or sent in a
Referer.
"""

from __future__ import annotations

from typing import Any

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerpath.accounts.models import User
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.core.time import now
from peerpath.prescriptions import adherence, services
from peerpath.prescriptions.access import access_own_prescription
from peerpath.prescriptions.forms_patient import AnswerForm, InvitationCodeForm, SelfReportForm, StartSharingForm
from peerpath.prescriptions.models import Invitation, Prescription
from peerpath.prescriptions.selectors import own_prescriptions, participations_by_patient

SESSION_KEY = "prescriptions.invitation_token"
# Anti-automation on typed codes (SECURITY.md Business logic): settings.ACCOUNT_RATE_LIMITS, per browser session
# and per address. The code has 31^8 values, so this keeps guessing hopeless.
CODE_RATE_ACTION = "invitation_code"

# What the patient is told about sharing, in their words (the clinic's labels are in adherence.SHARING_LABELS).
SHARING_FOR_PATIENT = {
    adherence.Sharing.NOT_YET: gettext_lazy("You have not answered yet"),
    adherence.Sharing.SIGNPOST_ONLY: gettext_lazy("Not shared: signpost only"),
    adherence.Sharing.WITHDRAWN: gettext_lazy("Not shared: you stopped sharing"),
    adherence.Sharing.SHARED: gettext_lazy("Shared with your clinic"),
}


# --- The invitation ----------------------------------------------------------------------------------------------


def _problem(request: HttpRequest, invitation: Invitation | None, message: str) -> HttpResponse:
    """Why the invitation cannot be answered: 404 when unknown, 410 when it was once good (used, expired...)."""
    status = 404 if invitation is None else 410
    return render(request, "prescriptions/patient/invitation_problem.html", {"message": message}, status=status)


def _remember(request: HttpRequest, token: str) -> HttpResponseRedirect:
    request.session[SESSION_KEY] = token
    return redirect("invitation_answer")


@never_cache
@require_GET
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: checked, kept in the session, and swapped for a clean URL."""
    invitation = services.invitation_by_token(token)
    problem = services.invitation_problem(invitation)
    if problem is not None:
        return _problem(request, invitation, problem)
    return _remember(request, token)


def _code_attempt_allowed(request: HttpRequest) -> bool:
    if request.session.session_key is None:
        request.session.save()
    return ratelimit.consume(request, action=CODE_RATE_ACTION, key=request.session.session_key)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_code(request: HttpRequest) -> HttpResponse:
    """The code printed on the prescription, typed in: spaces, dashes and lower case forgiven."""
    form = InvitationCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if not _code_attempt_allowed(request):
            form.add_error(None, _("You have tried a lot of codes: please wait 15 minutes and try again."))
            status = 429
        else:
            invitation = services.invitation_by_code(form.cleaned_data["code"])
            problem = services.invitation_problem(invitation)
            if problem is None and invitation is not None:
                return _remember(request, services.issued(invitation).token)
            form.add_error("code", problem or "")
            status = 404 if invitation is None else 410
    elif request.method == "POST":
        status = 400
    return render(request, "prescriptions/patient/invitation_code.html", {"form": form}, status=status)


def _answer_context(request: HttpRequest, prescription: Prescription, form: AnswerForm | None) -> dict[str, Any]:
    answer_url = reverse("invitation_answer")
    return {
        "prescription": prescription,
        "form": form,
        "login_url": f"{reverse('account_login')}?{urlencode({'next': answer_url})}",
        "signup_url": f"{reverse('account_signup')}?{urlencode({'next': answer_url})}",
    }


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_answer(request: HttpRequest) -> HttpResponse:
    """What peer support is and is not, the group and the dose; then yes (with consent) or no."""
    token = request.session.get(SESSION_KEY, "")
    invitation = services.invitation_by_token(token) if token else None
    problem = services.invitation_problem(invitation)
    if problem is not None:
        request.session.pop(SESSION_KEY, None)
        return _problem(request, invitation, problem)
    assert invitation is not None
    prescription = invitation.prescription
    if request.method == "GET":
        services.invitation_viewed(invitation=invitation, viewer=request.user)
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect(_answer_context(request, prescription, None)["login_url"])
        return render(
            request, "prescriptions/patient/invitation_answer.html", _answer_context(request, prescription, None)
        )

    user = request.user
    assert isinstance(user, User)
    form = AnswerForm(
        request.POST if request.method == "POST" else None, organisation_name=prescription.organisation.name
    )
    status = 200
    if request.method == "POST":
        declining = request.POST.get("answer") == "decline"
        if declining or form.is_valid():
            try:
                if declining:
                    answered = services.invitation_decline(user=user, invitation=invitation)
                    messages.success(request, _("You said no to this prescription. Your clinic will see that."))
                else:
                    answered = services.invitation_accept(
                        user=user,
                        invitation=invitation,
                        share_participation=form.cleaned_data["share_participation"],
                        share_ehr_summary=form.cleaned_data["share_ehr_summary"],
                    )
                    messages.success(request, _("You said yes. Welcome: here is your prescription."))
            except DomainError as error:
                form = AnswerForm(request.POST, organisation_name=prescription.organisation.name)
                form.is_valid()
                add_domain_error(form, error)
                status = error.status
            else:
                request.session.pop(SESSION_KEY, None)
                return redirect("my_prescription", prescription_id=answered.pk)
        else:
            status = 400
    context = _answer_context(request, prescription, form)
    return render(request, "prescriptions/patient/invitation_answer.html", context, status=status)


# --- My peer support ---------------------------------------------------------------------------------------------


def _sharing(prescription: Prescription) -> tuple[str, Any]:
    sharing = adherence.sharing_of(prescription)
    return sharing, SHARING_FOR_PATIENT[sharing]


@login_required
@require_GET
def my_prescriptions(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = now().date()
    prescriptions = list(own_prescriptions(request.user))
    # The participations of every record of this person in one query: adherence.compute counts only what falls
    # inside a prescription's periods, so this is patient_view without a query per row.
    pool = participations_by_patient(prescriptions)
    rows = [
        {
            "prescription": item,
            "progress": adherence.compute(item, pool.get(item.patient_id, []), today).summary,
            "sharing_label": _sharing(item)[1],
        }
        for item in prescriptions
    ]
    return render(request, "prescriptions/patient/my_prescriptions.html", {"rows": rows})


def _detail(
    request: AuthenticatedHttpRequest,
    prescription: Prescription,
    *,
    status: int = 200,
    report_form: SelfReportForm | None = None,
    sharing_form: StartSharingForm | None = None,
    stop_error: str = "",
) -> HttpResponse:
    today = now().date()
    running = prescription.status in Prescription.RUNNING_STATUSES
    sharing, sharing_label = _sharing(prescription)
    consents = list(prescription.consents.all())
    participations = [
        (participation, adherence.counts_towards(prescription, participation))
        for participation in adherence.participations_for(prescription).order_by("-occurred_at")
    ]
    context = {
        "prescription": prescription,
        "timeline": adherence.patient_view(prescription, today),
        "participations": participations,
        "sharing": sharing,
        "sharing_label": sharing_label,
        "consent": next((consent for consent in consents if consent.withdrawn_at is None), None),
        "last_withdrawn": next((c for c in reversed(consents) if c.withdrawn_at is not None), None),
        "running": running,
        "report_form": report_form or (SelfReportForm(prescription=prescription, today=today) if running else None),
        "sharing_form": sharing_form or StartSharingForm(),
        "stop_error": stop_error,
    }
    return render(request, "prescriptions/patient/my_prescription.html", context, status=status)


@login_required
@require_GET
def my_prescription(request: AuthenticatedHttpRequest, prescription_id: str) -> HttpResponse:
    return _detail(request, access_own_prescription(request.user, prescription_id))


def _back(prescription: Prescription) -> HttpResponseRedirect:
    return redirect("my_prescription", prescription_id=prescription.pk)


@login_required
@require_POST
def my_prescription_stop_sharing(request: AuthenticatedHttpRequest, prescription_id: str) -> HttpResponse:
    prescription = access_own_prescription(request.user, prescription_id, purpose="withdraw consent")
    try:
        services.consent_withdraw(user=request.user, prescription=prescription)
    except DomainError as error:
        return _detail(request, prescription, status=error.status, stop_error=error.message)
    messages.success(request, _("You stopped sharing. Your clinic now sees “consent withdrawn” and none of your data."))
    return _back(prescription)


@login_required
@require_POST
def my_prescription_start_sharing(request: AuthenticatedHttpRequest, prescription_id: str) -> HttpResponse:
    prescription = access_own_prescription(request.user, prescription_id, purpose="grant consent")
    form = StartSharingForm(request.POST)
    if form.is_valid():
        try:
            services.consent_grant(
                user=request.user, prescription=prescription, share_ehr_summary=form.cleaned_data["share_ehr_summary"]
            )
        except DomainError as error:
            add_domain_error(form, error)
            return _detail(request, prescription, status=error.status, sharing_form=form)
        messages.success(request, _("You are sharing your participation with your clinic from now on."))
        return _back(prescription)
    return _detail(request, prescription, status=400, sharing_form=form)


@login_required
@require_POST
def my_prescription_report(request: AuthenticatedHttpRequest, prescription_id: str) -> HttpResponse:
    prescription = access_own_prescription(request.user, prescription_id, purpose="self-report")
    form = SelfReportForm(request.POST, prescription=prescription, today=now().date())
    if form.is_valid():
        try:
            services.participation_self_report(
                user=request.user,
                prescription=prescription,
                activity=form.cleaned_data["activity"],
                when=form.when(),
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            add_domain_error(form, error)
            return _detail(request, prescription, status=error.status, report_form=form)
        messages.success(request, _("Thank you: your participation is recorded."))
        return _back(prescription)
    return _detail(request, prescription, status=400, report_form=form)


urlpatterns = [
    # The invitation: "accept/" before "<token>/", which would otherwise match it.
    path("invitations/", invitation_code, name="invitation_code"),
    path("invitations/accept/", invitation_answer, name="invitation_answer"),
    path("invitations/<str:token>/", invitation_open, name="invitation_open"),
    # The patient's own prescriptions.
    path("my/prescriptions/", my_prescriptions, name="my_prescriptions"),
    path("my/prescriptions/<uuid:prescription_id>/", my_prescription, name="my_prescription"),
    path(
        "my/prescriptions/<uuid:prescription_id>/stop-sharing/",
        my_prescription_stop_sharing,
        name="my_prescription_stop_sharing",
    ),
    path(
        "my/prescriptions/<uuid:prescription_id>/start-sharing/",
        my_prescription_start_sharing,
        name="my_prescription_start_sharing",
    ),
    path("my/prescriptions/<uuid:prescription_id>/report/", my_prescription_report, name="my_prescription_report"),
]
