"""Gates for the directory: the listing page, the review pages, suggested edits.

Each returns the object or raises Http404: the same answer for "missing" and "not yours".
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from peerpath.audit.services import record_denied
from peerpath.core.access import uuid_or_404
from peerpath.directory.models import EditSuggestion, Listing
from peerpath.directory.selectors import (
    listing_with_details,
    public_listings,
    reviewable_listings,
    reviewable_suggestions,
    visible_listings,
)


def access_listing(user: Any, listing_id: Any) -> Listing:
    """A listing page: public once vetted; reviewers also see their own unpublished ones.

    A miss is not audited: the directory is public, and an anonymous visitor must not be able to fill the audit
    trail by asking for ids that do not exist.
    """
    listing = listing_with_details(visible_listings(user)).filter(pk=uuid_or_404(listing_id)).first()
    if listing is None:
        raise Http404
    return listing


def access_public_listing(listing_id: Any) -> Listing:
    """A listing anyone may see (suggesting an edit, the API)."""
    listing = listing_with_details(public_listings()).filter(pk=uuid_or_404(listing_id)).first()
    if listing is None:
        raise Http404
    return listing


def access_listing_for_review(user: Any, listing_id: Any) -> Listing:
    """A listing this coordinator or admin may review: their organisation's, or a submission nobody has taken."""
    listing = listing_with_details(reviewable_listings(user)).filter(pk=uuid_or_404(listing_id)).first()
    if listing is None:
        record_denied(actor=user, object_type="directory.listing", object_id=str(listing_id))
        raise Http404
    return listing


def access_edit_suggestion(user: Any, suggestion_id: Any) -> EditSuggestion:
    suggestion = reviewable_suggestions(user).filter(pk=uuid_or_404(suggestion_id)).first()
    if suggestion is None:
        record_denied(actor=user, object_type="directory.editsuggestion", object_id=str(suggestion_id))
        raise Http404
    return suggestion
