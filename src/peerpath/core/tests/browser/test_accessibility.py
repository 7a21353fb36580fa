"""axe-core on the main pages (SECURITY.md figure 14): 0 serious or critical WCAG 2.2 AA violations."""

from __future__ import annotations

import pytest

from peerpath.testing.browser import axe_violations, describe, sign_in
from peerpath.testing.personas import PERSONA_PASSWORD, make_world

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/no-such-page/"])
def test_public_pages_have_no_serious_accessibility_violations(axe_page, path: str) -> None:
    axe_page.goto(path)
    violations = axe_violations(axe_page)
    assert not violations, f"{path}:\n{describe(violations)}"


def test_signup_errors_have_no_serious_accessibility_violations(axe_page) -> None:
    axe_page.goto("/accounts/signup/")
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Sign up").click()
    assert axe_page.locator(".nhsuk-error-summary").is_visible()
    violations = axe_violations(axe_page)
    assert not violations, describe(violations)


@pytest.mark.parametrize("path", ["/", "/settings/", "/accounts/2fa/", "/accounts/email/"])
def test_member_pages_have_no_serious_accessibility_violations(axe_page, path: str) -> None:
    world = make_world()
    sign_in(axe_page, world.people["member"].email, PERSONA_PASSWORD)
    axe_page.goto(path)
    assert axe_page.get_by_role("banner").get_by_text("member").first.is_visible()
    violations = axe_violations(axe_page)
    assert not violations, f"{path}:\n{describe(violations)}"
