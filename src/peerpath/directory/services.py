"""Every change to the directory: one function per use case, atomic, audited.

The vetting life cycle (issue 3): submitted → in review → vetted → (re-review due, derived from the date) →
delisted (with a reason) → in review again. Only the curating organisation's coordinators and admins move a
listing on; anyone may suggest a group or an edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from peerpath.accounts.models import Organisation, RoleAssignment, User
from peerpath.accounts.roles import ORG_MANAGER_ROLES
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.directory.models import (
    REREVIEW_AFTER,
    Condition,
    Criterion,
    EditSuggestion,
    HostOrganisation,
    Listing,
    ListingSearchDocument,
    Vetting,
    VettingCheck,
)
from peerpath.directory.search import facet_terms


@dataclass
class ListingData:
    """Everything a person can say about a listing; services validate it as a whole."""

    name: str
    summary: str = ""
    description: str = ""
    kind: str = Listing.Kind.GROUP
    format: str = Listing.Format.ONLINE
    cadence: str = Listing.Cadence.WEEKLY
    typical_attendance: int | None = None
    conditions: list[Condition] = field(default_factory=list)
    audience: str = Listing.Audience.PATIENTS
    age_min: int | None = None
    age_max: int | None = None
    life_stages: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: ["en"])
    is_free: bool = True
    fee_text: str = ""
    accessibility_notes: str = ""
    host: HostOrganisation | None = None
    url: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    address: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = "GB"
    latitude: float | None = None
    longitude: float | None = None
    schedule_frequency: str = ""
    schedule_interval: int = 1
    schedule_byday: str = ""
    schedule_opens_at: time | None = None
    schedule_closes_at: time | None = None
    schedule_timezone: str = "Europe/London"
    schedule_notes: str = ""
    moderation: str = Listing.Moderation.PEER
    clinician_participation: str = Listing.ClinicianParticipation.NEVER
    rule_no_medical_advice: bool = False
    rule_no_promotion: bool = False
    rules_text: str = ""
    join_method: str = Listing.JoinMethod.OPEN

    @classmethod
    def from_listing(cls, listing: Listing) -> ListingData:
        values = {f.name: getattr(listing, f.name) for f in fields(cls) if f.name != "conditions"}
        return cls(**values, conditions=list(listing.conditions.all()))

    def field_values(self) -> dict[str, Any]:
        """The listing's own columns (conditions are a relation, set separately)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "conditions"}


# --- Helpers -------------------------------------------------------------------------------------------------------


def _check_manages(actor: User, organisation: Organisation) -> None:
    held = RoleAssignment.objects.filter(user=actor, organisation=organisation, role__in=ORG_MANAGER_ROLES)
    if not held.exists():
        raise PermissionDenied(_("Only the organisation's coordinators and admins review listings."))


def _check_curator(actor: User, listing: Listing) -> Organisation:
    if listing.curator is None:
        raise Conflict(_("Start the review first: no organisation is reviewing this listing yet."))
    _check_manages(actor, listing.curator)
    return listing.curator


def _validate(listing: Listing, data: ListingData) -> None:
    """The model's own rules (choices, lengths, URL and e-mail formats, constraints) as one clear message."""
    if data.age_min is not None and data.age_max is not None and data.age_min > data.age_max:
        raise DomainError(_("The youngest age must not be above the oldest."), field="age_min")
    if (data.latitude is None) != (data.longitude is None):
        raise DomainError(_("Give both a latitude and a longitude, or neither."), field="latitude")
    for name, values, choices in (
        ("life_stages", data.life_stages, Listing.LifeStage.values),
        ("languages", data.languages, None),
    ):
        for value in values:
            if choices is not None and value not in choices:
                raise DomainError(_("Unknown value: %(value)s.") % {"value": value}, field=name)
            if "," in value or not value.strip():
                raise DomainError(_("Unknown value: %(value)s.") % {"value": value}, field=name)
    try:
        listing.full_clean(exclude=["curator", "submitted_by", "host", "status", "source_id"])
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        label = name if name != "__all__" else ""
        field_label = getattr(listing._meta.get_field(name), "verbose_name", name) if label else ""
        raise DomainError(f"{field_label}: {messages[0]}" if label else messages[0], field=label or None) from None


def _apply(listing: Listing, data: ListingData) -> list[str]:
    """Copy the data onto the listing; return the names of the fields that changed."""
    changed = []
    for name, value in data.field_values().items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(listing, name) != value:
            setattr(listing, name, value)
            changed.append(name)
    return changed


