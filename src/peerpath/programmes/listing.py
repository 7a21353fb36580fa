"""A programme's entry in the public directory: a listing of kind "buddy programme", published by the programme's
coordinators and vetted like any other listing (ARCHITECTURE.md §2: a listing is public only once vetted).

The directory owns the listing and its rules: publishing submits it through `directory.services.listing_submit`, an
update sends a changed listing back for vetting and withdrawing delists it (`listing_resubmit`, `listing_withdraw`).
This module decides what the programme says about itself, and who may say it. Nothing about patients or supporters
goes into a listing: its name and conditions come from the programme, the rest from the coordinator's answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from peerpath.accounts.models import Organisation, User
from peerpath.accounts.roles import ORG_MANAGER_ROLES
from peerpath.accounts.selectors import roles_in
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.directory import services as directory
from peerpath.directory.models import HostOrganisation, Listing
from peerpath.directory.public_state import listing_state
from peerpath.directory.services import ListingData
from peerpath.programmes.models import Programme

# How people join a programme: a coordinator enrols them, so never "just come along".
JOIN_METHODS = (Listing.JoinMethod.REQUEST, Listing.JoinMethod.REFERRAL)
HOST_KINDS: dict[str, str] = {
    Organisation.Kind.CLINIC: HostOrganisation.Kind.HEALTH_SERVICE,
    Organisation.Kind.HEALTH_SYSTEM: HostOrganisation.Kind.HEALTH_SERVICE,
    Organisation.Kind.CHARITY: HostOrganisation.Kind.CHARITY,
    Organisation.Kind.SOCIETY: HostOrganisation.Kind.NATIONAL_SOCIETY,
}
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,38}[0-9]$")
SUMMARY_LENGTH = 300  # Listing.summary
VIA = "programme"


@dataclass
class ListingDetails:
    """What a coordinator says about the programme for the public; the rest comes from the programme itself."""

    summary: str
    join_method: str
    format: str = Listing.Format.ONLINE
    languages: list[str] | tuple[str, ...] = ("en",)
    contact_email: str = ""
    contact_phone: str = ""
    city: str = ""


@dataclass(frozen=True)
class ListingUpdate:
    changed: list[str]
    resubmitted: bool  # a vetted listing went back for vetting


def withdrawn_reason() -> str:
    return _("Withdrawn by the programme")


def cadence_for(follow_up_days: int) -> str:
    """How often a buddy is in touch: each patient hears from their supporter at least every `follow_up_days`."""
    if follow_up_days <= 7:
        return Listing.Cadence.WEEKLY
    if follow_up_days <= 14:
        return Listing.Cadence.FORTNIGHTLY
    if follow_up_days <= 31:
        return Listing.Cadence.MONTHLY
    return Listing.Cadence.AD_HOC


def _check_runs(actor: User, programme: Programme) -> None:
    if not ORG_MANAGER_ROLES & roles_in(actor, programme.organisation_id):
        raise PermissionDenied(_("Only the organisation's coordinators and admins publish its programmes."))


def _locked(programme: Programme) -> Programme:
    """The programme's row, locked: two people publishing at once make one listing, not two. Its listing is read
    after the lock (a join in the locking query would give PostgreSQL's view of it from before the wait)."""
    return Programme.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=programme.pk)


def _clean(details: ListingDetails) -> dict[str, Any]:
    summary = " ".join(details.summary.split())
    if not summary:
        raise DomainError(_("Write a short summary for people searching the directory."), field="summary")
    if len(summary) > SUMMARY_LENGTH:
        raise DomainError(_("Keep the summary to %(n)d characters.") % {"n": SUMMARY_LENGTH}, field="summary")
    if details.join_method not in JOIN_METHODS:
        raise DomainError(_("Say whether people ask to join or are referred."), field="join_method")
    if details.format not in Listing.Format.values:
        raise DomainError(_("Choose online, in person or both."), field="format")
    languages = list(dict.fromkeys(code.strip().lower() for code in details.languages if code.strip()))
    bad = [code for code in languages if not LANGUAGE.match(code)]
    if bad:
        raise DomainError(_("Not a language code: %(codes)s.") % {"codes": ", ".join(bad)}, field="languages")
    if not languages:
        raise DomainError(_("Give at least one language, such as en."), field="languages")
    email, phone = details.contact_email.strip(), " ".join(details.contact_phone.split())
    if not email and not phone:
        raise DomainError(_("Give an e-mail address or a phone number for enquiries, or both."),
                          field="contact_email")  # fmt: skip
    if phone and not PHONE.match(phone):
        raise DomainError(_("Give the phone number in digits, with spaces or a leading + if you like."),
                          field="contact_phone")  # fmt: skip
    online = details.format == Listing.Format.ONLINE
    city = "" if online else " ".join(details.city.split())
    if not online and not city:
        raise DomainError(_("Say in which area, town or city you meet people in person."), field="city")
    return {"summary": summary, "join_method": details.join_method, "format": details.format,
            "languages": languages, "contact_email": email, "contact_phone": phone, "city": city}  # fmt: skip


