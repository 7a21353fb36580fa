"""A buddy match from start to first hello, in a real browser: a member fills in their profile and agrees to be
matched; the coordinator runs the matcher and sends the proposal; each side reads the intro card (a pseudonym and the
reasons, nothing identifying) and accepts; the match page shows each other's handle; they write to each other in
their private conversation and both read it. axe-core finds no serious or critical violation on the card or on the
match page (SECURITY.md figure 14)."""

from __future__ import annotations

import pytest
from django.core import mail

from peerpath.matching.models import Match, Proposal
from peerpath.matching.proposals import pseudonym
from peerpath.matching.tests.helpers import buddy_programme, profile
from peerpath.programmes.tests.helpers import supporter
from peerpath.testing.browser import axe_violations, describe, sign_in, staff_sign_in
from peerpath.testing.personas import PERSONA_PASSWORD, make_world

pytestmark = pytest.mark.browser

MEMBER_ABOUT = "Diagnosed in March and still learning the pump."
MENTOR_ABOUT = "Ten years with a pump; I still remember the first month."
HELLO = "Hello! How are the first weeks with the pump going?"
REPLY = "Thank you for writing. Evenings are the hardest."


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}:\n{describe(violations)}"


def link_for(email: str) -> str:
    """The link in the newest e-mail to this person (mail.outbox is shared with the live server's thread)."""
    body = next(str(message.body) for message in reversed(mail.outbox) if message.to == [email])
    return next(word for word in body.split() if word.startswith("http"))


def test_two_people_are_matched_accept_and_say_hello(axe_page, browser_context_factory, live_server, settings):
    settings.SITE_URL = live_server.url  # the e-mailed links point at this server
    world = make_world()
    scheme = buddy_programme(world)
    supporter(world, scheme)
    mentor, member = world.people["peer_supporter"], world.people["member"]
    profile(mentor, scheme, role="mentor", about=MENTOR_ABOUT)

    # The member fills in their profile and agrees to be matched.
    member_tab = browser_context_factory(base_url=live_server.url).new_page()
    sign_in(member_tab, member.email, PERSONA_PASSWORD)
    member_tab.goto("/matching/")
    with member_tab.expect_navigation():
        member_tab.get_by_role("link", name="Diabetes buddies").click()
    member_tab.get_by_label("Messages").check()
    member_tab.get_by_label("A few words about you, for your introduction").fill(MEMBER_ABOUT)
    member_tab.get_by_label("I agree to be matched").check()
    with member_tab.expect_navigation():
        member_tab.get_by_role("button", name="Save my profile").click()
    assert member_tab.get_by_text("you are in the matching pool", exact=False).first.is_visible()

    # The coordinator runs the matcher and sends the one proposal to both.
    coordinator = axe_page
    staff_sign_in(coordinator, world.people["coordinator"])
    coordinator.goto(f"/matching/{scheme.pk}/runs/")
    with coordinator.expect_navigation():
        coordinator.get_by_role("button", name="Run matching now").click()
    mail.outbox.clear()
    with coordinator.expect_navigation():
        coordinator.get_by_role("button", name="Send to both").click()
    proposal = Proposal.objects.get(programme=scheme)
    assert proposal.status == Proposal.Status.OFFERED

    # The member finds the suggestion on their buddy page: a pseudonym and the reasons, nothing of the mentor.
    member_tab.goto("/matching/")
    with member_tab.expect_navigation():
        member_tab.get_by_role("link", name="Read and answer").click()
    assert member_tab.get_by_role("heading", name="A buddy suggested for you").is_visible()
    assert member_tab.get_by_text(pseudonym(proposal, "mentor")).first.is_visible()
    assert member_tab.get_by_text("Both speak English").is_visible()
    assert member_tab.get_by_text("Nothing about you is shared until you both accept.").is_visible()
    card_text = member_tab.locator("main").inner_text()
    assert mentor.handle not in card_text and MENTOR_ABOUT not in card_text
    assert_accessible(member_tab)
    with member_tab.expect_navigation():
        member_tab.get_by_role("button", name="Accept", exact=True).click()
    assert member_tab.get_by_text("Thank you: you accepted.").is_visible()

    # The mentor opens the e-mailed link, signs in with their second factor, and accepts: the match begins.
    mentor_tab = browser_context_factory(base_url=live_server.url).new_page()
    staff_sign_in(mentor_tab, mentor)
    mentor_tab.goto(link_for(mentor.email))
    assert mentor_tab.get_by_text(pseudonym(proposal, "mentee")).first.is_visible()
    assert MEMBER_ABOUT not in mentor_tab.locator("main").inner_text()
    with mentor_tab.expect_navigation():
        mentor_tab.get_by_role("button", name="Accept", exact=True).click()
    match = Match.objects.get(proposal=proposal)
    assert mentor_tab.get_by_role("heading", name=f"Your buddy {member.handle}").is_visible()
    assert mentor_tab.get_by_text(MEMBER_ABOUT).is_visible()
    assert_accessible(mentor_tab)

    # The mentor says hello in their private conversation.
    with mentor_tab.expect_navigation():
        mentor_tab.get_by_role("link", name="Open your conversation").click()
    mentor_tab.get_by_label("Your message").fill(HELLO)
    with mentor_tab.expect_navigation():
        mentor_tab.get_by_role("button", name="Send", exact=True).click()
    assert mentor_tab.get_by_text(HELLO).is_visible()

    # The member finds their buddy on their page, reads the hello and answers; the mentor reads the answer.
    member_tab.goto("/matching/")
    with member_tab.expect_navigation():
        member_tab.get_by_role("link", name=mentor.handle).click()
    assert member_tab.get_by_text(MENTOR_ABOUT).is_visible()
    assert_accessible(member_tab)
    with member_tab.expect_navigation():
        member_tab.get_by_role("link", name="Open your conversation").click()
    assert member_tab.get_by_text(HELLO).is_visible()
    member_tab.get_by_label("Your message").fill(REPLY)
    with member_tab.expect_navigation():
        member_tab.get_by_role("button", name="Send", exact=True).click()
    assert member_tab.get_by_text(REPLY).is_visible()
    mentor_tab.reload()
    assert mentor_tab.get_by_text(REPLY).is_visible()
    match.refresh_from_db()
    assert match.first_contact_at is not None
    for tab in (member_tab, mentor_tab):
        tab.context.close()  # before the live server stops: no request of these tabs left open
