"""Shared set-up for the safety-net tests of issue 15 (points 5, 8 and 9): a fake detector driven by marker words,
so that the tests say what screening found without depending on the real detectors' wording."""

from __future__ import annotations

from typing import Any

import pytest

from peerpath.screening.categories import Category
from peerpath.screening.core import Context, Finding

CRISIS_TEXT = "I can't do this any more. I want to end it all tonight."
LINK_TEXT = "This helped me a lot: https://magnesium-deals.example.com/buy now."
PROMOTION_TEXT = "Great results, use discount code PAIN20 for your order."
MYTH_TEXT = "Honestly cinnamon cures diabetes, I stopped worrying."
MEDICAL_TEXT = "Just stop taking your metformin, you do not need it."
PHONE_TEXT = "Ring me on 07700 900123 any evening and we can talk."
EMAIL_TEXT = "Write to me at jo.bloggs@example.com if you like."
HELPLINE_TEXT = "When it got bad I called Samaritans on 116 123 and it helped."
HARMLESS_TEXT = "Hello everyone, I am new here and glad to find you."


class FakeDetector:
    """Finds a category by a marker phrase, with the evidence a real detector would keep."""

    name = "fake"
    category = "any"
    markers: dict[str, tuple[str, str]] = {
        "end it all": (Category.CRISIS, "end it all"),
        "magnesium-deals": (Category.PROMOTION, "https://magnesium-deals.example.com/buy"),
        "discount code": (Category.PROMOTION, "discount code PAIN20"),
        "cinnamon cures": (Category.MISINFORMATION, "cinnamon cures diabetes"),
        "stop taking": (Category.MEDICAL_INSTRUCTIONS, "stop taking your metformin"),
        "07700 900123": (Category.PERSONAL_DATA, "07700 900123"),
        "jo.bloggs@example.com": (Category.PERSONAL_DATA, "jo.bloggs@example.com"),
    }

    def detect(self, text: str, context: Context) -> list[Finding]:
        lowered = text.lower()
        return [
            Finding(category, 0.9, evidence, self.name)
            for marker, (category, evidence) in self.markers.items()
            if marker in lowered
        ]


@pytest.fixture
def fake_screening(monkeypatch: Any) -> None:
    monkeypatch.setattr("peerpath.screening.detectors.ALL", [FakeDetector()])
