"""The coordinator's pages to run a programme (issue 16 points 1-3): set a programme up, keep its supporters'
profiles, training and supervision, enrol patients and put them in a supporter's caseload. Every page is for the
organisation's coordinators and admins; everything else gets the same 404. Thin: gates, selectors, services.

    /programmes/new/  /programmes/<id>/edit/              create and edit a programme
    /programmes/<id>/enrol/                               find a patient (posted search) and enrol them
    /programmes/<id>/patients/                            patients waiting for a supporter and those in caseloads
    /programmes/enrolments/<id>/assign/  …/end/           assign (or move) a patient; end an enrolment
    /programmes/supporters/  …/new/                       the organisation's supporters; a new supporter profile
    /programmes/supporters/<id>/  …/edit/                 a supporter's profile, training, supervision; edit it
    /programmes/supporters/<id>/training/ …/supervision/  add a training record; record a supervision session
    /programmes/supporters/<id>/pause/  …/resume/         a break from new patients, and back
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerpath.accounts.models import Organisation
from peerpath.accounts.selectors import managed_organisations
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.core.time import now
from peerpath.prescriptions.access import record_list_read
from peerpath.prescriptions.dose import Activity
from peerpath.prescriptions.models import Prescription
from peerpath.prescriptions.selectors import patients_for, prescriptions_for, search_patients
from peerpath.programmes import services
from peerpath.programmes.access import access_managed_enrolment, access_programme, access_supporter
from peerpath.programmes.forms_manage import (
    AssignForm,
    EndForm,
    EnrolForm,
    EnrolSearchForm,
    PauseForm,
    ProgrammeForm,
    SupervisionForm,
    SupporterForm,
    SupporterOption,
    TrainingForm,
    person_label,
    supporters_to_be,
)
from peerpath.programmes.models import Enrolment, Programme, Supporter, TrainingRecord
from peerpath.programmes.selectors import managed_enrolments, managed_supporters, programme_caseloads

# "A short list of matches": enough to tell two people of one name apart, few enough to read.
SEARCH_LIMIT = 20
# Time to book a refresher before a required course lapses and the supporter stops taking patients.
EXPIRING_SOON = timedelta(days=30)
SEARCH_IDS = "search_%s"


def _managed_organisations(request: AuthenticatedHttpRequest) -> list[Organisation]:
    organisations = list(managed_organisations(request.user).order_by("name"))
    if not organisations:
        raise Http404  # not a coordinator or admin anywhere: nothing here for them
    return organisations


# --- Programmes ---------------------------------------------------------------------------------------------------


def _render_programme_form(
    request: AuthenticatedHttpRequest, form: ProgrammeForm, programme: Programme | None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "programme": programme}
    return render(request, "programmes/manage_programme_form.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def programme_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = _managed_organisations(request)
    if request.method == "GET":
        form = ProgrammeForm(organisations=organisations, initial={"coordinator": str(request.user.pk)})
        return _render_programme_form(request, form, None)
    form = ProgrammeForm(request.POST, organisations=organisations)
    if not form.is_valid():
        return _render_programme_form(request, form, None, status=400)
    try:
        programme = services.programme_create(
            actor=request.user, organisation=form.chosen_organisation, data=form.to_data()
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _render_programme_form(request, form, None, status=error.status)
    messages.success(request, _("Programme created."))
    return redirect("programmes_programme", programme_id=programme.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    programme = access_programme(request.user, programme_id)
    if request.method == "GET":
        return _render_programme_form(request, ProgrammeForm(programme=programme), programme)
    form = ProgrammeForm(request.POST, programme=programme)
    if not form.is_valid():
        return _render_programme_form(request, form, programme, status=400)
    try:
        services.programme_update(actor=request.user, programme=programme, data=form.to_data())
    except DomainError as error:
        add_domain_error(form, error)
        return _render_programme_form(request, form, programme, status=error.status)
    messages.success(request, _("Programme saved."))
    return redirect("programmes_programme", programme_id=programme.pk)


# --- Supporters -------------------------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def supporter_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = _managed_organisations(request)
    supporters = list(
        managed_supporters(request.user)
        .select_related("user", "organisation", "supervisor")
        .prefetch_related("programmes")
        .order_by("organisation__name", "user__handle")
    )
    context = {
        "supporters": supporters,
        "several_organisations": len(organisations) > 1,
        "without_profile": supporters_to_be(organisations).count(),
    }
    return render(request, "programmes/manage_supporter_list.html", context)


def _render_supporter_form(
    request: AuthenticatedHttpRequest, form: SupporterForm, supporter: Supporter | None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "supporter": supporter, "person": person_label(supporter.user) if supporter else ""}
    return render(request, "programmes/manage_supporter_form.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def supporter_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = _managed_organisations(request)
    form = SupporterForm(request.POST if request.method == "POST" else None, organisations=organisations)
    if request.method == "GET":
        return _render_supporter_form(request, form, None)
    if not form.is_valid():
        return _render_supporter_form(request, form, None, status=400)
    person = form.chosen_person
    try:
        supporter = services.supporter_save(
            actor=request.user, organisation=person.organisation, user=person.user, data=form.to_data()
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _render_supporter_form(request, form, None, status=error.status)
    messages.success(request, _("Supporter profile created."))
    return redirect("programmes_supporter", supporter_id=supporter.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def supporter_edit(request: AuthenticatedHttpRequest, supporter_id: str) -> HttpResponse:
    supporter = access_supporter(request.user, supporter_id)
    if request.method == "GET":
        return _render_supporter_form(request, SupporterForm(supporter=supporter), supporter)
    form = SupporterForm(request.POST, supporter=supporter)
    if not form.is_valid():
        return _render_supporter_form(request, form, supporter, status=400)
    try:
        services.supporter_save(
            actor=request.user, organisation=supporter.organisation, user=supporter.user, data=form.to_data()
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _render_supporter_form(request, form, supporter, status=error.status)
    messages.success(request, _("Supporter profile saved."))
    return redirect("programmes_supporter", supporter_id=supporter.pk)


@dataclass(frozen=True)
class TrainingRow:
    record: TrainingRecord
    lapsed: bool
    expiring_soon: bool


def _training_rows(supporter: Supporter, today: date) -> list[TrainingRow]:
    rows = []
    for record in supporter.training.all():
        lapsed = record.expires_on is not None and record.expires_on <= today  # as services.lapsed_courses counts
        soon = not lapsed and record.expires_on is not None and record.expires_on <= today + EXPIRING_SOON
        rows.append(TrainingRow(record, lapsed, soon))
    return rows


def _render_supporter(
    request: AuthenticatedHttpRequest, supporter: Supporter, *, status: int = 200, bound: forms.Form | None = None
) -> HttpResponse:
    """A supporter's page; a refused form comes back `bound`, with its errors, in its place."""
    today = now().date()
    programmes = list(supporter.programmes.select_related("organisation"))
    courses = list(dict.fromkeys(course for programme in programmes for course in programme.required_courses))
    context = {
        "supporter": supporter,
        "person": person_label(supporter.user),
        "supervisor": person_label(supporter.supervisor) if supporter.supervisor else "",
        "programmes": [
            (programme, services.active_caseload(supporter, programme), services.readiness(supporter, programme, today))
            for programme in programmes
        ],
        "training": _training_rows(supporter, today),
        "sessions": list(supporter.supervision.select_related("supervisor")),
        "training_form": bound if isinstance(bound, TrainingForm) else TrainingForm(required_courses=courses),
        "supervision_form": bound if isinstance(bound, SupervisionForm) else SupervisionForm(),
        "pause_form": bound if isinstance(bound, PauseForm) else PauseForm(),
        "failed_form": bound if bound is not None and bound.errors else None,
    }
    return render(request, "programmes/manage_supporter.html", context, status=status)


