"""What the spaces app's two service modules share (`services.py` for spaces and memberships, `meetings.py` for
meetings and RSVPs): who runs a space, who is a member, bounded text, the audit event and the after-commit task.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks.base import Task

from peerpath.accounts.models import User
from peerpath.accounts.roles import ORG_MANAGER_ROLES
from peerpath.accounts.selectors import roles_in
from peerpath.audit.services import record
from peerpath.core.errors import DomainError, PermissionDenied
from peerpath.spaces.models import Membership, Space


def audit_event(action: str, *, actor: User | None, space: Space, target: Any = None, **details: Any) -> None:
    """Record an audit event in the space's host organisation, about `target` (the space itself by default)."""
    record(action=action, actor=actor, organisation=space.organisation, target=target or space, details=details)


def enqueue_on_commit(task: Task[Any, Any], *args: str) -> None:
    """Queue a background task once the change is committed (tasks.py holds them)."""
    transaction.on_commit(lambda: task.enqueue(*args))


def manages_host(user: User, space: Space) -> bool:
    return bool(ORG_MANAGER_ROLES & roles_in(user, space.organisation_id))


def check_runs(actor: User, space: Space) -> None:
    """Organisers run a space; so do the host organisation's coordinators and admins."""
    membership = Membership.objects.filter(space=space, user=actor, status=Membership.Status.ACTIVE).first()
    if membership is not None and membership.role == Membership.Role.ORGANISER:
        return
    if manages_host(actor, space):
        return
    raise PermissionDenied(_("Only the space's organisers can do that."))


def active_membership(user: User, space: Space) -> Membership:
    """The user's active membership of the space; refused for anyone else."""
    membership = Membership.objects.filter(space=space, user=user, status=Membership.Status.ACTIVE).first()
    if membership is None:
        raise PermissionDenied(_("Only members of this space can do that."))
    return membership


def clean_text(text: str, *, limit: int, field: str, label: str, required: bool = False) -> str:
    """The text stripped, refused (on `field`) when required and empty or longer than `limit` characters."""
    text = (text or "").strip()
    if required and not text:
        raise DomainError(_("%(label)s is needed.") % {"label": label}, field=field)
    if len(text) > limit:
        raise DomainError(
            _("%(label)s can be at most %(limit)s characters.") % {"label": label, "limit": limit}, field=field
        )
    return text
