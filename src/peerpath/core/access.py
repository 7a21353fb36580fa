"""What every app's gates share."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404


def uuid_or_404(value: Any) -> uuid.UUID:
    """An object id from a URL or a request body; anything that is not one is simply not found."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404 from None  # not even an id: nothing was reached, so nothing to audit
