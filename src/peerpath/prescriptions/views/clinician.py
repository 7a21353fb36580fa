"""The clinician's side (issue 4 point 6): patients, writing and sending a prescription, the dashboard and its CSV.

Clinical staff (clinician, coordinator, admin) of the patient's organisation see everything here; only clinicians
prescribe, and only coordinators and admins record participation on a patient's behalf. Every object comes through
the gates in access.py, every list through selectors.py, every change through services.py.

    /clinic/patients/                              list (GET) and search (POST: names stay out of URLs)
    /clinic/patients/new/                          add a patient
    /clinic/patients/<id>/  …/edit/  …/prescribe/  a patient's page, their record, a new prescription for them
    /clinic/prescriptions/                         the dashboard: counts, lapsing, needs attention, filtered list
    /clinic/prescriptions/export.csv               the same list as CSV (audited)
    /clinic/prescriptions/new/?listing=<id>        prescribe a group from the directory, choosing the patient
    /clinic/prescriptions/<id>/  …/edit/ …/send/ …/cancel/ …/reissue/ …/participation/
    /clinic/dose-preview/                          the dose sentence, read back as the clinician types (htmx)
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerpath.accounts.models import Organisation
from peerpath.accounts.roles import Role
from peerpath.accounts.selectors import roles_in
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.core.time import now
from peerpath.directory.models import Listing
from peerpath.directory.selectors import public_listings
from peerpath.prescriptions import services
from peerpath.prescriptions.access import access_patient, access_prescription, record_list_read
from peerpath.prescriptions.csv_export import export_response
from peerpath.prescriptions.dose import Dose
from peerpath.prescriptions.forms import (
    CancelForm,
    DashboardFilterForm,
    ParticipationForm,
    PatientForm,
    PatientSearchForm,
    PrescriptionForm,
)
from peerpath.prescriptions.models import Patient, Prescription
from peerpath.prescriptions.selectors import (
    clinician_views,
    lapsing,
    listings_prescribed_in,
    needs_attention,
    patients_for,
    prescriber_organisations,
    prescriptions_for,
    prescriptions_of_patient,
    search_patients,
    staff_organisations,
)

PAGE_SIZE = 25
SEARCH_LIMIT = 50
Status = Prescription.Status


# --- Who may do what ---------------------------------------------------------------------------------------------


def _staff_organisations(request: AuthenticatedHttpRequest) -> list[Organisation]:
    organisations = list(staff_organisations(request.user))
    if not organisations:
        raise Http404  # not clinical staff anywhere: nothing here for them
    return organisations


def _check_prescriber(request: AuthenticatedHttpRequest, organisation_id: Any) -> None:
    """Coordinators and admins see prescriptions but do not write them (the services refuse them too)."""
    if Role.CLINICIAN not in roles_in(request.user, organisation_id):
        raise DjangoPermissionDenied


def print_path(prescription: Prescription) -> str:
    return reverse("prescription_print", kwargs={"prescription_id": prescription.pk})


# --- Patients ----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def patient_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = _staff_organisations(request)
    patients = patients_for(request.user).select_related("organisation", "user")
    search = PatientSearchForm(request.POST or None)
    searching = request.method == "POST" and search.is_valid() and bool(search.cleaned_data["q"].strip())
    if searching:
        results = list(search_patients(patients, search.cleaned_data["q"])[:SEARCH_LIMIT])
        page = None
    else:
        page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
        results = list(page.object_list)
    record_list_read(request.user, organisations, action="patient.list_viewed", searched=searching, shown=len(results))
    context = {
        "patients": results,
        "page": page,
        "search": search,
        "searching": searching,
        "several_organisations": len(organisations) > 1,
    }
    return render(request, "prescriptions/clinic/patient_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def patient_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = _staff_organisations(request)
    form = PatientForm(request.POST or None, organisations=organisations)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                patient = services.patient_create(
                    actor=request.user, organisation=form.chosen_organisation, data=form.to_data()
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The patient is on your list."))
                return redirect("clinic_patient", patient_id=patient.pk)
        else:
            status = 400
    return render(request, "prescriptions/clinic/patient_form.html", {"form": form, "patient": None}, status=status)


@login_required
@require_GET
def patient_detail(request: AuthenticatedHttpRequest, patient_id: str) -> HttpResponse:
    patient = access_patient(request.user, patient_id)
    prescriptions = list(prescriptions_of_patient(patient))
    views = clinician_views(prescriptions, now().date())
    context = {
        "patient": patient,
        "rows": [(item, views[item.pk]) for item in prescriptions],
        "may_prescribe": Role.CLINICIAN in roles_in(request.user, patient.organisation_id),
    }
    return render(request, "prescriptions/clinic/patient_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def patient_edit(request: AuthenticatedHttpRequest, patient_id: str) -> HttpResponse:
    patient = access_patient(request.user, patient_id, purpose="edit")
    form = PatientForm(request.POST or None, organisations=[patient.organisation], patient=patient)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = services.patient_update(actor=request.user, patient=patient, data=form.to_data())
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Saved.") if changed else _("Nothing had changed."))
                return redirect("clinic_patient", patient_id=patient.pk)
        else:
            status = 400
    return render(request, "prescriptions/clinic/patient_form.html", {"form": form, "patient": patient}, status=status)


# --- Writing a prescription --------------------------------------------------------------------------------------


def _save_prescription(
    request: AuthenticatedHttpRequest, form: PrescriptionForm, patient: Patient | None, existing: Prescription | None
) -> tuple[Prescription | None, int]:
    """Create (or change a draft) from a valid form; a refusal lands on the form and nothing is saved."""
    if not form.is_valid():
        return None, 400
    try:
        if existing is not None:
            prescription = services.prescription_update(
                clinician=request.user, prescription=existing, data=form.to_data()
            )
        else:
            chosen = patient or form.cleaned_data["patient"]
            _check_prescriber(request, chosen.organisation_id)
            prescription = services.prescription_create(clinician=request.user, patient=chosen, data=form.to_data())
    except DomainError as error:
        add_domain_error(form, error)
        return None, error.status
    return prescription, 200


def _render_prescription_form(
    request: AuthenticatedHttpRequest, form: PrescriptionForm, status: int, **context: Any
) -> HttpResponse:
    context.setdefault("patient", None)
    context.setdefault("prescription", None)
    context["readback"] = _readback(form)
    return render(request, "prescriptions/clinic/prescription_form.html", {"form": form, **context}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def prescribe_for_patient(request: AuthenticatedHttpRequest, patient_id: str) -> HttpResponse:
    patient = access_patient(request.user, patient_id, purpose="prescribe")
    _check_prescriber(request, patient.organisation_id)
    listing = _preselected_listing(request)
    form = PrescriptionForm(request.POST or None, initial={"listing": listing.pk} if listing is not None else {})
    status = 200
    if request.method == "POST":
        prescription, status = _save_prescription(request, form, patient, None)
        if prescription is not None:
            messages.success(request, _("Saved as a draft. Check it, then send it to the patient."))
            return redirect("clinic_prescription", prescription_id=prescription.pk)
    return _render_prescription_form(request, form, status, patient=patient)


def _preselected_listing(request: AuthenticatedHttpRequest) -> Listing | None:
    """`?listing=<id>` from a directory page: a vetted listing's id is public, so it may sit in the URL."""
    try:
        listing_id = uuid.UUID(request.GET.get("listing", ""))
    except ValueError:
        return None
    return public_listings().filter(pk=listing_id).first()


