"""A coordinator publishes their programme in the directory by keyboard, fixes a refused form, and withdraws the
listing; every page on the way has no serious or critical accessibility violation (SECURITY.md figure 14)."""

from __future__ import annotations

import pytest

from peerpath.directory.models import Listing
from peerpath.directory.tests.helpers import condition
from peerpath.programmes.tests.helpers import programme
from peerpath.testing.browser import axe_violations, describe, staff_sign_in
from peerpath.testing.personas import make_world

pytestmark = pytest.mark.browser


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}:\n{describe(violations)}"


def test_a_coordinator_publishes_and_withdraws_the_programme_by_keyboard(axe_page):
    world = make_world()
    summary = "Volunteers who live with diabetes call and walk with people newly diagnosed."
    scheme = programme(world, conditions=[condition("type 2 diabetes")], channels=["phone", "walk"], summary=summary)
    page = axe_page
    staff_sign_in(page, world.people["coordinator"])
    page.goto(f"/programmes/{scheme.pk}/")
    assert page.get_by_role("heading", name="Directory listing").is_visible()
    assert_accessible(page)

    # By keyboard: type into each field, choose with the arrow keys, send with Enter. No contact yet: refused.
    page.get_by_label("Public summary").focus()
    page.keyboard.press("End")
    page.keyboard.type(" Ask your GP.")
    page.get_by_label("By referral").focus()
    page.keyboard.press("ArrowUp")  # to "Ask to join"
    page.get_by_label("Area, town or city").focus()
    page.keyboard.type("Leeds")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish in the directory").press("Enter")
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert page.get_by_text("Give an e-mail address or a phone number for enquiries, or both.").first.is_visible()
    assert_accessible(page)
    assert not Listing.objects.exists()

    page.get_by_label("Phone number for enquiries").focus()
    page.keyboard.type("01632 960 123")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish in the directory").press("Enter")
    assert page.get_by_text("Sent to the directory's curators.").is_visible()
    listing = Listing.objects.get()
    assert (listing.status, listing.join_method, listing.city) == ("submitted", "request", "Leeds")
    assert listing.summary.endswith("Ask your GP.")
    assert_accessible(page)

    page.get_by_role("link", name="Withdraw from the directory").press("Enter")
    page.wait_for_url(f"**/programmes/{scheme.pk}/listing/withdraw/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Withdraw from the directory").press("Enter")
    assert page.get_by_text("Withdrawn: it no longer appears in the directory.").is_visible()
    listing.refresh_from_db()
    assert (listing.status, listing.status_reason) == ("delisted", "Withdrawn by the programme")
    assert page.get_by_role("button", name="Publish it again").is_visible()