def _listing_data(actor: User, programme: Programme, details: ListingDetails) -> ListingData:
    """The listing as the programme describes it; a listing it had keeps what a curator added (its host, rules)."""
    fields = _clean(details)
    fields.update(
        name=programme.name,
        kind=Listing.Kind.BUDDY,
        cadence=cadence_for(programme.follow_up_days),
        conditions=list(programme.conditions.order_by("name")),
        country=programme.organisation.country,
    )
    listing = programme.listing
    if listing is None:
        organisation = programme.organisation
        kind = HOST_KINDS.get(organisation.kind, HostOrganisation.Kind.HEALTH_SERVICE)
        host = directory.host_get_or_create(actor=actor, name=organisation.name, kind=kind)
        return ListingData(host=host, **fields)
    data = replace(ListingData.from_listing(listing), **fields)
    if data.format == Listing.Format.ONLINE:
        data.address = data.postal_code = data.region = ""
    if data.format == Listing.Format.ONLINE or data.city != listing.city:
        data.latitude = data.longitude = None  # a place that is no longer where the programme meets
    return data


def _audit(action: str, actor: User, programme: Programme, **details: Any) -> None:
    record(action=action, actor=actor, organisation=programme.organisation, target=programme,
           details={"listing": str(programme.listing_id), **details})  # fmt: skip


@transaction.atomic
def programme_listing_publish(*, actor: User, programme: Programme, details: ListingDetails) -> Listing:
    """Submit the programme to the directory's curators, or submit its withdrawn or delisted listing again (the same
    listing: its vetting history stays with it)."""
    programme = _locked(programme)
    _check_runs(actor, programme)
    if programme.status != Programme.Status.ACTIVE:
        raise Conflict(_("A closed programme cannot be published in the directory."))
    listing = programme.listing
    if listing is not None and listing.status != Listing.Status.DELISTED:
        raise Conflict(_("The programme is already in the directory: update its listing instead."))
    data = _listing_data(actor, programme, details)
    if listing is None:
        listing = directory.listing_submit(actor=actor, data=data, via=VIA)
        programme.listing = listing
        programme.save(update_fields=["listing", "updated_at"])
        _audit("programmes.listing_published", actor, programme, again=False)
    else:
        directory.listing_resubmit(actor=actor, organisation=programme.organisation, listing=listing, data=data,
                                   via=VIA)  # fmt: skip
        _audit("programmes.listing_published", actor, programme, again=True)
    listing.refresh_from_db()
    return listing


@transaction.atomic
def programme_listing_update(*, actor: User, programme: Programme, details: ListingDetails) -> ListingUpdate:
    """Change what the listing says. A vetted listing that changed goes back for vetting: the curators vet what the
    public reads. Nothing changed: nothing happens."""
    programme = _locked(programme)
    _check_runs(actor, programme)
    listing = programme.listing
    if listing is None or listing.status == Listing.Status.DELISTED:
        raise Conflict(_("The programme is not in the directory: publish it first."))
    if programme.status != Programme.Status.ACTIVE:
        raise Conflict(_("The programme is closed: withdraw its listing rather than change it."))
    was_vetted = listing.status == Listing.Status.VETTED
    changed = directory.listing_resubmit(actor=actor, organisation=programme.organisation, listing=listing,
                                         data=_listing_data(actor, programme, details), via=VIA)  # fmt: skip
    if changed:
        _audit("programmes.listing_updated", actor, programme, fields=sorted(changed), resubmitted=was_vetted)
    return ListingUpdate(changed=changed, resubmitted=was_vetted and bool(changed))


@transaction.atomic
def programme_listing_withdraw(*, actor: User, programme: Programme) -> Listing:
    """Take the programme out of the directory at once, whatever its vetting; it can be published again later.
    Closing a programme should call this too."""
    programme = _locked(programme)
    _check_runs(actor, programme)
    listing = programme.listing
    if listing is None or listing.status == Listing.Status.DELISTED:
        raise Conflict(_("The programme is not in the directory."))
    listing = directory.listing_withdraw(actor=actor, organisation=programme.organisation, listing=listing,
                                         reason=withdrawn_reason())  # fmt: skip
    _audit("programmes.listing_withdrawn", actor, programme)
    return listing


# --- What the programme page says ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingSection:
    """The programme's place in the directory, in words, for its coordinators."""

    listing: Listing | None
    status: str
    is_public: bool
    in_directory: bool  # submitted, in review or vetted: it can be updated or withdrawn
    may_publish: bool


def listing_section(programme: Programme) -> ListingSection:
    listing = programme.listing
    active = programme.status == Programme.Status.ACTIVE
    if listing is None:
        status = _("Not in the directory.") if active else _("Not in the directory: the programme is closed.")
        return ListingSection(None, status, is_public=False, in_directory=False, may_publish=active)
    state = listing_state(listing)
    curator = listing.curator.name if listing.curator is not None else ""
    if listing.status == Listing.Status.SUBMITTED:
        status = _("Submitted: waiting for a curator to vet it. It is not in the public directory yet.")
    elif listing.status == Listing.Status.IN_REVIEW:
        status = _("In review by %(curator)s. It is not in the public directory yet.") % {"curator": curator}
    elif listing.status == Listing.Status.VETTED:
        vetted_on = date_format(listing.last_vetted_on, "j F Y") if listing.last_vetted_on else ""
        status = _("Vetted by %(curator)s on %(date)s.") % {"curator": curator, "date": vetted_on}
        if state.hidden_since_lapse:
            status += " " + _("Its yearly re-review is overdue, so it no longer shows in the public directory.")
        elif state.rereview_due:
            status += " " + _("Its yearly re-review is due.")
    else:
        status = _("Delisted: %(reason)s") % {"reason": listing.status_reason or _("no reason was given.")}
    in_directory = listing.status != Listing.Status.DELISTED
    return ListingSection(listing, status, is_public=state.is_public, in_directory=in_directory,
                          may_publish=active and not in_directory)  # fmt: skip
