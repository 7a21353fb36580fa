"""Every change to matching profiles (issue 17): saving a profile, giving and withdrawing consent to be matched, a
coordinator approving a mentor for young people. Atomic, audited without the free text, refusing bad input with a
DomainError that names the field and changes nothing.

Consent to be matched is separate from any other consent. Withdrawing it takes the person out of the pool at once;
later steps (proposals, matches) register what else must end with `on_consent_withdrawn`, and it runs in the same
transaction, so a withdrawal never leaves a pending proposal behind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerpath.accounts.models import User
from peerpath.accounts.roles import ORG_MANAGER_ROLES
from peerpath.accounts.selectors import roles_in
from peerpath.audit.services import record
from peerpath.core.choices import chosen
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.directory.geo import resolve_place
from peerpath.directory.models import Condition
from peerpath.matching import vocabulary as v
from peerpath.matching.models import ABOUT_MAX, GOALS_TEXT_MAX, MatchProfile, ProfileCondition
from peerpath.matching.selectors import joinable_roles
from peerpath.programmes.models import Programme

MAX_KM = (1, 500)
MAX_LANGUAGES = 10
MAX_CONDITIONS = 10
# BCP 47 language tags as people use them: a 2-3 letter language, then optional script, region or variant subtags
# ("en", "pl", "pt-BR", "zh-Hant", "sgn-GB"). Lower-cased language, as Supporter.languages keeps them.
_BCP47 = re.compile(r"^[a-z]{2,3}(-[a-z]{4})?(-([a-z]{2}|[0-9]{3}))?(-[a-z0-9]{5,8})*$", re.IGNORECASE)


@dataclass
class ProfileData:
    languages: Sequence[str]
    formats: Sequence[str]
    conditions: Sequence[tuple[Condition, Sequence[str]]] = ()
    age_band: str = ""
    life_stages: Sequence[str] = ()
    goals: Sequence[str] = ()
    goals_text: str = ""
    place: str = ""
    max_km: int | None = None
    availability: Sequence[str] = ()
    timezone: str = ""
    interests: Sequence[str] = ()
    gender: str = ""
    wants_gender: Sequence[str] = ()
    avoid: Sequence[str] = ()
    about: str = ""


def _choice(value: str, allowed: type[Any], field_name: str) -> str:
    return chosen([value], allowed, field_name)[0] if value else ""


def _text(value: str, limit: int, field_name: str) -> str:
    text = value.strip()
    if len(text) > limit:
        raise DomainError(_("Keep this to %(limit)s characters or fewer.") % {"limit": limit}, field=field_name)
    return text


def _languages(codes: Iterable[str]) -> list[str]:
    cleaned = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    bad = [code for code in cleaned if not _BCP47.match(code)]
    if bad:
        raise DomainError(
            _("Give languages as codes such as en, pl or pt-BR (not understood: %(codes)s).")
            % {"codes": ", ".join(bad)},
            field="languages",
        )
    if not cleaned:
        raise DomainError(_("Choose at least one language you can talk in."), field="languages")
    if len(cleaned) > MAX_LANGUAGES:
        raise DomainError(_("Give at most %(count)s languages.") % {"count": MAX_LANGUAGES}, field="languages")
    return [_bcp47_case(code) for code in cleaned]


def _bcp47_case(code: str) -> str:
    """The case BCP 47 recommends: language lower-case, script title-case, region upper-case ("zh-Hant-TW")."""
    parts = code.lower().split("-")
    for index, part in enumerate(parts[1:], start=1):
        if len(part) == 4 and part.isalpha():
            parts[index] = part.title()
        elif len(part) == 2:
            parts[index] = part.upper()
    return "-".join(parts)


def _timezone(name: str, *, needed: bool) -> str:
    name = name.strip()
    if not name:
        if needed:
            raise DomainError(_("Say which time zone your free times are in."), field="timezone")
        return ""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(_("Choose a time zone from the list, such as Europe/London."), field="timezone") from None
    return name


def _clean(data: ProfileData) -> dict[str, Any]:
    formats = chosen(data.formats, v.Format, "formats", required=True)
    fields: dict[str, Any] = {
        "languages": _languages(data.languages),
        "formats": formats,
        "age_band": _choice(data.age_band, v.AgeBand, "age_band"),
        "life_stages": chosen(data.life_stages, v.LifeStage, "life_stages"),
        "goals": chosen(data.goals, v.Goal, "goals"),
        "goals_text": _text(data.goals_text, GOALS_TEXT_MAX, "goals_text"),
        "availability": chosen(data.availability, v.Slot, "availability"),
        "interests": chosen(data.interests, v.Interest, "interests"),
        "gender": _choice(data.gender, v.Gender, "gender"),
        "wants_gender": chosen(data.wants_gender, v.Gender, "wants_gender"),
        "avoid": chosen(data.avoid, v.Avoid, "avoid"),
        "about": _text(data.about, ABOUT_MAX, "about"),
    }
    fields["timezone"] = _timezone(data.timezone, needed=bool(fields["availability"]))
    in_person = v.Format.IN_PERSON in formats
    if in_person and v.Avoid.IN_PERSON in fields["avoid"]:
        raise DomainError(_("You chose to meet in person and also that you do not want to."), field="avoid")
    if not in_person:
        if data.max_km is not None:
            raise DomainError(_("A distance is only for meeting in person: choose that, or leave the distance empty."),
                              field="max_km")  # fmt: skip
        if data.place.strip():
            raise DomainError(_("A place is only for meeting in person: choose that, or leave the place empty."),
                              field="place")  # fmt: skip
        fields.update(place="", latitude=None, longitude=None, max_km=None)
        return fields
    if data.max_km is None or not MAX_KM[0] <= data.max_km <= MAX_KM[1]:
        raise DomainError(_("Say how far you would travel to meet, from %(low)s to %(high)s km.")
                          % {"low": MAX_KM[0], "high": MAX_KM[1]}, field="max_km")  # fmt: skip
    place = resolve_place(data.place[:120])
    if place is None:
        raise DomainError(_("We could not find that place. Give a town or city, such as Leeds or Portland, OR."),
                          field="place")  # fmt: skip
    fields.update(place=place.name[:120], latitude=place.latitude, longitude=place.longitude, max_km=data.max_km)
    return fields


def _clean_conditions(entries: Sequence[tuple[Condition, Sequence[str]]]) -> list[tuple[Condition, list[str]]]:
    if len(entries) > MAX_CONDITIONS:
        raise DomainError(_("Give at most %(count)s conditions.") % {"count": MAX_CONDITIONS}, field="conditions")
    seen: dict[Any, tuple[Condition, list[str]]] = {}
    for condition, stages in entries:
        seen[condition.pk] = (condition, chosen(stages, v.ConditionStage, "conditions"))
    return list(seen.values())


@transaction.atomic
def profile_save(
    *, actor: User, programme: Programme, role: str, data: ProfileData, give_consent: bool = False
) -> MatchProfile:
    """Create or update the actor's own profile in the programme; with `give_consent`, they also join the pool."""
    if role not in joinable_roles(actor, programme):
        raise PermissionDenied(_("You cannot join this programme's matching in that role."))
    fields = _clean(data)
    conditions = _clean_conditions(data.conditions)
    try:
        with transaction.atomic():  # a savepoint: two first saves at once meet the unique constraint, not a 500
            profile, created = MatchProfile.objects.select_for_update().get_or_create(
                programme=programme, user=actor, role=role, defaults=fields
            )
    except IntegrityError:
        raise Conflict(_("Your profile was being saved twice at the same moment. Please try again.")) from None
    changed = sorted(fields) if created else sorted(name for name, value in fields.items()
                                                    if getattr(profile, name) != value)  # fmt: skip
    if not created and changed:
        for name in changed:
            setattr(profile, name, fields[name])
        profile.save(update_fields=[*changed, "updated_at"])
    before = {(entry.condition_id, tuple(entry.stages)) for entry in profile.conditions.all()}
    after = {(condition.pk, tuple(stages)) for condition, stages in conditions}
    if before != after:
        profile.conditions.all().delete()
        ProfileCondition.objects.bulk_create(
            ProfileCondition(profile=profile, condition=condition, stages=stages) for condition, stages in conditions
        )
        changed.append("conditions")
    # Field names and counts only: the free text and the answers themselves are the person's, not the log's.
    record(action="matching.profile_created" if created else "matching.profile_updated", actor=actor,
           organisation=programme.organisation, target=profile,
           details={"programme": str(programme.pk), "role": role, "fields": changed})  # fmt: skip
    if give_consent and not profile.consented:
        profile = profile_consent_give(actor=actor, profile=profile)
    return profile