@login_required
@require_http_methods(["GET", "POST"])
def prescribe_listing(request: AuthenticatedHttpRequest) -> HttpResponse:
    """From a directory page: the group is chosen (`?listing=<id>`, not sensitive), the patient is picked here."""
    organisations = prescriber_organisations(request.user)
    if not organisations.exists():
        raise Http404
    patients = patients_for(request.user).filter(organisation__in=organisations)
    listing = _preselected_listing(request)
    form = PrescriptionForm(
        request.POST or None, patients=patients, initial={"listing": listing.pk} if listing is not None else {}
    )
    status = 200
    if request.method == "POST":
        prescription, status = _save_prescription(request, form, None, None)
        if prescription is not None:
            messages.success(request, _("Saved as a draft. Check it, then send it to the patient."))
            return redirect("clinic_prescription", prescription_id=prescription.pk)
    return _render_prescription_form(request, form, status, listing=listing)


@login_required
@require_http_methods(["GET", "POST"])
def prescription_edit(request: AuthenticatedHttpRequest, prescription_id: str) -> HttpResponse:
    prescription = access_prescription(request.user, prescription_id, purpose="edit")
    _check_prescriber(request, prescription.organisation_id)
    if prescription.status != Status.DRAFT:
        messages.error(request, _("Only a draft can be changed: cancel this prescription and write a new one."))
        return redirect("clinic_prescription", prescription_id=prescription.pk)
    form = PrescriptionForm(request.POST or None, prescription=prescription)
    status = 200
    if request.method == "POST":
        saved, status = _save_prescription(request, form, prescription.patient, prescription)
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("clinic_prescription", prescription_id=prescription.pk)
    return _render_prescription_form(request, form, status, patient=prescription.patient, prescription=prescription)