def _set_conditions(listing: Listing, conditions: Iterable[Condition]) -> bool:
    wanted = {condition.pk: condition for condition in conditions}
    current = set(listing.conditions.values_list("pk", flat=True))
    if set(wanted) == current:
        return False
    listing.conditions.set(list(wanted.values()))
    return True


def search_document_refresh(listing: Listing) -> None:
    """Rewrite what search reads for this listing: name; conditions and their synonyms; everything else; and its
    filter values as index terms."""
    condition_words = []
    conditions = list(listing.conditions.all())
    for condition in conditions:
        condition_words.append(condition.name)
        condition_words.extend(condition.synonyms)
    host_name = listing.host.name if listing.host is not None else ""
    body = " ".join(
        part for part in (listing.summary, listing.description, host_name, listing.city, listing.region) if part
    )
    ListingSearchDocument.objects.update_or_create(
        listing=listing,
        defaults={
            "name": listing.name,
            "conditions": " ".join(condition_words),
            "body": body,
            "facets": facet_terms(listing, [condition.pk for condition in conditions]),
        },
    )


# --- Listings --------------------------------------------------------------------------------------------------------


@transaction.atomic
def listing_submit(
    *,
    actor: User | None,
    data: ListingData,
    submitter_contact: str = "",
    source_id: str = "",
    via: str = "suggestion",
) -> Listing:
    """A new listing waits for vetting: suggested by anyone, imported, or entered by a coordinator."""
    listing = Listing(
        status=Listing.Status.SUBMITTED,
        submitted_by=actor if actor is not None and actor.is_authenticated else None,
        submitter_contact=submitter_contact.strip()[:254],
        source_id=source_id[:200],
    )
    _apply(listing, data)
    _validate(listing, data)
    listing.save()
    _set_conditions(listing, data.conditions)
    search_document_refresh(listing)
    record(
        action="listing.submitted",
        actor=listing.submitted_by,
        target=listing,
        details={"via": via, "conditions": sorted(c.slug for c in data.conditions)},
    )
    return listing


@transaction.atomic
def listing_update(*, actor: User | None, listing: Listing, data: ListingData, via: str = "edit") -> list[str]:
    """Change a listing's details. Returns the names of the fields that changed (audited, not their values)."""
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if actor is not None:
        _check_curator(actor, listing)
    changed = _apply(listing, data)
    _validate(listing, data)
    if changed:
        listing.save(update_fields=[*changed, "updated_at"])
    if _set_conditions(listing, data.conditions):
        changed.append("conditions")
    if changed:
        search_document_refresh(listing)
        record(
            action="listing.updated",
            actor=actor,
            organisation=listing.curator,
            target=listing,
            details={"fields": sorted(changed), "via": via},
        )
    return changed


def _move(
    listing: Listing, status: str, *, action: str, actor: User, organisation: Organisation, saving: Iterable[str] = (),
    **details: Any,
) -> None:  # fmt: skip
    """Every change of a listing's state: the new status saved (with the fields in `saving`), and one audit event."""
    old_status = listing.status
    listing.status = status
    listing.save(update_fields=["status", *saving, "updated_at"])
    record(
        action=action,
        actor=actor,
        organisation=organisation,
        target=listing,
        details={**details, "old_status": old_status, "new_status": status},
    )


@transaction.atomic
def review_start(*, actor: User, listing: Listing, organisation: Organisation) -> Listing:
    """A coordinator takes a submitted listing into their organisation's review."""
    _check_manages(actor, organisation)
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if listing.status != Listing.Status.SUBMITTED:
        raise Conflict(_("Only a submitted listing can be taken into review; this one is %(status)s.")
                       % {"status": listing.get_status_display().lower()})  # fmt: skip
    if listing.curator_id is not None and listing.curator_id != organisation.pk:
        raise Conflict(_("Another organisation is already reviewing this listing."))
    listing.curator = organisation
    _move(listing, Listing.Status.IN_REVIEW, action="listing.review_started", actor=actor, organisation=organisation,
          saving=["curator"])  # fmt: skip
    return listing


