"""Vetting in a real browser: someone suggests a group, a coordinator vets it, and it appears in the directory."""

from __future__ import annotations

import pytest

from peerpath.directory import services
from peerpath.directory.models import Criterion, Listing
from peerpath.directory.selectors import today
from peerpath.directory.tests.helpers import condition, submit, vetted
from peerpath.testing.browser import axe_violations, describe, staff_sign_in
from peerpath.testing.personas import make_world

pytestmark = pytest.mark.browser


def test_a_suggested_group_is_vetted_by_a_coordinator_and_appears_in_search(browser_context_factory, live_server):
    world = make_world()
    pots = condition("POTS")

    visitor = browser_context_factory(base_url=live_server.url).new_page()
    visitor.goto("/directory/")
    with visitor.expect_navigation():
        visitor.get_by_role("link", name="Know a group that is missing? Suggest it").click()
    visitor.get_by_label("Name of the group").fill("Saturday POTS walkers")
    visitor.get_by_label("What is it?").fill("A gentle walk and a chat for people with POTS.")
    visitor.get_by_label("Conditions").select_option(label=pots.name)
    visitor.get_by_label("Format").select_option(label="In person")
    visitor.get_by_label("Town or city").fill("Leeds")
    with visitor.expect_navigation():
        visitor.get_by_role("button", name="Send the suggestion").click()
    assert visitor.get_by_role("heading", level=1).inner_text().startswith("Thank you")
    visitor.goto("/directory/?q=POTS")
    assert visitor.get_by_text("Saturday POTS walkers").count() == 0  # not public until vetted

    coordinator = browser_context_factory(base_url=live_server.url).new_page()
    staff_sign_in(coordinator, world.people["coordinator"])
    with coordinator.expect_navigation():
        coordinator.get_by_role("link", name="Vetting").click()
    with coordinator.expect_navigation():
        coordinator.get_by_role("link", name="Saturday POTS walkers").click()
    with coordinator.expect_navigation():
        coordinator.get_by_role("button", name="Start review").click()
    with coordinator.expect_navigation():
        coordinator.get_by_role("link", name="Vet", exact=True).click()
    assert coordinator.get_by_label("Reviewed on").input_value() == today().isoformat()
    for criterion in Criterion:
        coordinator.get_by_role("group", name=str(criterion.label)).get_by_label("Met", exact=True).check()
    with coordinator.expect_navigation():
        coordinator.get_by_role("button", name="Record the review").click()
    assert Listing.objects.get(name="Saturday POTS walkers").status == Listing.Status.VETTED

    visitor.goto("/directory/?q=POTS")
    with visitor.expect_navigation():
        visitor.get_by_role("link", name="Saturday POTS walkers").click()
    assert visitor.get_by_text("Vetted by Riverside Health on").is_visible()


@pytest.mark.parametrize("path", ["/directory/suggest/", "suggest-edit/"])
def test_suggestion_forms_have_no_serious_accessibility_violations(axe_page, path: str) -> None:
    listing = vetted(make_world(), "Tuesday POTS circle", conditions=("POTS",))
    axe_page.goto(path if path.startswith("/") else f"/directory/{listing.pk}/{path}")
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Send").click()  # empty: the errors are on the page too
    assert axe_page.locator(".nhsuk-error-summary").is_visible()
    violations = axe_violations(axe_page)
    assert not violations, f"{path}:\n{describe(violations)}"


@pytest.mark.parametrize("path", ["", "{id}/", "{id}/vet/", "{id}/edit/", "{id}/delist/", "new/"])
def test_vetting_pages_have_no_serious_accessibility_violations(axe_page, path: str) -> None:
    world = make_world()
    vetted(world, "Tuesday POTS circle", conditions=("POTS",))
    listing = submit("Long COVID coffee", conditions=("long covid",))
    services.review_start(actor=world.people["coordinator"], listing=listing, organisation=world.home)
    staff_sign_in(axe_page, world.people["coordinator"])
    axe_page.goto("/directory/vetting/" + path.format(id=listing.pk))
    violations = axe_violations(axe_page)
    assert not violations, f"{path}:\n{describe(violations)}"
