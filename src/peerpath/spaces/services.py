"""Every change to spaces, memberships, intro cards, clinician sessions, calendar feeds and check-in requests:
atomic and audited (issue 5). Meetings, RSVPs and attendance are in `meetings.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerpath.accounts.models import Organisation, User
from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.accounts.selectors import roles_in
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.directory.models import Listing
from peerpath.prescriptions.models import Prescription
from peerpath.spaces import reach, recurrence, tasks, tokens
from peerpath.spaces.common import (
    active_membership,
    audit_event,
    check_runs,
    clean_text,
    enqueue_on_commit,
)
from peerpath.spaces.models import (
    CalendarFeed,
    CheckInRequest,
    IntroCard,
    Meeting,
    Membership,
    Space,
    TopicProposal,
    TopicVote,
)

Status = Membership.Status
SpaceRole = Membership.Role


def _membership_for_update(space: Space, user: User) -> Membership | None:
    return Membership.objects.select_for_update().filter(space=space, user=user).first()


def _check_moderates(actor: User, space: Space) -> Membership | None:
    """Moderating a space (removing a member for breaking its rules, issue 6 point 10): its organisers and
    moderators, and the host's moderators, coordinators and admins. Returns the actor's membership."""
    membership = Membership.objects.filter(space=space, user=actor, status=Status.ACTIVE).first()
    if membership is not None and membership.is_leader:
        return membership
    if {Role.MODERATOR, *ORG_MANAGER_ROLES} & roles_in(actor, space.organisation_id):
        return membership
    raise PermissionDenied(_("Only the space's organisers and moderators can do that."))


def _check_voice(user: User, space: Space) -> Membership:
    membership = active_membership(user, space)
    if not membership.has_voice:
        raise PermissionDenied(_("Listeners attend and read; they do not post, propose topics or vote."))
    return membership


# --- Spaces ----------------------------------------------------------------------------------------------------


@dataclass
class SpaceData:
    name: str
    about: str = ""
    join_policy: str = Space.JoinPolicy.REQUEST
    is_public: bool = True
    timezone: str = "Europe/London"

    def validate(self) -> None:
        self.name = clean_text(self.name, limit=200, field="name", label=_("A name"), required=True)
        self.about = clean_text(self.about, limit=3000, field="about", label=_("About"))
        if self.join_policy not in Space.JoinPolicy.values:
            raise DomainError(_("Choose how people join."), field="join_policy")
        recurrence.zone(self.timezone)


@transaction.atomic
def space_create(*, actor: User, organisation: Organisation, listing: Listing, data: SpaceData) -> Space:
    """A coordinator or admin hosts a group of a listing their organisation curates; they become its organiser."""
    if not ORG_MANAGER_ROLES & roles_in(actor, organisation.pk):
        raise PermissionDenied(_("Only the organisation's coordinators and admins can start a space."))
    if listing.curator_id != organisation.pk:
        raise PermissionDenied(_("A space can only be hosted for a listing your organisation curates."))
    if Space.objects.filter(listing=listing).exists():
        raise Conflict(_("This listing already has a space."), field="listing")
    data.validate()
    space = Space.objects.create(
        organisation=organisation,
        listing=listing,
        name=data.name,
        about=data.about,
        join_policy=data.join_policy,
        is_public=data.is_public,
        timezone=data.timezone,
        created_by=actor,
    )
    moment = now()
    Membership.objects.create(
        space=space,
        user=actor,
        role=SpaceRole.ORGANISER,
        status=Status.ACTIVE,
        via=Membership.Via.FOUNDER,
        joined_at=moment,
    )
    audit_event("space.created", actor=actor, space=space, listing=str(listing.pk))
    return space


@transaction.atomic
def space_update(*, actor: User, space: Space, data: SpaceData) -> Space:
    check_runs(actor, space)
    data.validate()
    before = {field: getattr(space, field) for field in ("name", "join_policy", "is_public", "timezone")}
    space.name, space.about, space.join_policy = data.name, data.about, data.join_policy
    space.is_public, space.timezone = data.is_public, data.timezone
    space.save(update_fields=["name", "about", "join_policy", "is_public", "timezone", "updated_at"])
    changed = [field for field, value in before.items() if getattr(space, field) != value]
    audit_event("space.updated", actor=actor, space=space, changed=changed)
    return space


# --- Membership ------------------------------------------------------------------------------------------------


def has_prescription_for(user: User, space: Space) -> bool:
    """A running prescription for this space's listing lets a person in whatever the join policy (issue 5 point 1)."""
    return Prescription.objects.filter(
        patient__user=user, listing_id=space.listing_id, status__in=Prescription.OPEN_STATUSES
    ).exists()


