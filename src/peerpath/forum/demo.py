"""Demo forums (issue 6, "In make run's demo..."): active threads with answers in the POTS space (three of them
public, so the POTS knowledge page has something), a public forum in the heart failure café, and a moderation queue
with work waiting: a new member's first post held, a promotion post held by screening, a misinformation post
published and flagged, a post hidden after three reports. Made through the services, then dated back.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from peerpath.accounts.models import User
from peerpath.core.time import now
from peerpath.forum import services
from peerpath.forum.models import Post, Thread
from peerpath.moderation import reports
from peerpath.moderation.claims import load_claims
from peerpath.moderation.demo import CRISIS_TITLE, demo_crisis_guide, load_crisis_demo
from peerpath.moderation.models import SpacePolicy
from peerpath.moderation.rules import DEFAULT_TEMPLATES
from peerpath.spaces.models import Membership, Space

# (title, opening post, [(author index, reply)], index of the reply marked as the answer or None, public)
POTS_THREADS = (
    (
        "How do you get through a work day without crashing by 3pm?",
        "I'm three months into my diagnosis and back at work. By mid-afternoon I'm grey and dizzy. What do other "
        "people do to get through the day?",
        [
            (1, "Salt and water before I leave the house, and I book a ten-minute lie-down in the first-aid room at "
                "lunch. My employer agreed once occupational health wrote it up."),
            (2, "Compression leggings made the biggest difference for me, plus sitting for tasks I used to stand "
                "for. I ask for a perching stool wherever I can."),
            (3, "Same here. I also moved my hardest work to the morning."),
        ],
        0,
        True,
    ),
    (
        "Tips for the first appointment at the cardiology clinic",
        "I finally have a referral. What should I bring or ask so it isn't wasted?",
        [
            (4, "Bring a two-week diary of your heart rate lying and standing, and what you were doing. It helped "
                "my consultant see the pattern quickly."),
            (5, "Write your three most important questions on paper and ask them first."),
        ],
        0,
        True,
    ),
    (
        "Hot weather is coming: what helps you?",
        "Last summer was awful. Any ideas before it starts?",
        [
            (6, "Cooling vest, cold drinks, and I plan errands for early morning."),
            (7, "A fan by the bed and cool showers. And I stop feeling guilty about cancelling things."),
        ],
        1,
        True,
    ),
    (
        "Telling friends what POTS is without a lecture",
        "How do you explain it in one sentence?",
        [(8, "I say my body forgets to push blood up when I stand, so I get faint. People get it.")],
        None,
        False,
    ),
)  # fmt: skip


def _age(thread: Thread, days: int) -> None:
    """Date a demo thread and its posts back, a few hours apart."""
    start = now() - timedelta(days=days)
    for number, post in enumerate(Post.objects.filter(thread=thread).order_by("created_at")):
        Post.objects.filter(pk=post.pk).update(created_at=start + timedelta(hours=3 * number))
    Thread.objects.filter(pk=thread.pk).update(last_activity_at=start + timedelta(hours=3 * thread.reply_count))


def _author(space: Space, handle: str) -> User:
    return Membership.objects.get(space=space, user__handle=handle).user


DEMO_CRISIS_TITLE = CRISIS_TITLE


@transaction.atomic
def load_forum_demo(*, people: dict[str, User]) -> int:
    pots = Space.objects.get(name="Tuesday Tickers: POTS peer circle")
    cafe = Space.objects.get(name="Heart failure café")
    organiser = people["coordinator"]
    # Demo members joined long ago, except where the demo wants a new member.
    Membership.objects.filter(space__in=[pots, cafe]).exclude(user=people["member"]).update(
        joined_at=now() - timedelta(days=60)
    )
    regulars = list(
        Membership.objects.filter(space=pots, status=Membership.Status.ACTIVE, role=Membership.Role.MEMBER)
        .exclude(user__in=[people["member"]])
        .select_related("user")
        .order_by("user__handle")
    )
    authors = [membership.user for membership in regulars]
    for days, (title, body, replies, answer, public) in zip((40, 25, 12, 5), POTS_THREADS, strict=True):
        asker = authors[0 if days > 20 else 9]
        thread = services.thread_create(author=asker, space=pots, title=title, body=body).post.thread
        posted = [services.post_reply(author=authors[index], thread=thread, body=text).post for index, text in replies]
        if answer is not None:
            services.answer_mark(actor=asker, thread=thread, post=posted[answer])
        for post in posted[:2]:
            for reactor in authors[10:14]:
                services.reaction_set(user=reactor, post=post, kind="helpful", on=True)
        if public:
            services.thread_set_public(actor=organiser, thread=thread, public=True)
        thread.refresh_from_db()
        _age(thread, days)
    services.forum_settings_update(actor=organiser, space=cafe, public=True)
    cafe_people = list(Membership.objects.filter(space=cafe, role=Membership.Role.MEMBER).select_related("user"))
    question = services.thread_create(
        author=cafe_people[0].user, space=cafe, title="Fluid limits in hot weather",
        body="My nurse says 1.5 litres a day. How do you manage when it's hot?",
    ).post.thread  # fmt: skip
    cafe_answer = services.post_reply(
        author=cafe_people[1].user, thread=question,
        body="I use a marked jug each morning so I can see what's left, and suck ice cubes (they count too). Worth "
        "asking your heart failure nurse what to do on very hot days.",
    ).post  # fmt: skip
    services.answer_mark(actor=cafe_people[0].user, thread=question, post=cafe_answer)
    _age(question, 9)

    # Screening at work: a known false claim published and flagged; a sales pitch held for review.
    load_claims()
    services.post_reply(
        author=authors[5], thread=Thread.objects.get(space=pots, title=POTS_THREADS[2][0]),
        body="My cousin keeps telling me POTS is just anxiety and I should push through. Maybe she is right?",
    )  # fmt: skip
    services.post_reply(
        author=authors[6], thread=Thread.objects.get(space=pots, title=POTS_THREADS[0][0]),
        body="Try SaltRush electrolyte sachets, 20% off with code POTS20 at saltrush-shop.example, DM me for more.",
    )  # fmt: skip
    # A post hidden after reports from three members, waiting for a moderator.
    heated = services.post_reply(
        author=authors[11], thread=Thread.objects.get(space=pots, title=POTS_THREADS[3][0]),
        body="Honestly if people don't get it they're idiots and you should stop wasting time on them.",
    ).post  # fmt: skip
    for reporter in authors[12:15]:
        reports.report_create(reporter=reporter, post=heated, reason="unkind", note="Not kind to others.")
    # The queue: a new member's first post held for review.
    SpacePolicy.objects.update_or_create(
        space=pots, defaults={"hold_first_posts": True, "rule_templates": list(DEFAULT_TEMPLATES)}
    )
    Membership.objects.filter(space=pots, user=people["member"]).update(joined_at=now() - timedelta(days=2))
    services.post_reply(
        author=people["member"], thread=Thread.objects.get(space=pots, title=POTS_THREADS[0][0]),
        body="Thank you all. I'm going to try the salt before work and ask about a stool at my desk.",
    )  # fmt: skip
    # A crisis post (issue 15 points 7 and 8), from the moderation app's demo: it waits at the top of the queue for a
    # moderator to record that the person was reached, and its writer (member@) sees the help lines, as tap-to-call
    # links, each time they come back to the thread for the next 14 days.
    load_crisis_demo(space=pots, author=people["member"])
    return Thread.objects.filter(space__in=[pots, cafe]).count()


def demo_forum_guide(site: str) -> list[str]:
    """What to try in the demo forums, for the sign-in banner (empty when the forum demo is not loaded)."""
    pots = Space.objects.filter(name="Tuesday Tickers: POTS peer circle").first()
    if pots is None or not Thread.objects.filter(space=pots).exists():
        return []
    return [
        f"  {site}/spaces/{pots.pk}/forum/  threads with answers (member@; three are public)",
        f"  {site}/knowledge/pots/  the public POTS knowledge page; {site}/search/?q=salt  search without signing in",
        f"  {site}/spaces/{pots.pk}/moderation/  held, flagged and reported posts (moderator@, coordinator@)",
        *(
            [f"  {site}/spaces/{pots.pk}/forum/{crisis.pk}/  a crisis thread: its writer (member@) sees the help lines"]
            if (crisis := Thread.objects.filter(space=pots, title=DEMO_CRISIS_TITLE).first()) is not None
            else []
        ),
        *demo_crisis_guide(site),
    ]
