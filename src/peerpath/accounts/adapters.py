"""Where allauth meets PeerPath: audit of sign-in outcomes, handles on sign-up, staff keep their MFA."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from peerpath.accounts.models import User
from peerpath.accounts.selectors import requires_mfa, user_by_email
from peerpath.audit.models import AuditEvent
from peerpath.audit.services import record


def identifier_fingerprint(identifier: str) -> str:
    """A keyed digest of the typed e-mail: lets attacks on one account be traced without storing the address."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, identifier.strip().lower().encode(), hashlib.sha256).hexdigest()[:16]


class AccountAdapter(DefaultAccountAdapter):
    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            identifier = str(credentials.get("email") or credentials.get("username") or "")
            record(
                action="auth.locked_out",
                actor=user_by_email(identifier) if identifier else None,
                outcome=AuditEvent.Outcome.DENIED,
                details={"identifier": identifier_fingerprint(identifier)},
            )
            raise

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        identifier = str(credentials.get("email") or credentials.get("username") or "")
        record(
            action="auth.sign_in_failed",
            actor=user_by_email(identifier) if identifier else None,
            outcome=AuditEvent.Outcome.FAILURE,
            details={"identifier": identifier_fingerprint(identifier), "factor": "password"},
        )

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        # The handle must be set before the first save: it is unique.
        user.handle = form.cleaned_data["handle"]
        user.legal_name = form.cleaned_data.get("legal_name", "").strip()
        return super().save_user(request, user, form, commit=commit)


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # SECURITY.md MFA: staff roles keep TOTP; they may replace it but never go without.
        if authenticator.type == Authenticator.Type.TOTP and requires_mfa(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)

    def get_totp_label(self, user: Any) -> str:
        return user.email if isinstance(user, User) else super().get_totp_label(user)
