"""The gates' refusals that pages reach rarely (SECURITY.md figure 15: every line of every access.py is tested)."""

from __future__ import annotations

import uuid

import pytest
from django.http import Http404

from peerpath.directory.models import Listing
from peerpath.spaces import access
from peerpath.spaces.tests.helpers import next_meeting, weekly_space

pytestmark = pytest.mark.django_db


def test_a_meeting_of_a_space_no_longer_public_is_404_for_a_non_member_and_shown_to_a_member(world):
    space, _schedule = weekly_space(world)
    meeting = next_meeting(space)
    Listing.objects.filter(pk=space.listing_id).update(status=Listing.Status.IN_REVIEW)
    with pytest.raises(Http404):
        access.access_meeting(world.people["carer"], space.pk, meeting.pk)
    with pytest.raises(Http404):
        access.access_meeting(None, space.pk, meeting.pk)
    assert access.access_meeting(world.people["member"], space.pk, meeting.pk).meeting == meeting


def test_a_membership_of_another_space_or_none_is_404_for_an_organiser(world):
    space, _schedule = weekly_space(world)
    other, _other_schedule = weekly_space(world, name="Another circle")
    stranger = other.memberships.get(user=world.people["member"])
    for membership_id in (stranger.pk, uuid.uuid4()):
        with pytest.raises(Http404):
            access.access_membership_to_manage(world.people["coordinator"], space.pk, membership_id)
    mine = space.memberships.get(user=world.people["member"])
    viewer, found = access.access_membership_to_manage(world.people["coordinator"], space.pk, mine.pk)
    assert found == mine and viewer.runs_space