@transaction.atomic
def profile_consent_give(*, actor: User, profile: MatchProfile) -> MatchProfile:
    """The person agrees to be matched: their profile joins the programme's pool."""
    profile = (
        MatchProfile.objects.select_for_update(of=("self",))
        .select_related("programme__organisation")
        .get(pk=profile.pk)
    )
    if profile.user_id != actor.pk:
        raise PermissionDenied(_("Only the person themselves can agree to be matched."))
    if profile.role not in joinable_roles(actor, profile.programme):
        raise PermissionDenied(_("You cannot join this programme's matching in that role."))
    if profile.consented:
        return profile
    profile.consent_given_at = now()
    profile.consent_withdrawn_at = None
    profile.save(update_fields=["consent_given_at", "consent_withdrawn_at", "updated_at"])
    record(action="matching.consent_given", actor=actor, organisation=profile.programme.organisation,
           target=profile, details={"programme": str(profile.programme_id), "role": profile.role})  # fmt: skip
    return profile


WithdrawalHook = Callable[[MatchProfile, User], None]
_withdrawal_hooks: list[WithdrawalHook] = []


def on_consent_withdrawn(hook: WithdrawalHook) -> WithdrawalHook:
    """Register what must end when a person withdraws consent (a later step: their pending proposals). Runs inside
    the withdrawal's transaction, after the profile left the pool; an exception undoes the whole withdrawal."""
    if hook not in _withdrawal_hooks:
        _withdrawal_hooks.append(hook)
    return hook