@transaction.atomic
def vetting_record(
    *,
    actor: User,
    listing: Listing,
    checks: Mapping[str, tuple[str, str]],
    notes: str = "",
    reviewed_on: date | None = None,
) -> Vetting:
    """Record a review against every criterion. All met (or not applicable, with a note) vets the listing for
    12 months; any criterion not met declines it, and the listing is delisted with the unmet criteria as reason."""
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    organisation = _check_curator(actor, listing)
    if listing.status not in (Listing.Status.IN_REVIEW, Listing.Status.VETTED):
        raise Conflict(_("Only a listing in review, or a vetted one due for re-review, can be reviewed."))
    missing = [str(c.label) for c in Criterion if c.value not in checks]
    if missing:
        raise DomainError(_("Answer every criterion: %(missing)s.") % {"missing": "; ".join(missing)}, field="checks")
    unknown = sorted(set(checks) - set(Criterion.values))
    if unknown:
        raise DomainError(_("Unknown criterion: %(names)s.") % {"names": ", ".join(unknown)}, field="checks")
    for criterion, (result, note) in checks.items():
        if result not in VettingCheck.Result.values:
            raise DomainError(_("Each criterion is met, not met or not applicable."), field=criterion)
        if result == VettingCheck.Result.NOT_APPLICABLE and not note.strip():
            raise DomainError(
                _("Say why “%(label)s” does not apply.") % {"label": Criterion(criterion).label}, field=criterion
            )
    today = reviewed_on or now().date()
    if today > now().date():
        raise DomainError(_("A review cannot be dated in the future."), field="reviewed_on")
    unmet = [c for c in Criterion if checks[c.value][0] == VettingCheck.Result.NOT_MET]
    outcome = Vetting.Outcome.DECLINED if unmet else Vetting.Outcome.VETTED
    vetting = Vetting.objects.create(
        listing=listing,
        reviewer=actor,
        reviewer_name=actor.legal_name or actor.handle,
        organisation=organisation,
        organisation_name=organisation.name,
        reviewed_on=today,
        outcome=outcome,
        rereview_due_on=today + REREVIEW_AFTER if outcome == Vetting.Outcome.VETTED else None,
        notes=notes.strip()[:3000],
    )
    VettingCheck.objects.bulk_create(
        VettingCheck(vetting=vetting, criterion=c, result=result, note=note.strip()[:500])
        for c, (result, note) in checks.items()
    )
    if outcome == Vetting.Outcome.VETTED:
        status = Listing.Status.VETTED
        listing.last_vetted_on = today
        listing.rereview_due_on = vetting.rereview_due_on
        listing.status_reason = ""
    else:
        status = Listing.Status.DELISTED
        listing.status_reason = _("Not vetted: %(criteria)s not met.") % {
            "criteria": "; ".join(str(c.label).lower() for c in unmet)
        }
    _move(
        listing,
        status,
        action="listing.vetted" if outcome == Vetting.Outcome.VETTED else "listing.vetting_declined",
        actor=actor,
        organisation=organisation,
        saving=["last_vetted_on", "rereview_due_on", "status_reason"],
        vetting=str(vetting.pk),
        unmet=[c.value for c in unmet],
    )
    return vetting


@transaction.atomic
def listing_delist(*, actor: User, listing: Listing, reason: str) -> Listing:
    """Take a listing out of the directory, saying why (the reason is kept and shown to reviewers)."""
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    organisation = _check_curator(actor, listing)
    _take_out(listing, reason, actor=actor, organisation=organisation, action="listing.delisted",
              no_reason=_("Say why the listing is delisted."),
              already=_("This listing is already delisted."))  # fmt: skip
    return listing


def _take_out(
    listing: Listing, reason: str, *, actor: User, organisation: Organisation, action: str, no_reason: str, already: str
) -> None:
    """Out of the directory, with the reason kept and shown to reviewers (the listing's row is locked)."""
    reason = reason.strip()
    if not reason:
        raise DomainError(no_reason, field="reason")
    if listing.status == Listing.Status.DELISTED:
        raise Conflict(already)
    listing.status_reason = reason[:2000]
    _move(listing, Listing.Status.DELISTED, action=action, actor=actor, organisation=organisation,
          saving=["status_reason"])  # fmt: skip


@transaction.atomic
def listing_relist(*, actor: User, listing: Listing) -> Listing:
    """Bring a delisted listing back into review; it is public again only once vetted anew."""
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    organisation = _check_curator(actor, listing)
    if listing.status != Listing.Status.DELISTED:
        raise Conflict(_("Only a delisted listing can be brought back into review."))
    listing.status_reason = ""
    _move(listing, Listing.Status.IN_REVIEW, action="listing.relisted", actor=actor, organisation=organisation,
          saving=["status_reason"])  # fmt: skip
    return listing


# --- Listings kept by the app that runs the offering (a programme's buddy listing) ------------------------------------
# The calling app's service checks that the actor runs the offering; `organisation` is theirs, not the curator's.


