"""The public directory in a real browser: a patient at 2 a.m. finds a POTS group without an account."""

from __future__ import annotations

import pytest

from peerpath.directory.geo import resolve_place
from peerpath.directory.tests.helpers import submit, vetted
from peerpath.testing.browser import axe_violations, describe
from peerpath.testing.personas import make_world

pytestmark = pytest.mark.browser


def _directory():
    world = make_world()
    vetted(world, "Tuesday POTS circle", conditions=("POTS",), format="online", cadence="weekly",
           summary="A weekly video call for people with POTS.", rule_no_medical_advice=True)  # fmt: skip
    vetted(world, "POTS coffee Leeds", conditions=("POTS",), format="in_person", cadence="monthly", city="Leeds",
           latitude=53.7965, longitude=-1.5478)  # fmt: skip
    vetted(world, "Breathe easy walkers", conditions=("COPD",), format="in_person", city="Truro",
           latitude=50.2653, longitude=-5.0544)  # fmt: skip
    return world, submit("Not yet vetted POTS group", conditions=("POTS",))


def test_a_patient_finds_an_online_weekly_pots_group_and_its_vetting_without_signing_in(page) -> None:
    _directory()
    page.goto("/")
    page.get_by_label("Find a vetted peer-support group").fill("POTS")
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()
    assert page.get_by_role("heading", name="2 groups found").is_visible()
    assert page.get_by_text("Not yet vetted POTS group").count() == 0

    page.get_by_label("Online", exact=True).check()
    page.get_by_label("Weekly", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()
    assert "format=online" in page.url and "cadence=weekly" in page.url
    assert page.get_by_role("heading", name="1 group found").is_visible()

    with page.expect_navigation():
        page.get_by_role("link", name="Tuesday POTS circle").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Tuesday POTS circle"
    assert page.get_by_text("Vetted by Riverside Health on").is_visible()
    assert page.get_by_text("No medical advice").is_visible()
    assert page.get_by_role("link", name="Suggest an edit").is_visible()


def test_search_works_by_keyboard_alone(page) -> None:
    _directory()
    page.goto("/directory/")
    field = page.get_by_label("Condition, group or keyword")
    for _ in range(25):
        page.keyboard.press("Tab")
        if field.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the search field")
    page.keyboard.type("emphysema")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="1 group found").is_visible()
    assert page.get_by_role("link", name="Breathe easy walkers").is_visible()


@pytest.mark.parametrize(
    "path",
    ["/directory/", "/directory/?q=POTS", "/directory/?q=POTS&format=in_person&cadence=weekly",
     "/directory/?radius=10", "/directory/?near=Leeds&radius=25&sort=distance"],
)  # fmt: skip
def test_directory_pages_have_no_serious_accessibility_violations(axe_page, path: str) -> None:
    _directory()
    if "near=" in path:
        # The gazetteer is read once per process, seconds of CPU when two test workers share the machine: read here,
        # so the page's 15-second budget covers the page, not that first read (the live server shares this process).
        resolve_place("Leeds")
    axe_page.goto(path)
    violations = axe_violations(axe_page)
    assert not violations, f"{path}:\n{describe(violations)}"


def test_a_listing_page_has_no_serious_accessibility_violations(axe_page) -> None:
    _directory()
    axe_page.goto("/directory/?q=Tuesday")
    with axe_page.expect_navigation():
        axe_page.get_by_role("link", name="Tuesday POTS circle").click()
    violations = axe_violations(axe_page)
    assert not violations, describe(violations)
