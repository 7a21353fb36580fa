"""Background work of the forum."""

from __future__ import annotations

from django_tasks import task


@task()
def follow_digest() -> int:
    """The daily e-mail digest of replies in followed threads (queued daily by `peerpath run_scheduler`)."""
    from peerpath.forum.digest import send_follow_digests

    return send_follow_digests()


@task()
def check_facts(post_id: str, digest: str) -> bool:
    """Match a newly published post against the fact-check list (queued when the post is saved)."""
    from peerpath.forum.services import post_fact_check

    return post_fact_check(post_id=post_id, digest=digest)
