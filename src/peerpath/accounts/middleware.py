"""Session limits by role and the staff MFA rule, enforced on every request (SECURITY.md Sessions and MFA)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from peerpath.accounts.selectors import has_totp, requires_mfa
from peerpath.audit.services import record
from peerpath.core.views import API_PREFIXES

SESSION_STARTED = "_peerpath_auth_at"
SESSION_LAST_SEEN = "_peerpath_last_seen"
# Writing the session on every request is wasted work: a minute's precision is enough for a 30-minute limit.
_TOUCH_EVERY_SECONDS = 60
# The stored session outlives the policy by a few minutes so that this middleware, not a silent expiry,
# ends it and records why.
_EXPIRY_GRACE_SECONDS = 300


def start_session_clock(request: HttpRequest) -> None:
    moment = time.time()
    request.session[SESSION_STARTED] = moment
    request.session[SESSION_LAST_SEEN] = moment


class SessionPolicyMiddleware:
    """Staff: 30 minutes idle, 12 hours absolute. Members: 7 days idle, 14 days absolute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            staff = requires_mfa(user)
            idle = settings.STAFF_SESSION_IDLE if staff else settings.MEMBER_SESSION_IDLE
            absolute = settings.STAFF_SESSION_ABSOLUTE if staff else settings.MEMBER_SESSION_ABSOLUTE
            moment = time.time()
            started = float(request.session.get(SESSION_STARTED, moment))
            last_seen = float(request.session.get(SESSION_LAST_SEEN, moment))
            if moment - last_seen > idle.total_seconds() or moment - started > absolute.total_seconds():
                reason = "idle" if moment - last_seen > idle.total_seconds() else "absolute"
                record(action="auth.session_expired", actor=user, target=user, details={"limit": reason})
                logout(request)
                request.user = AnonymousUser()
                messages.info(request, _("You were signed out to keep your account safe. Please sign in again."))
            else:
                if SESSION_STARTED not in request.session:
                    request.session[SESSION_STARTED] = started
                remaining_absolute = absolute.total_seconds() - (moment - started)
                allowed = int(max(1.0, min(idle.total_seconds(), remaining_absolute))) + _EXPIRY_GRACE_SECONDS
                if moment - last_seen >= _TOUCH_EVERY_SECONDS or SESSION_LAST_SEEN not in request.session:
                    request.session[SESSION_LAST_SEEN] = moment
                    request.session.set_expiry(allowed)
                elif request.session.get_expiry_age() > allowed:
                    # Fresh from sign-in, the session still carries the library's default lifetime.
                    request.session.set_expiry(allowed)
        return self.get_response(request)


# Paths a staff member without MFA may still use: setting MFA up, and leaving.
_MFA_EXEMPT_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/accounts/reauthenticate/", "/static/")


class StaffMfaRequiredMiddleware:
    """SECURITY.md MFA: a person holding a staff role reaches nothing but MFA set-up until TOTP is active."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_MFA_EXEMPT_PREFIXES)
            and requires_mfa(user)
            and not has_totp(user)
        ):
            if request.path.startswith(API_PREFIXES):
                from peerpath.api.problems import problem_response

                return problem_response(
                    status=403,
                    code="mfa_required",
                    detail=_("Your role needs two-factor authentication: set it up in your account settings first."),
                )
            messages.warning(request, _("Your role needs two-factor authentication. Set it up to continue."))
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
