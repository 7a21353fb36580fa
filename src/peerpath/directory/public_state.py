"""Where a listing stands for the public, in words a reviewer reads at a glance."""

from __future__ import annotations

from dataclasses import dataclass

from peerpath.directory.models import Listing
from peerpath.directory.selectors import today


@dataclass(frozen=True)
class ListingState:
    is_public: bool
    rereview_due: bool
    hidden_since_lapse: bool


def listing_state(listing: Listing) -> ListingState:
    day = today()
    hidden_after = listing.hidden_after()
    lapsed = listing.status == Listing.Status.VETTED and hidden_after is not None and hidden_after < day
    return ListingState(
        is_public=listing.status == Listing.Status.VETTED and not lapsed,
        rereview_due=listing.rereview_is_due(day),
        hidden_since_lapse=lapsed,
    )
