"""Audit records for sign-in and MFA events that happen inside Django and allauth.

Receivers here only write audit events; no business logic lives in signals.
"""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed, password_reset
from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from peerpath.accounts.middleware import start_session_clock
from peerpath.audit.models import AuditEvent
from peerpath.audit.services import record


@receiver(user_logged_in, dispatch_uid="peerpath_signed_in")
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        start_session_clock(request)
    record(action="auth.signed_in", actor=user, target=user)


@receiver(user_logged_out, dispatch_uid="peerpath_signed_out")
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(action="auth.signed_out", actor=user, target=user)


@receiver(password_changed, dispatch_uid="peerpath_password_changed")
def _password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(action="account.password_changed", actor=user, target=user)


@receiver(password_reset, dispatch_uid="peerpath_password_reset")
def _password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(action="account.password_reset", actor=user, target=user)


@receiver(mfa_signals.authenticator_added, dispatch_uid="peerpath_mfa_added")
def _mfa_added(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    record(action="mfa.added", actor=user, target=user, details={"type": authenticator.type})


@receiver(mfa_signals.authenticator_removed, dispatch_uid="peerpath_mfa_removed")
def _mfa_removed(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    record(action="mfa.removed", actor=user, target=user, details={"type": authenticator.type})


@receiver(mfa_signals.authenticator_reset, dispatch_uid="peerpath_mfa_reset")
def _mfa_reset(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    record(action="mfa.reset", actor=user, target=user, details={"type": authenticator.type})


@receiver(mfa_signals.authentication_failed, dispatch_uid="peerpath_mfa_failed")
def _mfa_failed(sender: Any, request: Any, user: Any, authenticator: Any = None, **kwargs: Any) -> None:
    record(
        action="auth.sign_in_failed",
        actor=user,
        target=user,
        outcome=AuditEvent.Outcome.FAILURE,
        details={"factor": getattr(authenticator, "type", "mfa")},
    )
