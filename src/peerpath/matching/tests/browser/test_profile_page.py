"""A member fills in their buddy profile on a phone, by keyboard: a refused form says what to fix and saves nothing,
the fixed one with the consent box ticked puts them in the pool, and the coordinator sees them there. axe-core finds
no serious or critical violation on the profile page, refused or saved, nor on the pool page (SECURITY.md figure 14).
"""

from __future__ import annotations

import pytest

from peerpath.matching.models import MatchProfile
from peerpath.matching.pool import load_pool
from peerpath.matching.tests.helpers import buddy_programme
from peerpath.testing.browser import axe_violations, describe, sign_in, staff_sign_in
from peerpath.testing.personas import PERSONA_PASSWORD, make_world

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}:\n{describe(violations)}"


def test_a_member_fills_in_their_profile_by_keyboard_and_joins_the_pool(axe_page, browser_context_factory, live_server):
    world = make_world()
    scheme = buddy_programme(world)
    member = world.people["member"]
    phone_context = browser_context_factory(base_url=live_server.url, **PHONE)
    phone = phone_context.new_page()
    sign_in(phone, member.email, PERSONA_PASSWORD)
    phone.goto("/matching/")
    with phone.expect_navigation():
        phone.get_by_role("link", name="Diabetes buddies").click()
    assert phone.get_by_role("heading", name="Your buddy profile").is_visible()
    assert phone.get_by_text("Your buddy sees this after you both accept.").first.is_visible()
    assert_accessible(phone)

    # By keyboard: no language ticked and a distance without meeting in person: refused, nothing saved.
    phone.get_by_label("English").focus()
    phone.keyboard.press("Space")
    phone.get_by_label("Messages").focus()
    phone.keyboard.press("Space")
    phone.get_by_label("How far you would travel to meet, in km, only if you would meet in person").fill("10")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Save my profile").press("Enter")
    assert phone.get_by_role("heading", name="There is a problem").is_visible()
    assert not MatchProfile.objects.exists()
    assert_accessible(phone)

    phone.get_by_label("How far you would travel to meet, in km, only if you would meet in person").fill("")
    phone.get_by_label("English").focus()
    phone.keyboard.press("Space")
    phone.get_by_label("A few words about you, for your introduction").fill("Two years with a pump, still learning.")
    phone.get_by_label("I agree to be matched").focus()
    phone.keyboard.press("Space")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Save my profile").press("Enter")
    if phone.get_by_role("heading", name="There is a problem").count():
        raise AssertionError(phone.locator(".nhsuk-error-summary").inner_text())
    assert phone.get_by_text("Your profile is saved and you are in the matching pool.").is_visible()
    (mentee,), _mentors = load_pool(scheme)
    assert mentee.languages == frozenset({"en"}) and mentee.formats == frozenset({"text"})
    assert_accessible(phone)
    phone_context.close()  # before the live server stops: no request of this tab left open

    staff_sign_in(axe_page, world.people["coordinator"])
    axe_page.goto(f"/matching/{scheme.pk}/pool/")
    assert axe_page.get_by_role("cell", name=member.handle, exact=True).is_visible()
    assert_accessible(axe_page)
