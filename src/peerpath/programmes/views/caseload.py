"""Pages of programmes (issue 16): the supporter's caseload and a patient's page where a contact is logged, and the
coordinator's programmes with their supporters against the caseload cap. Thin: gates, selectors, services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerpath.accounts.roles import Role
from peerpath.accounts.selectors import managed_organisations, roles_of
from peerpath.audit.services import record
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.core.time import now
from peerpath.moderation.crisis import lines_for
from peerpath.programmes import services
from peerpath.programmes.access import access_concern, access_enrolment, access_own_supporter, access_programme
from peerpath.programmes.forms import ConcernCloseForm, InteractionForm
from peerpath.programmes.messaging import may_message
from peerpath.programmes.models import Enrolment, Interaction, Programme
from peerpath.programmes.selectors import (
    QUEUE_LENGTH,
    SILENT_DAYS,
    TRIES_FOR_REVIEW,
    CaseloadRow,
    QueueRow,
    caseload,
    enrolment_contacts,
    enrolment_reach,
    managed_programmes,
    open_concern_count,
    open_concerns,
    programme_caseloads,
    programme_follow_ups,
    supporters_of,
    waiting_for_supporter,
)
from peerpath.programmes.views import check_ins as check_ins_views
from peerpath.programmes.views.listing import listing_context


@never_cache
@login_required
@require_GET
def caseload_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    supporters = list(supporters_of(request.user).select_related("organisation"))
    if not supporters and Role.PEER_SUPPORTER not in roles_of(request.user):
        raise Http404  # not a supporter anywhere: nothing here for them
    today = now().date()
    sections = [(supporter, caseload(supporter)) for supporter in supporters]
    for supporter, rows in sections:
        # A caseload names patients: a read of patient data, one event per organisation, without names.
        record(action="programmes.caseload_viewed", actor=request.user, organisation=supporter.organisation,
               details={"patients": len(rows)})  # fmt: skip
    url = reverse("programmes_enrolment", kwargs={"enrolment_id": _PLACEHOLDER})
    lines = [(supporter, [_line(row, today, url) for row in rows]) for supporter, rows in sections]
    # Members a group's organiser asked a peer supporter to check in on are part of the day's work too.
    check_ins = check_ins_views.check_in_rows(request.user)
    return render(request, "programmes/caseload.html", {"sections": lines, "check_ins": check_ins})


@dataclass(frozen=True)
class CaseloadLine:
    """One patient of a caseload as the page shows it, its words made once here rather than by template tags per
    row (a caseload of 50 stays quick to render on a phone)."""

    url: str
    name: str
    programme: str
    contact: str
    status: str
    tone: str  # "red", "orange" or "" (the words say it too: colour is never the only sign)
    ways: str = ""  # how the patient agreed to be reached (never the number or address itself)


_PLACEHOLDER = uuid.UUID(int=0)
# Open concerns shown on the follow-up queue, safeguarding first; the page says how many more there are.
CONCERNS_SHOWN = QUEUE_LENGTH


def _line(row: CaseloadRow, today: date, url: str) -> CaseloadLine:
    enrolment = row.enrolment
    if row.last_contact is not None:
        contact = _("Last contact %(when)s") % {"when": date_format(timezone.localtime(row.last_contact), "j M")}
    else:
        contact = _("Not contacted yet")
    tries, overdue = enrolment.tries_since_reached, row.overdue_days
    if row.needs_review:
        status, tone = (
            ngettext("Not reached after %(n)d try", "Not reached after %(n)d tries", tries) % {"n": tries},
            "red",
        )
    elif overdue:
        status = ngettext("Overdue by %(n)d day", "Overdue by %(n)d days", overdue) % {"n": overdue}
        tone = "red"
    elif row.due == today:
        status, tone = _("Due today"), "orange"
    else:
        status, tone = _("Next follow-up %(when)s") % {"when": date_format(row.due, "j M")}, ""
    name = f"{enrolment.patient.given_name} {enrolment.patient.family_name}"
    return CaseloadLine(url.replace(str(_PLACEHOLDER), str(enrolment.pk)), name, enrolment.programme.name, contact,
                        status, tone, _ways(enrolment))  # fmt: skip


def _ways(enrolment: Enrolment) -> str:
    ways = [_("private message")] if enrolment.patient.user_id is not None else []
    if enrolment.contact_phone:
        ways.append(_("phone"))
    if enrolment.contact_email:
        ways.append(_("e-mail"))
    return _("Reach by: %(ways)s") % {"ways": ", ".join(ways)} if ways else ""


def _render_enrolment(
    request: AuthenticatedHttpRequest, enrolment: Enrolment, form: InteractionForm, status: int = 200
) -> HttpResponse:
    interactions = enrolment_contacts(enrolment)
    may_log = enrolment.supporter is not None and enrolment.supporter.user_id == request.user.pk
    # The phone and e-mail are shown only as the patient shares them; the gate audited this read of the patient.
    context = {"enrolment": enrolment, "interactions": interactions, "form": form, "may_log": may_log,
               "may_message": may_message(request.user, enrolment), "reach": enrolment_reach(enrolment)}  # fmt: skip
    return render(request, "programmes/enrolment.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrolment_page(request: AuthenticatedHttpRequest, enrolment_id: str) -> HttpResponse:
    enrolment = access_enrolment(request.user, enrolment_id)
    if request.method == "GET":
        moment = timezone.localtime(now()).replace(second=0, microsecond=0)
        follow_up = (moment + timedelta(days=enrolment.programme.follow_up_days)).date()
        initial = {"when": moment, "next_follow_up": follow_up}
        return _render_enrolment(request, enrolment, InteractionForm(initial=initial))
    form = InteractionForm(request.POST)
    if not form.is_valid():
        return _render_enrolment(request, enrolment, form, status=400)
    data = form.cleaned_data
    try:
        interaction = services.interaction_log(
            actor=request.user, enrolment=enrolment,
            data=services.InteractionData(
                occurred_at=data["when"], channel=data["channel"], duration_minutes=data["duration_minutes"],
                reached=data["reached"],
                functions=data["functions"], discussed=data["discussed"], concern=data["concern"],
                concern_note=data["concern_note"], resources=data["resources"], next_follow_up=data["next_follow_up"],
            ),
        )  # fmt: skip
    except DomainError as error:
        add_domain_error(form, error)
        return _render_enrolment(request, enrolment, form, status=error.status)
    if interaction.concern == Interaction.Concern.SAFEGUARDING:
        # What to do now: the supporter is not left alone with it (the coordinators were alerted on commit).
        lines = lines_for(enrolment.programme.organisation, writer=enrolment.patient.user)
        return render(request, "programmes/safeguarding_now.html", {"enrolment": enrolment, "lines": lines})
    if interaction.concern == Interaction.Concern.CONCERN:
        messages.success(request, _("Contact logged. Your coordinator has been told of the concern."))
    else:
        messages.success(request, _("Contact logged."))
    return redirect("programmes_caseload")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def concern_close_page(request: AuthenticatedHttpRequest, interaction_id: str) -> HttpResponse:
    """A concern on its own page: what the supporter raised, and the form to record what was done and close it."""
    interaction = access_concern(request.user, interaction_id)
    programme = interaction.enrolment.programme
    if request.method == "GET":
        return _render_concern(request, interaction, ConcernCloseForm())
    form = ConcernCloseForm(request.POST)
    if not form.is_valid():
        return _render_concern(request, interaction, form, status=400)
    try:
        services.concern_close(actor=request.user, interaction=interaction, outcome=form.cleaned_data["outcome"],
                               note=form.cleaned_data["note"])  # fmt: skip
    except DomainError as error:
        add_domain_error(form, error)
        return _render_concern(request, interaction, form, status=error.status)
    messages.success(request, _("The concern is closed, with what was done."))
    return redirect("programmes_follow_ups", programme_id=programme.pk)


def _render_concern(
    request: AuthenticatedHttpRequest, interaction: Interaction, form: ConcernCloseForm, *, status: int = 200
) -> HttpResponse:
    outcome = interaction.concern_outcome
    label = Interaction.ConcernOutcome(outcome).label if outcome in Interaction.ConcernOutcome.values else outcome
    context = {"item": interaction, "programme": interaction.enrolment.programme, "form": form, "outcome": label}
    return render(request, "programmes/concern_close.html", context, status=status)


@never_cache
@login_required
@require_GET
def programme_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not managed_organisations(request.user).exists():
        raise Http404  # not a coordinator or admin anywhere
    programmes = list(managed_programmes(request.user).select_related("organisation", "coordinator"))
    return render(request, "programmes/programme_list.html", {"programmes": programmes})


@never_cache
@login_required
@require_GET
def programme_page(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    programme = access_programme(request.user, programme_id)
    today = now().date()
    supporters = [
        (supporter, count, services.readiness(supporter, programme, today))
        for supporter, count in programme_caseloads(programme)
    ]
    waiting = waiting_for_supporter(programme)
    return render(request, "programmes/programme.html",
                  {"programme": programme, "supporters": supporters, "waiting": waiting,
                   **listing_context(programme)})  # fmt: skip


@never_cache
@login_required
@require_GET
def follow_ups_page(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    return _render_follow_ups(request, access_programme(request.user, programme_id))


@dataclass(frozen=True)
class QueueLine:
    """One patient of the follow-up queue as the page shows it, its words made once here (a queue of 150 rows
    rendered by template tags per cell took most of the page's time)."""

    url: str
    name: str
    supporter: str
    reached: str
    due: str
    told: str  # silent patients: when the coordinator was told


def _queue_lines(rows: list[QueueRow], url: str) -> list[QueueLine]:
    lines = []
    days: dict[date, str] = {}  # the rows share few dates: each is formatted once

    def day(moment: date) -> str:
        if moment not in days:
            days[moment] = date_format(moment, "j M Y")
        return days[moment]

    today = now().date()
    for row in rows:
        supporter = row.supporter_handle
        if row.supporter_paused:
            supporter = _("%(handle)s (taking a break)") % {"handle": supporter}
        reached = day(timezone.localdate(row.last_contact)) if row.last_contact else _("Never")
        if row.tries:
            reached += "; " + ngettext("%(n)d try since", "%(n)d tries since", row.tries) % {"n": row.tries}
        due, overdue = day(row.due), max((today - row.due).days, 0)
        if overdue:
            due += " (" + ngettext("%(n)d day overdue", "%(n)d days overdue", overdue) % {"n": overdue} + ")"
        told = (_("Told by e-mail on %(when)s") % {"when": day(timezone.localdate(row.escalated_at))}
                if row.escalated_at is not None else _("Not yet"))  # fmt: skip
        link = url.replace(str(_PLACEHOLDER), str(row.enrolment_id))
        lines.append(QueueLine(link, row.patient_name, supporter, reached, due, told))
    return lines


def _render_follow_ups(request: AuthenticatedHttpRequest, programme: Programme) -> HttpResponse:
    queue = programme_follow_ups(programme)
    url = reverse("programmes_enrolment", kwargs={"enrolment_id": _PLACEHOLDER})
    concerns = open_concerns(programme, limit=CONCERNS_SHOWN)
    concerns_total = open_concern_count(programme) if len(concerns) >= CONCERNS_SHOWN else len(concerns)
    # The queue names patients: a read of patient data, without names in the event.
    record(action="programmes.follow_ups_viewed", actor=request.user, organisation=programme.organisation,
           details={"programme": str(programme.pk), "due": queue.due_total, "concerns": concerns_total})  # fmt: skip
    context = {"programme": programme, "queue": queue, "concerns": concerns, "concerns_total": concerns_total,
               "due": _queue_lines(queue.due, url), "not_reached": _queue_lines(queue.not_reached, url),
               "silent": _queue_lines(queue.silent, url), "silent_days": SILENT_DAYS,
               "tries": TRIES_FOR_REVIEW}  # fmt: skip
    return render(request, "programmes/follow_ups.html", context)


@never_cache
@login_required
@require_POST
def own_pause(request: AuthenticatedHttpRequest, supporter_id: str) -> HttpResponse:
    """The supporter takes a break, or comes back (their own profile only)."""
    supporter = access_own_supporter(request.user, supporter_id)
    if request.POST.get("resume"):
        services.supporter_resume(actor=request.user, supporter=supporter)
        messages.success(request, _("Welcome back: you can take new patients again."))
    else:
        services.supporter_pause(actor=request.user, supporter=supporter, reason=request.POST.get("reason", ""))
        messages.success(
            request, _("You are taking a break. Your coordinator has been asked to cover your follow-ups.")
        )
    return redirect("programmes_caseload")


urlpatterns: list[URLPattern] = [
    path("programmes/caseload/", caseload_page, name="programmes_caseload"),
    path("programmes/caseload/<uuid:enrolment_id>/", enrolment_page, name="programmes_enrolment"),
    path("programmes/caseload/break/<uuid:supporter_id>/", own_pause, name="programmes_own_pause"),
    path("programmes/", programme_list, name="programmes_list"),
    path("programmes/<uuid:programme_id>/", programme_page, name="programmes_programme"),
    path("programmes/<uuid:programme_id>/follow-ups/", follow_ups_page, name="programmes_follow_ups"),
    path("programmes/concerns/<uuid:interaction_id>/close/", concern_close_page, name="programmes_concern_close"),
    *check_ins_views.urlpatterns,
]
