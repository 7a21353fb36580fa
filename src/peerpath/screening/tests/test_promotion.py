"""Promotion that does not punish peers (issue 15 point 4)."""

from __future__ import annotations

import pytest

from peerpath.screening.core import DECIDING_CONFIDENCE, Context
from peerpath.screening.detectors import promotion


def flagged(text: str, context: Context | None = None) -> bool:
    findings = promotion.DETECTOR.detect(text, context or Context())
    return any(finding.confidence >= DECIDING_CONFIDENCE for finding in findings)


@pytest.mark.parametrize(
    "text",
    [
        "PM me if you want to talk, I've been there.",
        "The NHS page helped me: https://www.nhs.uk/conditions/pots/ and https://www.potsuk.org/ too",
        "If it gets bad call 988 or text HOME to 741741.",
        "Our group meets at the centre, details on https://www.leedsmind.org.uk/groups",
    ],
)
def test_peers_help_lines_and_vetted_links_are_fine(text: str) -> None:
    assert not flagged(text, Context(allowed_hosts=frozenset({"leedsmind.org.uk"})))


@pytest.mark.parametrize(
    "text",
    [
        "Subscribe to my channel for more recovery vlogs!",
        "follow for follow? f4f",
        "Use code HEAL20 for 20% off at checkout",
        "https://amzn.to/3xYz get the magnesium here",
        "WINNER!! You have won a guaranteed cash prize, claim your prize now, text WIN to 87121",
        "DM me for prices, only £20 a bottle",
    ],
)
def test_channels_codes_affiliates_and_sales_are_promotion(text: str) -> None:
    assert flagged(text)


def test_links_from_a_new_account_posting_link_after_link_are_promotion() -> None:
    text = "Worth a read https://recovery-tips.example/post"
    assert not flagged(text, Context(author_is_new=True, author_recent_links=0))
    assert flagged(text, Context(author_is_new=True, author_recent_links=4))
    assert not flagged(text, Context(author_is_new=False, author_recent_links=4))