@transaction.atomic
def membership_join(*, user: User, space: Space, reason: str = "") -> Membership:
    """Join an open space, ask to join one by request (with a short reason), or come in by invitation or
    prescription. Returns the membership: active, or requested."""
    reason = clean_text(reason, limit=500, field="reason", label=_("Your reason"))
    existing = _membership_for_update(space, user)
    if existing is not None:
        if existing.status == Status.ACTIVE:
            raise Conflict(_("You are already a member of this space."))
        if existing.status == Status.REMOVED:
            raise PermissionDenied(_("An organiser removed you from this space; contact them to come back."))
        if existing.status == Status.REQUESTED:
            raise Conflict(_("You have already asked to join; an organiser will answer."))
        if existing.status == Status.INVITED:
            return membership_accept_invitation(user=user, space=space)
    if space.archived_at is not None:
        raise Conflict(_("This space has closed."))
    prescribed = has_prescription_for(user, space)
    if prescribed:
        status, via = Status.ACTIVE, Membership.Via.PRESCRIPTION
    elif space.join_policy == Space.JoinPolicy.OPEN:
        status, via = Status.ACTIVE, Membership.Via.OPEN
    elif space.join_policy == Space.JoinPolicy.REQUEST:
        if not reason:
            raise DomainError(_("Say in a few words why you would like to join."), field="reason")
        status, via = Status.REQUESTED, Membership.Via.REQUEST
    else:
        raise PermissionDenied(_("This space takes members by invitation or prescription only."))
    moment = now()
    fields = {
        "status": status,
        "via": via,
        "role": SpaceRole.MEMBER,
        "request_reason": reason if status == Status.REQUESTED else "",
        "joined_at": moment if status == Status.ACTIVE else None,
        "ended_at": None,
        "removal_reason": "",
        "decided_by": None,
    }
    if existing is None:
        membership = Membership.objects.create(space=space, user=user, **fields)
    else:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        membership = existing
    audit_event(
        "space.joined" if status == Status.ACTIVE else "space.join_requested",
        actor=user,
        space=space,
        target=membership,
        via=via,
    )
    return membership


@transaction.atomic
def membership_decide(*, actor: User, membership: Membership, approve: bool) -> Membership:
    """An organiser approves or declines a request to join."""
    space = membership.space
    check_runs(actor, space)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != Status.REQUESTED:
        raise Conflict(_("This request has already been answered."))
    membership.status = Status.ACTIVE if approve else Status.DECLINED
    membership.decided_by = actor
    membership.joined_at = now() if approve else None
    membership.save(update_fields=["status", "decided_by", "joined_at", "updated_at"])
    audit_event(
        "space.request_approved" if approve else "space.request_declined", actor=actor, space=space, target=membership
    )
    enqueue_on_commit(tasks.send_request_decided, str(membership.pk))
    return membership


@transaction.atomic
def membership_invite(*, actor: User, space: Space, user: User, role: str = SpaceRole.MEMBER) -> Membership:
    """An organiser invites a person (found by e-mail or handle) to join."""
    check_runs(actor, space)
    if role not in SpaceRole.values:
        raise DomainError(_("Choose a role."), field="role")
    existing = _membership_for_update(space, user)
    if existing is not None and existing.status in (Status.ACTIVE, Status.INVITED):
        raise Conflict(_("That person is already a member or invited."), field="person")
    if existing is None:
        membership = Membership.objects.create(
            space=space, user=user, role=role, status=Status.INVITED, via=Membership.Via.INVITATION, decided_by=actor
        )
    else:
        existing.status, existing.role, existing.via, existing.decided_by = (
            Status.INVITED,
            role,
            Membership.Via.INVITATION,
            actor,
        )
        existing.removal_reason, existing.ended_at = "", None
        existing.save()
        membership = existing
    audit_event("space.member_invited", actor=actor, space=space, target=membership, role=role)
    enqueue_on_commit(tasks.send_invitation, str(membership.pk))
    return membership


