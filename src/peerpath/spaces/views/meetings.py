"""Meeting pages (issue 5 points 3-5): the meeting list, schedules, one meeting with RSVP and check-in, the
organiser's attendance register, notes, and moving or cancelling one meeting.

Every page goes through a gate of `spaces.access`; lists come from `spaces.selectors`; changes from
`spaces.meetings`. What members-only content a person sees is the gate's decision (`sees_members_content`,
`runs_space`), never the template's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerpath.accounts.models import User
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.core.time import now
from peerpath.spaces import meetings, recurrence, selectors
from peerpath.spaces.access import (
    MeetingViewer,
    SpaceViewer,
    access_meeting,
    access_meeting_to_run,
    access_space_as_member,
    access_space_to_run,
)
from peerpath.spaces.forms_meetings import (
    CapacityForm,
    CheckInForm,
    MeetingForm,
    MessageForm,
    MoveForm,
    NoteForm,
    RsvpForm,
    ScheduleForm,
    local_moment,
)
from peerpath.spaces.models import (
    CHECK_IN_CLOSES_AFTER,
    CHECK_IN_OPENS_BEFORE,
    JOIN_LINK_OPENS_BEFORE,
    NEW_MEMBER_FOR,
    Meeting,
    MeetingNote,
    Rsvp,
    Schedule,
)

# Anti-automation on typed check-in codes (SECURITY.md Business logic): settings.ACCOUNT_RATE_LIMITS, per member.
CHECK_IN_RATE_ACTION = "check_in_code"


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def _meeting_url(meeting: Meeting) -> HttpResponseRedirect:
    return redirect("meeting_detail", space_id=meeting.space_id, meeting_id=meeting.pk)


# --- The meeting list ------------------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def meeting_list(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    """Upcoming meetings with seats and the member's own answer, past meetings with attendance and notes."""
    viewer = access_space_as_member(request.user, space_id)
    space = viewer.space
    upcoming = list(selectors.upcoming_meetings(space))
    answers = selectors.my_rsvps(request.user, [meeting.pk for meeting in upcoming])
    schedules = []
    if viewer.runs_space:
        for schedule in viewer.space.schedules.filter(ended_at__isnull=True).order_by("starts_on", "start_time"):
            schedules.append((schedule, recurrence.describe(meetings.rule_of(schedule))))
    context = {
        "viewer": viewer,
        "space": space,
        "upcoming": [{"meeting": meeting, "answer": answers.get(meeting.pk)} for meeting in upcoming],
        "past": [{"meeting": meeting} for meeting in selectors.past_meetings(space)],
        "schedules": schedules,
    }
    return render(request, "spaces/meeting_list.html", context)


# --- Schedules -------------------------------------------------------------------------------------------------


