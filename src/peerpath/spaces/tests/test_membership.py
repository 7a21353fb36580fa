"""Membership rules through the services (issue 5 points 1 and 2): joining by each policy, requests, invitations,
prescriptions, leaving, removal with a reason, the last organiser, intro cards and preferences."""

from __future__ import annotations

import pytest

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.prescriptions.tests.helpers import accepted
from peerpath.spaces import services
from peerpath.spaces.models import IntroCard, Membership, Space
from peerpath.spaces.services import IntroCardData
from peerpath.spaces.tests.helpers import join, space
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db
Status = Membership.Status
Role = Membership.Role


def _status(user, a_space) -> str | None:
    found = Membership.objects.filter(user=user, space=a_space).first()
    return None if found is None else found.status


# --- Joining -----------------------------------------------------------------------------------------------------


def test_anyone_signed_in_joins_an_open_space_at_once(world):
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    membership = services.membership_join(user=world.people["carer"], space=a_space)
    assert membership.status == Status.ACTIVE and membership.role == Role.MEMBER
    assert membership.via == Membership.Via.OPEN and membership.joined_at is not None
    assert AuditEvent.objects.filter(action="space.joined", object_id=str(membership.pk)).exists()


def test_joining_twice_is_refused_clearly(world):
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    services.membership_join(user=world.people["carer"], space=a_space)
    with pytest.raises(Conflict, match="already a member"):
        services.membership_join(user=world.people["carer"], space=a_space)


def test_a_request_needs_a_reason_and_waits_for_an_organiser(world):
    a_space = space(world, join_policy=Space.JoinPolicy.REQUEST)
    carer = world.people["carer"]

    with pytest.raises(DomainError, match="why you would like to join") as refused:
        services.membership_join(user=carer, space=a_space, reason="   ")
    assert refused.value.field == "reason"
    assert _status(carer, a_space) is None  # nothing half-saved

    membership = services.membership_join(user=carer, space=a_space, reason="I care for my wife.")
    assert membership.status == Status.REQUESTED and membership.request_reason == "I care for my wife."
    with pytest.raises(Conflict, match="already asked"):
        services.membership_join(user=carer, space=a_space, reason="Again")

    services.membership_decide(actor=world.people["coordinator"], membership=membership, approve=True)
    assert _status(carer, a_space) == Status.ACTIVE
    assert AuditEvent.objects.filter(action="space.request_approved", object_id=str(membership.pk)).exists()


def test_a_reason_longer_than_500_characters_is_refused(world):
    a_space = space(world, join_policy=Space.JoinPolicy.REQUEST)
    with pytest.raises(DomainError, match="at most 500"):
        services.membership_join(user=world.people["carer"], space=a_space, reason="x" * 501)
    assert _status(world.people["carer"], a_space) is None


def test_a_declined_request_can_be_made_again(world):
    a_space = space(world, join_policy=Space.JoinPolicy.REQUEST)
    carer = world.people["carer"]
    first = services.membership_join(user=carer, space=a_space, reason="Hello")
    services.membership_decide(actor=world.people["coordinator"], membership=first, approve=False)
    assert _status(carer, a_space) == Status.DECLINED
    with pytest.raises(Conflict, match="already been answered"):
        services.membership_decide(actor=world.people["coordinator"], membership=first, approve=True)
    again = services.membership_join(user=carer, space=a_space, reason="I would still like to come.")
    assert again.status == Status.REQUESTED


def test_an_invitation_only_space_refuses_people_without_an_invitation(world):
    a_space = space(world, join_policy=Space.JoinPolicy.INVITATION)
    with pytest.raises(PermissionDenied, match="invitation or prescription only"):
        services.membership_join(user=world.people["carer"], space=a_space, reason="Please")
    assert _status(world.people["carer"], a_space) is None


def test_an_invited_person_joins_by_accepting_with_the_role_they_were_offered(world):
    a_space = space(world, join_policy=Space.JoinPolicy.INVITATION)
    carer = world.people["carer"]
    services.membership_invite(actor=world.people["coordinator"], space=a_space, user=carer, role=Role.LISTENER)
    assert _status(carer, a_space) == Status.INVITED
    with pytest.raises(Conflict, match="already a member or invited"):
        services.membership_invite(actor=world.people["coordinator"], space=a_space, user=carer)

    membership = services.membership_join(user=carer, space=a_space)
    assert membership.status == Status.ACTIVE and membership.role == Role.LISTENER
    assert membership.via == Membership.Via.INVITATION