@transaction.atomic
def membership_accept_invitation(*, user: User, space: Space) -> Membership:
    membership = _membership_for_update(space, user)
    if membership is None or membership.status != Status.INVITED:
        raise Conflict(_("There is no invitation to accept."))
    membership.status, membership.joined_at = Status.ACTIVE, now()
    membership.save(update_fields=["status", "joined_at", "updated_at"])
    audit_event("space.invitation_accepted", actor=user, space=space, target=membership)
    return membership


def _check_not_last_organiser(membership: Membership) -> None:
    if membership.role != SpaceRole.ORGANISER:
        return
    others = Membership.objects.filter(
        space_id=membership.space_id, role=SpaceRole.ORGANISER, status=Status.ACTIVE
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise Conflict(_("A space needs an organiser: make another member organiser first."))


@transaction.atomic
def membership_leave(*, user: User, space: Space) -> Membership:
    membership = _membership_for_update(space, user)
    if membership is None or membership.status not in (Status.ACTIVE, Status.REQUESTED, Status.INVITED):
        raise Conflict(_("You are not a member of this space."))
    _check_not_last_organiser(membership)
    was = membership.status
    membership.status, membership.ended_at = Status.LEFT, now()
    membership.save(update_fields=["status", "ended_at", "updated_at"])
    _release_future_seats(membership)
    audit_event("space.left", actor=user, space=space, target=membership, was=was)
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership, reason: str) -> Membership:
    """An organiser or a moderator removes a member, with a reason that is kept in the audit log (issue 5 point 1,
    issue 6 point 10). Only those who run the space remove one of its organisers or moderators."""
    space = membership.space
    _check_moderates(actor, space)
    reason = clean_text(reason, limit=500, field="reason", label=_("A reason"), required=True)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != Status.ACTIVE:
        raise Conflict(_("Only a current member can be removed."))
    if membership.user_id == actor.pk:
        raise Conflict(_("To leave the space yourself, use Leave."))
    if membership.role in Membership.LEADER_ROLES:
        check_runs(actor, space)
    _check_not_last_organiser(membership)
    membership.status, membership.ended_at, membership.removal_reason = Status.REMOVED, now(), reason
    membership.save(update_fields=["status", "ended_at", "removal_reason", "updated_at"])
    _release_future_seats(membership)
    audit_event("space.member_removed", actor=actor, space=space, target=membership, reason=reason)
    return membership


def _release_future_seats(membership: Membership) -> None:
    """A member who leaves gives up their seats at future meetings, so those waiting move up."""
    from peerpath.spaces.meetings import rsvp_withdraw_all

    rsvp_withdraw_all(user=membership.user, space=membership.space)


@transaction.atomic
def membership_set_role(*, actor: User, membership: Membership, role: str) -> Membership:
    space = membership.space
    check_runs(actor, space)
    if role not in SpaceRole.values:
        raise DomainError(_("Choose a role."), field="role")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != Status.ACTIVE:
        raise Conflict(_("Only a current member can be given a role."))
    if role != SpaceRole.ORGANISER:
        _check_not_last_organiser(membership)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_event("space.role_changed", actor=actor, space=space, target=membership, old=before, new=role)
    return membership


