from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from peerpath.accounts.roles import CLINICAL_STAFF_ROLES, Role
from peerpath.accounts.selectors import managed_organisations, roles_of


def people(request: HttpRequest) -> dict[str, Any]:
    """The header's view of the person: their roles and the organisations they manage."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "current_roles": [],
            "managed_organisations": [],
            "is_clinical_staff": False,
            "is_clinician": False,
            "is_peer_supporter": False,
        }
    roles = sorted(roles_of(user), key=lambda role: Role.values.index(role))
    return {
        "current_roles": [Role(role).label for role in roles],
        "managed_organisations": list(managed_organisations(user)),
        # Clinicians, coordinators and admins see their organisation's patients and prescriptions.
        "is_clinical_staff": bool(CLINICAL_STAFF_ROLES & set(roles)),
        # Clinicians host Q&A sessions that groups invite them to (issue 5 point 7).
        "is_clinician": Role.CLINICIAN in roles,
        # Peer supporters check in on members who missed meetings and agreed to it (issue 5 point 6).
        "is_peer_supporter": Role.PEER_SUPPORTER in roles,
    }