def _schedule_page(
    request: HttpRequest,
    viewer: SpaceViewer,
    form: ScheduleForm,
    *,
    schedule: Schedule | None = None,
    end_form: MessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "viewer": viewer,
        "space": viewer.space,
        "form": form,
        "schedule": schedule,
        "end_form": end_form,
        "describe": recurrence.describe(meetings.rule_of(schedule)) if schedule is not None else "",
    }
    return render(request, "spaces/schedule_form.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def schedule_create(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    viewer = access_space_to_run(request.user, space_id, purpose="schedules")
    form = ScheduleForm(request.POST or None, space=viewer.space)
    if request.method == "POST":
        if not form.is_valid():
            return _schedule_page(request, viewer, form, status=400)
        try:
            meetings.schedule_create(actor=request.user, space=viewer.space, data=form.schedule_data())
        except DomainError as error:
            form.add_service_error(error)
            return _schedule_page(request, viewer, form, status=error.status)
        messages.success(request, _("The schedule is saved and its meetings are on the list."))
        return redirect("meeting_list", space_id=viewer.space.pk)
    return _schedule_page(request, viewer, form)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request: AuthenticatedHttpRequest, space_id: str, schedule_id: str) -> HttpResponse:
    """Change a live schedule from now on, or end it with a message (action=end)."""
    viewer = access_space_to_run(request.user, space_id, purpose="schedules")
    schedule = viewer.space.schedules.filter(pk=schedule_id).first()
    if schedule is None:
        raise Http404
    ending = request.method == "POST" and request.POST.get("action") == "end"
    form = ScheduleForm(
        request.POST if request.method == "POST" and not ending else None, space=viewer.space, schedule=schedule
    )
    end_form = MessageForm(request.POST if ending else None, prefix="end")
    if request.method == "GET":
        return _schedule_page(request, viewer, form, schedule=schedule, end_form=end_form)
    target: Any = end_form if ending else form
    if not target.is_valid():
        return _schedule_page(request, viewer, form, schedule=schedule, end_form=end_form, status=400)
    try:
        if ending:
            meetings.schedule_end(actor=request.user, schedule=schedule, message=end_form.cleaned_data["message"])
            messages.success(request, _("The schedule has ended; members of its future meetings were told."))
        else:
            meetings.schedule_update(
                actor=request.user,
                schedule=schedule,
                data=form.schedule_data(),
                message=form.cleaned_data.get("message", ""),
            )
            messages.success(request, _("The schedule is changed; its future meetings follow it."))
    except DomainError as error:
        if ending:
            add_domain_error(end_form, error)
        else:
            form.add_service_error(error)
        return _schedule_page(request, viewer, form, schedule=schedule, end_form=end_form, status=error.status)
    return redirect("meeting_list", space_id=viewer.space.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    """A one-off meeting, outside any schedule."""
    viewer = access_space_to_run(request.user, space_id, purpose="schedules")
    form = MeetingForm(request.POST or None, space=viewer.space)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                meeting = meetings.meeting_create_one_off(
                    actor=request.user, space=viewer.space, data=form.meeting_data()
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The meeting is added."))
                return _meeting_url(meeting)
    context = {"viewer": viewer, "space": viewer.space, "form": form}
    return render(request, "spaces/meeting_create.html", context, status=status)


# --- One meeting -----------------------------------------------------------------------------------------------


@dataclass
class Coming:
    """One person on the "who is coming" list, as their peers see them: handle, intro card, new or not."""

    handle: str
    rsvp: Rsvp
    card: Any
    is_new: bool


@dataclass
class Answers:
    seated: list[Coming]
    waiting: list[Coming]
    maybe: list[Coming]
    mine: Rsvp | None = None


def _answers(meeting: Meeting, user_id: Any, moment: datetime) -> Answers:
    """Who is coming (seats, then the waiting list in order, then maybes), and the viewer's own answer."""
    answers = Answers(seated=[], waiting=[], maybe=[])
    for rsvp in selectors.rsvps_of(meeting):
        if rsvp.user_id == user_id:
            answers.mine = rsvp
        here = getattr(rsvp.user, "memberships_here", [])
        membership = here[0] if here else None
        card = getattr(membership, "intro_card", None) if membership is not None else None
        joined = membership.joined_at if membership is not None else None
        person = Coming(
            handle=rsvp.user.handle,
            rsvp=rsvp,
            card=card,
            is_new=joined is not None and joined > moment - NEW_MEMBER_FOR,
        )
        if rsvp.state == Rsvp.State.CONFIRMED:
            answers.seated.append(person)
        elif rsvp.state == Rsvp.State.WAITING:
            answers.waiting.append(person)
        elif rsvp.answer == Rsvp.Answer.MAYBE:
            answers.maybe.append(person)
    return answers


def _note_of(meeting: Meeting) -> MeetingNote | None:
    try:
        return meeting.note
    except MeetingNote.DoesNotExist:
        return None


def _detail(
    request: HttpRequest,
    found: MeetingViewer,
    *,
    rsvp_form: RsvpForm | None = None,
    check_in_form: CheckInForm | None = None,
    status: int = 200,
) -> HttpResponse:
    meeting, viewer = found.meeting, found.viewer
    moment = now()
    live = not meeting.is_cancelled and meeting.ends_at > moment
    check_in_open = (
        not meeting.is_cancelled
        and meeting.starts_at - CHECK_IN_OPENS_BEFORE <= moment <= meeting.ends_at + CHECK_IN_CLOSES_AFTER
    )
    context: dict[str, Any] = {
        "viewer": viewer,
        "space": viewer.space,
        "meeting": meeting,
        "found": found,
        "is_over": meeting.ends_at <= moment,
        "live": live,
        "in_person": meeting.mode != Schedule.Mode.ONLINE,
        "online": meeting.mode != Schedule.Mode.IN_PERSON,
    }
    if found.sees_members_content:
        answers = _answers(meeting, request.user.pk, moment)
        mine = answers.mine
        position = None
        if mine is not None and mine.state == Rsvp.State.WAITING:
            position = next(index for index, person in enumerate(answers.waiting, 1) if person.rsvp.pk == mine.pk)
        context.update(
            {
                "seated": answers.seated,
                "waiting": answers.waiting,
                "maybe": answers.maybe,
                "mine": mine,
                "position": position,
                "guest": meeting.guest if meeting.guest_status == Meeting.GuestStatus.ACCEPTED else None,
                "may_answer": viewer.is_member and live,
                "rsvp_form": rsvp_form or RsvpForm(initial={"answer": mine.answer if mine else None}),
                "join_open": live and meeting.starts_at - JOIN_LINK_OPENS_BEFORE <= moment,
                "check_in_open": check_in_open,
                "may_check_in": viewer.is_member and check_in_open,
                "checked_in": viewer.is_member
                and check_in_open
                and selectors.attendance_of(meeting).filter(user_id=str(request.user.pk)).exists(),
                "check_in_form": check_in_form or CheckInForm(),
                "note": _note_of(meeting),
            }
        )
        if viewer.runs_space and check_in_open:
            context["check_in_code"] = meetings.check_in_code(meeting)
    return render(request, "spaces/meeting_detail.html", context, status=status)


@never_cache
@require_GET
def meeting_detail(request: HttpRequest, space_id: str, meeting_id: str) -> HttpResponse:
    """Anyone who may see the space sees when and where; members see who is coming, the link, check-in, notes."""
    return _detail(request, access_meeting(request.user, space_id, meeting_id))


def _members_only(request: AuthenticatedHttpRequest, space_id: str, meeting_id: str) -> MeetingViewer:
    found = access_meeting(request.user, space_id, meeting_id)
    if not found.sees_members_content:
        raise Http404
    return found


@login_required
@require_POST
def meeting_rsvp(request: AuthenticatedHttpRequest, space_id: str, meeting_id: str) -> HttpResponse:
    found = _members_only(request, space_id, meeting_id)
    form = RsvpForm(request.POST)
    if not form.is_valid():
        return _detail(request, found, rsvp_form=form, status=400)
    try:
        rsvp = meetings.rsvp_set(user=request.user, meeting=found.meeting, answer=form.cleaned_data["answer"])
    except DomainError as error:
        add_domain_error(form, error)
        return _detail(request, found, rsvp_form=form, status=error.status)
    if rsvp.state == Rsvp.State.CONFIRMED:
        messages.success(request, _("You are going: you have a seat."))
    elif rsvp.state == Rsvp.State.WAITING:
        messages.success(
            request, _("The meeting is full: you are on the waiting list and will be told if a seat frees.")
        )
    else:
        messages.success(request, _("Thank you: your answer is saved."))
    return _meeting_url(found.meeting)


@login_required
@require_POST
def meeting_check_in(request: AuthenticatedHttpRequest, space_id: str, meeting_id: str) -> HttpResponse:
    found = _members_only(request, space_id, meeting_id)
    form = CheckInForm(request.POST)
    if not form.is_valid():
        return _detail(request, found, check_in_form=form, status=400)
    if not ratelimit.consume(request, action=CHECK_IN_RATE_ACTION):
        form.add_error("code", _("You have tried a lot of codes: please wait 15 minutes and try again."))
        return _detail(request, found, check_in_form=form, status=429)
    try:
        meetings.attendance_check_in(user=request.user, meeting=found.meeting, code=form.cleaned_data["code"])
    except DomainError as error:
        add_domain_error(form, error)
        return _detail(request, found, check_in_form=form, status=error.status)
    messages.success(request, _("You are checked in. Welcome!"))
    return _meeting_url(found.meeting)


# --- Running one meeting ---------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the attendance register."""

    user_id: str
    handle: str
    going: bool
    ticked: bool


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_attendance(request: AuthenticatedHttpRequest, space_id: str, meeting_id: str) -> HttpResponse:
    """One quick screen: every member a checkbox, those who said going first; "select everyone who said going"
    fills the ticks without saving (a plain submit, no script)."""
    found = access_meeting_to_run(request.user, space_id, meeting_id, purpose="attendance")
    meeting = found.meeting
    going = {str(rsvp.user_id) for rsvp in selectors.rsvps_of(meeting).filter(answer=Rsvp.Answer.GOING)}
    attended = {str(item.user_id): item.user for item in selectors.attendance_of(meeting)}
    people: dict[str, User] = {str(m.user_id): m.user for m in selectors.active_members(meeting.space)}
    for user_id, user in attended.items():
        people.setdefault(user_id, user)  # a member who came and has since left stays on the register
    ticked = set(attended)
    status = 200
    error = ""
    if request.method == "POST":
        posted = {value for value in request.POST.getlist("present") if value in people}
        if request.POST.get("action") == "select_going":
            ticked = posted | (going & set(people))
        else:
            try:
                meetings.attendance_set(actor=request.user, meeting=meeting, present=posted)
            except DomainError as refused:
                ticked, error, status = posted, refused.message, refused.status
            else:
                messages.success(
                    request,
                    _("Attendance saved: %(count)s attended.") % {"count": len(posted)},
                )
                return redirect("meeting_attendance", space_id=meeting.space_id, meeting_id=meeting.pk)
    rows = sorted(
        (
            Row(user_id=user_id, handle=user.handle, going=user_id in going, ticked=user_id in ticked)
            for user_id, user in people.items()
        ),
        key=lambda row: (not row.going, row.handle.lower()),
    )
    context = {
        "viewer": found.viewer,
        "space": meeting.space,
        "meeting": meeting,
        "rows": rows,
        "attended_count": len(attended),
        "going_count": len(going),
        "error": error,
    }
    return render(request, "spaces/attendance.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_notes(request: AuthenticatedHttpRequest, space_id: str, meeting_id: str) -> HttpResponse:
    found = access_meeting_to_run(request.user, space_id, meeting_id, purpose="meeting_notes")
    meeting = found.meeting
    form = NoteForm(request.POST or None, note=_note_of(meeting))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                meetings.meeting_note_save(
                    actor=request.user,
                    meeting=meeting,
                    topics=form.cleaned_data["topics"],
                    resources=form.cleaned_data["resources"],
                    open_questions=form.cleaned_data["open_questions"],
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The notes are saved; members see them on the meeting page."))
                return _meeting_url(meeting)
    context = {
        "viewer": found.viewer,
        "space": meeting.space,
        "meeting": meeting,
        "form": form,
    }
    return render(request, "spaces/meeting_notes.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_change(request: AuthenticatedHttpRequest, space_id: str, meeting_id: str) -> HttpResponse:
    """Move one meeting (a new local date and time and a message), cancel it (a message), or change its seats."""
    found = access_meeting_to_run(request.user, space_id, meeting_id, purpose="change_meeting")
    meeting = found.meeting
    action = request.POST.get("action") if request.method == "POST" else None
    local = _local(meeting.starts_at, meeting.timezone)
    move_form = MoveForm(
        request.POST if action == "move" else None,
        prefix="move",
        initial={"day": local.date(), "start_time": local.time().replace(second=0, microsecond=0)},
    )
    cancel_form = MessageForm(request.POST if action == "cancel" else None, prefix="cancel")
    capacity_form = CapacityForm(
        request.POST if action == "capacity" else None, prefix="capacity", initial={"capacity": meeting.capacity}
    )
    status = 200
    if request.method == "POST":
        status = 400
        form: Any = {"move": move_form, "cancel": cancel_form, "capacity": capacity_form}.get(action or "")
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                if action == "move":
                    data = move_form.cleaned_data
                    meetings.meeting_move(
                        actor=request.user,
                        meeting=meeting,
                        starts_at=local_moment(data["day"], data["start_time"], meeting.timezone),
                        message=data["message"],
                    )
                    messages.success(request, _("The meeting is moved; members are told by e-mail."))
                elif action == "cancel":
                    meetings.meeting_cancel(
                        actor=request.user, meeting=meeting, message=cancel_form.cleaned_data["message"]
                    )
                    messages.success(request, _("The meeting is cancelled; members are told by e-mail."))
                else:
                    meetings.meeting_set_capacity(
                        actor=request.user, meeting=meeting, capacity=capacity_form.cleaned_data["capacity"]
                    )
                    messages.success(request, _("The number of seats is changed."))
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                return _meeting_url(meeting)
    context = {
        "viewer": found.viewer,
        "space": meeting.space,
        "meeting": meeting,
        "move_form": move_form,
        "cancel_form": cancel_form,
        "capacity_form": capacity_form,
        "may_change": not meeting.is_cancelled and meeting.starts_at > now(),
        "seats_taken": meeting.rsvps.filter(state=Rsvp.State.CONFIRMED).count(),
    }
    return render(request, "spaces/meeting_change.html", context, status=status)


_MEETING = "spaces/<uuid:space_id>/meetings/<uuid:meeting_id>/"

urlpatterns = [
    path("spaces/<uuid:space_id>/meetings/", meeting_list, name="meeting_list"),
    path("spaces/<uuid:space_id>/meetings/new/", meeting_create, name="meeting_create"),
    path("spaces/<uuid:space_id>/schedules/new/", schedule_create, name="schedule_create"),
    path("spaces/<uuid:space_id>/schedules/<uuid:schedule_id>/", schedule_edit, name="schedule_edit"),
    path(_MEETING, meeting_detail, name="meeting_detail"),
    path(f"{_MEETING}rsvp/", meeting_rsvp, name="meeting_rsvp"),
    path(f"{_MEETING}check-in/", meeting_check_in, name="meeting_check_in"),
    path(f"{_MEETING}attendance/", meeting_attendance, name="meeting_attendance"),
    path(f"{_MEETING}notes/", meeting_notes, name="meeting_notes"),
    path(f"{_MEETING}change/", meeting_change, name="meeting_change"),
]
