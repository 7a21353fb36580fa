"""Background work of the forum."""

from __future__ import annotations

from django_tasks import task


@task()
def follow_digest() -> int:
    """The daily e-mail digest of replies in followed threads (queued daily by `peerpath run_scheduler`)."""
    from peerpath.forum.digest import send_follow_digests

    return send_follow_digests()