@transaction.atomic
def profile_withdraw_consent(*, actor: User, profile: MatchProfile) -> MatchProfile:
    """The person no longer wants to be matched: out of the pool at once, and whatever registered ends with it."""
    profile = (
        MatchProfile.objects.select_for_update(of=("self",))
        .select_related("programme__organisation")
        .get(pk=profile.pk)
    )
    if profile.user_id != actor.pk:
        raise PermissionDenied(_("Only the person themselves can withdraw their consent."))
    if not profile.consented:
        raise DomainError(_("You are not in the matching pool of this programme."), code="not_consented", status=409)
    profile.consent_withdrawn_at = now()
    profile.save(update_fields=["consent_withdrawn_at", "updated_at"])
    record(action="matching.consent_withdrawn", actor=actor, organisation=profile.programme.organisation,
           target=profile, details={"programme": str(profile.programme_id), "role": profile.role})  # fmt: skip
    for hook in list(_withdrawal_hooks):
        hook(profile, actor)
    return profile


@transaction.atomic
def mentor_approve_for_adolescents(*, actor: User, profile: MatchProfile, approved: bool = True) -> MatchProfile:
    """A coordinator or admin of the programme's organisation says the mentor may (or may no longer) be matched with
    members under 18."""
    profile = (
        MatchProfile.objects.select_for_update(of=("self",))
        .select_related("programme__organisation")
        .get(pk=profile.pk)
    )
    if not ORG_MANAGER_ROLES & roles_in(actor, profile.programme.organisation_id):
        raise PermissionDenied(_("Only the programme's coordinators and admins approve mentors for young people."))
    if profile.role != v.Role.MENTOR:
        raise DomainError(_("Only a mentor's profile can be approved for young people."), field="profile")
    if profile.approved_for_adolescents == approved:
        return profile
    profile.approved_for_adolescents = approved
    profile.approved_by = actor if approved else None
    profile.approved_at = now() if approved else None
    profile.save(update_fields=["approved_for_adolescents", "approved_by", "approved_at", "updated_at"])
    record(action="matching.mentor_approved_for_adolescents" if approved else "matching.mentor_approval_removed",
           actor=actor, organisation=profile.programme.organisation, target=profile,
           details={"programme": str(profile.programme_id)})  # fmt: skip
    return profile