@transaction.atomic
def membership_set_preferences(
    *,
    user: User,
    space: Space,
    remind_day_before: bool,
    remind_hour_before: bool,
    peer_check_in_ok: bool,
    timezone: str = "",
    check_in_phone: str | None = None,
    check_in_email: str | None = None,
) -> Membership:
    """The member's own settings for one space. With a peer supporter check-in agreed, they may also share a phone
    and an e-mail for it (None keeps what they shared); withdrawing the agreement blanks both and calls off a
    check-in still waiting, in the same transaction."""
    membership = active_membership(user, space)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if timezone:
        recurrence.zone(timezone)
    phone, email = membership.check_in_phone, membership.check_in_email
    if check_in_phone is not None:
        phone = reach.clean_phone(check_in_phone, field="check_in_phone")
    if check_in_email is not None:
        email = reach.clean_email(check_in_email, field="check_in_email")
    membership.timezone = timezone
    if not peer_check_in_ok:
        # Consent withdrawn: a check-in still waiting is called off at once (issue 5 point 6), and the ways to reach
        # the member shared for it are forgotten.
        CheckInRequest.objects.filter(membership=membership, status=CheckInRequest.Status.OPEN).update(
            status=CheckInRequest.Status.CANCELLED, handled_at=now(), updated_at=now()
        )
        phone = email = ""
    membership.remind_day_before = remind_day_before
    membership.remind_hour_before = remind_hour_before
    membership.peer_check_in_ok = peer_check_in_ok
    membership.check_in_phone, membership.check_in_email = phone, email
    membership.save(
        update_fields=["remind_day_before", "remind_hour_before", "peer_check_in_ok", "timezone", "check_in_phone",
                       "check_in_email", "updated_at"]
    )  # fmt: skip
    audit_event(
        "space.preferences_changed",
        actor=user,
        space=space,
        target=membership,
        remind_day_before=remind_day_before,
        remind_hour_before=remind_hour_before,
        peer_check_in_ok=peer_check_in_ok,
        check_in_phone_shared=bool(phone),
        check_in_email_shared=bool(email),
    )
    return membership


# --- Intro cards -----------------------------------------------------------------------------------------------


@dataclass
class IntroCardData:
    lived_with: str = ""
    hoping_for: str = ""
    can_offer: str = ""
    avoid_topics: str = ""

    def validate(self) -> None:
        if self.lived_with not in IntroCard.LivedWith.values:
            raise DomainError(_("Choose how long you have lived with it."), field="lived_with")
        self.hoping_for = clean_text(self.hoping_for, limit=300, field="hoping_for", label=_("What you would like"))
        self.can_offer = clean_text(self.can_offer, limit=300, field="can_offer", label=_("What you can offer"))
        self.avoid_topics = clean_text(self.avoid_topics, limit=300, field="avoid_topics", label=_("Topics to avoid"))


@transaction.atomic
def intro_card_save(*, user: User, space: Space, data: IntroCardData) -> IntroCard:
    """A member writes or rewrites their intro card; an empty card is removed."""
    membership = active_membership(user, space)
    data.validate()
    card = IntroCard.objects.filter(membership=membership).first()
    values = {
        "lived_with": data.lived_with,
        "hoping_for": data.hoping_for,
        "can_offer": data.can_offer,
        "avoid_topics": data.avoid_topics,
    }
    if card is None:
        card = IntroCard.objects.create(membership=membership, **values)
    else:
        for name, value in values.items():
            setattr(card, name, value)
        card.save()
    audit_event("space.intro_card_saved", actor=user, space=space, target=card)
    return card


# --- Clinician sessions (seed 003) -----------------------------------------------------------------------------


@transaction.atomic
def topic_propose(*, user: User, space: Space, title: str, detail: str = "") -> TopicProposal:
    _check_voice(user, space)
    title = clean_text(title, limit=160, field="title", label=_("A topic"), required=True)
    detail = clean_text(detail, limit=1000, field="detail", label=_("The detail"))
    if TopicProposal.objects.filter(space=space, title__iexact=title, status=TopicProposal.Status.OPEN).exists():
        raise Conflict(_("That topic is already proposed: vote for it instead."), field="title")
    proposal = TopicProposal.objects.create(space=space, proposed_by=user, title=title, detail=detail)
    TopicVote.objects.create(proposal=proposal, user=user)
    audit_event("space.topic_proposed", actor=user, space=space, target=proposal)
    return proposal


