"""What screening knows about a post besides its words (issue 15 point 4): links to a vetted listing's own website
are never promotion, and a new account posting link after link to other sites is."""

from __future__ import annotations

from datetime import timedelta

import pytest

from peerpath.accounts.models import User
from peerpath.core.time import now
from peerpath.directory.selectors import public_listings
from peerpath.moderation.services import screen_text
from peerpath.moderation.tests.test_actions import make_group
from peerpath.screening.categories import Category

pytestmark = pytest.mark.django_db

LISTING_SITE = "https://www.pots-friends.example.org/meetings"


@pytest.fixture
def group(world):
    group = make_group(world)
    listing = group.space.listing
    listing.url = LISTING_SITE
    listing.save(update_fields=["url"])
    assert public_listings().filter(pk=listing.pk).exists()
    return group


def _new(user: User) -> User:
    User.objects.filter(pk=user.pk).update(date_joined=now() - timedelta(days=1))
    user.refresh_from_db()
    return user


def test_a_new_members_links_to_a_vetted_listings_site_are_not_promotion(group):
    author = _new(group.member)
    text = (
        "The group's own site has the dates: https://pots-friends.example.org/dates and "
        "https://www.pots-friends.example.org/join and https://pots-friends.example.org/faq"
    )
    result = screen_text(author=author, space=group.space, text=text)
    assert Category.PROMOTION not in result.categories

    # The same links once the listing is no longer in the public directory: a new account's run of links.
    type(group.space.listing).objects.filter(pk=group.space.listing.pk).update(status="delisted")
    result = screen_text(author=author, space=group.space, text=text)
    assert Category.PROMOTION in result.categories


def test_a_new_account_posting_link_after_link_to_another_site_is_promotion(group):
    author = _new(group.member)
    text = (
        "Look at https://great-remedies.example.net/a and https://great-remedies.example.net/b and "
        "https://great-remedies.example.net/c"
    )
    result = screen_text(author=author, space=group.space, text=text)
    assert Category.PROMOTION in result.categories


def test_a_settled_member_linking_one_ordinary_site_is_not_promotion(group):
    text = "This article helped me understand it: https://great-remedies.example.net/pots-explained"
    result = screen_text(author=group.member, space=group.space, text=text)
    assert Category.PROMOTION not in result.categories
