"""Gates: the one place that decides whether a person may reach an account-area object.

Each gate returns the object or raises Http404, the same answer for "missing" and "not yours".
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from peerpath.accounts.models import Organisation, RoleAssignment
from peerpath.accounts.selectors import managed_organisations
from peerpath.audit.services import record_denied
from peerpath.core.access import uuid_or_404


def access_managed_organisation(user: Any, organisation_id: Any) -> Organisation:
    """An organisation whose staff list and audit log the person may see: its coordinators and admins."""
    organisation = managed_organisations(user).filter(pk=uuid_or_404(organisation_id)).first()
    if organisation is None:
        record_denied(actor=user, object_type="accounts.organisation", object_id=str(organisation_id))
        raise Http404
    return organisation


def access_role_assignment(user: Any, assignment_id: Any) -> RoleAssignment:
    """A role held in an organisation the person manages."""
    assignment = (
        RoleAssignment.objects.select_related("organisation", "user")
        .filter(pk=uuid_or_404(assignment_id), organisation__in=managed_organisations(user))
        .first()
    )
    if assignment is None:
        record_denied(actor=user, object_type="accounts.roleassignment", object_id=str(assignment_id))
        raise Http404
    return assignment
