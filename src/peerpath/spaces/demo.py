"""Demo spaces for Riverside Health, made through the services (issue 5, "In make run's demo...").

- "Tuesday Tickers: POTS peer circle": weekly on Tuesdays at 19:00 London time, online, with ten months of meetings,
  attendance, notes and intro cards. It has fewer than 20 active members, so group health warns "below critical
  mass" and proposes merging with the smaller "POTS and EDS evening chat" space. Two members missed their last two
  meetings (one agreed to a peer supporter's check-in, which is waiting). The member persona (amber-fox) joined
  three weeks ago, so she is highlighted as new; the carer persona has asked to join.
- "Heart failure café": monthly, in person in Sheffield, so health warns of the gap risk. Members proposed topics for
  a clinician Q&A and the clinician persona has an invitation waiting at /sessions/.
The demo's past is made by moving dates back after the services ran: the services only ever act "now".
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction

from peerpath.accounts import services as accounts
from peerpath.accounts.models import Organisation, User
from peerpath.core.time import now
from peerpath.directory.models import Listing
from peerpath.spaces import meetings, services
from peerpath.spaces.meetings import ScheduleData
from peerpath.spaces.models import Meeting, Membership, Schedule, Space
from peerpath.spaces.services import IntroCardData, SessionData, SpaceData

PEERS = (
    "salt-and-sage", "wobbly-knees", "night-owl-jo", "compression-queen", "slow-walker", "tidal-tom",
    "bramble-bee", "quiet-harbour", "pacing-pete", "fern-gully", "kettle-on", "moonlit-mae", "river-reed",
    "sunny-side", "hazel-nut", "lantern-lu", "pebble-path",
)  # fmt: skip
CAFE_PEERS = ("teacup-tess", "harbour-hal", "bluebell-bea", "oak-and-ivy", "gentle-gus", "marmalade-meg")
RNG_SEED = 20261123


def _listing(organisation: Organisation, name: str) -> Listing:
    listing = Listing.objects.filter(name=name, curator=organisation, status=Listing.Status.VETTED).first()
    if listing is None:
        raise LookupError(f"the directory demo has no vetted listing {name!r} curated by {organisation}")
    return listing


def _peer(handle: str) -> User:
    return accounts.user_create(
        email=f"{handle}@peers.peerpath.demo", password=None, handle=handle, email_verified=True
    )


def _backdate_join(membership: Membership, joined: datetime) -> None:
    Membership.objects.filter(pk=membership.pk).update(joined_at=joined)


def _history(schedule: Schedule, weeks: int) -> list[Meeting]:
    meetings.meetings_materialise(schedule=schedule, since=now() - timedelta(weeks=weeks))
    return list(Meeting.objects.filter(schedule=schedule, starts_at__lt=now()).order_by("starts_at"))


@transaction.atomic
def load_spaces_demo(*, organisations: dict[str, Organisation], people: dict[str, User]) -> int:
    home = organisations["home"]
    organiser = people["coordinator"]
    rng = random.Random(RNG_SEED)  # noqa: S311 - demo data, not a secret
    moment = now()
    today = moment.date()

    # --- Tuesday Tickers: weekly, below critical mass --------------------------------------------------------
    pots = services.space_create(
        actor=organiser, organisation=home, listing=_listing(home, "Tuesday Tickers: POTS peer circle"),
        data=SpaceData(
            name="Tuesday Tickers: POTS peer circle",
            about="A friendly weekly video call for adults with POTS: pacing, salt, compression, work. Come as you "
            "are; cameras optional.",
            join_policy=Space.JoinPolicy.REQUEST,
        ),
    )  # fmt: skip
    weeks = 42
    first_tuesday = today - timedelta(weeks=weeks, days=(today.weekday() - 1) % 7)
    tuesdays = meetings.schedule_create(
        actor=organiser, space=pots, data=ScheduleData(
            title="Tuesday Tickers", rrule="FREQ=WEEKLY;BYDAY=TU", starts_on=first_tuesday, start_time=time(19, 0),
            duration=timedelta(minutes=75), timezone="Europe/London", mode=Schedule.Mode.ONLINE,
            join_url="https://meet.example.org/tuesday-tickers", capacity=30,
        ),
    )  # fmt: skip
    history = _history(tuesdays, weeks)
    peers = [_peer(handle) for handle in PEERS]
    moderator, member = people["moderator"], people["member"]
    cohort: list[tuple[User, int]] = []  # (person, index of the first meeting they could come to)
    for number, peer in enumerate(peers):
        membership = services.membership_join(user=peer, space=pots, reason="I was diagnosed with POTS.")
        services.membership_decide(actor=organiser, membership=membership, approve=True)
        start = 0 if number < 10 else rng.randrange(5, len(history) - 6)
        _backdate_join(membership, history[start].starts_at - timedelta(days=3))
        cohort.append((peer, start))
    moderation = services.membership_join(user=moderator, space=pots, reason="Volunteer moderator.")
    services.membership_decide(actor=organiser, membership=moderation, approve=True)
    services.membership_set_role(actor=organiser, membership=moderation, role=Membership.Role.MODERATOR)
    _backdate_join(moderation, history[0].starts_at - timedelta(days=7))
    priya = services.membership_join(user=member, space=pots, reason="My GP suggested a peer group.")
    services.membership_decide(actor=organiser, membership=priya, approve=True)
    _backdate_join(priya, moment - timedelta(days=20))
    services.membership_set_preferences(
        user=member, space=pots, remind_day_before=True, remind_hour_before=True, peer_check_in_ok=True,
        timezone="Europe/London",
    )  # fmt: skip
    services.intro_card_save(user=member, space=pots, data=IntroCardData(
        lived_with="new", hoping_for="Tips for working days and getting through the afternoon slump.",
        can_offer="I'm good at finding research summaries in plain English.", avoid_topics="Weight.",
    ))  # fmt: skip
    cards = (
        ("5_10", "Company on the bad weeks.", "Salt-loading recipes that are actually edible.", ""),
        ("1_5", "Ideas for talking to my employer.", "I've been through an occupational health referral.", ""),
        ("10_plus", "To keep learning.", "Ten years of pacing experience.", "Diet talk."),
        ("new", "Someone who gets it.", "", ""),
    )
    for peer, card in zip(peers, cards, strict=False):
        services.intro_card_save(user=peer, space=pots, data=IntroCardData(*card))
    # Attendance: most regulars come most weeks, the room thins out over the year (a falling trend).
    missing = {peers[3].pk, peers[7].pk}  # missed the last two meetings
    # This member agreed to a check-in and shared an e-mail for it (reserved example domain: nothing is ever sent).
    services.membership_set_preferences(
        user=peers[3], space=pots, remind_day_before=True, remind_hour_before=False, peer_check_in_ok=True,
        check_in_email=f"{peers[3].handle}.check-in@example.org",
    )  # fmt: skip
    for index, meeting in enumerate(history):
        keen = 0.85 - 0.35 * index / len(history)
        present = [moderator.pk] if index % 3 else []
        for number, (peer, start) in enumerate(cohort):
            if index < start or (peer.pk in missing and index >= len(history) - 2):
                continue
            if rng.random() < (keen if number < 12 else keen - 0.25):
                present.append(peer.pk)
        if index >= len(history) - 2:
            present.append(member.pk)
        meetings.attendance_set(actor=organiser, meeting=meeting, present=present)
    for meeting, (topics, resources, questions) in zip(history[-3:], DEMO_NOTES, strict=True):
        meetings.meeting_note_save(
            actor=organiser, meeting=meeting, topics=topics, resources=resources, open_questions=questions
        )
    services.check_in_request_create(actor=organiser, membership=Membership.objects.get(space=pots, user=peers[3]))
    upcoming = Meeting.objects.filter(schedule=tuesdays, starts_at__gt=moment).order_by("starts_at").first()
    if upcoming is not None:
        for peer in peers[:9]:
            meetings.rsvp_set(user=peer, meeting=upcoming, answer="going")
        meetings.rsvp_set(user=peers[10], meeting=upcoming, answer="maybe")
    services.membership_join(
        user=people["carer"], space=pots, reason="My daughter has POTS; I'd like to understand it better."
    )
    services.topic_propose(user=peers[0], space=pots, title="Heat and travel: coping with summer holidays")

    # --- POTS and EDS evening chat: the smaller space a merge could go to ------------------------------------
    eds = services.space_create(
        actor=organiser, organisation=home, listing=_listing(home, "POTS and EDS evening chat"),
        data=SpaceData(name="POTS and EDS evening chat", about="For people living with both POTS and hypermobile EDS.",
                       join_policy=Space.JoinPolicy.OPEN),
    )  # fmt: skip
    meetings.schedule_create(
        actor=organiser, space=eds, data=ScheduleData(
            title="Thursday evening chat", rrule="FREQ=WEEKLY;BYDAY=TH", starts_on=today, start_time=time(20, 0),
            duration=timedelta(minutes=60), timezone="Europe/London", join_url="https://meet.example.org/pots-eds",
        ),
    )  # fmt: skip
    for peer in peers[12:15]:
        services.membership_join(user=peer, space=eds)

    # --- Heart failure café: monthly in person, a clinician Q&A on the way -----------------------------------
    cafe = services.space_create(
        actor=organiser, organisation=home, listing=_listing(home, "Heart failure café"),
        data=SpaceData(name="Heart failure café", about="Tea and talk for people with heart failure in Sheffield.",
                       join_policy=Space.JoinPolicy.OPEN),
    )  # fmt: skip
    first_wednesday = (today.replace(day=1) - timedelta(days=150)).replace(day=1)
    monthly = meetings.schedule_create(
        actor=organiser, space=cafe, data=ScheduleData(
            title="Heart failure café", rrule="FREQ=MONTHLY;BYDAY=1WE", starts_on=first_wednesday,
            start_time=time(14, 0), duration=timedelta(minutes=90), timezone="Europe/London",
            mode=Schedule.Mode.IN_PERSON, place="Community room, Sheffield Central Library, Surrey Street",
            capacity=16,
        ),
    )  # fmt: skip
    cafe_history = _history(monthly, 26)
    cafe_peers = [_peer(handle) for handle in CAFE_PEERS]
    for peer in cafe_peers:
        _backdate_join(services.membership_join(user=peer, space=cafe), cafe_history[0].starts_at - timedelta(days=5))
    for meeting in cafe_history:
        present = [peer.pk for peer in cafe_peers if rng.random() < 0.7]
        meetings.attendance_set(actor=organiser, meeting=meeting, present=present)
    votes = {
        "Fluid limits in hot weather": cafe_peers[:5],
        "When to call the heart failure nurse": cafe_peers[:4],
        "Travel insurance with heart failure": cafe_peers[2:4],
    }
    proposals = []
    for title, voters in votes.items():
        proposal = services.topic_propose(user=voters[0], space=cafe, title=title)
        for voter in voters[1:]:
            services.topic_vote(user=voter, proposal=proposal, vote=True)
        proposals.append(proposal)
    session_day = today + timedelta(days=(2 - today.weekday()) % 7 + 14)
    services.clinician_session_create(
        actor=organiser, space=cafe, clinician=people["clinician"], proposals=proposals[:2],
        data=SessionData(
            starts_at=datetime.combine(session_day, time(15, 30), tzinfo=meetings.recurrence.zone("Europe/London")),
            duration=timedelta(minutes=45), mode=Schedule.Mode.IN_PERSON,
            place="Community room, Sheffield Central Library, Surrey Street",
        ),
    )  # fmt: skip
    return Space.objects.filter(organisation=home).count()


DEMO_NOTES = (
    (
        "Pacing on work days; compression garments that don't itch.",
        "POTS UK's employer leaflet; the pacing diary template salt-and-sage shared.",
        "Does anyone's occupational health service know about POTS?",
    ),
    (
        "Salt and fluids: what works for whom. Getting through GP appointments.",
        "A list of electrolyte drinks people use (members' experience, not advice).",
        "Questions to bring to the cardiology clinic: we could ask a clinician in a Q&A.",
    ),
    (
        "Introductions from two new members (see their intro cards). Winter and cold hands.",
        "The group's reading list on the space page.",
        "Would people like a daytime meeting once a month as well?",
    ),
)


def demo_space_guide(site: str) -> list[str]:
    """What to try in the demo spaces, for the sign-in banner (empty when the spaces demo is not loaded)."""
    pots = Space.objects.filter(name="Tuesday Tickers: POTS peer circle").first()
    if pots is None:
        return []
    upcoming = Meeting.objects.filter(space=pots, starts_at__gt=now(), status=Meeting.Status.SCHEDULED).first()
    lines = [
        f"  {site}/spaces/{pots.pk}/  a weekly group with ten months of meetings (member@, as amber-fox)",
        f"  {site}/spaces/{pots.pk}/health/  its group health and warnings (coordinator@ or moderator@)",
        f"  {site}/sessions/  a clinician Q&A invitation (clinician@); {site}/spaces/check-ins/  (peer-supporter@)",
    ]
    if upcoming is not None:
        lines.insert(1, f"  {site}/spaces/{pots.pk}/meetings/{upcoming.pk}/  its next meeting")
    return lines