DOSE_FIELDS = ("activity", "count", "per", "duration", "duration_unit")


def _dose_or_problem(values: Mapping[str, Any]) -> tuple[Dose | None, str]:
    """The dose these values describe, or why there is none (the same words as the services' refusal)."""
    try:
        dose = Dose(
            activity=str(values.get("activity") or ""),
            count=int(values.get("count") or ""),
            per=str(values.get("per") or ""),
            duration=int(values.get("duration") or ""),
            duration_unit=str(values.get("duration_unit") or ""),
            start=now().date(),
        )
        dose.validate()
    except (TypeError, ValueError):
        return None, _("Give how many and for how long as whole numbers.")
    except DomainError as error:
        return None, error.message
    return dose, ""


def _readback(form: PrescriptionForm) -> str:
    """The dose as a sentence, when the form holds a valid one (bound or not: BoundField.value() gives either)."""
    dose, _problem = _dose_or_problem({name: form[name].value() for name in DOSE_FIELDS})
    return dose.sentence() if dose is not None else ""


@login_required
@require_POST
def dose_preview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The sentence the patient will read, as the clinician changes the dose (an htmx fragment)."""
    if not prescriber_organisations(request.user).exists():
        raise Http404
    dose, problem = _dose_or_problem(request.POST)
    context = {"readback": dose.sentence() if dose is not None else "", "problem": problem}
    return render(request, "prescriptions/clinic/includes/readback.html", context)


# --- A prescription ----------------------------------------------------------------------------------------------


def _detail(
    request: AuthenticatedHttpRequest,
    prescription: Prescription,
    *,
    status: int = 200,
    cancel_form: CancelForm | None = None,
    participation_form: ParticipationForm | None = None,
    problem: str = "",
) -> HttpResponse:
    roles = roles_in(request.user, prescription.organisation_id)
    today = now().date()
    view = clinician_views([prescription], today)[prescription.pk]
    context = {
        "prescription": prescription,
        "view": view,
        "invitation": services.current_invitation(prescription) if prescription.status == Status.SENT else None,
        "may_prescribe": Role.CLINICIAN in roles,
        "may_record": bool({Role.COORDINATOR, Role.ADMIN} & roles)
        and prescription.status in Prescription.RUNNING_STATUSES,
        "may_cancel": Role.CLINICIAN in roles and prescription.may_move_to(Status.CANCELLED),
        "cancel_form": cancel_form or CancelForm(),
        "participation_form": participation_form or ParticipationForm(),
        "print_url": print_path(prescription),
        "problem": problem,
    }
    return render(request, "prescriptions/clinic/prescription_detail.html", context, status=status)


@login_required
@require_GET
def prescription_detail(request: AuthenticatedHttpRequest, prescription_id: str) -> HttpResponse:
    return _detail(request, access_prescription(request.user, prescription_id))


@login_required
@require_POST
def prescription_send(request: AuthenticatedHttpRequest, prescription_id: str) -> HttpResponse:
    prescription = access_prescription(request.user, prescription_id, purpose="send")
    try:
        services.prescription_send(clinician=request.user, prescription=prescription)
    except DomainError as error:
        return _detail(request, prescription, status=error.status, problem=error.message)
    if prescription.patient.email:
        messages.success(request, _("Sent: the patient is e-mailed an invitation. You can also print it for them."))
    else:
        messages.success(request, _("Sent. The patient has no e-mail address: print the invitation for them."))
    return redirect("clinic_prescription", prescription_id=prescription.pk)


@login_required
@require_POST
def invitation_reissue(request: AuthenticatedHttpRequest, prescription_id: str) -> HttpResponse:
    prescription = access_prescription(request.user, prescription_id, purpose="reissue")
    try:
        services.invitation_reissue(actor=request.user, prescription=prescription)
    except DomainError as error:
        return _detail(request, prescription, status=error.status, problem=error.message)
    messages.success(request, _("A new invitation link and code: the old ones no longer work."))
    return redirect("clinic_prescription", prescription_id=prescription.pk)


@login_required
@require_POST
def prescription_cancel(request: AuthenticatedHttpRequest, prescription_id: str) -> HttpResponse:
    prescription = access_prescription(request.user, prescription_id, purpose="cancel")
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _detail(request, prescription, status=400, cancel_form=form)
    try:
        services.prescription_cancel(
            clinician=request.user, prescription=prescription, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _detail(request, prescription, status=error.status, cancel_form=form)
    messages.success(request, _("Cancelled. Any open invitation no longer works."))
    return redirect("clinic_prescription", prescription_id=prescription.pk)


@login_required
@require_POST
def participation_record(request: AuthenticatedHttpRequest, prescription_id: str) -> HttpResponse:
    prescription = access_prescription(request.user, prescription_id, purpose="record_participation")
    form = ParticipationForm(request.POST)
    if not form.is_valid():
        return _detail(request, prescription, status=400, participation_form=form)
    try:
        services.participation_record_for_patient(
            actor=request.user,
            prescription=prescription,
            activity=form.cleaned_data["activity"],
            when=form.when(),
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _detail(request, prescription, status=error.status, participation_form=form)
    messages.success(request, _("Recorded on the patient's behalf."))
    return redirect("clinic_prescription", prescription_id=prescription.pk)


# --- The dashboard -----------------------------------------------------------------------------------------------


def _filter_form(request: AuthenticatedHttpRequest, organisations: list[Organisation]) -> DashboardFilterForm:
    listings = listings_prescribed_in(organisations)
    params = {key: value for key, value in request.GET.items() if key != "page"}
    return DashboardFilterForm(params or None, listings=listings)


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = _staff_organisations(request)
    everything = prescriptions_for(request.user)
    today = now().date()
    counts = dict(everything.order_by().values_list("status").annotate(total=Count("pk")))
    form = _filter_form(request, organisations)
    rows = form.apply(everything, request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    views = clinician_views(list(page.object_list), today)
    record_list_read(request.user, organisations, action="prescription.list_viewed", shown=len(views))
    context = {
        "counts": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
        "lapsing": lapsing(everything, today),
        "attention": needs_attention(everything, today),
        "form": form,
        "page": page,
        "rows": [(item, views[item.pk]) for item in page.object_list],
        "several_organisations": len(organisations) > 1,
        "may_prescribe": prescriber_organisations(request.user).exists(),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "prescriptions/clinic/dashboard.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def export_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = _staff_organisations(request)
    form = _filter_form(request, organisations)
    if form.is_bound and not form.is_valid():
        return HttpResponse(_("Check the filters."), status=400, content_type="text/plain; charset=utf-8")
    rows = form.apply(prescriptions_for(request.user), request.user).prefetch_related("patient__identifiers")
    chosen = form.cleaned_data if form.is_bound else {}
    filters = {key: str(getattr(value, "pk", value)) for key, value in chosen.items() if value}
    return export_response(actor=request.user, prescriptions=list(rows), organisations=organisations, filters=filters)


urlpatterns: list[URLPattern] = [
    path("clinic/patients/", patient_list, name="clinic_patients"),
    path("clinic/patients/new/", patient_new, name="clinic_patient_new"),
    path("clinic/patients/<uuid:patient_id>/", patient_detail, name="clinic_patient"),
    path("clinic/patients/<uuid:patient_id>/edit/", patient_edit, name="clinic_patient_edit"),
    path("clinic/patients/<uuid:patient_id>/prescribe/", prescribe_for_patient, name="clinic_prescribe"),
    path("clinic/prescriptions/", dashboard, name="clinic_dashboard"),
    path("clinic/prescriptions/export.csv", export_csv, name="clinic_export"),
    path("clinic/prescriptions/new/", prescribe_listing, name="clinic_prescription_new"),
    path("clinic/prescriptions/<uuid:prescription_id>/", prescription_detail, name="clinic_prescription"),
    path("clinic/prescriptions/<uuid:prescription_id>/edit/", prescription_edit, name="clinic_prescription_edit"),
    path("clinic/prescriptions/<uuid:prescription_id>/send/", prescription_send, name="clinic_prescription_send"),
    path("clinic/prescriptions/<uuid:prescription_id>/cancel/", prescription_cancel, name="clinic_prescription_cancel"),
    path("clinic/prescriptions/<uuid:prescription_id>/reissue/", invitation_reissue, name="clinic_invitation_reissue"),
    path(
        "clinic/prescriptions/<uuid:prescription_id>/participation/",
        participation_record,
        name="clinic_participation_record",
    ),
    path("clinic/dose-preview/", dose_preview, name="clinic_dose_preview"),
]