def test_declining_an_invitation_leaves_no_membership(world):
    a_space = space(world, join_policy=Space.JoinPolicy.INVITATION)
    carer = world.people["carer"]
    services.membership_invite(actor=world.people["coordinator"], space=a_space, user=carer)
    services.membership_leave(user=carer, space=a_space)
    assert _status(carer, a_space) == Status.LEFT
    with pytest.raises(Conflict, match="no invitation"):
        services.membership_accept_invitation(user=carer, space=a_space)


def test_a_prescription_lets_a_patient_into_an_invitation_only_space(world):
    a_space = space(world, join_policy=Space.JoinPolicy.INVITATION)
    member = world.people["member"]
    accepted(world, listing=a_space.listing)
    membership = services.membership_join(user=member, space=a_space)
    assert membership.status == Status.ACTIVE and membership.via == Membership.Via.PRESCRIPTION
    # Someone else without a prescription is still refused.
    with pytest.raises(PermissionDenied):
        services.membership_join(user=world.people["carer"], space=a_space)


def test_only_organisers_and_the_hosts_managers_answer_requests_and_invite(world):
    a_space = space(world, join_policy=Space.JoinPolicy.REQUEST)
    request = services.membership_join(user=world.people["carer"], space=a_space, reason="Hello")
    member = join(world.people["member"], a_space, organiser=world.people["coordinator"])
    assert member.status == Status.ACTIVE
    for somebody in (world.people["member"], world.people["clinician"], world.people["outsider"]):
        with pytest.raises(PermissionDenied):
            services.membership_decide(actor=somebody, membership=request, approve=True)
        with pytest.raises(PermissionDenied):
            services.membership_invite(actor=somebody, space=a_space, user=world.people["peer_supporter"])
    # The host's admin is not a member but runs the space as its organisation's manager.
    services.membership_decide(actor=world.people["admin"], membership=request, approve=True)
    assert _status(world.people["carer"], a_space) == Status.ACTIVE


# --- Leaving and removal -----------------------------------------------------------------------------------------


def test_a_member_can_leave_and_join_again(world):
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    carer = world.people["carer"]
    services.membership_join(user=carer, space=a_space)
    services.membership_leave(user=carer, space=a_space)
    assert _status(carer, a_space) == Status.LEFT
    assert AuditEvent.objects.filter(action="space.left", actor=carer).exists()
    with pytest.raises(Conflict, match="not a member"):
        services.membership_leave(user=carer, space=a_space)
    assert services.membership_join(user=carer, space=a_space).status == Status.ACTIVE


def test_removal_needs_a_reason_and_is_audited(world):
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    membership = services.membership_join(user=world.people["carer"], space=a_space)
    organiser = world.people["coordinator"]

    with pytest.raises(DomainError, match="A reason is needed") as refused:
        services.membership_remove(actor=organiser, membership=membership, reason="  ")
    assert refused.value.field == "reason"
    assert _status(world.people["carer"], a_space) == Status.ACTIVE

    services.membership_remove(actor=organiser, membership=membership, reason="Repeated product promotion.")
    membership.refresh_from_db()
    assert membership.status == Status.REMOVED and membership.removal_reason == "Repeated product promotion."
    event = AuditEvent.objects.get(action="space.member_removed", object_id=str(membership.pk))
    assert event.actor == organiser and event.details["reason"] == "Repeated product promotion."


def test_a_member_cannot_remove_another(world):
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    target = services.membership_join(user=world.people["carer"], space=a_space)
    services.membership_join(user=world.people["member"], space=a_space)
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=world.people["member"], membership=target, reason="I do not like them")
    assert _status(world.people["carer"], a_space) == Status.ACTIVE


def test_a_removed_person_cannot_rejoin_on_their_own(world):
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    membership = services.membership_join(user=world.people["carer"], space=a_space)
    services.membership_remove(actor=world.people["coordinator"], membership=membership, reason="Abusive posts.")
    with pytest.raises(PermissionDenied, match="removed you"):
        services.membership_join(user=world.people["carer"], space=a_space)
    assert _status(world.people["carer"], a_space) == Status.REMOVED


