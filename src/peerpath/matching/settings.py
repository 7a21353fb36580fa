"""A programme's matching settings, set by its coordinators (issue 17 points 2, 4 and 6): the weight of each soft
field, whether proposals are reviewed before they go out, how long a proposal waits for answers, and a mentor's own
limit on matches. Bad input is refused with a DomainError naming the field, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from peerpath.accounts.models import User
from peerpath.accounts.roles import ORG_MANAGER_ROLES
from peerpath.accounts.selectors import roles_in
from peerpath.audit.services import record
from peerpath.core.errors import DomainError, PermissionDenied
from peerpath.matching import engine
from peerpath.matching.models import MatchingSettings, MatchProfile
from peerpath.matching.vocabulary import Role
from peerpath.programmes.models import Programme

OFFER_DAYS = (1, 60)


def require_manager(actor: User, programme: Programme) -> None:
    if not ORG_MANAGER_ROLES & roles_in(actor, programme.organisation_id):
        raise PermissionDenied(_("Only the programme's coordinators and admins can do this."))


def matching_settings(programme: Programme) -> MatchingSettings:
    """The programme's settings; the defaults (not saved) when nobody set them yet."""
    found = MatchingSettings.objects.filter(programme=programme).first()
    return found or MatchingSettings(programme=programme, weights=engine.Weights.default().values)


def weights_of(settings: MatchingSettings) -> engine.Weights:
    """The settings' weights, every soft field named (a field added since they were saved takes its default)."""
    values = {**engine.Weights.default().values, **{k: v for k, v in (settings.weights or {}).items()
                                                     if k in engine.FIELD_NAMES}}  # fmt: skip
    return engine.Weights(values)


@transaction.atomic
def settings_save(
    *, actor: User, programme: Programme, weights: Mapping[str, Any], review_required: bool, offer_days: int
) -> MatchingSettings:
    """Save the programme's matching settings. Weights are whole numbers 0-10, not all zero."""
    programme = Programme.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=programme.pk)
    require_manager(actor, programme)
    checked = engine.Weights(dict(weights))  # refuses unknown names, out-of-range values and all zero
    if (
        isinstance(offer_days, bool)
        or not isinstance(offer_days, int)
        or not OFFER_DAYS[0] <= offer_days <= OFFER_DAYS[1]
    ):
        raise DomainError(_("Give between %(low)d and %(high)d days for both to answer.")
                          % {"low": OFFER_DAYS[0], "high": OFFER_DAYS[1]}, field="offer_days")  # fmt: skip
    found, created = MatchingSettings.objects.get_or_create(programme=programme, defaults={"weights": checked.values})
    before = (found.weights, found.review_required, found.offer_days)
    found.weights, found.review_required, found.offer_days = checked.values, bool(review_required), offer_days
    found.updated_by = actor
    found.save()
    if created or before != (found.weights, found.review_required, found.offer_days):
        record(action="matching.settings_saved", actor=actor, organisation=programme.organisation, target=found,
               details={"programme": str(programme.pk),
                        "weights": [f"{name}={weight}" for name, weight in checked.values.items()],
                        "review_required": found.review_required, "offer_days": offer_days})  # fmt: skip
    return found


def check_max_matches(value: int | None, programme: Programme) -> int | None:
    """A mentor's limit on matches: empty (up to the programme's cap) or 1 to the cap."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= programme.caseload_cap:
        raise DomainError(_("A mentor takes from 1 to %(cap)d buddies at once in this programme (its cap).")
                          % {"cap": programme.caseload_cap}, field="max_matches")  # fmt: skip
    return value


@transaction.atomic
def mentor_cap_set(*, actor: User, profile: MatchProfile, max_matches: int | None) -> MatchProfile:
    """A coordinator sets how many buddies a mentor takes at once (or the mentor themselves, on their profile)."""
    profile = (
        MatchProfile.objects.select_for_update(of=("self",))
        .select_related("programme__organisation")
        .get(pk=profile.pk)
    )
    if profile.user_id != actor.pk:
        require_manager(actor, profile.programme)
    if profile.role != Role.MENTOR:
        raise DomainError(_("Only a mentor has a limit on buddies."), field="max_matches")
    value = check_max_matches(max_matches, profile.programme)
    if profile.max_matches != value:
        profile.max_matches = value
        profile.save(update_fields=["max_matches", "updated_at"])
        record(action="matching.mentor_cap_set", actor=actor, organisation=profile.programme.organisation,
               target=profile, details={"programme": str(profile.programme_id), "max_matches": value})  # fmt: skip
    return profile