@transaction.atomic
def topic_vote(*, user: User, proposal: TopicProposal, vote: bool) -> TopicProposal:
    """Vote for a topic, or take the vote back. Listeners cannot vote (issue 5, Bad input)."""
    _check_voice(user, proposal.space)
    if proposal.status != TopicProposal.Status.OPEN:
        raise Conflict(_("Voting on this topic has closed."))
    if vote:
        try:
            with transaction.atomic():
                TopicVote.objects.create(proposal=proposal, user=user)
        except IntegrityError:
            pass  # voting twice is voting once
    else:
        TopicVote.objects.filter(proposal=proposal, user=user).delete()
    audit_event(
        "space.topic_voted" if vote else "space.topic_unvoted", actor=user, space=proposal.space, target=proposal
    )
    return proposal


def clinicians_welcome(space: Space) -> bool:
    """Spaces that chose "clinicians never take part" cannot invite one (issue 5 point 7; seed 003's
    Sugarbuddies stays clinician-free)."""
    return space.listing.clinician_participation != Listing.ClinicianParticipation.NEVER


@dataclass
class SessionData:
    starts_at: datetime
    duration: timedelta
    mode: str
    join_url: str = ""
    place: str = ""
    title: str = ""


@transaction.atomic
def clinician_session_create(
    *, actor: User, space: Space, clinician: User, proposals: list[TopicProposal], data: SessionData
) -> Meeting:
    """An organiser invites a clinician to a Q&A session on the top topics; the session is a meeting with the
    clinician as guest."""
    from peerpath.spaces.meetings import MeetingData, meeting_create_one_off

    check_runs(actor, space)
    if not clinicians_welcome(space):
        raise PermissionDenied(_("This space chose that clinicians never take part, so it cannot invite one."))
    if not clinician.is_active or not clinician.role_assignments.filter(role=Role.CLINICIAN).exists():
        raise DomainError(_("Only someone who holds the clinician role can be invited."), field="clinician")
    if not proposals:
        raise DomainError(_("Choose at least one topic for the session."), field="topics")
    if any(proposal.space_id != space.pk or proposal.status != TopicProposal.Status.OPEN for proposal in proposals):
        raise DomainError(_("Choose open topics of this space."), field="topics")
    title = data.title.strip() or _("Q&A with a clinician: %(topics)s") % {
        "topics": "; ".join(proposal.title for proposal in proposals)
    }
    meeting = meeting_create_one_off(
        actor=actor,
        space=space,
        data=MeetingData(
            title=title[:120],
            starts_at=data.starts_at,
            duration=data.duration,
            mode=data.mode,
            join_url=data.join_url,
            place=data.place,
        ),
        kind=Meeting.Kind.CLINICIAN_SESSION,
    )
    meeting.guest, meeting.guest_status = clinician, Meeting.GuestStatus.INVITED
    meeting.save(update_fields=["guest", "guest_status", "updated_at"])
    TopicProposal.objects.filter(pk__in=[proposal.pk for proposal in proposals]).update(
        status=TopicProposal.Status.SCHEDULED, session=meeting
    )
    audit_event(
        "space.clinician_invited",
        actor=actor,
        space=space,
        target=meeting,
        clinician=str(clinician.pk),
        topics=[str(proposal.pk) for proposal in proposals],
    )
    enqueue_on_commit(tasks.send_guest_invitation, str(meeting.pk))
    return meeting


@transaction.atomic
def guest_respond(*, user: User, meeting: Meeting, accept: bool) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("space__organisation").get(pk=meeting.pk)
    if meeting.guest_id != user.pk:
        raise PermissionDenied(_("Only the invited clinician can answer this invitation."))
    if meeting.is_cancelled:
        raise Conflict(_("This session was cancelled."))
    if meeting.ends_at <= now():
        raise Conflict(_("This session is over."))
    meeting.guest_status = Meeting.GuestStatus.ACCEPTED if accept else Meeting.GuestStatus.DECLINED
    meeting.sequence += 1
    meeting.save(update_fields=["guest_status", "sequence", "updated_at"])
    audit_event(
        "space.guest_accepted" if accept else "space.guest_declined", actor=user, space=meeting.space, target=meeting
    )
    return meeting


