"""Spaces and membership pages (issue 5 points 1 and 2): find and host a space, join and leave, members, intro
cards, preferences.

    /spaces/                                   public: your groups, and groups hosted on PeerPath
    /spaces/new/                               coordinators and admins: host a listing as a space
    /spaces/<id>/                              public while the listing is vetted; members see more
    /spaces/<id>/join/  …/leave/               the person's own membership
    /spaces/<id>/settings/                     organisers and the host's coordinators and admins
    /spaces/<id>/members/                      members; organisers also answer requests, invite and remove
    /spaces/<id>/members/<membership id>/      POST: approve | decline | role | remove
    /spaces/<id>/intro-card/  …/preferences/   the member's own card and reminders

Every space comes through the gates in access.py, every list through selectors.py, every change through services.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerpath.accounts.selectors import managed_organisations
from peerpath.audit.services import record_access
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.core.time import now
from peerpath.spaces import meetings, recurrence, selectors, services
from peerpath.spaces.access import (
    SpaceViewer,
    access_membership_to_manage,
    access_space,
    access_space_as_member,
    access_space_to_run,
)
from peerpath.spaces.forms import (
    IntroCardForm,
    InviteForm,
    JoinForm,
    PreferencesForm,
    RemoveForm,
    RoleForm,
    SpaceCreateForm,
    SpaceSettingsForm,
)
from peerpath.spaces.models import NEW_MEMBER_FOR, IntroCard, Membership, Space

PAGE_SIZE = 20
UPCOMING_ON_SPACE_PAGE = 4
Status = Membership.Status


def _posted(request: HttpRequest) -> Any:
    """The posted data, or None on GET: an empty POST (every box unticked) must still bind the form."""
    return request.POST if request.method == "POST" else None


# --- Finding and hosting spaces --------------------------------------------------------------------------------


@require_GET
def space_list(request: HttpRequest) -> HttpResponse:
    """The person's own groups (with invitations and requests), then every public space."""
    public = selectors.with_next_meeting(selectors.public_spaces().select_related("organisation", "listing"))
    page = Paginator(public.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "memberships": list(selectors.with_next_meeting(selectors.my_memberships(request.user), space_field="space")),
        "page": page,
        "may_host": request.user.is_authenticated and managed_organisations(request.user).exists(),
    }
    return render(request, "spaces/space_list.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def space_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not managed_organisations(request.user).exists():
        raise Http404
    listings = selectors.hostable_listings(request.user)
    form = SpaceCreateForm(_posted(request), listings=listings)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            listing = form.listing()
            assert listing.curator is not None  # hostable_listings() offers curated listings only
            try:
                space = services.space_create(
                    actor=request.user, organisation=listing.curator, listing=listing, data=form.to_data()
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The space is ready. Add when it meets, then invite people."))
                return redirect("space_detail", space_id=space.pk)
        else:
            status = 400
    context = {"form": form, "no_listings": not listings.exists()}
    return render(request, "spaces/space_create.html", context, status=status)


# --- One space ---------------------------------------------------------------------------------------------------


def _join_action(request: HttpRequest, viewer: SpaceViewer) -> str:
    """Which join action fits the person: the page shows exactly one."""
    if viewer.space.archived_at is not None:
        return "closed"
    if not request.user.is_authenticated:
        return "sign_in"
    membership = viewer.membership
    if membership is not None and membership.status in (
        Status.ACTIVE,
        Status.REQUESTED,
        Status.INVITED,
        Status.REMOVED,
    ):
        return str(membership.status)
    if services.has_prescription_for(request.user, viewer.space):
        return "join"
    return {
        Space.JoinPolicy.OPEN: "join",
        Space.JoinPolicy.REQUEST: "ask",
        Space.JoinPolicy.INVITATION: "invitation_only",
    }[Space.JoinPolicy(viewer.space.join_policy)]


def _schedules_in_words(space: Space) -> list[str]:
    return [recurrence.describe(meetings.rule_of(schedule)) for schedule in selectors.live_schedules(space)]


@require_GET
def space_detail(request: HttpRequest, space_id: str) -> HttpResponse:
    viewer = access_space(request.user, space_id)
    space = viewer.space
    context = {
        "viewer": viewer,
        "space": space,
        "listing": space.listing,
        "schedules": _schedules_in_words(space),
        "upcoming": list(selectors.upcoming_meetings(space, limit=UPCOMING_ON_SPACE_PAGE)),
        "action": _join_action(request, viewer),
        "member_zone": viewer.membership.timezone if viewer.is_member and viewer.membership else "",
    }
    return render(request, "spaces/space_detail.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def space_join(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    """Join an open space, ask to join with a reason, or accept an invitation."""
    viewer = access_space(request.user, space_id)
    space = viewer.space
    action = _join_action(request, viewer)
    if action in ("active", "requested"):
        return redirect("space_detail", space_id=space.pk)
    form = JoinForm(_posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                membership = services.membership_join(
                    user=request.user, space=space, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                if membership.status == Status.ACTIVE:
                    messages.success(request, _("Welcome to %(name)s.") % {"name": space.name})
                else:
                    messages.success(request, _("You asked to join. An organiser will answer; we will e-mail you."))
                return redirect("space_detail", space_id=space.pk)
        else:
            status = 400
    context = {"space": space, "form": form, "action": action}
    return render(request, "spaces/space_join.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def space_leave(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    """Leave a space, withdraw a request, or decline an invitation."""
    viewer = access_space(request.user, space_id)
    space = viewer.space
    membership = viewer.membership
    if membership is None or membership.status not in (Status.ACTIVE, Status.REQUESTED, Status.INVITED):
        return redirect("space_detail", space_id=space.pk)
    problem, status = "", 200
    if request.method == "POST":
        try:
            services.membership_leave(user=request.user, space=space)
        except DomainError as error:
            problem, status = error.message, error.status
        else:
            done = {
                Status.ACTIVE: _("You left %(name)s."),
                Status.REQUESTED: _("You withdrew your request to join %(name)s."),
                Status.INVITED: _("You declined the invitation to %(name)s."),
            }[Status(membership.status)]
            messages.success(request, done % {"name": space.name})
            return redirect("space_list")
    context = {"space": space, "membership": membership, "problem": problem}
    return render(request, "spaces/space_leave.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def space_settings(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    viewer = access_space_to_run(request.user, space_id, purpose="settings")
    space = viewer.space
    form = SpaceSettingsForm(_posted(request), initial=SpaceSettingsForm.initial_for(space))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.space_update(actor=request.user, space=space, data=form.to_data())
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Saved."))
                return redirect("space_detail", space_id=space.pk)
        else:
            status = 400
    return render(request, "spaces/space_settings.html", {"space": space, "form": form}, status=status)


# --- Members -----------------------------------------------------------------------------------------------------


def _members_page(
    request: AuthenticatedHttpRequest,
    viewer: SpaceViewer,
    *,
    status: int = 200,
    invite_form: InviteForm | None = None,
    failed: tuple[str, str, Any] | None = None,
) -> HttpResponse:
    """The members list; `failed` is (membership id, action, bound form) of a refused change, shown in place."""
    space = viewer.space
    new_since = now() - NEW_MEMBER_FOR
    rows = []
    for membership in selectors.active_members(space):
        card: IntroCard | None = getattr(membership, "intro_card", None)
        row: dict[str, Any] = {
            "membership": membership,
            "card": card,
            "is_new": membership.joined_at is not None and membership.joined_at >= new_since,
            "is_me": membership.user_id == request.user.pk,
        }
        if viewer.runs_space:
            row["role_form"] = RoleForm(initial={"role": membership.role}, prefix=f"m{membership.pk.hex}")
            row["remove_form"] = RemoveForm(prefix=f"r{membership.pk.hex}")
            if failed and failed[0] == str(membership.pk):
                row["role_form" if failed[1] == "role" else "remove_form"] = failed[2]
        rows.append(row)
    context = {
        "viewer": viewer,
        "space": space,
        "rows": rows,
        "requests": list(selectors.pending_requests(space)) if viewer.runs_space else [],
        "invite_form": invite_form or InviteForm(),
        "failed_form": failed[2] if failed else None,
    }
    return render(request, "spaces/members.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def space_members(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    """Members by handle with role and intro card; POST invites a person (organisers)."""
    viewer = access_space_as_member(request.user, space_id)
    if request.method == "GET":
        if not viewer.is_member:
            # The host's staff see who belongs to a health group without being in it: that read is audited.
            record_access(
                actor=request.user, target=viewer.space, organisation=viewer.space.organisation, purpose="members"
            )
        return _members_page(request, viewer)
    viewer = access_space_to_run(request.user, space_id, purpose="invite")
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _members_page(request, viewer, status=400, invite_form=form)
    person = form.person_found()
    if person is not None:
        try:
            services.membership_invite(
                actor=request.user, space=viewer.space, user=person, role=form.cleaned_data["role"]
            )
        except DomainError as error:
            add_domain_error(form, error)
            return _members_page(request, viewer, status=error.status, invite_form=form)
    # The same words whether or not the account exists, so nobody can discover who uses PeerPath.
    messages.success(request, _("If that person has a PeerPath account, they have been invited."))
    return redirect("space_members", space_id=viewer.space.pk)


@login_required
@require_POST
def space_member_manage(request: AuthenticatedHttpRequest, space_id: str, membership_id: str) -> HttpResponse:
    viewer, membership = access_membership_to_manage(request.user, space_id, membership_id)
    action = request.POST.get("action", "")
    handle = membership.user.handle
    form: Any = None
    try:
        if action in ("approve", "decline"):
            services.membership_decide(actor=request.user, membership=membership, approve=action == "approve")
            done = _("%(handle)s is now a member.") if action == "approve" else _("You declined %(handle)s's request.")
            done = done % {"handle": handle}
        elif action == "role":
            form = RoleForm(request.POST, prefix=f"m{membership.pk.hex}")
            if not form.is_valid():
                return _members_page(request, viewer, status=400, failed=(str(membership.pk), action, form))
            role = form.cleaned_data["role"]
            services.membership_set_role(actor=request.user, membership=membership, role=role)
            done = _("%(handle)s is now %(role)s.") % {"handle": handle, "role": Membership.Role(role).label.lower()}
        elif action == "remove":
            form = RemoveForm(request.POST, prefix=f"r{membership.pk.hex}")
            if not form.is_valid():
                return _members_page(request, viewer, status=400, failed=(str(membership.pk), action, form))
            services.membership_remove(actor=request.user, membership=membership, reason=form.cleaned_data["reason"])
            done = _("%(handle)s was removed from the space.") % {"handle": handle}
        else:
            messages.error(request, _("Choose what to do."))
            return redirect("space_members", space_id=viewer.space.pk)
    except DomainError as error:
        if form is None:
            messages.error(request, error.message)
            return redirect("space_members", space_id=viewer.space.pk)
        add_domain_error(form, error)
        return _members_page(request, viewer, status=error.status, failed=(str(membership.pk), action, form))
    messages.success(request, done)
    return redirect("space_members", space_id=viewer.space.pk)


# --- The member's own card and preferences --------------------------------------------------------------------


def _own_membership(request: AuthenticatedHttpRequest, space_id: str) -> tuple[SpaceViewer, Membership]:
    """Only an active member has a card and preferences; the host's managers who are not members see a 404."""
    viewer = access_space_as_member(request.user, space_id)
    if not viewer.is_member or viewer.membership is None:
        raise Http404
    return viewer, viewer.membership


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def intro_card_edit(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    viewer, membership = _own_membership(request, space_id)
    card: IntroCard | None = getattr(membership, "intro_card", None)  # None when the member has not written one
    form = IntroCardForm(_posted(request), initial=IntroCardForm.initial_for(card))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.intro_card_save(user=request.user, space=viewer.space, data=form.to_data())
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Your intro card is saved. Members of this space can see it."))
                return redirect("space_members", space_id=viewer.space.pk)
        else:
            status = 400
    return render(request, "spaces/intro_card_edit.html", {"space": viewer.space, "form": form}, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def space_preferences(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    viewer, membership = _own_membership(request, space_id)
    form = PreferencesForm(_posted(request), initial=PreferencesForm.initial_for(membership))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.membership_set_preferences(
                    user=request.user,
                    space=viewer.space,
                    remind_day_before=data["remind_day_before"],
                    remind_hour_before=data["remind_hour_before"],
                    peer_check_in_ok=data["peer_check_in_ok"],
                    timezone=data["timezone"],
                    check_in_phone=data["check_in_phone"],
                    check_in_email=data["check_in_email"],
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Your preferences are saved."))
                return redirect("space_detail", space_id=viewer.space.pk)
        else:
            status = 400
    return render(request, "spaces/preferences.html", {"space": viewer.space, "form": form}, status=status)


urlpatterns = [
    path("spaces/", space_list, name="space_list"),
    path("spaces/new/", space_create, name="space_create"),
    path("spaces/<uuid:space_id>/", space_detail, name="space_detail"),
    path("spaces/<uuid:space_id>/join/", space_join, name="space_join"),
    path("spaces/<uuid:space_id>/leave/", space_leave, name="space_leave"),
    path("spaces/<uuid:space_id>/settings/", space_settings, name="space_settings"),
    path("spaces/<uuid:space_id>/members/", space_members, name="space_members"),
    path(
        "spaces/<uuid:space_id>/members/<uuid:membership_id>/",
        space_member_manage,
        name="space_member_manage",
    ),
    path("spaces/<uuid:space_id>/intro-card/", intro_card_edit, name="intro_card_edit"),
    path("spaces/<uuid:space_id>/preferences/", space_preferences, name="space_preferences"),
]
