"""Gates for the API app: return the object or raise Http404, the same for "missing" and "not yours"."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from peerpath.api.models import ApiToken
from peerpath.api.selectors import tokens_of
from peerpath.audit.services import record_denied
from peerpath.core.access import uuid_or_404


def access_api_token(user: Any, token_id: Any) -> ApiToken:
    """One of the person's own tokens; nobody else's, whatever their role."""
    token = tokens_of(user).filter(pk=uuid_or_404(token_id)).first()
    if token is None:
        actor = user if getattr(user, "is_authenticated", False) else None
        record_denied(actor=actor, object_type="api.apitoken", object_id=str(token_id))
        raise Http404
    return token