# --- Calendar feeds --------------------------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_for(*, user: User) -> CalendarFeed:
    """The member's live feed, made on first use."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user, revoked_at__isnull=True).first()
    if feed is not None:
        return feed
    return _new_feed(user)


def _new_feed(user: User) -> CalendarFeed:
    feed = CalendarFeed(user=user, nonce=tokens.new_nonce())
    feed.token_hash = tokens.digest(tokens.feed_token(feed.pk, feed.nonce))
    feed.save()
    record(action="calendar_feed.created", actor=user, target=feed)
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> CalendarFeed:
    """Revoke the live feed URL (a calendar that still has it gets 404) and make a new one."""
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now())
    record(action="calendar_feed.revoked", actor=user, object_type="spaces.calendarfeed", object_id=str(user.pk))
    return _new_feed(user)


# A feed is fetched by every subscribed client every hour or so: its last use is written at most this often.
FEED_LAST_USED_EVERY = timedelta(hours=1)
_FEED_TOKEN = re.compile(r"[0-9a-f]{40}")


def calendar_feed_open(token: str) -> CalendarFeed | None:
    """The live feed a calendar client asks for, or None for a wrong, revoked or disabled-account token (one indexed
    query: only the token's hash is stored). Notes its last use, at most hourly."""
    if not _FEED_TOKEN.fullmatch(token):
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=tokens.digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    moment = now()
    if feed is not None and (feed.last_used_at is None or moment - feed.last_used_at >= FEED_LAST_USED_EVERY):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=moment)
        feed.last_used_at = moment
    return feed


def feed_url(feed: CalendarFeed) -> str:
    return tokens.site_url(f"/calendar/{tokens.feed_token(feed.pk, feed.nonce)}.ics")


# --- After missed meetings -------------------------------------------------------------------------------------


@transaction.atomic
def missed_you_send(*, actor: User, membership: Membership) -> None:
    """The organiser sends a gentle "we missed you" to a member who missed their last two meetings; once per
    missed meeting."""
    from peerpath.spaces.health import missed_last_two

    space = membership.space
    check_runs(actor, space)
    if membership.status != Status.ACTIVE:
        raise Conflict(_("Only current members get this message."))
    last = missed_last_two(space, membership)
    if last is None:
        raise Conflict(_("This member has not missed their last two meetings."))
    audit_event("space.missed_you_sent", actor=actor, space=space, target=membership)
    enqueue_on_commit(tasks.send_missed_you, str(membership.pk), str(last.pk))


@transaction.atomic
def check_in_request_create(*, actor: User, membership: Membership) -> CheckInRequest:
    """Ask the host's peer supporters to check in on a member, only where the member agreed to that."""
    space = membership.space
    check_runs(actor, space)
    if membership.status != Status.ACTIVE:
        raise Conflict(_("Only current members can be checked in on."))
    if not membership.peer_check_in_ok:
        raise PermissionDenied(_("This member has not agreed to a check-in by a peer supporter."))
    if CheckInRequest.objects.filter(membership=membership, status=CheckInRequest.Status.OPEN).exists():
        raise Conflict(_("A check-in for this member is already waiting for a peer supporter."))
    request = CheckInRequest.objects.create(membership=membership, requested_by=actor)
    audit_event("space.check_in_requested", actor=actor, space=space, target=request)
    enqueue_on_commit(tasks.send_check_in_requested, str(request.pk))
    return request


@transaction.atomic
def check_in_request_close(*, actor: User, request: CheckInRequest, done: bool) -> CheckInRequest:
    """A peer supporter (or coordinator) of the host records that they checked in, or cancels the request."""
    request = CheckInRequest.objects.select_for_update().select_related("membership__space").get(pk=request.pk)
    space = request.membership.space
    if not {Role.PEER_SUPPORTER, *ORG_MANAGER_ROLES} & roles_in(actor, space.organisation_id):
        raise PermissionDenied(_("Only the host's peer supporters and coordinators can do that."))
    if request.status != CheckInRequest.Status.OPEN:
        raise Conflict(_("This check-in has already been closed."))
    request.status = CheckInRequest.Status.DONE if done else CheckInRequest.Status.CANCELLED
    request.handled_by, request.handled_at = actor, now()
    request.save(update_fields=["status", "handled_by", "handled_at", "updated_at"])
    audit_event("space.check_in_closed", actor=actor, space=space, target=request, done=done)
    return request
