"""Gates for matching: the object, or the same 404 for "missing" and "not yours" (issue 17). Refusals are audit
events; the pool page records its own read of the profiles it lists (views.pool_page)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from peerpath.audit.services import record_access, record_denied
from peerpath.core.access import uuid_or_404
from peerpath.matching.models import MatchProfile
from peerpath.matching.selectors import joinable_programmes, managed_buddy_programmes, own_profiles, pool
from peerpath.matching.vocabulary import Role
from peerpath.programmes.models import Programme


def access_joinable_programme(user: Any, programme_id: Any) -> tuple[Programme, str]:
    """A buddy programme the person may join, with the role they take in it (a supporter of it: mentor)."""
    wanted = uuid_or_404(programme_id)
    for programme, roles in joinable_programmes(user):
        if programme.pk == wanted:
            return programme, Role.MENTOR.value if Role.MENTOR in roles else Role.MENTEE.value
    record_denied(actor=user, object_type="programmes.programme", object_id=str(programme_id))
    raise Http404


def own_profile(user: Any, programme: Programme, role: str) -> MatchProfile | None:
    """The person's own profile in the programme, if they made one (the programme passed its gate first)."""
    return own_profiles(user).filter(programme=programme, role=role).prefetch_related("conditions__condition").first()


def access_pool_programme(user: Any, programme_id: Any) -> Programme:
    """A buddy programme of an organisation the person runs."""
    wanted = uuid_or_404(programme_id)
    for programme in managed_buddy_programmes(user):
        if programme.pk == wanted:
            return programme
    record_denied(actor=user, object_type="programmes.programme", object_id=str(programme_id))
    raise Http404


def access_pool_mentor(user: Any, programme: Programme, profile_id: Any, *, purpose: str) -> MatchProfile:
    """A mentor in the pool of a programme the person runs (the programme passed its own gate first)."""
    profile = (
        pool(programme).filter(role=Role.MENTOR, pk=uuid_or_404(profile_id)).select_related("user").first()
        if programme in managed_buddy_programmes(user)
        else None
    )
    if profile is None:
        record_denied(actor=user, object_type="matching.matchprofile", object_id=str(profile_id))
        raise Http404
    record_access(actor=user, target=profile, organisation=programme.organisation, purpose=purpose)
    return profile
