"""Playwright fixtures: the machine's Chromium, headless, against pytest-django's live server.

Nothing is downloaded: `playwright install` is never run; the tests skip when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from peerpath.core.tests.browser.helpers import AXE_JS, REPO_ROOT

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
            context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
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
