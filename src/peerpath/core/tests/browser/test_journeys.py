"""Core journeys in a real browser: signing up, signing in, and doing it all with the keyboard."""

from __future__ import annotations

import pytest
from django.core import mail

from peerpath.testing.browser import last_link_in_mail, sign_in
from peerpath.testing.personas import PERSONA_PASSWORD, make_user

pytestmark = pytest.mark.browser

NEW_PASSWORD = "lantern orchard pebble 7391"


def test_member_signs_up_verifies_email_and_signs_in(page) -> None:
    mail.outbox.clear()
    page.goto("/accounts/signup/")
    page.get_by_label("Email", exact=True).fill("robin@example.org")
    page.get_by_label("Handle", exact=True).fill("robin-r")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)", exact=True).fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign up").click()
    assert "/accounts/confirm-email/" in page.url, page.content()

    page.goto(last_link_in_mail())
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()

    sign_in(page, "robin@example.org", NEW_PASSWORD)
    assert page.get_by_role("banner").get_by_text("robin-r").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, robin-r"


def test_sign_in_page_works_with_the_keyboard_alone(page) -> None:
    make_user("kim-keys", email="kim@example.org")
    page.goto("/accounts/login/")

    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.className, document.activeElement.hash]")
    assert focused == ["nhsuk-skip-link", "#maincontent"]
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "maincontent"

    # From the main content, Tab walks the page in order: the sign-up link, e-mail, the password's
    # "Forgot your password?" hint link, password, the button.
    email = page.get_by_label("Email", exact=True)
    for _ in range(10):
        page.keyboard.press("Tab")
        if email.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the e-mail field")
    page.keyboard.type("kim@example.org")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Forgot your password?"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "password"
    page.keyboard.type(PERSONA_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.get_by_role("banner").get_by_text("kim-keys").is_visible()
