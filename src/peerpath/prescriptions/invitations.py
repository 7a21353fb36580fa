"""The secrets of an invitation: a link token and a short code, derived, never stored (see models.Invitation)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac

# No 0/O, 1/I/L: the code is read off paper and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_nonce() -> str:
    return secrets.token_hex(16)


def _mac(purpose: str, invitation_id: object, nonce: str) -> bytes:
    return salted_hmac(
        f"peerpath.prescriptions.invitation.{purpose}", f"{invitation_id}:{nonce}", algorithm="sha256"
    ).digest()


def link_token(invitation_id: object, nonce: str) -> str:
    return _mac("link", invitation_id, nonce).hex()[:40]


def short_code(invitation_id: object, nonce: str) -> str:
    number = int.from_bytes(_mac("code", invitation_id, nonce), "big")
    letters = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        letters.append(CODE_ALPHABET[index])
    return "".join(letters)


def normalise_code(code: str) -> str:
    """What a person typed: spaces, dashes and lower case forgiven."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/invitations/{token}/"
