"""Gates for the API app: return the object or raise Http404, the same for "missing" and "not yours"."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404

from peerpath.api.models import ApiToken
from peerpath.api.selectors import tokens_of
from peerpath.audit.services import record_denied


def _as_uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404 from None  # not even an id: nothing was reached, so nothing to audit


def access_api_token(user: Any, token_id: Any) -> ApiToken:
    """One of the person's own tokens; nobody else's, whatever their role."""
    token = tokens_of(user).filter(pk=_as_uuid(token_id)).first()
    if token is None:
        actor = user if getattr(user, "is_authenticated", False) else None
        record_denied(actor=actor, object_type="api.apitoken", object_id=str(token_id))
        raise Http404
    return token