@never_cache
@login_required
@require_GET
def supporter_page(request: AuthenticatedHttpRequest, supporter_id: str) -> HttpResponse:
    return _render_supporter(request, access_supporter(request.user, supporter_id))


def _supporter_change(
    request: AuthenticatedHttpRequest,
    supporter: Supporter,
    form: forms.Form,
    change: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Validate the form, make the change, and go back to the supporter's page; a refusal is shown on the form."""
    status = 400
    if form.is_valid():
        try:
            change(form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status
        else:
            messages.success(request, done)
            return redirect("programmes_supporter", supporter_id=supporter.pk)
    return _render_supporter(request, supporter, status=status, bound=form)


@never_cache
@login_required
@require_POST
def training_add(request: AuthenticatedHttpRequest, supporter_id: str) -> HttpResponse:
    supporter = access_supporter(request.user, supporter_id)

    def change(data: dict[str, Any]) -> object:
        return services.training_record_add(
            actor=request.user, supporter=supporter, course=data["course"], completed_on=data["completed_on"],
            expires_on=data["expires_on"],
        )  # fmt: skip

    return _supporter_change(request, supporter, TrainingForm(request.POST), change, _("Training recorded."))


@never_cache
@login_required
@require_POST
def supervision_add(request: AuthenticatedHttpRequest, supporter_id: str) -> HttpResponse:
    supporter = access_supporter(request.user, supporter_id)

    def change(data: dict[str, Any]) -> object:
        return services.supervision_record(actor=request.user, supporter=supporter, held_on=data["held_on"],
                                           note=data["note"])  # fmt: skip

    done = _("Supervision session recorded.")
    return _supporter_change(request, supporter, SupervisionForm(request.POST), change, done)


@never_cache
@login_required
@require_POST
def supporter_pause(request: AuthenticatedHttpRequest, supporter_id: str) -> HttpResponse:
    supporter = access_supporter(request.user, supporter_id)

    def change(data: dict[str, Any]) -> object:
        return services.supporter_pause(actor=request.user, supporter=supporter, reason=data["reason"])

    done = _("%(handle)s is taking a break: no new patients until they resume.") % {"handle": supporter.user.handle}
    return _supporter_change(request, supporter, PauseForm(request.POST), change, done)


@never_cache
@login_required
@require_POST
def supporter_resume(request: AuthenticatedHttpRequest, supporter_id: str) -> HttpResponse:
    supporter = access_supporter(request.user, supporter_id)

    def change(data: dict[str, Any]) -> object:
        return services.supporter_resume(actor=request.user, supporter=supporter)

    done = _("%(handle)s is back and may take new patients.") % {"handle": supporter.user.handle}
    return _supporter_change(request, supporter, forms.Form(request.POST), change, done)


# --- Enrolling and assigning ------------------------------------------------------------------------------------


def _supporter_options(programme: Programme) -> list[SupporterOption]:
    """The programme's supporters, those who can take a new patient first, the emptiest caseload first."""
    today = now().date()
    options = [
        SupporterOption(supporter, count, programme.caseload_cap, services.readiness(supporter, programme, today))
        for supporter, count in programme_caseloads(programme)
    ]
    return sorted(options, key=lambda option: (bool(option.reasons), option.caseload, option.supporter.user.handle))


@dataclass(frozen=True)
class EnrolStep:
    """The enrol form over the patients found, how many are shown, and whether more matched than are shown."""

    form: EnrolForm
    shown: int
    more: bool


def _enrol_step(request: AuthenticatedHttpRequest, programme: Programme, text: str, data: Any = None) -> EnrolStep:
    patients = patients_for(request.user).filter(organisation=programme.organisation)
    found = []
    if text.strip():
        found = list(search_patients(patients, text).values_list("pk", flat=True)[: SEARCH_LIMIT + 1])
    shown = found[:SEARCH_LIMIT]
    prescriptions = prescriptions_for(request.user).filter(
        patient_id__in=shown,
        status__in=Prescription.RUNNING_STATUSES,
        activity__in=[Activity.PEER_CONTACT, Activity.ANY],
    )
    form = EnrolForm(
        data,
        initial={"q": text},
        patients=patients.filter(pk__in=shown).order_by("family_name", "given_name"),
        prescriptions=prescriptions.order_by("patient__family_name", "patient__given_name", "-start_date"),
        supporters=_supporter_options(programme),
    )
    return EnrolStep(form, len(shown), more=len(found) > SEARCH_LIMIT)


def _render_enrol(
    request: AuthenticatedHttpRequest,
    programme: Programme,
    search: EnrolSearchForm,
    step: EnrolStep | None = None,
    status: int = 200,
) -> HttpResponse:
    if step is not None:
        # The matches' names are a read of patient data: one audit event, without the names or the text.
        record_list_read(request.user, [programme.organisation], action="programmes.enrol_search", shown=step.shown)
    context = {"programme": programme, "search": search, "step": step, "form": step.form if step else None,
               "limit": SEARCH_LIMIT}  # fmt: skip
    return render(request, "programmes/manage_enrol.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol_page(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    """Two steps on one page, both posted so that no name reaches a URL: find the patient, then enrol them."""
    programme = access_programme(request.user, programme_id)
    if request.method == "GET":
        return _render_enrol(request, programme, EnrolSearchForm(auto_id=SEARCH_IDS))
    if request.POST.get("step") != "enrol":
        search = EnrolSearchForm(request.POST, auto_id=SEARCH_IDS)
        if not search.is_valid():
            return _render_enrol(request, programme, search, status=400)
        return _render_enrol(request, programme, search, _enrol_step(request, programme, search.cleaned_data["q"]))
    text = request.POST.get("q", "")[:100]
    search = EnrolSearchForm(initial={"q": text}, auto_id=SEARCH_IDS)
    step = _enrol_step(request, programme, text, data=request.POST)
    form = step.form
    if not form.is_valid():
        return _render_enrol(request, programme, search, step, status=400)
    data = form.cleaned_data
    try:
        enrolment = services.enrolment_create(
            actor=request.user, programme=programme, patient=data["patient"], source=data["source"],
            prescription=data["prescription"], supporter=data["supporter"],
        )  # fmt: skip
    except DomainError as error:
        add_domain_error(form, error)
        return _render_enrol(request, programme, search, step, status=error.status)
    if enrolment.supporter is not None:
        done = _("Patient enrolled and assigned to %(handle)s.") % {"handle": enrolment.supporter.user.handle}
    else:
        done = _("Patient enrolled: they wait for a supporter.")
    messages.success(request, done)
    return redirect("programmes_patients", programme_id=programme.pk)


def _assign_form(enrolment: Enrolment, options: list[SupporterOption], data: Any = None) -> AssignForm:
    initial = {"supporter": str(enrolment.supporter_id) if enrolment.supporter_id else ""}
    label = _("Supporter for %(patient)s") % {"patient": enrolment.patient.name}
    return AssignForm(data, supporters=options, label=label, prefix=f"a{enrolment.pk.hex}", initial=initial)


def _render_patients(
    request: AuthenticatedHttpRequest,
    programme: Programme,
    *,
    failed: tuple[Enrolment, AssignForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The programme's patients: those waiting for a supporter, then those in a caseload, each with the form that
    assigns (or moves) them; a refused assignment comes back in its row, with the reason."""
    enrolments = list(
        managed_enrolments(request.user)
        .filter(programme=programme, status=Enrolment.Status.ACTIVE)
        .select_related("patient", "supporter__user", "prescription")
        .order_by("enrolled_at")
    )
    options = _supporter_options(programme)
    rows = [
        (enrolment, failed[1] if failed and failed[0].pk == enrolment.pk else _assign_form(enrolment, options))
        for enrolment in enrolments
    ]
    record_list_read(request.user, [programme.organisation], action="programmes.patients_viewed", shown=len(rows))
    context = {
        "programme": programme,
        "waiting": [row for row in rows if row[0].supporter_id is None],
        "placed": [row for row in rows if row[0].supporter_id is not None],
        "failed_form": failed[1] if failed else None,
    }
    return render(request, "programmes/manage_patients.html", context, status=status)


@never_cache
@login_required
@require_GET
def programme_patients(request: AuthenticatedHttpRequest, programme_id: str) -> HttpResponse:
    return _render_patients(request, access_programme(request.user, programme_id))


@never_cache
@login_required
@require_POST
def enrolment_assign(request: AuthenticatedHttpRequest, enrolment_id: str) -> HttpResponse:
    enrolment = access_managed_enrolment(request.user, enrolment_id, purpose="assign")
    programme = enrolment.programme
    form = _assign_form(enrolment, _supporter_options(programme), data=request.POST)
    if not form.is_valid():
        return _render_patients(request, programme, failed=(enrolment, form), status=400)
    supporter = form.cleaned_data["supporter"]
    try:
        services.enrolment_assign(actor=request.user, enrolment=enrolment, supporter=supporter)
    except DomainError as error:
        add_domain_error(form, error)
        return _render_patients(request, programme, failed=(enrolment, form), status=error.status)
    messages.success(request, _("Assigned to %(handle)s.") % {"handle": supporter.user.handle})
    return redirect("programmes_patients", programme_id=programme.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrolment_end(request: AuthenticatedHttpRequest, enrolment_id: str) -> HttpResponse:
    enrolment = access_managed_enrolment(request.user, enrolment_id, purpose="end")
    form = EndForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.enrolment_end(actor=request.user, enrolment=enrolment, reason=form.cleaned_data["reason"])
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The enrolment has ended."))
                return redirect("programmes_patients", programme_id=enrolment.programme_id)
    return render(request, "programmes/manage_end.html", {"enrolment": enrolment, "form": form}, status=status)


urlpatterns: list[URLPattern] = [
    path("programmes/new/", programme_new, name="programmes_new"),
    path("programmes/<uuid:programme_id>/edit/", programme_edit, name="programmes_edit"),
    path("programmes/<uuid:programme_id>/enrol/", enrol_page, name="programmes_enrol"),
    path("programmes/<uuid:programme_id>/patients/", programme_patients, name="programmes_patients"),
    path("programmes/enrolments/<uuid:enrolment_id>/assign/", enrolment_assign, name="programmes_assign"),
    path("programmes/enrolments/<uuid:enrolment_id>/end/", enrolment_end, name="programmes_end"),
    path("programmes/supporters/", supporter_list, name="programmes_supporters"),
    path("programmes/supporters/new/", supporter_new, name="programmes_supporter_new"),
    path("programmes/supporters/<uuid:supporter_id>/", supporter_page, name="programmes_supporter"),
    path("programmes/supporters/<uuid:supporter_id>/edit/", supporter_edit, name="programmes_supporter_edit"),
    path("programmes/supporters/<uuid:supporter_id>/training/", training_add, name="programmes_training_add"),
    path("programmes/supporters/<uuid:supporter_id>/supervision/", supervision_add, name="programmes_supervision_add"),
    path("programmes/supporters/<uuid:supporter_id>/pause/", supporter_pause, name="programmes_supporter_pause"),
    path("programmes/supporters/<uuid:supporter_id>/resume/", supporter_resume, name="programmes_supporter_resume"),
]
