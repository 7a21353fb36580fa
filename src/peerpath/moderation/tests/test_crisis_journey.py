"""Issue 15's crisis journey in a real browser: a member posts a crisis message → a moderator opens it from the alert
and lands on the crisis item, reaches out with the kind message and records that the person is safe (by keyboard)
→ the clinician it was passed to sees it handled; the writer reads the message. axe-core on every new page."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from peerpath.moderation.models import CrisisOutcome, QueueItem, SupportMessage
from peerpath.moderation.tests.test_actions import make_group
from peerpath.testing.browser import axe_violations, describe, sign_in, staff_sign_in
from peerpath.testing.personas import PERSONA_PASSWORD, make_world

# No django_db mark: the live server's transactional database (see test_queue_pages.py).
pytestmark = pytest.mark.browser

TITLE = "I don't think I can keep going"
BODY = (
    "The fainting is every day now and I can't work. I've saved up my tablets and I want to end it all tonight. "
    "Thank you to everyone in this group."
)
EXTRA = "I'm here this evening if you want to talk."


def _assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}\n{describe(violations)}"


def test_a_crisis_post_is_reached_recorded_safe_and_seen_handled_by_the_clinician(browser_context_factory, live_server):
    world = make_world()
    group = make_group(world)
    writer, moderator, clinician = group.member, world.people["moderator"], world.people["clinician"]

    # The member posts words of crisis from the composer.
    member = browser_context_factory(base_url=live_server.url).new_page()
    sign_in(member, writer.email, PERSONA_PASSWORD)
    member.goto(reverse("thread_create", kwargs={"space_id": group.space.pk}))
    member.get_by_label("Title", exact=True).fill(TITLE)
    member.get_by_label("Your post", exact=True).fill(BODY)
    mail.outbox.clear()
    with member.expect_navigation():
        member.get_by_role("button", name="Post thread").click()
    item = QueueItem.objects.get(post__thread__title=TITLE, status=QueueItem.Status.OPEN)
    assert item.is_crisis

    # The host's moderator opens the alert and lands on the crisis item, not the thread.
    [alert] = [message for message in mail.outbox if message.to == [moderator.email]]
    [link] = re.findall(r"https?://\S+/moderation/crisis/\S+/", alert.body)
    tab = browser_context_factory(base_url=live_server.url).new_page()
    staff_sign_in(tab, moderator)
    tab.goto(urlsplit(link).path)
    assert tab.get_by_role("heading", level=1).inner_text().endswith("A post that may be from someone in crisis")
    assert tab.get_by_text("The fainting is every day now").is_visible()
    assert tab.get_by_role("link", name=TITLE).is_visible()
    _assert_accessible(tab)

    # They reach out: the kind message is there to start from; they add a line of their own.
    tab.get_by_label("Reached out to the writer").check()
    message = tab.get_by_label("Message to the writer (sent privately in PeerPath)")
    assert "You are not alone" in message.input_value()
    message.fill(f"{message.input_value()} {EXTRA}")
    tab.get_by_label("Note for the other moderators").fill("Sent the check-in message.")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Record what happened").click()
    assert tab.get_by_text("Your message is sent to the writer, privately.").is_visible()

    # They pass it to the host's clinicians, then record "safe" with the keyboard alone.
    tab.get_by_label("Passed to a clinician").check()
    tab.get_by_label("Note for the other moderators").fill("Asking the GP team to follow up.")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Record what happened").click()
    tab.get_by_label("The person says they are safe").focus()
    tab.keyboard.press("Space")
    tab.get_by_label("Note for the other moderators").focus()
    tab.keyboard.type("They replied that they are safe and with their sister tonight.")
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.textContent.trim()") == "Record what happened"
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.get_by_text("Recorded: the person says they are safe.").is_visible()
    assert list(CrisisOutcome.objects.filter(item=item).values_list("kind", flat=True)) == [
        "reached_out", "passed_to_clinician", "safe",
    ]  # fmt: skip
    item.refresh_from_db()
    assert item.status == QueueItem.Status.RESOLVED
    _assert_accessible(tab)  # with the outcomes listed

    # The clinician sees it handled: in their escalated list, and on the item with what happened.
    doctor = browser_context_factory(base_url=live_server.url).new_page()
    staff_sign_in(doctor, clinician)
    doctor.goto(reverse("escalated_posts"))
    card = doctor.get_by_test_id("escalated-crisis")
    assert card.get_by_text("Last recorded: The person says they are safe").is_visible()
    _assert_accessible(doctor)
    with doctor.expect_navigation():
        card.get_by_role("link", name=re.compile("Open the crisis item")).click()
    outcomes = doctor.get_by_test_id("crisis-outcomes")
    assert outcomes.get_by_text("The person says they are safe").is_visible()
    assert doctor.get_by_text("Dealt with").first.is_visible()
    _assert_accessible(doctor)

    # The writer reads the message, privately.
    assert SupportMessage.objects.get(recipient=writer).body.endswith(EXTRA)
    member.goto(reverse("support_messages"))
    assert member.get_by_text(EXTRA).is_visible()
    _assert_accessible(member)
    for page in (member, tab, doctor):
        page.context.close()