def test_the_last_organiser_cannot_leave_or_be_demoted_until_there_is_another(world):
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    founder = world.people["coordinator"]
    own = Membership.objects.get(space=a_space, user=founder)
    assert own.role == Role.ORGANISER

    with pytest.raises(Conflict, match="needs an organiser"):
        services.membership_leave(user=founder, space=a_space)
    with pytest.raises(Conflict, match="needs an organiser"):
        services.membership_set_role(actor=founder, membership=own, role=Role.MEMBER)
    assert _status(founder, a_space) == Status.ACTIVE

    other = services.membership_join(user=world.people["peer_supporter"], space=a_space)
    services.membership_set_role(actor=founder, membership=other, role=Role.ORGANISER)
    services.membership_leave(user=founder, space=a_space)
    assert _status(founder, a_space) == Status.LEFT
    event = AuditEvent.objects.get(action="space.role_changed", object_id=str(other.pk))
    assert event.details == {"old": "member", "new": "organiser"}


def test_an_organiser_cannot_remove_themselves(world):
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    founder = world.people["coordinator"]
    services.membership_join(user=world.people["peer_supporter"], space=a_space)
    own = Membership.objects.get(space=a_space, user=founder)
    with pytest.raises(Conflict, match="use Leave"):
        services.membership_remove(actor=founder, membership=own, reason="Stepping down")


def test_an_unknown_role_is_refused(world):
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    membership = services.membership_join(user=world.people["carer"], space=a_space)
    with pytest.raises(DomainError, match="Choose a role"):
        services.membership_set_role(actor=world.people["coordinator"], membership=membership, role="king")


# --- Intro cards and preferences ---------------------------------------------------------------------------------


def test_a_member_writes_and_rewrites_their_intro_card(world):
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    carer = world.people["carer"]
    services.membership_join(user=carer, space=a_space)
    data = IntroCardData(lived_with="carer", hoping_for="  Tips on pacing  ", can_offer="Recipes")
    card = services.intro_card_save(user=carer, space=a_space, data=data)
    assert card.hoping_for == "Tips on pacing" and card.lived_with == "carer"
    services.intro_card_save(user=carer, space=a_space, data=IntroCardData(avoid_topics="Politics"))
    card.refresh_from_db()
    assert card.avoid_topics == "Politics" and card.hoping_for == "" and IntroCard.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (IntroCardData(hoping_for="x" * 301), "hoping_for"),
        (IntroCardData(can_offer="x" * 301), "can_offer"),
        (IntroCardData(avoid_topics="x" * 301), "avoid_topics"),
        (IntroCardData(lived_with="forever"), "lived_with"),
    ],
)
def test_intro_card_limits_are_refused_and_nothing_is_saved(world, data, field):
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    services.membership_join(user=world.people["carer"], space=a_space)
    with pytest.raises(DomainError) as refused:
        services.intro_card_save(user=world.people["carer"], space=a_space, data=data)
    assert refused.value.field == field
    assert not IntroCard.objects.exists()


def test_only_members_have_an_intro_card(world):
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    with pytest.raises(PermissionDenied, match="Only members"):
        services.intro_card_save(user=make_user("stranger"), space=a_space, data=IntroCardData(can_offer="Hi"))


def test_preferences_are_the_members_own_and_refuse_an_unknown_time_zone(world):
    a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
    carer = world.people["carer"]
    services.membership_join(user=carer, space=a_space)
    with pytest.raises(DomainError, match="time zone"):
        services.membership_set_preferences(
            user=carer,
            space=a_space,
            remind_day_before=True,
            remind_hour_before=True,
            peer_check_in_ok=True,
            timezone="Mars/Olympus",
        )
    services.membership_set_preferences(
        user=carer,
        space=a_space,
        remind_day_before=False,
        remind_hour_before=True,
        peer_check_in_ok=True,
        timezone="America/New_York",
    )
    membership = Membership.objects.get(user=carer, space=a_space)
    assert (membership.remind_day_before, membership.remind_hour_before, membership.peer_check_in_ok) == (
        False,
        True,
        True,
    )
    assert membership.timezone == "America/New_York"