@transaction.atomic
def listing_resubmit(
    *, actor: User, organisation: Organisation, listing: Listing, data: ListingData, via: str
) -> list[str]:
    """Its runner changes a listing, or publishes a delisted one again: the directory has no path for an edit of a
    vetted listing by anyone but its curator, so a changed vetted listing (and any delisted one) goes back to
    submitted and is public again only once vetted anew. Returns the names of the fields that changed."""
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    changed = _apply(listing, data)
    _validate(listing, data)
    if changed:
        listing.save(update_fields=[*changed, "updated_at"])
    if _set_conditions(listing, data.conditions):
        changed.append("conditions")
    if changed:
        search_document_refresh(listing)
        record(action="listing.updated", actor=actor, organisation=organisation, target=listing,
               details={"fields": sorted(changed), "via": via})  # fmt: skip
    if listing.status == Listing.Status.DELISTED or (changed and listing.status == Listing.Status.VETTED):
        listing.status_reason = ""
        _move(listing, Listing.Status.SUBMITTED, action="listing.resubmitted", actor=actor, organisation=organisation,
              saving=["status_reason"], via=via)  # fmt: skip
    return changed


@transaction.atomic
def listing_withdraw(*, actor: User, organisation: Organisation, listing: Listing, reason: str) -> Listing:
    """Its runner takes a listing out of the directory at once, whatever its state, saying why."""
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    _take_out(listing, reason, actor=actor, organisation=organisation, action="listing.withdrawn",
              no_reason=_("Say why the listing is withdrawn."),
              already=_("This listing is already out of the directory."))  # fmt: skip
    return listing


# --- Suggested edits -------------------------------------------------------------------------------------------------


@transaction.atomic
def edit_suggestion_create(
    *, actor: User | None, listing: Listing, message: str, submitter_contact: str = ""
) -> EditSuggestion:
    message = message.strip()
    if len(message) < 10:
        raise DomainError(_("Tell us what should change, in a sentence or two."), field="message")
    suggestion = EditSuggestion.objects.create(
        listing=listing,
        message=message[:3000],
        submitted_by=actor if actor is not None and actor.is_authenticated else None,
        submitter_contact=submitter_contact.strip()[:254],
    )
    record(
        action="listing.edit_suggested",
        actor=suggestion.submitted_by,
        organisation=listing.curator,
        target=suggestion,
        details={"listing": str(listing.pk)},
    )
    return suggestion


@transaction.atomic
def edit_suggestion_resolve(*, actor: User, suggestion: EditSuggestion, status: str, note: str = "") -> EditSuggestion:
    """Mark a suggested edit applied (the reviewer changed the listing) or dismissed."""
    suggestion = EditSuggestion.objects.select_for_update().select_related("listing").get(pk=suggestion.pk)
    _check_curator(actor, suggestion.listing)
    if status not in (EditSuggestion.Status.APPLIED, EditSuggestion.Status.DISMISSED):
        raise DomainError(_("A suggestion is either applied or dismissed."), field="status")
    if suggestion.status != EditSuggestion.Status.OPEN:
        raise Conflict(_("This suggestion has already been dealt with."))
    suggestion.status = status
    suggestion.resolved_by = actor
    suggestion.resolved_at = now()
    suggestion.resolution_note = note.strip()[:500]
    suggestion.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note", "updated_at"])
    record(
        action=f"listing.edit_suggestion_{status}",
        actor=actor,
        organisation=suggestion.listing.curator,
        target=suggestion,
        details={"listing": str(suggestion.listing_id)},
    )
    return suggestion


# --- Host organisations ---------------------------------------------------------------------------------------------


@transaction.atomic
def host_get_or_create(
    *, actor: User | None, name: str, kind: str, website: str = "", email: str = "", phone: str = ""
) -> HostOrganisation:
    """The host organisation with this name (case-insensitive), created when it is new."""
    name = name.strip()
    if not name:
        raise DomainError(_("Name the organisation that runs the group."), field="host_name")
    if kind not in HostOrganisation.Kind.values:
        raise DomainError(_("Unknown kind of host organisation: %(kind)s.") % {"kind": kind}, field="host_kind")
    existing = HostOrganisation.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    host = HostOrganisation(name=name[:200], kind=kind, website=website.strip(), email=email.strip(),
                            phone=phone.strip()[:40])  # fmt: skip
    try:
        host.full_clean()
    except ValidationError as error:
        name_, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], field=f"host_{name_}") from None
    host.save()
    record(action="host_organisation.created", actor=actor, target=host)
    return host
