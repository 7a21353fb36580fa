"""The print page in a real browser: its script runs under the CSP, it passes axe, and on paper it is the sheet."""

from __future__ import annotations

import pytest

from peerpath.prescriptions.tests.helpers import sent
from peerpath.prescriptions.tests.test_print import SEED_SENTENCE, print_url
from peerpath.testing.browser import axe_violations, describe, staff_sign_in
from peerpath.testing.personas import make_world

pytestmark = pytest.mark.browser


def test_the_print_page_prints_only_the_sheet_and_passes_axe(axe_page):
    page = axe_page
    world = make_world()
    prescription, issued = sent(world)
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    staff_sign_in(page, world.people["clinician"])
    page.goto(print_url(prescription))

    # The script ran (the CSP let it): the Print button shows; the QR code has its name and a real size.
    assert page.get_by_role("button", name="Print").is_visible()
    qr = page.get_by_role("img", name="QR code of the invitation link")
    box = qr.bounding_box()
    assert box is not None and box["width"] > 100 and abs(box["width"] - box["height"]) < 1
    assert page.get_by_text(issued.code, exact=True).is_visible()
    assert not refused, refused
    violations = axe_violations(page)
    assert not violations, describe(violations)

    # On paper: the sheet only, without the site's header, footer and the page's buttons.
    page.emulate_media(media="print")
    assert page.locator("header.nhsuk-header").is_hidden()
    assert page.locator("footer.nhsuk-footer").is_hidden()
    assert page.get_by_role("link", name="Download PDF").is_hidden()
    assert page.get_by_text(SEED_SENTENCE, exact=True).is_visible()
    assert qr.is_visible()
