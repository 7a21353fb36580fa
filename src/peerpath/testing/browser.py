"""What every app's browser tests share: Playwright fixtures and helpers (signing in, e-mailed links, axe-core).

A pytest plugin (the root conftest.py lists it), so one session-scoped Chromium serves every app's browser tests:
two copies of a session fixture would start two Playwright loops, and the second refuses to start inside the first.
The machine's Chromium runs headless against pytest-django's live server. Nothing is downloaded: `playwright
install` is never run; the tests skip when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

REPO_ROOT = Path(__file__).resolve().parents[3]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def staff_sign_in(page: Any, user: Any) -> None:
    """Sign a staff persona in as a person would: password, then the code from their authenticator app."""
    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    from peerpath.testing.personas import PERSONA_PASSWORD, TOTP_SECRET

    sign_in(page, user.email, PERSONA_PASSWORD)
    for _attempt in range(2):
        # A code typed in the last seconds of its 30-second window can arrive after it (a slow run, PostgreSQL in
        # CI): wait for a fresh window then, and try once more if the code was still too late.
        left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
        if left < 5:
            time.sleep(left + 0.5)
        counter = next(yield_hotp_counters_from_time())
        page.locator("input[name=code]").fill(format_hotp_value(hotp_value(TOTP_SECRET, counter)))
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        if "/2fa/authenticate" not in page.url:
            return
    raise AssertionError(f"{user.email} could not complete two-factor sign-in")


def last_link_in_mail() -> str:
    """The first link in the newest e-mail (mail.outbox is shared with the live server's thread)."""
    assert mail.outbox, "no e-mail was sent"
    match = re.search(r"https?://\S+", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(0)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the current page; return the serious and critical violations."""
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    results = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [v for v in results["violations"] if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        impact, rule = violation["impact"], violation["id"]
        lines.append(f"[{impact}] {rule}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_context_factory() -> Iterator[Callable[..., Any]]:
    """Start Chromium once per session; hand out fresh, isolated contexts (cookies, storage)."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed at /usr/bin/chromium: browser tests skipped (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test itself
    # (creating people, reading mail) are synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            # launch() gives every run a fresh, throw-away profile directory (Playwright refuses
            # --user-data-dir here), and each test gets its own context: no state leaks between tests.
            args=CHROMIUM_ARGS,
        )
        contexts = []

        def new_context(**options):
            # A desktop window unless the test asks for another (a phone's viewport, say).
            context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
            context.set_default_timeout(15_000)
            contexts.append(context)
            return context

        yield new_context
        for context in contexts:
            context.close()
        browser.close()


@pytest.fixture
def page(browser_context_factory, live_server):
    """A fresh browser tab whose relative URLs point at the live server."""
    context = browser_context_factory(base_url=live_server.url)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def axe_page(browser_context_factory, live_server):
    """Like `page`, for accessibility checks: axe-core is evaluated in the page (not subject to its CSP)."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` in {REPO_ROOT} to install axe-core.")
    context = browser_context_factory(base_url=live_server.url)
    tab = context.new_page()
    yield tab
    context.close()
