"""Clinician sessions (issue 5 point 7; seed 003): members propose topics and vote, an organiser invites a clinician
to a Q&A session on the top ones, and the clinician accepts or declines.

    /spaces/<id>/topics/                       members: proposals with votes; propose, vote (listeners only read)
    /spaces/<id>/topics/new/                   POST: propose a topic
    /spaces/<id>/topics/<topic>/vote/          POST: vote=1 or vote=0
    /spaces/<id>/sessions/new/                 organisers: invite a clinician for the top topics
    /sessions/                                 clinicians: the sessions they are invited to
    /sessions/<meeting>/respond/               POST: the invited clinician accepts or declines

Every object comes through the gates in access.py, every list through selectors.py, every change through services.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from peerpath.accounts.selectors import user_by_email
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.core.time import now
from peerpath.spaces import selectors, services
from peerpath.spaces.access import (
    SpaceViewer,
    access_guest_session,
    access_space_as_member,
    access_space_to_run,
    access_topic,
)
from peerpath.spaces.forms_sessions import GuestAnswerForm, SessionForm, TopicForm, VoteForm
from peerpath.spaces.models import TopicProposal
from peerpath.spaces.notifications import when_text

# The same words for an unknown address as for someone who is not a clinician (the service's): the form tells nobody
# who has an account.
NOT_A_CLINICIAN = gettext_lazy("Only someone who holds the clinician role can be invited.")


# --- Topics ------------------------------------------------------------------------------------------------------


def _render_topics(
    request: AuthenticatedHttpRequest,
    viewer: SpaceViewer,
    *,
    form: TopicForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    topics = list(selectors.topics_of(viewer.space, request.user))
    context = {
        "space": viewer.space,
        "viewer": viewer,
        "open_topics": [topic for topic in topics if topic.status == TopicProposal.Status.OPEN],
        "scheduled_topics": [
            {"topic": topic, "when": when_text(topic.session)}
            for topic in topics
            if topic.status == TopicProposal.Status.SCHEDULED and topic.session is not None
        ],
        "form": form or TopicForm(),
        "problem": problem,
        "clinicians_welcome": services.clinicians_welcome(viewer.space),
    }
    return render(request, "spaces/topic_list.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET"])
def topic_list(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    viewer = access_space_as_member(request.user, space_id)
    return _render_topics(request, viewer)


@never_cache
@login_required
@require_POST
def topic_propose(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    viewer = access_space_as_member(request.user, space_id)
    form = TopicForm(request.POST)
    if viewer.has_voice and not form.is_valid():
        return _render_topics(request, viewer, form=form, status=400)
    # Listeners (and the host's staff who are not members) see no form: the service's refusal is the answer.
    data = form.cleaned_data if viewer.has_voice else {}
    try:
        services.topic_propose(
            user=request.user, space=viewer.space, title=data.get("title", ""), detail=data.get("detail", "")
        )
    except DomainError as error:
        if not viewer.has_voice:
            return _render_topics(request, viewer, problem=error.message, status=error.status)
        add_domain_error(form, error)
        return _render_topics(request, viewer, form=form, status=error.status)
    messages.success(request, _("Your topic is proposed, with your vote."))
    return redirect("topic_list", space_id=viewer.space.pk)


@never_cache
@login_required
@require_POST
def topic_vote(request: AuthenticatedHttpRequest, space_id: str, topic_id: str) -> HttpResponse:
    viewer, topic = access_topic(request.user, space_id, topic_id)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return _render_topics(request, viewer, problem=_("Choose Vote or Remove vote."), status=400)
    vote: bool = form.cleaned_data["vote"]
    try:
        services.topic_vote(user=request.user, proposal=topic, vote=vote)
    except DomainError as error:
        return _render_topics(request, viewer, problem=error.message, status=error.status)
    if vote:
        messages.success(request, _("You voted for “%(title)s”.") % {"title": topic.title})
    else:
        messages.success(request, _("You took back your vote for “%(title)s”.") % {"title": topic.title})
    return redirect("topic_list", space_id=viewer.space.pk)


# --- The organiser's invitation ----------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    viewer = access_space_to_run(request.user, space_id, purpose="clinician_session")
    space = viewer.space
    welcome = services.clinicians_welcome(space)
    proposals = [
        topic for topic in selectors.topics_of(space, request.user) if topic.status == TopicProposal.Status.OPEN
    ]
    form = SessionForm(request.POST or None, proposals=proposals, timezone=space.timezone)
    status = 200
    problem = ""
    if request.method == "POST":
        if not welcome:
            problem = _("This space chose that clinicians never take part, so it cannot invite one.")
            status = 403
        elif form.is_valid():
            clinician = user_by_email(form.cleaned_data["clinician"])
            try:
                if clinician is None:
                    raise DomainError(str(NOT_A_CLINICIAN), field="clinician")
                meeting = services.clinician_session_create(
                    actor=request.user,
                    space=space,
                    clinician=clinician,
                    proposals=form.chosen_proposals,
                    data=form.to_data(),
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("The session is set for %(when)s and the clinician is invited: they are asked to accept.")
                    % {"when": when_text(meeting)},
                )
                return redirect("topic_list", space_id=space.pk)
        else:
            status = 400
    context = {"space": space, "form": form, "welcome": welcome, "has_topics": bool(proposals), "problem": problem}
    return render(request, "spaces/session_form.html", context, status=status)


# --- The clinician's side ----------------------------------------------------------------------------------------


def _render_guest_sessions(request: AuthenticatedHttpRequest, *, problem: str = "", status: int = 200) -> HttpResponse:
    sessions = list(selectors.guest_sessions(request.user))
    if not sessions and not selectors.clinicians().filter(user=request.user).exists():
        raise Http404  # not a clinician and never invited: nothing here for them
    moment = now()
    rows: list[dict[str, Any]] = [
        {
            "meeting": meeting,
            "topics": list(meeting.topics.all()),
            "upcoming": meeting.ends_at > moment and not meeting.is_cancelled,
        }
        for meeting in sessions
    ]
    context = {
        "upcoming": [row for row in rows if row["upcoming"]],
        "past": [row for row in rows if not row["upcoming"]],
        "problem": problem,
    }
    return render(request, "spaces/session_list.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET"])
def guest_sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _render_guest_sessions(request)


@never_cache
@login_required
@require_POST
def guest_session_respond(request: AuthenticatedHttpRequest, meeting_id: str) -> HttpResponse:
    meeting = access_guest_session(request.user, meeting_id)
    form = GuestAnswerForm(request.POST)
    if not form.is_valid():
        return _render_guest_sessions(request, problem=_("Choose Accept or Decline."), status=400)
    try:
        services.guest_respond(user=request.user, meeting=meeting, accept=form.accept)
    except DomainError as error:
        return _render_guest_sessions(request, problem=error.message, status=error.status)
    if form.accept:
        messages.success(
            request, _("Thank you: you will host the session with %(space)s.") % {"space": meeting.space.name}
        )
    else:
        messages.success(request, _("You declined the session; the organisers will see your answer."))
    return redirect("guest_sessions")


urlpatterns: list[URLPattern] = [
    path("spaces/<uuid:space_id>/topics/", topic_list, name="topic_list"),
    path("spaces/<uuid:space_id>/topics/new/", topic_propose, name="topic_propose"),
    path("spaces/<uuid:space_id>/topics/<uuid:topic_id>/vote/", topic_vote, name="topic_vote"),
    path("spaces/<uuid:space_id>/sessions/new/", session_create, name="session_create"),
    path("sessions/", guest_sessions, name="guest_sessions"),
    path("sessions/<uuid:meeting_id>/respond/", guest_session_respond, name="guest_session_respond"),
]
