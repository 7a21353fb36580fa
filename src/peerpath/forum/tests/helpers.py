"""Forum test set-up, through the services: the weekly space of spaces/tests/helpers.py with a few threads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from peerpath.accounts.models import User
from peerpath.core.time import now
from peerpath.forum import services
from peerpath.forum.models import Post, Thread
from peerpath.spaces.models import Membership, Space
from peerpath.spaces.tests.helpers import weekly_space
from peerpath.testing.personas import World


def forum_space(world: World, **kwargs: Any) -> Space:
    """The weekly space (coordinator organises, member joined two days ago, so no new-member limits); its forum is
    members-only."""
    a_space, _schedule = weekly_space(world, **kwargs)
    settle(a_space)
    return a_space


def settle(a_space: Space, days: int = 2) -> None:
    """Everyone in the space joined `days` ago: past the new-member limits (issue 6 point 6)."""
    Membership.objects.filter(space=a_space).update(joined_at=now() - timedelta(days=days))


def thread(author: User, a_space: Space, title: str = "Pacing on work days", body: str = "How do you pace?") -> Thread:
    outcome = services.thread_create(author=author, space=a_space, title=title, body=body)
    return outcome.post.thread


def reply(author: User, a_thread: Thread, body: str = "I plan rest breaks before I need them.") -> Post:
    return services.post_reply(author=author, thread=a_thread, body=body).post
