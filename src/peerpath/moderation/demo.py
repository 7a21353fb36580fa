"""The demo's crisis post (issue 15 "Done means"): a post that may be from someone in crisis, waiting at the top of
the space's queue for a moderator to open it and record that the person was reached.

Called by the forum's demo after its own queue (`forum/demo.py`): `load_crisis_demo(space=pots, author=authors[7])`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from peerpath.forum import services as forum
from peerpath.moderation.crisis_work import crisis_item_path
from peerpath.moderation.models import QueueItem
from peerpath.moderation.selectors import crisis_items
from peerpath.moderation.services import alert_crisis, open_item

CRISIS_TITLE = "I don't think I can keep going"
CRISIS_BODY = (
    "Sorry to post this here. The fainting is every day now and I can't work. I've saved up my tablets and I want "
    "to end it all tonight. I just wanted to say thank you to everyone in this group."
)


@transaction.atomic
def load_crisis_demo(*, space: Any, author: Any) -> QueueItem:
    """Post the demo's crisis thread as `author` in `space`; screening flags it urgent and alerts the moderators. The
    item is made urgent by hand only if the installed detectors miss it (a demo must show the workflow)."""
    outcome = forum.thread_create(author=author, space=space, title=CRISIS_TITLE, body=CRISIS_BODY)
    post = outcome.post
    item = crisis_items().filter(post=post, status=QueueItem.Status.OPEN).first()
    if item is None:  # pragma: no cover - the shipped detectors catch it; a missing model still runs the rules
        item = open_item(post=post, source=QueueItem.Source.SCREENING, category="crisis", urgent=True)
        alert_crisis(post=post)
    return item


def demo_crisis_guide(site: str) -> list[str]:
    """The banner's line for the demo's crisis item (empty when it is not loaded or already dealt with)."""
    item = crisis_items().filter(post__thread__title=CRISIS_TITLE, status=QueueItem.Status.OPEN).first()
    if item is None:
        return []
    return [f"  {site}{crisis_item_path(item.pk)}  a crisis post waiting: reach out and record what happened "
            "(moderator@, coordinator@)"]  # fmt: skip
